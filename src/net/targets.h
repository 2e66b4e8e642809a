/* targets.h - the set of addresses a scan may touch.
 *
 * A target set is a list of address ranges (IPv4 and IPv6), built from
 * specs (address, CIDR, range, host name, file), minus excludes. It never
 * stores one entry per address: counting and index -> address are computed
 * over the ranges, so a /8 costs a few bytes (the permutation of issue 4
 * walks indices). Excludes are applied when the set is finalised and always
 * win over includes. */
#ifndef SMBW_NET_TARGETS_H
#define SMBW_NET_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct target_set;

struct target_set *targets_new(void);
void targets_free(struct target_set *t);
/* Name resolution is on by default. Off (fuzzing, --no-resolve style
 * options), a syntactically valid host name is an error
 * ("bad target 'x': name resolution is disabled") and no DNS query is made. */
void targets_set_resolve(struct target_set *t, bool on);

/* Add one spec:
 *   198.18.1.5           2001:2::5
 *   198.18.1.0/24        2001:2::/120
 *   198.18.1.10-20       (last octet range)
 *   198.18.1.10-198.18.2.5   2001:2::1-2001:2::ff
 *   host.name            (resolved with getaddrinfo; every A/AAAA is added)
 * Returns 0, or -1 with a one-line message naming the spec in err
 * (e.g. "bad target '198.18.1.0/33': prefix length must be 0-32"). */
int targets_add(struct target_set *t, const char *spec, char *err, size_t errsz);
/* Same for an exclude (host names are resolved too). */
int targets_exclude(struct target_set *t, const char *spec, char *err, size_t errsz);
/* Comma- or whitespace-separated list of specs (for --exclude LIST, and
 * the sensor's --approved-scanners LIST). */
int targets_add_list(struct target_set *t, const char *list, char *err, size_t errsz);
int targets_exclude_list(struct target_set *t, const char *list, char *err, size_t errsz);
/* One spec a line; '#' starts a comment; blank lines ignored. Errors name
 * the file and line ("hosts.txt:3: bad target 'foo..bar': ..."), or the
 * file when it cannot be read. */
int targets_add_file(struct target_set *t, const char *path, char *err, size_t errsz);
int targets_exclude_file(struct target_set *t, const char *path, char *err, size_t errsz);

/* Apply excludes, merge overlaps, drop duplicates. Call once after adding
 * everything and before count/get. */
void targets_finalize(struct target_set *t);

/* Number of distinct addresses (after finalize); saturates at UINT64_MAX. */
uint64_t targets_count(const struct target_set *t);
/* The idx-th address (0 <= idx < count) in a fixed order (IPv4 ranges
 * ascending, then IPv6), port left 0. O(log ranges). false if out of range. */
bool targets_get(const struct target_set *t, uint64_t idx, struct sockaddr_storage *out);
/* The inverse of targets_get: the index of the address in ss (port
 * ignored); false if the set does not hold it. O(log ranges). */
bool targets_index(const struct target_set *t, const struct sockaddr_storage *ss, uint64_t *idx);
/* Membership (port ignored), for sets of any size: unlike targets_index
 * it also answers for IPv6 ranges wider than 2^64. */
bool targets_contains(const struct target_set *t, const struct sockaddr_storage *ss);
/* Addresses of one family (AF_INET, AF_INET6) after finalize; saturates. */
uint64_t targets_count_family(const struct target_set *t, int family);
/* True when the set is larger than a /16 of IPv4 (65,536 addresses) or a
 * /112 of IPv6 (65,536) — what --force-large must confirm. */
bool targets_is_large(const struct target_set *t);

#endif
