/* test_check_status.c - "did not answer" is not "changed": the diff skips a
 * check's fields unless it answered, the store keeps the last known value
 * marked stale, check_failing / check_recovered, and flapping. Synthetic
 * runs into a temporary SQLite store, exact events out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/events.h"
#include "store/diff.h"
#include "store/store.h"
#include "tmp_store.h"


static int setup(void **state)
{
	(void)state;
	if (tmp_store_make("chk", "t.db") != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmp_store_remove();
}

/* One record: shares check status ("ok"/"failed"/"not_run"), the share
 * names when ok (comma list; "" = none), smb2 signing. A readable share
 * brings the ANON_SHARE_READABLE finding, as assess/ would. */
static json_t *mk(const char *shares_status, const char *shares, const char *signing)
{
	json_t *o = json_pack("{s:s, s:s, s:i, s:{s:s}, s:{s:b, s:b}, s:[], s:[]}", "type",
			      "service", "ip", "198.18.1.10", "port", 445, "smb2", "signing",
			      signing, "auth", "anonymous_logon", 1, "null_session", 1, "findings",
			      "errors");
	json_t *checks = json_object();
	const char *ids[] = {"auth", "guest", "shares", "ms17_010", "doublepulsar",
			     "cve_2020_0796"};
	for (size_t i = 0; i < 6; i++)
		json_object_set_new(checks, ids[i],
				    json_pack("{s:s}", "status", i == 2 ? shares_status : "ok"));
	if (strcmp(shares_status, "failed") == 0)
		json_object_set_new(json_object_get(checks, "shares"), "error",
				    json_string("timeout"));
	json_object_set_new(o, "checks", checks);
	if (strcmp(shares_status, "ok") == 0 && shares) {
		json_t *a = json_array();
		char buf[128];
		snprintf(buf, sizeof buf, "%s", shares);
		for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
			json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "name", tok, "type",
							   "disk", "anonymous_read", 1));
		json_object_set_new(o, "shares", a);
		if (json_array_size(a))
			json_array_append_new(json_object_get(o, "findings"),
					      json_pack("{s:s, s:s, s:s}", "id",
							"ANON_SHARE_READABLE", "severity", "high",
							"evidence", shares));
	}
	return o;
}

static void summary(json_t *evs, char *out, size_t outsz)
{
	size_t i, off = 0;
	json_t *e;
	out[0] = '\0';
	json_array_foreach(evs, i, e) {
		const char *f = "";
		json_t *ch = json_object_get(e, "changes");
		if (json_array_size(ch))
			f = json_string_value(json_object_get(json_array_get(ch, 0), "field"));
		if (json_object_get(e, "finding"))
			f = json_string_value(
				json_object_get(json_object_get(e, "finding"), "id"));
		if (json_object_get(e, "check"))
			f = json_string_value(json_object_get(e, "check"));
		off += (size_t)snprintf(out + off, outsz - off, "%s %s;",
					json_string_value(json_object_get(e, "event")), f);
	}
}

/* Store one complete run with rec (stale values carried as scan_store.c
 * does) and return its events. */
static json_t *cycle(struct store *st, json_t *rec, int64_t *run_id)
{
	struct store_run r;
	memset(&r, 0, sizeof r);
	store_scope_of("198.18.1.10", "445", r.scope, sizeof r.scope);
	snprintf(r.view, sizeof r.view, "internal");
	snprintf(r.targets, sizeof r.targets, "198.18.1.10");
	snprintf(r.ports, sizeof r.ports, "445");
	snprintf(r.options, sizeof r.options, "{}");
	snprintf(r.scanner, sizeof r.scanner, "test");
	r.started_at = 1700000000;
	assert_int_equal(store_run_begin(st, &r), 0);
	json_t *prev = NULL;
	int64_t prev_run = 0;
	if (store_last_sighting(st, "198.18.1.10", 445, r.scope, r.view, r.id, &prev, &prev_run) ==
	    0)
		diff_carry_stale(rec, prev, prev_run);
	json_decref(prev);
	char *t = json_dumps(rec, JSON_COMPACT);
	struct store_service s = {
		.run_id = r.id, .ip = "198.18.1.10", .port = 445, .scanned_at = 1, .record = t};
	assert_int_equal(store_service_put(st, &s), 0);
	free(t);
	json_decref(rec);
	r.ended_at = 1700000100 + r.id;
	r.complete = true;
	r.n_services = 1;
	assert_int_equal(store_run_end(st, &r), 0);
	if (run_id)
		*run_id = r.id;
	struct events_opts o = {.gone_after = 2, .failing_after = 3, .flap_runs = 3};
	json_t *ev = events_for_run_opts(st, r.id, &o);
	assert_non_null(ev);
	return ev;
}

static void expect(struct store *st, json_t *rec, const char *want)
{
	char s[1024];
	json_t *ev = cycle(st, rec, NULL);
	summary(ev, s, sizeof s);
	assert_string_equal(s, want);
	json_decref(ev);
}

static void test_diff_compares_only_answered_checks(void **state)
{
	(void)state;
	json_t *failed = mk("failed", NULL, "required");
	json_t *a = mk("ok", "public", "required");
	json_t *b = mk("ok", "public,extra", "required");
	/* unknown -> known: nothing (this was "shares: null -> {...}") */
	json_t *d = diff_records(failed, a);
	assert_int_equal(json_array_size(d), 0);
	json_decref(d);
	/* known -> unknown: nothing */
	d = diff_records(a, failed);
	assert_int_equal(json_array_size(d), 0);
	json_decref(d);
	/* positive control: known -> known, a new share is a change */
	d = diff_records(a, b);
	assert_int_equal(json_array_size(d), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "field")),
			    "shares.extra");
	json_decref(d);
	/* a check that was not run is not compared either */
	json_t *nr = mk("not_run", NULL, "required");
	d = diff_records(nr, a);
	assert_int_equal(json_array_size(d), 0);
	json_decref(d);
	/* other fields still are, whatever the checks did */
	json_t *c = mk("failed", NULL, "enabled");
	d = diff_records(a, c);
	assert_int_equal(json_array_size(d), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "field")),
			    "smb2.signing");
	json_decref(d);
	/* a record stored before "checks" existed is taken as answered */
	json_t *legacy = mk("ok", "public", "required");
	json_object_del(legacy, "checks");
	d = diff_records(legacy, b);
	assert_int_equal(json_array_size(d), 1);
	json_decref(d);
	assert_true(diff_is_volatile("checks.shares.status"));
	json_decref(legacy);
	json_decref(c);
	json_decref(nr);
	json_decref(failed);
	json_decref(a);
	json_decref(b);
}

static void test_carry_stale(void **state)
{
	(void)state;
	json_t *prev = mk("ok", "public", "required");
	json_t *now = mk("failed", NULL, "required");
	assert_int_equal(diff_carry_stale(now, prev, 7), 1);
	json_t *sh = json_object_get(now, "shares");
	assert_int_equal(json_array_size(sh), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(sh, 0), "name")),
			    "public");
	json_t *cs = json_object_get(json_object_get(now, "checks"), "shares");
	assert_string_equal(json_string_value(json_object_get(cs, "status")), "failed");
	assert_int_equal(json_integer_value(json_object_get(cs, "stale_from_run")), 7);
	/* the finding that rests on the share list comes along */
	json_t *f = diff_findings(now);
	assert_non_null(json_object_get(f, "ANON_SHARE_READABLE"));
	json_decref(f);
	/* a second failure keeps the run the value was learned in */
	json_t *again = mk("failed", NULL, "required");
	assert_int_equal(diff_carry_stale(again, now, 8), 1);
	cs = json_object_get(json_object_get(again, "checks"), "shares");
	assert_int_equal(json_integer_value(json_object_get(cs, "stale_from_run")), 7);
	/* nothing known before: nothing to carry */
	json_t *never = mk("failed", NULL, "required");
	json_t *none = mk("failed", NULL, "required");
	assert_int_equal(diff_carry_stale(none, never, 3), 0);
	assert_null(json_object_get(none, "shares"));
	/* an answered check is never overwritten */
	json_t *ok = mk("ok", "other", "required");
	assert_int_equal(diff_carry_stale(ok, prev, 7), 0);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(ok, "shares"), 0), "name")),
			    "other");
	json_decref(ok);
	json_decref(never);
	json_decref(none);
	json_decref(again);
	json_decref(prev);
	json_decref(now);
}

/* The defect: a timed-out share check, then the answer, gave "changed
 * shares: null -> {...}" and finding_opened on an untouched host. */
static void test_events_timeout_then_answer(void **state)
{
	(void)state;
	struct store *st;
	char err[256];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	expect(st, mk("failed", NULL, "required"), "new ;");
	expect(st, mk("ok", "public", "required"), "");
	expect(st, mk("ok", "public", "required"), "");
	/* known, then a timeout, then the same answer: nothing either way */
	expect(st, mk("failed", NULL, "required"), "");
	expect(st, mk("ok", "public", "required"), "");
	/* positive control: a real change after a timeout is still seen,
	 * against the last known value */
	expect(st, mk("failed", NULL, "required"), "");
	expect(st, mk("ok", "public,extra", "required"), "changed shares.extra;");
	expect(st, mk("ok", "public,extra", "required"), "");
	expect(st, mk("ok", "public,extra", "required"), "");
	expect(st, mk("ok", "", "required"),
	       "changed shares.extra;finding_resolved ANON_SHARE_READABLE;");
	store_close(st);
}

/* mk() plus what --policy adds for a readable share: a POLICY_VIOLATION of
 * anonymous_shares = deny, which rests on the shares check like
 * ANON_SHARE_READABLE does */
static json_t *mk_policy(const char *shares_status, const char *shares)
{
	json_t *o = mk(shares_status, shares, "required");
	if (strcmp(shares_status, "ok") == 0 && shares && shares[0])
		json_array_append_new(json_object_get(o, "findings"),
				      json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", "POLICY_VIOLATION",
						"severity", "high", "evidence", shares, "rule",
						"[default] anonymous_shares = deny", "policy", "p.ini:3"));
	return o;
}

/* A shares timeout neither resolves the violation nor reopens it when the
 * answer comes back: the store carries it with the stale share list. */
static void test_policy_violation_survives_timeout(void **state)
{
	(void)state;
	struct store *st;
	char err[256];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	expect(st, mk_policy("ok", "public"), "new ;");
	expect(st, mk_policy("failed", NULL), "");
	expect(st, mk_policy("ok", "public"), "");
	/* positive control: the share gone for real resolves both */
	expect(st, mk_policy("ok", ""),
	       "changed shares.public;finding_resolved ANON_SHARE_READABLE;"
	       "policy_violation_resolved POLICY_VIOLATION;");
	store_close(st);
}

static void test_events_check_failing(void **state)
{
	(void)state;
	struct store *st;
	char err[256];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	expect(st, mk("ok", "public", "required"), "new ;");
	expect(st, mk("failed", NULL, "required"), "");
	expect(st, mk("failed", NULL, "required"), "");
	int64_t third;
	json_t *ev = cycle(st, mk("failed", NULL, "required"), &third);
	char s[512];
	summary(ev, s, sizeof s);
	assert_string_equal(s, "check_failing shares;");
	json_t *e = json_array_get(ev, 0);
	assert_string_equal(json_string_value(json_object_get(e, "error")), "timeout");
	assert_int_equal(json_integer_value(json_object_get(e, "failing_runs")), 3);
	assert_int_equal(json_integer_value(json_object_get(e, "since_run")), third - 2);
	assert_int_equal(json_integer_value(json_object_get(e, "stale_from_run")), third - 3);
	json_decref(ev);
	/* once: the fourth failure in a row is quiet */
	expect(st, mk("failed", NULL, "required"), "");
	/* answers again, with the value it had: recovered, no change */
	expect(st, mk("ok", "public", "required"), "check_recovered shares;");
	expect(st, mk("ok", "public", "required"), "");
	/* two failures are below the bar: no check_failing, no recovered */
	expect(st, mk("failed", NULL, "required"), "");
	expect(st, mk("failed", NULL, "required"), "");
	expect(st, mk("ok", "public", "required"), "");
	store_close(st);
}

static void test_events_flapping(void **state)
{
	(void)state;
	struct store *st;
	char err[256];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	expect(st, mk("ok", "public", "required"), "new ;");
	expect(st, mk("ok", "public", "required"), "");
	/* a first change is a change */
	expect(st, mk("ok", "public", "enabled"), "changed smb2.signing;");
	/* back to a value of 2 runs ago: flapping, once, with the values */
	int64_t id;
	json_t *ev = cycle(st, mk("ok", "public", "required"), &id);
	char s[512];
	summary(ev, s, sizeof s);
	assert_string_equal(s, "flapping smb2.signing;");
	json_t *e = json_array_get(ev, 0);
	assert_string_equal(json_string_value(json_object_get(e, "field")), "smb2.signing");
	char *vals = json_dumps(json_object_get(e, "values"), JSON_COMPACT);
	assert_string_equal(vals, "[\"required\",\"enabled\"]");
	free(vals);
	json_decref(ev);
	/* quiet while it keeps flipping */
	expect(st, mk("ok", "public", "enabled"), "");
	expect(st, mk("ok", "public", "required"), "");
	/* a change of another field at the same time is still reported */
	expect(st, mk("ok", "public,extra", "enabled"), "changed shares.extra;");
	/* settles: the same value 3 runs */
	expect(st, mk("ok", "public,extra", "enabled"), "");
	expect(st, mk("ok", "public,extra", "enabled"), "");
	/* settled: a change is a change again */
	expect(st, mk("ok", "public,extra", "required"), "changed smb2.signing;");
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_compares_only_answered_checks),
		cmocka_unit_test(test_carry_stale),
		cmocka_unit_test_setup_teardown(test_events_timeout_then_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_violation_survives_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_check_failing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_flapping, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
