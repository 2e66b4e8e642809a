/* test_smb1_usage.c - the verdict sentences of the scan x sensor join
 * (store/smb1_usage.c), against a temporary SQLite store with scan and
 * sensor rows whose timestamps the test sets: "unused" says "safe to
 * disable" only once the sensor covered a day or more; less than that is
 * stated as such (issue 22's lab test ran the sensor for seconds and was
 * told "0 days ... safe to disable"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/smb1_usage.h"
#include "store/store.h"
#include "tmp_store.h"

#define NOW 1796400000LL /* 2026-12-04, any fixed time */
#define DAY 86400LL

static int setup(void **state)
{
	(void)state;
	return tmp_store_make("smb1usage", "t.db");
}

static int teardown(void **state)
{
	(void)state;
	return tmp_store_remove();
}

static void sql(struct store *st, const char *q)
{
	int rc = store_query(st, q, NULL, 0, NULL, NULL);
	if (rc != 0)
		fail_msg("%s: %s", q, store_error(st));
}

/* One scan run that found SMB1 enabled on 198.18.1.10:445 and
 * 198.18.1.11:445, as the store's upsert leaves it. */
static void scan_rows(struct store *st)
{
	char q[1024];
	snprintf(q, sizeof q,
		 "INSERT INTO runs (scope, view, targets, ports, options, scanner, started_at,"
		 " ended_at, complete) VALUES ('t', 'internal', 't', '445', '{}', 'test', %lld,"
		 " %lld, 1)",
		 NOW - DAY, NOW - DAY);
	sql(st, q);
	for (int h = 10; h <= 11; h++) {
		snprintf(q, sizeof q,
			 "INSERT INTO services (run_id, ip, port, scanned_at, record) VALUES (1,"
			 " '198.18.1.%d', 445, %lld, '{}')",
			 h, NOW - DAY);
		sql(st, q);
		snprintf(q, sizeof q,
			 "INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings,"
			 " run_id, service_id, views, open_findings) SELECT ip, port, scanned_at,"
			 " scanned_at, 1, run_id, id, ' internal ', 1 FROM services WHERE ip ="
			 " '198.18.1.%d'",
			 h);
		sql(st, q);
		snprintf(q, sizeof q,
			 "INSERT INTO findings (service_id, run_id, finding, severity, title) SELECT"
			 " id, run_id, 'SMB1_ENABLED', 'high', 'SMBv1 is enabled' FROM services"
			 " WHERE ip = '198.18.1.%d'",
			 h);
		sql(st, q);
	}
}

/* The sensor saw .10 (SMB2 only) and .11 (a client negotiating SMB1) from
 * `first` to `last` (unix seconds). */
static void sensor_rows(struct store *st, long long first, long long last)
{
	char q[512];
	sql(st, "DELETE FROM sensor_servers");
	sql(st, "DELETE FROM sensor_smb1");
	for (int h = 10; h <= 11; h++) {
		snprintf(q, sizeof q,
			 "INSERT INTO sensor_servers (ip, port, first_seen, last_seen, smb1,"
			 " sign_required, sign_optional) VALUES ('198.18.1.%d', 445, %lld, %lld,"
			 " %d, 0, 1)",
			 h, first, last, h == 11);
		sql(st, q);
	}
	snprintf(q, sizeof q,
		 "INSERT INTO sensor_smb1 (client, server, port, dialect, first_seen, last_seen,"
		 " negotiations) VALUES ('198.18.2.10', '198.18.1.11', 445, 'NT LANMAN 1.0',"
		 " %lld, %lld, 3)",
		 first, last);
	sql(st, q);
}

/* "ip verdict | text" of each server, ';'-joined */
static void verdicts(struct store *st, int days, char *out, size_t n)
{
	json_t *u = smb1_usage(st, NOW, days);
	assert_non_null(u);
	size_t i, o = 0;
	json_t *s;
	out[0] = '\0';
	json_array_foreach(json_object_get(u, "servers"), i, s) {
		o += (size_t)snprintf(out + o, n - o, "%s %s | %s;",
				      json_string_value(json_object_get(s, "ip")),
				      json_string_value(json_object_get(s, "verdict")),
				      json_string_value(json_object_get(s, "text")));
		assert_true(o < n);
	}
	json_decref(u);
}

static void test_unused_needs_a_day(void **state)
{
	(void)state;
	struct store *st;
	char err[256], got[2048];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	scan_rows(st);

	/* ten minutes of sensor data: unused, but not called safe */
	sensor_rows(st, NOW - 600, NOW);
	verdicts(st, 30, got, sizeof got);
	assert_string_equal(
		got,
		"198.18.1.10 unused | SMB1 enabled, no SMB1 use seen in less than a day of sensor "
		"coverage (window 30 days): too little to call it safe to disable;"
		"198.18.1.11 used | SMB1 enabled and used by 198.18.2.10 (last seen 2026-12-04): "
		"upgrade or isolate these clients before disabling SMB1;");

	/* one second short of a day: still too little */
	sensor_rows(st, NOW - DAY + 1, NOW);
	verdicts(st, 30, got, sizeof got);
	assert_non_null(strstr(got, "198.18.1.10 unused | SMB1 enabled, no SMB1 use seen in less "
				    "than a day"));

	/* the control: three days of coverage, the same rows: safe to disable */
	sensor_rows(st, NOW - 3 * DAY, NOW);
	verdicts(st, 30, got, sizeof got);
	assert_string_equal(
		got,
		"198.18.1.10 unused | SMB1 enabled, no SMB1 use seen in 3 days of sensor coverage "
		"(window 30 days): safe to disable;"
		"198.18.1.11 used | SMB1 enabled and used by 198.18.2.10 (last seen 2026-12-04): "
		"upgrade or isolate these clients before disabling SMB1;");

	/* exactly one day is enough */
	sensor_rows(st, NOW - DAY, NOW);
	verdicts(st, 30, got, sizeof got);
	assert_non_null(strstr(got, "198.18.1.10 unused | SMB1 enabled, no SMB1 use seen in 1 days "
				    "of sensor coverage (window 30 days): safe to disable;"));

	/* the coverage is cut at the window: 40 days of data, a 2-day window */
	sensor_rows(st, NOW - 40 * DAY, NOW);
	verdicts(st, 2, got, sizeof got);
	assert_non_null(strstr(got, "no SMB1 use seen in 2 days of sensor coverage (window 2 days)"));
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unused_needs_a_day, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
