/* test_store.c - the SQLite store, record diffs and monitor events against
 * a temporary database: synthetic runs in, exact diffs and events out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "cli/change_text.h"
#include "monitor/events.h"
#include "store/diff.h"
#include "store/store.h"
#include "tmp_store.h"


static int setup(void **state)
{
	(void)state;
	if (tmp_store_make("store", "sub/dir/t.db") != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmp_store_remove();
}

/* A record: smb1 on/off, smb2 signing, extra share, plus volatile noise. */
static char *rec(const char *ip, int smb1, const char *signing, const char *share, int noise)
{
	json_t *shares = json_pack("[{s:s, s:s}]", "name", "public", "type", "disk");
	if (share)
		json_array_append_new(shares, json_pack("{s:s, s:s}", "name", share, "type", "disk"));
	json_t *findings = json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "id", "SMB_EXPOSED", "severity",
				     "info", "title", "SMB reachable", "remediation", "r",
				     "evidence", noise ? "e1" : "e2");
	if (smb1)
		json_array_append_new(findings,
				      json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", "SMB1_ENABLED",
						"severity", "high", "title", "SMBv1 enabled",
						"remediation", "disable it", "evidence", "x"));
	json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:{s:b}, s:{s:s, s:i}, s:o, s:o, s:[]}",
			      "type", "service", "ip", ip, "port", 445, "view", "internal",
			      "scanned_at", noise ? "2025-01-01T00:00:00Z" : "2025-01-02T00:00:00Z",
			      "smb1", "enabled", smb1, "smb2", "signing", signing, "system_time",
			      noise, "shares", shares, "findings", findings, "errors");
	char *t = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return t;
}

static int64_t run_with(struct store *st, const char **ips, const int *smb1,
			const char **signing, const char **share, size_t n, bool complete)
{
	struct store_run r;
	memset(&r, 0, sizeof r);
	store_scope_of("198.18.1.10-12", "445", r.scope, sizeof r.scope);
	snprintf(r.view, sizeof r.view, "internal");
	snprintf(r.targets, sizeof r.targets, "198.18.1.10-12");
	snprintf(r.ports, sizeof r.ports, "445");
	snprintf(r.options, sizeof r.options, "{}");
	snprintf(r.scanner, sizeof r.scanner, "test");
	r.started_at = 1700000000;
	assert_int_equal(store_run_begin(st, &r), 0);
	for (size_t i = 0; i < n; i++) {
		char *t = rec(ips[i], smb1[i], signing[i], share[i], (int)(r.id % 2));
		struct store_service s = {
			.run_id = r.id, .ip = ips[i], .port = 445, .scanned_at = 1, .record = t};
		assert_int_equal(store_service_put(st, &s), 0);
		free(t);
	}
	if (complete) {
		r.ended_at = 1700000100 + r.id;
		r.complete = true;
		r.n_services = n;
		assert_int_equal(store_run_end(st, &r), 0);
	}
	return r.id;
}

/* "event ip field..." summary of an events array, one line each */
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
		json_t *fi = json_object_get(e, "finding");
		if (fi)
			f = json_string_value(json_object_get(fi, "id"));
		off += (size_t)snprintf(out + off, outsz - off, "%s %s %s;",
					json_string_value(json_object_get(e, "event")),
					json_string_value(json_object_get(e, "ip")), f);
	}
}

static void test_diff_volatile(void **state)
{
	(void)state;
	char *a = rec("198.18.1.10", 0, "required", NULL, 0);
	char *b = rec("198.18.1.10", 0, "required", NULL, 1);
	json_t *ja = json_loads(a, 0, NULL), *jb = json_loads(b, 0, NULL);
	json_t *d = diff_records(ja, jb);
	assert_int_equal(json_array_size(d), 0); /* only volatile fields differ */
	json_decref(d);
	/* what a scan cost the server moves with load: no change either */
	json_object_set_new(ja, "cost", json_pack("{s:i,s:i}", "connections", 4, "retries", 0));
	json_object_set_new(jb, "cost", json_pack("{s:i,s:i}", "connections", 6, "retries", 2));
	d = diff_records(ja, jb);
	assert_int_equal(json_array_size(d), 0);
	json_decref(d);
	json_object_del(ja, "cost");
	json_decref(jb);
	free(b);
	b = rec("198.18.1.10", 1, "enabled", "extra", 0);
	jb = json_loads(b, 0, NULL);
	d = diff_records(ja, jb);
	char *t = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(
		t, "[{\"field\":\"findings.SMB1_ENABLED\",\"new\":{\"remediation\":"
		   "\"disable it\",\"severity\":\"high\",\"title\":\"SMBv1 enabled\"},\"old\":null},"
		   "{\"field\":\"shares.extra\",\"new\":{\"type\":\"disk\"},\"old\":null},"
		   "{\"field\":\"smb1.enabled\",\"new\":true,\"old\":false},"
		   "{\"field\":\"smb2.signing\",\"new\":\"enabled\",\"old\":\"required\"}]");
	free(t);
	json_decref(d);
	json_decref(ja);
	json_decref(jb);
	free(a);
	free(b);
	assert_true(diff_is_volatile("smb2.boot_time"));
	assert_true(diff_is_volatile("errors"));
	assert_false(diff_is_volatile("smb2.signing"));
	assert_false(diff_is_volatile("scanned_atx"));
}

static int count_row(const struct store_service *svc, void *ud)
{
	(void)svc;
	++*(int *)ud;
	return 0;
}

/* One run storing the same ip and port twice (two records on port 137:
 * -p 137,U:137) keeps the second, with its findings only. SQLite's INSERT
 * OR REPLACE failed here on the findings' foreign key. */
static void test_same_service_twice(void **state)
{
	(void)state;
	struct store *st;
	char err[256];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	const char *ip[] = {"198.18.1.10"}, *sig[] = {"required"}, *share[] = {NULL};
	int on[] = {1};
	int64_t id = run_with(st, ip, on, sig, share, 1, false); /* SMB1: two findings */
	char *t = rec("198.18.1.10", 0, "required", NULL, 0);     /* then one */
	struct store_service again = {.run_id = id, .ip = "198.18.1.10", .port = 445,
				      .scanned_at = 2, .record = t};
	assert_int_equal(store_service_put(st, &again), 0);
	free(t);
	int rows = 0;
	assert_int_equal(store_services_of_run(st, id, count_row, &rows), 0);
	assert_int_equal(rows, 1);
	store_close(st);

	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT group_concat(f.finding) FROM findings f"
					    " JOIN services s ON s.id = f.service_id WHERE s.run_id = ?",
					    -1, &q, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(q, 1, id);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "SMB_EXPOSED");
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static void test_events_lifecycle(void **state)
{
	(void)state;
	struct store *st;
	char err[256];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	const char *ips[] = {"198.18.1.10", "198.18.1.11", "198.18.1.12"};
	const char *sig_req[] = {"required", "required", "required"};
	const char *sig_mix[] = {"required", "enabled", "required"};
	const char *none[] = {NULL, NULL, NULL};
	const char *one_share[] = {NULL, NULL, "guest"};
	int off[] = {0, 0, 0}, on1[] = {1, 0, 0};
	char s[2048];

	int64_t r1 = run_with(st, ips, off, sig_req, none, 3, true);
	json_t *ev = events_for_run(st, r1, 2);
	summary(ev, s, sizeof s);
	assert_string_equal(s, "new 198.18.1.10 ;new 198.18.1.11 ;new 198.18.1.12 ;");
	json_decref(ev);

	/* same again, only volatile noise: nothing */
	int64_t r2 = run_with(st, ips, off, sig_req, none, 3, true);
	ev = events_for_run(st, r2, 2);
	assert_int_equal(json_array_size(ev), 0);
	json_decref(ev);

	/* smb1 on .10, signing relaxed on .11, a share on .12 */
	int64_t r3 = run_with(st, ips, on1, sig_mix, one_share, 3, true);
	ev = events_for_run(st, r3, 2);
	summary(ev, s, sizeof s);
	assert_string_equal(s, "changed 198.18.1.10 smb1.enabled;finding_opened 198.18.1.10 "
			       "SMB1_ENABLED;changed 198.18.1.11 smb2.signing;changed "
			       "198.18.1.12 shares.guest;");
	json_t *e0 = json_array_get(ev, 0);
	assert_int_equal(json_integer_value(json_object_get(e0, "previous_run")), r2);
	assert_int_equal(events_severity(json_array_get(ev, 1)), 3);
	json_decref(ev);

	/* an interrupted run in between counts for nothing */
	int64_t rx = run_with(st, ips, off, sig_req, none, 1, false);
	ev = events_for_run(st, rx, 2);
	assert_int_equal(json_array_size(ev), 0);
	json_decref(ev);

	/* .12 missing once: no event; twice: gone; then back */
	int64_t r4 = run_with(st, ips, on1, sig_mix, one_share, 2, true);
	ev = events_for_run(st, r4, 2);
	assert_int_equal(json_array_size(ev), 0);
	json_decref(ev);
	int64_t r5 = run_with(st, ips, on1, sig_mix, one_share, 2, true);
	ev = events_for_run(st, r5, 2);
	summary(ev, s, sizeof s);
	assert_string_equal(s, "gone 198.18.1.12 ;");
	json_decref(ev);
	int64_t r6 = run_with(st, ips, off, sig_mix, one_share, 3, true);
	ev = events_for_run(st, r6, 2);
	summary(ev, s, sizeof s);
	assert_string_equal(s, "changed 198.18.1.10 smb1.enabled;finding_resolved 198.18.1.10 "
			       "SMB1_ENABLED;back 198.18.1.12 ;");
	/* stable keys: computing again gives the same events */
	json_t *again = events_for_run(st, r6, 2);
	assert_true(json_equal(ev, again));
	json_decref(again);
	json_decref(ev);

	bool has = true;
	assert_int_equal(store_delivered_has(st, "k1", "stdout", &has), 0);
	assert_false(has);
	assert_int_equal(store_delivered_put(st, "k1", "stdout", 5), 0);
	assert_int_equal(store_delivered_put(st, "k1", "stdout", 6), 0);
	assert_int_equal(store_delivered_has(st, "k1", "stdout", &has), 0);
	assert_true(has);

	struct store_run r;
	assert_int_equal(store_run_get(st, rx, &r), 0);
	assert_false(r.complete);
	assert_int_equal(r.ended_at, 0);
	assert_int_equal(store_run_get(st, 9999, &r), 1);
	store_close(st);

	/* reopening migrates nothing and keeps everything */
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	json_t *svcs = store_run_services(st, r6);
	assert_int_equal(json_object_size(svcs), 3);
	json_decref(svcs);
	store_close(st);
}

static void test_open_errors(void **state)
{
	(void)state;
	char bad[160], err[600];
	struct store *st;
	snprintf(bad, sizeof bad, "%s/garbage.db", dbdir);
	FILE *f = fopen(bad, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not an sqlite database, just text\n", f);
	fclose(f);
	assert_int_equal(store_open(bad, &st, err, sizeof err), -1);
	assert_null(st);
	assert_non_null(strstr(err, "not a database"));
	/* a regular file where a directory must be */
	snprintf(bad, sizeof bad, "%s/garbage.db/x.db", dbdir);
	assert_int_equal(store_open(bad, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "Not a directory"));
}

/* Issue 15: an unknown URL scheme is an error, not a relative path that
 * creates ./mysql:/x; sqlite: and postgres URLs stay accepted. */
static void test_url_schemes(void **state)
{
	(void)state;
	char err[300], cwd[4096];
	struct store *st;
	assert_int_equal(store_check_where("mysql://db.example/smb", err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown database URL scheme 'mysql://'"));
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dbdir), 0);
	assert_int_equal(store_open("mysql://x", &st, err, sizeof err), -1);
	assert_null(st);
	assert_int_not_equal(access("mysql:", F_OK), 0); /* nothing created */
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(store_check_where("postgres://u@h/db", err, sizeof err), 0);
	assert_int_equal(store_check_where("postgresql://u@h/db", err, sizeof err), 0);
	assert_int_equal(store_check_where("sqlite:/var/lib/x.db", err, sizeof err), 0);
	assert_int_equal(store_check_where("/var/lib/smbwatch/x.db", err, sizeof err), 0);
}

/* Issue 15: the database (an inventory of every weakness found) is 0600,
 * directories it creates 0700, whatever the umask. */
static void test_modes(void **state)
{
	(void)state;
	char path[200], dir[120], err[600];
	struct store *st;
	struct stat sb;
	mode_t old = umask(022);
	snprintf(dir, sizeof dir, "%s/modes", dbdir);
	snprintf(path, sizeof path, "%s/smbwatch.db", dir);
	assert_int_equal(store_open(path, &st, err, sizeof err), 0);
	store_close(st);
	umask(old);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
}

/* Issue 15: history showed a finding change as raw JSON cut mid-string;
 * each change is now one readable line. */
static void test_change_text(void **state)
{
	(void)state;
	char *a = rec("198.18.1.10", 0, "required", NULL, 0);
	char *b = rec("198.18.1.10", 1, "enabled", NULL, 0);
	json_t *ja = json_loads(a, 0, NULL), *jb = json_loads(b, 0, NULL);
	json_t *opened = diff_records(ja, jb), *resolved = diff_records(jb, ja);
	char text[700], all[2048] = "";
	size_t i;
	json_t *ch;
	json_array_foreach(opened, i, ch) {
		change_text(ch, text, sizeof text);
		strncat(all, text, sizeof all - strlen(all) - 2);
		strcat(all, "|");
	}
	assert_string_equal(all, "opened SMB1_ENABLED (high): SMBv1 enabled|"
				 "smb1.enabled: false \u2192 true|"
				 "smb2.signing: required \u2192 enabled|");
	assert_int_equal(json_array_size(resolved), 3);
	change_text(json_array_get(resolved, 0), text, sizeof text);
	assert_string_equal(text, "resolved SMB1_ENABLED (high): SMBv1 enabled");
	json_decref(opened);
	json_decref(resolved);
	json_decref(ja);
	json_decref(jb);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_volatile),
		cmocka_unit_test(test_events_lifecycle),
		cmocka_unit_test(test_same_service_twice),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_url_schemes),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_change_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
