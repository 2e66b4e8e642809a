/* test_sensor_db.c - `sensor --db`'s batching (sensor/sensor_db.c) and the
 * store's sensor tables, against a temporary SQLite file: how many
 * transactions a stream of alerts costs, what the sightings add up to, and
 * a store that fails mid-capture (reported once, retried, recovered). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sensor/sensor_db.h"
#include "store/store.h"
#include "tmp_store.h"


static int setup(void **state)
{
	(void)state;
	if (tmp_store_make("sensordb", "t.db") != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmp_store_remove();
}

static int first_int(json_t *row, void *ud)
{
	json_t *v = json_object_iter_value(json_object_iter(row));
	*(long long *)ud = json_integer_value(v);
	return 1;
}

static long long count(struct store *st, const char *sql)
{
	long long n = -1;
	assert_int_equal(store_query(st, sql, NULL, 0, first_int, &n), 0);
	return n;
}

static struct sensor_alert mk_alert(const char *id, uint64_t ts_us)
{
	struct sensor_alert a;
	alert_init(&a, id);
	a.ts_us = ts_us;
	snprintf(a.src, sizeof a.src, "198.18.0.5");
	snprintf(a.dst, sizeof a.dst, "198.18.0.10");
	a.src_port = 50000;
	a.dst_port = 445;
	snprintf(a.evidence, sizeof a.evidence, "test");
	return a;
}

struct reports {
	unsigned n;
	char last[768];
};

static void on_report(void *ctx, const char *msg)
{
	struct reports *r = ctx;
	r->n++;
	snprintf(r->last, sizeof r->last, "%s", msg);
}

/* One transaction per batch_max items or per flush_ms, never per item. */
static void test_batches(void **state)
{
	(void)state;
	struct store *st;
	char err[512];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	struct sensor_db *d = sensor_db_new(st, 10, 1000, NULL, NULL);
	assert_non_null(d);
	struct sensor_db_stats s;
	for (int i = 0; i < 25; i++) {
		struct sensor_alert a = mk_alert(i % 2 ? "SMB_SCAN" : "SMB1_IN_USE",
						 1700000000000000ull + (uint64_t)i);
		sensor_db_alert(d, &a, 100); /* all in the same millisecond */
	}
	sensor_db_get_stats(d, &s);
	assert_int_equal(s.transactions, 2); /* 10 + 10; 5 wait */
	assert_int_equal(s.alerts, 20);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM sensor_alerts"), 20);
	sensor_db_tick(d, 900); /* less than a second since the last write */
	sensor_db_get_stats(d, &s);
	assert_int_equal(s.transactions, 2);
	sensor_db_tick(d, 1100); /* a second: the rest goes */
	sensor_db_get_stats(d, &s);
	assert_int_equal(s.transactions, 3);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM sensor_alerts"), 25);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM sensor_alerts WHERE kind = 'SMB_SCAN'"
				   " AND at = 1700000000 AND dst_port = 445"),
			 12);
	/* a quiet second with nothing waiting writes nothing */
	sensor_db_tick(d, 5000);
	sensor_db_get_stats(d, &s);
	assert_int_equal(s.transactions, 3);
	sensor_db_close(d, 5000);
	store_close(st);
}

static struct sensor_seen mk_seen(const char *client, uint8_t version, const char *dialect,
				  bool sign_required, uint64_t ts_s)
{
	struct sensor_seen o;
	memset(&o, 0, sizeof o);
	o.ts_us = ts_s * 1000000ull;
	snprintf(o.server, sizeof o.server, "198.18.0.10");
	snprintf(o.client, sizeof o.client, "%s", client);
	o.port = 445;
	o.version = version;
	snprintf(o.dialect, sizeof o.dialect, "%s", dialect);
	o.sign_required = sign_required;
	return o;
}

/* Sightings add up per server, per dialect and per SMB1 client, across
 * batches: first/last seen widen, flags only turn on. */
static void test_sightings(void **state)
{
	(void)state;
	struct store *st;
	char err[512];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	struct sensor_db *d = sensor_db_new(st, 2, 1000, NULL, NULL);
	struct sensor_seen o[] = {
		mk_seen("198.18.0.5", 1, "NT LM 0.12", false, 2000),
		mk_seen("198.18.0.5", 1, "NT LM 0.12", false, 3000),
		mk_seen("198.18.0.6", 2, "3.1.1", true, 1000),
		mk_seen("198.18.0.7", 0, "", false, 4000), /* ended, never negotiated */
		mk_seen("198.18.0.8", 1, "NT LM 0.12", false, 2500),
	};
	for (size_t i = 0; i < sizeof o / sizeof o[0]; i++)
		sensor_db_seen(d, &o[i], 0);
	sensor_db_close(d, 0);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM sensor_servers"), 1);
	assert_int_equal(count(st, "SELECT first_seen FROM sensor_servers"), 1000);
	assert_int_equal(count(st, "SELECT last_seen FROM sensor_servers"), 4000);
	assert_int_equal(count(st, "SELECT smb1 + 2 * sign_required + 4 * sign_optional"
				   " FROM sensor_servers"),
			 7);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM sensor_dialects"), 2);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM sensor_smb1"), 2);
	assert_int_equal(count(st, "SELECT negotiations FROM sensor_smb1"
				   " WHERE client = '198.18.0.5'"),
			 2);
	assert_int_equal(count(st, "SELECT first_seen * 10000 + last_seen FROM sensor_smb1"
				   " WHERE client = '198.18.0.5'"),
			 2000 * 10000 + 3000);
	store_close(st);
}

/* The store fails mid-capture: reported once, the batch kept and retried
 * after flush_ms (not per alert), dropped beyond the cap, and written
 * again once the store recovers. */
static void test_store_fails(void **state)
{
	(void)state;
	struct store *st;
	char err[512];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	struct reports r = {0};
	struct sensor_db *d = sensor_db_new(st, 4, 1000, on_report, &r);
	struct sensor_alert a = mk_alert("SMB_SCAN", 1700000000000000ull);
	for (int i = 0; i < 4; i++)
		sensor_db_alert(d, &a, 0);
	struct sensor_db_stats s;
	sensor_db_get_stats(d, &s);
	assert_int_equal(s.transactions, 1);
	/* the table goes away under the sensor */
	assert_int_equal(store_query(st, "ALTER TABLE sensor_alerts RENAME TO gone", NULL, 0, first_int,
				     NULL),
			 0);
	for (int i = 0; i < 4; i++)
		sensor_db_alert(d, &a, 10);
	sensor_db_get_stats(d, &s);
	assert_int_equal(s.failures, 1);
	assert_int_equal(r.n, 1);
	assert_non_null(strstr(r.last, "sensor_alerts"));
	/* more alerts in the same second: no retry per alert */
	for (int i = 0; i < 20; i++)
		sensor_db_alert(d, &a, 20);
	sensor_db_get_stats(d, &s);
	assert_int_equal(s.failures, 1);
	assert_int_equal(s.dropped, 0);
	/* a second later: retried, fails, not reported again */
	sensor_db_tick(d, 1100);
	sensor_db_get_stats(d, &s);
	assert_int_equal(s.failures, 2);
	assert_int_equal(r.n, 1);
	/* beyond SENSOR_DB_KEEP_BATCHES batches waiting, the oldest go */
	for (int i = 0; i < 4 * SENSOR_DB_KEEP_BATCHES; i++)
		sensor_db_alert(d, &a, 1200);
	sensor_db_get_stats(d, &s);
	/* 4 + 20 + 64 waited, at most 4 * 16 = 64 are kept */
	assert_int_equal(s.dropped, 4 + 20 + 4 * SENSOR_DB_KEEP_BATCHES - 4 * SENSOR_DB_KEEP_BATCHES);
	/* the store recovers: everything waiting is written, and said so */
	assert_int_equal(store_query(st, "ALTER TABLE gone RENAME TO sensor_alerts", NULL, 0, first_int,
				     NULL),
			 0);
	sensor_db_tick(d, 2300);
	sensor_db_get_stats(d, &s);
	assert_int_equal(r.n, 2);
	assert_non_null(strstr(r.last, "writing again"));
	assert_int_equal(s.alerts, 4 + 4 * SENSOR_DB_KEEP_BATCHES);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM sensor_alerts"),
			 4 + 4 * SENSOR_DB_KEEP_BATCHES);
	sensor_db_close(d, 2300);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sightings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_fails, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
