/* test_ports.c - port list parsing: order, uniqueness, every error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/ports.h"

static char err[256];

static void test_simple(void **state)
{
	(void)state;
	struct port_list pl;
	assert_int_equal(ports_parse("445,139", &pl, err, sizeof err), 0);
	assert_int_equal(pl.n, 2);
	assert_int_equal(pl.ports[0], 445);
	assert_int_equal(pl.ports[1], 139);
	ports_free(&pl);
	ports_free(&pl); /* idempotent */
}

static void test_range_and_dupes(void **state)
{
	(void)state;
	struct port_list pl;
	assert_int_equal(ports_parse("8445,1-1024,445, 139,8445", &pl, err, sizeof err), 0);
	assert_int_equal(pl.n, 1025);
	assert_int_equal(pl.ports[0], 8445);
	assert_int_equal(pl.ports[1], 1);
	assert_int_equal(pl.ports[1024], 1024);
	ports_free(&pl);

	assert_int_equal(ports_parse("1-65535", &pl, err, sizeof err), 0);
	assert_int_equal(pl.n, 65535);
	assert_int_equal(pl.ports[65534], 65535);
	ports_free(&pl);

	assert_int_equal(ports_parse("445-445", &pl, err, sizeof err), 0);
	assert_int_equal(pl.n, 1);
	ports_free(&pl);
}

struct bad_case {
	const char *spec;
	const char *msg;
};

static void test_errors(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ "0", "bad port '0': must be 1-65535" },
		{ "445,0", "bad port '0': must be 1-65535" },
		{ "70000", "bad port '70000': must be 1-65535" },
		{ "65536", "bad port '65536': must be 1-65535" },
		{ "123456", "bad port '123456': must be 1-65535" },
		{ "abc", "bad port 'abc': must be 1-65535" },
		{ "-5", "bad port '-5': must be 1-65535" },
		{ "5-", "bad port '5-': must be 1-65535" },
		{ "0-10", "bad port '0-10': must be 1-65535" },
		{ "1-2-3", "bad port '1-2-3': must be 1-65535" },
		{ "1024-1", "bad port '1024-1': range end is before its start" },
		{ "", "bad port list '': empty item" },
		{ "445,,139", "bad port list '445,,139': empty item" },
		{ "445,", "bad port list '445,': empty item" },
		{ ",445", "bad port list ',445': empty item" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct port_list pl = {7, (uint16_t *)&pl, NULL};
		err[0] = '\0';
		assert_int_equal(ports_parse(cases[i].spec, &pl, err, sizeof err), -1);
		assert_string_equal(err, cases[i].msg);
		/* nothing left behind on failure */
		assert_int_equal(pl.n, 0);
		assert_null(pl.ports);
	}
}

/* nmap-style prefixes: "U:" holds until "T:"; the same number may be both */
static void test_protocols(void **state)
{
	(void)state;
	struct port_list pl;
	char why[128];
	assert_int_equal(ports_parse("445,139,U:137-138,t:137,u:137", &pl, why, sizeof why), 0);
	assert_int_equal(pl.n, 5);
	static const uint16_t want[] = {445, 139, 137, 138, 137};
	static const int want_udp[] = {0, 0, 1, 1, 0};
	for (unsigned i = 0; i < pl.n; i++) {
		assert_int_equal(pl.ports[i], want[i]);
		assert_int_equal(ports_is_udp(&pl, i), want_udp[i]);
	}
	assert_true(ports_has_udp(&pl));
	ports_free(&pl);
	/* the default list holds no UDP port at all */
	assert_int_equal(ports_parse("445,139", &pl, why, sizeof why), 0);
	assert_null(pl.udp);
	assert_false(ports_has_udp(&pl));
	ports_free(&pl);
	assert_int_equal(ports_parse("U:", &pl, why, sizeof why), -1);
	assert_int_equal(ports_parse("X:137", &pl, why, sizeof why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_range_and_dupes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_protocols),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
