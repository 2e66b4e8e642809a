/* test_targets.c - target sets: parsing, errors, merges, excludes, counts,
 * index -> address, large-set rule, IPv6. Only 198.18.0.0/15, 2001:2::/48
 * and loopback are used as real targets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/targets.h"

static char err[256];

/* Text of the idx-th address, or "-" when targets_get refuses. */
static const char *addr_at(const struct target_set *t, uint64_t idx)
{
	static char buf[INET6_ADDRSTRLEN];
	struct sockaddr_storage ss;
	if (!targets_get(t, idx, &ss))
		return "-";
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
		assert_int_equal(s4->sin_port, 0);
		inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
		assert_int_equal(ss.ss_family, AF_INET6);
		assert_int_equal(s6->sin6_port, 0);
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
	}
	return buf;
}

static struct target_set *set_of(const char *const *specs)
{
	struct target_set *t = targets_new();
	for (; *specs; specs++) {
		err[0] = '\0';
		if (targets_add(t, *specs, err, sizeof err) != 0)
			fail_msg("targets_add(%s): %s", *specs, err);
	}
	targets_finalize(t);
	return t;
}

static void test_single_and_cidr(void **state)
{
	(void)state;
	const char *specs[] = { "198.18.1.5", "198.18.2.0/30", NULL };
	struct target_set *t = set_of(specs);
	assert_int_equal(targets_count(t), 5);
	assert_string_equal(addr_at(t, 0), "198.18.1.5");
	assert_string_equal(addr_at(t, 1), "198.18.2.0");
	assert_string_equal(addr_at(t, 4), "198.18.2.3");
	assert_string_equal(addr_at(t, 5), "-");
	assert_false(targets_is_large(t));
	targets_free(t);
}

static void test_cidr_host_bits(void **state)
{
	(void)state;
	/* host bits set: the whole network is scanned */
	const char *specs[] = { "198.18.1.77/24", NULL };
	struct target_set *t = set_of(specs);
	assert_int_equal(targets_count(t), 256);
	assert_string_equal(addr_at(t, 0), "198.18.1.0");
	assert_string_equal(addr_at(t, 255), "198.18.1.255");
	targets_free(t);
}

static void test_cidr_edges(void **state)
{
	(void)state;
	const char *s32[] = { "198.18.1.9/32", NULL };
	struct target_set *t = set_of(s32);
	assert_int_equal(targets_count(t), 1);
	assert_string_equal(addr_at(t, 0), "198.18.1.9");
	targets_free(t);

	const char *s0[] = { "198.18.0.0/0", NULL };
	t = set_of(s0);
	assert_int_equal(targets_count(t), 4294967296ULL);
	assert_string_equal(addr_at(t, 0), "0.0.0.0");
	assert_string_equal(addr_at(t, 4294967295ULL), "255.255.255.255");
	assert_string_equal(addr_at(t, 4294967296ULL), "-");
	assert_true(targets_is_large(t));
	targets_free(t);
}

static void test_ranges(void **state)
{
	(void)state;
	const char *specs[] = { "198.18.1.10-20", NULL };
	struct target_set *t = set_of(specs);
	assert_int_equal(targets_count(t), 11);
	assert_string_equal(addr_at(t, 0), "198.18.1.10");
	assert_string_equal(addr_at(t, 10), "198.18.1.20");
	targets_free(t);

	const char *full[] = { "198.18.1.10-198.18.2.5", NULL };
	t = set_of(full);
	assert_int_equal(targets_count(t), 246 + 6);
	assert_string_equal(addr_at(t, 245), "198.18.1.255");
	assert_string_equal(addr_at(t, 246), "198.18.2.0");
	assert_string_equal(addr_at(t, 251), "198.18.2.5");
	targets_free(t);

	const char *one[] = { "198.18.1.10-10", NULL };
	t = set_of(one);
	assert_int_equal(targets_count(t), 1);
	targets_free(t);
}

static void test_merge_overlap_adjacent_dup(void **state)
{
	(void)state;
	/* overlapping, adjacent, duplicate and out-of-order specs */
	const char *specs[] = { "198.18.1.20-30", "198.18.1.10-25", "198.18.1.31",
				"198.18.1.31", "198.18.1.0/28", "198.18.0.1", NULL };
	struct target_set *t = set_of(specs);
	/* 198.18.0.1 + 198.18.1.0..31 */
	assert_int_equal(targets_count(t), 33);
	assert_string_equal(addr_at(t, 0), "198.18.0.1");
	assert_string_equal(addr_at(t, 1), "198.18.1.0");
	assert_string_equal(addr_at(t, 32), "198.18.1.31");
	targets_free(t);
}

static void test_excludes(void **state)
{
	(void)state;
	struct target_set *t = targets_new();
	assert_int_equal(targets_add(t, "198.18.1.0/24", err, sizeof err), 0);
	assert_int_equal(targets_exclude(t, "198.18.1.0", err, sizeof err), 0);
	assert_int_equal(targets_exclude_list(t, "198.18.1.10-19, 198.18.1.255,198.18.1.128/25",
					      err, sizeof err),
			 0);
	/* an exclude outside every include changes nothing */
	assert_int_equal(targets_exclude(t, "198.19.0.0/16", err, sizeof err), 0);
	targets_finalize(t);
	/* 256 - 1 - 10 - 128 (255 is inside 128/25) */
	assert_int_equal(targets_count(t), 117);
	assert_string_equal(addr_at(t, 0), "198.18.1.1");
	assert_string_equal(addr_at(t, 8), "198.18.1.9");
	assert_string_equal(addr_at(t, 9), "198.18.1.20");
	assert_string_equal(addr_at(t, 116), "198.18.1.127");
	assert_string_equal(addr_at(t, 117), "-");
	targets_free(t);
}

static void test_exclude_spans_includes(void **state)
{
	(void)state;
	struct target_set *t = targets_new();
	assert_int_equal(targets_add(t, "198.18.1.1-5", err, sizeof err), 0);
	assert_int_equal(targets_add(t, "198.18.1.10-15", err, sizeof err), 0);
	assert_int_equal(targets_add(t, "198.18.1.20-25", err, sizeof err), 0);
	/* one exclude eating the tail of the first, all of the second and
	 * the head of the third include */
	assert_int_equal(targets_exclude(t, "198.18.1.4-198.18.1.21", err, sizeof err), 0);
	targets_finalize(t);
	assert_int_equal(targets_count(t), 3 + 4);
	assert_string_equal(addr_at(t, 2), "198.18.1.3");
	assert_string_equal(addr_at(t, 3), "198.18.1.22");
	targets_free(t);

	/* excluding everything leaves an empty set */
	t = targets_new();
	assert_int_equal(targets_add(t, "198.18.1.0/24", err, sizeof err), 0);
	assert_int_equal(targets_exclude(t, "198.18.0.0/15", err, sizeof err), 0);
	targets_finalize(t);
	assert_int_equal(targets_count(t), 0);
	assert_string_equal(addr_at(t, 0), "-");
	targets_free(t);
}

static void test_ipv6(void **state)
{
	(void)state;
	const char *specs[] = { "2001:2::5", "2001:2::/120", "2001:2::1:0-2001:2::1:ff",
				"198.18.1.1", NULL };
	struct target_set *t = set_of(specs);
	/* 2001:2::5 is inside 2001:2::/120 */
	assert_int_equal(targets_count(t), 1 + 256 + 256);
	/* IPv4 first, then IPv6 ascending */
	assert_string_equal(addr_at(t, 0), "198.18.1.1");
	assert_string_equal(addr_at(t, 1), "2001:2::");
	assert_string_equal(addr_at(t, 256), "2001:2::ff");
	assert_string_equal(addr_at(t, 257), "2001:2::1:0");
	assert_string_equal(addr_at(t, 512), "2001:2::1:ff");
	assert_string_equal(addr_at(t, 513), "-");
	targets_free(t);
}

static void test_ipv6_large_and_saturate(void **state)
{
	(void)state;
	const char *s112[] = { "2001:2::/112", NULL };
	struct target_set *t = set_of(s112);
	assert_int_equal(targets_count(t), 65536);
	assert_false(targets_is_large(t));
	targets_free(t);

	const char *s111[] = { "2001:2::/111", NULL };
	t = set_of(s111);
	assert_int_equal(targets_count(t), 131072);
	assert_true(targets_is_large(t));
	assert_string_equal(addr_at(t, 131071), "2001:2::1:ffff");
	targets_free(t);

	const char *s48[] = { "2001:2::/48", NULL };
	t = set_of(s48);
	assert_int_equal(targets_count(t), UINT64_MAX);
	assert_string_equal(addr_at(t, 0), "2001:2::");
	assert_string_equal(addr_at(t, 65536), "2001:2::1:0");
	assert_true(targets_is_large(t));
	targets_free(t);

	/* 2001:2::/64 holds exactly 2^64 addresses: saturates too */
	const char *s64[] = { "2001:2::/64", "198.18.1.1", NULL };
	t = set_of(s64);
	assert_int_equal(targets_count(t), UINT64_MAX);
	targets_free(t);

	/* the high half of a prefix that is not 64-aligned */
	const char *s63[] = { "2001:2:0:1::9/63", NULL };
	t = set_of(s63);
	assert_string_equal(addr_at(t, 0), "2001:2::");
	targets_free(t);
}

static void test_large_rule_v4(void **state)
{
	(void)state;
	const char *s16[] = { "198.18.0.0/16", NULL };
	struct target_set *t = set_of(s16);
	assert_int_equal(targets_count(t), 65536);
	assert_false(targets_is_large(t));
	targets_free(t);

	const char *s16p1[] = { "198.18.0.0/16", "198.19.0.0", NULL };
	t = set_of(s16p1);
	assert_int_equal(targets_count(t), 65537);
	assert_true(targets_is_large(t));
	targets_free(t);
}

static void test_slash8_costs_nothing(void **state)
{
	(void)state;
	/* a /8 (as --force-large would allow) is one range: counting and
	 * indexing never allocate per address, so this is instant */
	const char *s8[] = { "127.0.0.0/8", NULL };
	struct target_set *t = set_of(s8);
	assert_int_equal(targets_count(t), 16777216);
	assert_true(targets_is_large(t));
	assert_string_equal(addr_at(t, 0), "127.0.0.0");
	assert_string_equal(addr_at(t, 16777215), "127.255.255.255");
	assert_string_equal(addr_at(t, 65536 + 258), "127.1.1.2");
	targets_free(t);
}

static void test_many_ranges_binary_search(void **state)
{
	(void)state;
	/* every other address of 198.18.0.0/22: 512 single ranges */
	struct target_set *t = targets_new();
	char spec[32];
	for (unsigned i = 0; i < 1024; i += 2) {
		snprintf(spec, sizeof spec, "198.18.%u.%u", i / 256, i % 256);
		assert_int_equal(targets_add(t, spec, err, sizeof err), 0);
	}
	targets_finalize(t);
	assert_int_equal(targets_count(t), 512);
	for (unsigned k = 0; k < 512; k++) {
		unsigned i = 2 * k;
		snprintf(spec, sizeof spec, "198.18.%u.%u", i / 256, i % 256);
		assert_string_equal(addr_at(t, k), spec);
	}
	targets_free(t);
}

struct bad_case {
	const char *spec;
	const char *msg;
};

static void test_errors(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ "198.18.1.0/33", "bad target '198.18.1.0/33': prefix length must be 0-32" },
		{ "2001:2::/129", "bad target '2001:2::/129': prefix length must be 0-128" },
		{ "198.18.1.0/abc", "bad target '198.18.1.0/abc': prefix length must be 0-32" },
		{ "198.18.1.0/", "bad target '198.18.1.0/': prefix length must be 0-32" },
		{ "198.18.1.0/-1", "bad target '198.18.1.0/-1': prefix length must be 0-32" },
		{ "198.18.1.0/0024", "bad target '198.18.1.0/0024': prefix length must be 0-32" },
		{ "foo..bar",
		  "bad target 'foo..bar': not an address, range, CIDR or resolvable name" },
		{ ".foo", "bad target '.foo': not an address, range, CIDR or resolvable name" },
		{ "foo bar", "bad target 'foo bar': not an address, range, CIDR or resolvable name" },
		{ "198.18.1.256",
		  "bad target '198.18.1.256': not an address, range, CIDR or resolvable name" },
		{ "198.18.1", "bad target '198.18.1': not an address, range, CIDR or resolvable name" },
		{ "nothost/24",
		  "bad target 'nothost/24': not an address, range, CIDR or resolvable name" },
		{ "198.18.1.20-10", "bad target '198.18.1.20-10': range end is before its start" },
		{ "198.18.2.0-198.18.1.255",
		  "bad target '198.18.2.0-198.18.1.255': range end is before its start" },
		{ "2001:2::ff-2001:2::1",
		  "bad target '2001:2::ff-2001:2::1': range end is before its start" },
		{ "198.18.1.10-256", "bad target '198.18.1.10-256': range end must be 0-255" },
		{ "198.18.1.10-",
		  "bad target '198.18.1.10-': range end is not an address of the same family" },
		{ "198.18.1.1-2001:2::1",
		  "bad target '198.18.1.1-2001:2::1': range end is not an address of the same family" },
		{ "", "bad target '': empty" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct target_set *t = targets_new();
		err[0] = '\0';
		assert_int_equal(targets_add(t, cases[i].spec, err, sizeof err), -1);
		assert_string_equal(err, cases[i].msg);
		/* the same messages for excludes */
		err[0] = '\0';
		assert_int_equal(targets_exclude(t, cases[i].spec, err, sizeof err), -1);
		assert_string_equal(err, cases[i].msg);
		targets_free(t);
	}
	/* a 63-character label is fine syntactically, 64 is not */
	char name[128];
	memset(name, 'a', 64);
	memcpy(name + 64, ".test", 6);
	struct target_set *t = targets_new();
	assert_int_equal(targets_add(t, name, err, sizeof err), -1);
	assert_non_null(strstr(err, "not an address, range, CIDR or resolvable name"));
	targets_free(t);
}

static void test_noresolve(void **state)
{
	(void)state;
	struct target_set *t = targets_new();
	targets_set_resolve(t, false);
	assert_int_equal(targets_add(t, "lab-host.example", err, sizeof err), -1);
	assert_string_equal(err, "bad target 'lab-host.example': name resolution is disabled");
	/* addresses still work */
	assert_int_equal(targets_add(t, "198.18.1.1", err, sizeof err), 0);
	targets_finalize(t);
	assert_int_equal(targets_count(t), 1);
	targets_free(t);
}

static void test_resolve_localhost(void **state)
{
	(void)state;
	/* "localhost" comes from /etc/hosts: no DNS traffic; it is 127.0.0.1
	 * and possibly ::1 */
	struct target_set *t = targets_new();
	assert_int_equal(targets_add(t, "localhost", err, sizeof err), 0);
	targets_finalize(t);
	assert_in_range(targets_count(t), 1, 2);
	assert_string_equal(addr_at(t, 0), "127.0.0.1");
	targets_free(t);
}

static char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/smbw_targets_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_file(void **state)
{
	(void)state;
	char *p = write_tmp("# lab hosts\n"
			    "198.18.1.1\n"
			    "\n"
			    "   198.18.1.2   # trailing comment\n"
			    "198.18.1.8/30\r\n"
			    "2001:2::1\n");
	struct target_set *t = targets_new();
	assert_int_equal(targets_add_file(t, p, err, sizeof err), 0);
	targets_finalize(t);
	assert_int_equal(targets_count(t), 7);
	assert_string_equal(addr_at(t, 2), "198.18.1.8");
	assert_string_equal(addr_at(t, 6), "2001:2::1");
	targets_free(t);
	unlink(p);

	p = write_tmp("198.18.1.1\n# ok\nfoo..bar\n");
	t = targets_new();
	assert_int_equal(targets_add_file(t, p, err, sizeof err), -1);
	char want[256];
	snprintf(want, sizeof want,
		 "%s:3: bad target 'foo..bar': not an address, range, CIDR or resolvable name", p);
	assert_string_equal(err, want);
	targets_free(t);
	unlink(p);

	/* exclude file */
	p = write_tmp("198.18.1.0/25\n");
	t = targets_new();
	assert_int_equal(targets_add(t, "198.18.1.0/24", err, sizeof err), 0);
	assert_int_equal(targets_exclude_file(t, p, err, sizeof err), 0);
	targets_finalize(t);
	assert_int_equal(targets_count(t), 128);
	assert_string_equal(addr_at(t, 0), "198.18.1.128");
	targets_free(t);
	unlink(p);
}

static void test_file_missing(void **state)
{
	(void)state;
	struct target_set *t = targets_new();
	assert_int_equal(targets_add_file(t, "/nonexistent/x.txt", err, sizeof err), -1);
	assert_string_equal(err, "cannot read '/nonexistent/x.txt': No such file or directory");
	assert_int_equal(targets_exclude_file(t, "/nonexistent/x.txt", err, sizeof err), -1);
	assert_string_equal(err, "cannot read '/nonexistent/x.txt': No such file or directory");
	targets_free(t);
}

static void test_exclude_list_error(void **state)
{
	(void)state;
	struct target_set *t = targets_new();
	assert_int_equal(targets_exclude_list(t, "198.18.1.1,198.18.1.0/33", err, sizeof err), -1);
	assert_string_equal(err, "bad target '198.18.1.0/33': prefix length must be 0-32");
	targets_free(t);
}

static bool contains(const struct target_set *t, const char *addr)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		fail_msg("bad test address %s", addr);
	return targets_contains(t, &ss);
}

/* targets_add_list + targets_contains (the sensor's --approved-scanners):
 * membership also for IPv6 ranges wider than the 2^64 that index counts */
static void test_add_list_contains(void **state)
{
	(void)state;
	char e[256];
	struct target_set *t = targets_new();
	targets_set_resolve(t, false);
	assert_int_equal(targets_add_list(t, "198.18.0.0/24, 198.19.1.7\t2001:2::/32", e,
					  sizeof e), 0);
	targets_finalize(t);
	assert_true(contains(t, "198.18.0.0"));
	assert_true(contains(t, "198.18.0.255"));
	assert_false(contains(t, "198.18.1.0"));
	assert_true(contains(t, "198.19.1.7"));
	assert_false(contains(t, "198.19.1.8"));
	assert_true(contains(t, "2001:2::1"));
	assert_true(contains(t, "2001:2:ffff:ffff:ffff:ffff:ffff:ffff"));
	assert_false(contains(t, "2001:3::"));
	assert_false(contains(t, "::ffff:198.18.0.1")); /* mapped v6 is not v4 */
	assert_int_equal(targets_add_list(t, "198.18.0.1,nope", e, sizeof e), -1);
	assert_non_null(strstr(e, "'nope'"));
	targets_free(t);
}

static void test_refinalize(void **state)
{
	(void)state;
	struct target_set *t = targets_new();
	assert_int_equal(targets_count(t), 0);
	assert_int_equal(targets_add(t, "198.18.1.0/24", err, sizeof err), 0);
	targets_finalize(t);
	assert_int_equal(targets_count(t), 256);
	assert_int_equal(targets_add(t, "198.18.2.0/24", err, sizeof err), 0);
	assert_int_equal(targets_exclude(t, "198.18.1.0/24", err, sizeof err), 0);
	targets_finalize(t);
	targets_finalize(t);
	assert_int_equal(targets_count(t), 256);
	assert_string_equal(addr_at(t, 0), "198.18.2.0");
	targets_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_and_cidr),
		cmocka_unit_test(test_add_list_contains),
		cmocka_unit_test(test_cidr_host_bits),
		cmocka_unit_test(test_cidr_edges),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_merge_overlap_adjacent_dup),
		cmocka_unit_test(test_excludes),
		cmocka_unit_test(test_exclude_spans_includes),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ipv6_large_and_saturate),
		cmocka_unit_test(test_large_rule_v4),
		cmocka_unit_test(test_slash8_costs_nothing),
		cmocka_unit_test(test_many_ranges_binary_search),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_noresolve),
		cmocka_unit_test(test_resolve_localhost),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_missing),
		cmocka_unit_test(test_exclude_list_error),
		cmocka_unit_test(test_refinalize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
