/* test_monitor_config.c - the monitor's INI file: keys to options, errors
 * with file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/config.h"

static char path[64];

static void write_ini(const char *text)
{
	snprintf(path, sizeof path, "/tmp/smbw-cfg-test.%d.ini", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_keys(void **state)
{
	(void)state;
	write_ini("# comment\n; also a comment\n[monitor]\n"
		  "targets = 198.18.1.10-12, 198.18.1.20\n"
		  "  ports=445,139  \ninterval = 5m\nsink = webhook:http://127.0.0.1:8/x\n"
		  "sink = stdout\nwebhook_secret = a=b\ngone_after = 3\nattack_baseline_days = 21\n"
		  "\n[scan]\nview = dmz\n");
	struct config_args a;
	char err[256];
	assert_int_equal(config_load(path, &a, err, sizeof err), 0);
	const char *want[] = {"198.18.1.10-12", "198.18.1.20", "--ports=445,139", "--every=5m",
			      "--sink=webhook:http://127.0.0.1:8/x", "--sink=stdout",
			      "--webhook-secret=a=b", "--gone-after=3", "--attack-baseline-days=21",
			      "--view=dmz"};
	assert_int_equal(a.argc, (int)(sizeof want / sizeof want[0]));
	for (int i = 0; i < a.argc; i++)
		assert_string_equal(a.argv[i], want[i]);
	assert_null(a.argv[a.argc]);
	config_free(&a);
	unlink(path);
}

static void test_errors(void **state)
{
	(void)state;
	struct config_args a;
	char err[256];
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"intervall = 5m\n", ":1: unknown key 'intervall'"},
		{"[monitor]\nports\n", ":2: expected key = value"},
		{"ports =   \n", ":1: 'ports' has no value"},
		{"[monitor\n", ":1: bad section header"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_ini(cases[i].text);
		assert_int_equal(config_load(path, &a, err, sizeof err), -1);
		assert_non_null(strstr(err, cases[i].msg));
		assert_int_equal(a.argc, 0);
		unlink(path);
	}
	assert_int_equal(config_load("/nonexistent/x.ini", &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot read config '/nonexistent/x.ini'"));
	assert_int_equal(config_load("/tmp", &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot read config"));
}

/* Issue 15: a bad value from the file is reported with its file:line. */
static void test_where(void **state)
{
	(void)state;
	write_ini("[monitor]\ntargets = 198.18.1.10 198.18.1.11\n\ninterval = soon\n");
	struct config_args a;
	char err[256];
	assert_int_equal(config_load(path, &a, err, sizeof err), 0);
	assert_int_equal(a.argc, 3);
	assert_string_equal(a.argv[2], "--every=soon");
	char want[128];
	snprintf(want, sizeof want, "%s:4: interval", path);
	/* the word itself and the value inside it ("--every=" + 8) */
	assert_string_equal(config_where(&a, a.argv[2]), want);
	assert_string_equal(config_where(&a, a.argv[2] + 8), want);
	snprintf(want, sizeof want, "%s:2: targets", path);
	assert_string_equal(config_where(&a, a.argv[1]), want);
	/* a word from the command line is from no line */
	static const char cmdline[] = "--every=soon";
	assert_null(config_where(&a, cmdline));
	assert_null(config_where(&a, NULL));
	config_free(&a);
	unlink(path);
}

/* Issue 15: the shipped example config loads, and its db and file sink are
 * where the systemd unit lets the monitor write (StateDirectory and
 * LogsDirectory; with ProtectSystem=strict nothing else is writable). */
static void test_contrib_example(void **state)
{
	(void)state;
	char ini[512], unit[512], err[256];
	snprintf(ini, sizeof ini, "%s/../../../contrib/monitor.ini", SMBW_PCAP_DIR);
	snprintf(unit, sizeof unit, "%s/../../../contrib/smbwatch-monitor.service.in", SMBW_PCAP_DIR);
	struct config_args a;
	assert_int_equal(config_load(ini, &a, err, sizeof err), 0);
	bool db = false, sink = false;
	for (int i = 0; i < a.argc; i++) {
		db |= strcmp(a.argv[i], "--db=/var/lib/smbwatch/smbwatch.db") == 0;
		sink |= strcmp(a.argv[i], "--sink=file:/var/log/smbwatch/events.jsonl") == 0;
	}
	assert_true(db && sink);
	config_free(&a);
	FILE *f = fopen(unit, "r");
	assert_non_null(f);
	char line[512];
	bool state_dir = false, logs_dir = false, dynamic = false, root = false;
	while (fgets(line, sizeof line, f)) {
		state_dir |= strcmp(line, "StateDirectory=smbwatch\n") == 0;
		logs_dir |= strcmp(line, "LogsDirectory=smbwatch\n") == 0;
		dynamic |= strcmp(line, "DynamicUser=yes\n") == 0;
		root |= strcmp(line, "User=root\n") == 0;
	}
	fclose(f);
	assert_true(state_dir && logs_dir && dynamic && !root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_errors), cmocka_unit_test(test_where),
		cmocka_unit_test(test_contrib_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
