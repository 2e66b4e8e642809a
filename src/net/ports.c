/* ports.c - port lists: "445,139", "1-1024,8445", "445,U:137".
 *
 * Items are separated by commas; each is a port or an inclusive range,
 * optionally prefixed nmap-style with "T:" (TCP, the default) or "U:"
 * (UDP); the prefix holds for the items after it until the next one.
 * Duplicates are dropped and the first-seen order is kept, because the
 * order is the order ports are tried on a host (445 before 139 by habit). */
#include "net/ports.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse one decimal port from [s, end); false unless it is 1-65535. */
static bool parse_port(const char *s, const char *end, unsigned *out)
{
	unsigned long v = 0;
	if (s == end || end - s > 5)
		return false;
	for (const char *p = s; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*out = (unsigned)v;
	return true;
}

static int bad(char *err, size_t errsz, const char *item, size_t n, const char *why)
{
	snprintf(err, errsz, "bad port '%.*s': %s", (int)(n > 64 ? 64 : n), item, why);
	return -1;
}

int ports_parse(const char *spec, struct port_list *pl, char *err, size_t errsz)
{
	pl->n = 0;
	pl->ports = NULL;
	pl->udp = NULL;
	/* a bitmap per protocol makes "unique" O(1) per port, even for 1-65535 */
	uint8_t *seen = calloc(2 * 65536 / 8, 1);
	uint16_t *ports = malloc(2 * 65535 * sizeof *ports);
	uint8_t *udp = calloc(2 * 65535, 1);
	bool any_udp = false, in_udp = false;
	if (!seen || !ports || !udp) {
		free(seen);
		free(ports);
		free(udp);
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	unsigned n = 0;
	const char *p = spec;
	for (;;) {
		const char *start = p;
		while (*p && *p != ',')
			p++;
		const char *end = p;
		/* tolerate spaces around items: "445, 139" */
		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		/* "U:" / "T:" switch the protocol for this item and the next */
		if (end - start >= 2 && start[1] == ':' &&
		    (toupper((unsigned char)start[0]) == 'U' ||
		     toupper((unsigned char)start[0]) == 'T')) {
			in_udp = toupper((unsigned char)start[0]) == 'U';
			start += 2;
		}
		size_t len = (size_t)(end - start);
		if (len == 0) {
			snprintf(err, errsz, "bad port list '%s': empty item", spec);
			goto fail;
		}
		const char *dash = memchr(start, '-', len);
		unsigned a, b;
		if (dash) {
			if (!parse_port(start, dash, &a) || !parse_port(dash + 1, end, &b)) {
				bad(err, errsz, start, len, "must be 1-65535");
				goto fail;
			}
			if (b < a) {
				bad(err, errsz, start, len, "range end is before its start");
				goto fail;
			}
		} else {
			if (!parse_port(start, end, &a)) {
				bad(err, errsz, start, len, "must be 1-65535");
				goto fail;
			}
			b = a;
		}
		for (unsigned v = a; v <= b; v++) {
			unsigned bit = v + (in_udp ? 65536u : 0u);
			if (seen[bit >> 3] & (1u << (bit & 7)))
				continue;
			seen[bit >> 3] |= (uint8_t)(1u << (bit & 7));
			udp[n] = in_udp;
			any_udp |= in_udp;
			ports[n++] = (uint16_t)v;
		}
		if (*p == '\0')
			break;
		p++;
	}
	free(seen);
	uint16_t *shrunk = realloc(ports, n * sizeof *ports);
	pl->ports = shrunk ? shrunk : ports;
	pl->n = n;
	if (any_udp) {
		uint8_t *u = realloc(udp, n);
		pl->udp = u ? u : udp;
	} else {
		free(udp);
	}
	return 0;
fail:
	free(seen);
	free(ports);
	free(udp);
	return -1;
}

int ports_has_udp(const struct port_list *pl)
{
	for (unsigned i = 0; i < pl->n; i++)
		if (ports_is_udp(pl, i))
			return 1;
	return 0;
}

void ports_free(struct port_list *pl)
{
	if (!pl)
		return;
	free(pl->ports);
	free(pl->udp);
	pl->ports = NULL;
	pl->udp = NULL;
	pl->n = 0;
}
