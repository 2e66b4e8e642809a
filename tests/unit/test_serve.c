/* test_serve.c - `smbwatch serve` without HTTP: the token check, the
 * read-only switch, and the API's answers over a temporary SQLite store
 * (filters, sorting, paging, and input that must not reach SQL as SQL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assess/findings.h"
#include "record/json.h"
#include "record/json_read.h"
#include "record_fixture.h"
#include "serve/api.h"
#include "serve/auth.h"
#include "store/store.h"
#include "tmp_store.h"

static const char token[] = "0123456789abcdef-token";

static void test_bearer(void **state)
{
	(void)state;
	assert_true(serve_auth_ok(token, "Bearer 0123456789abcdef-token"));
	assert_true(serve_auth_ok(token, "bearer   0123456789abcdef-token "));
	assert_false(serve_auth_ok(token, "Bearer 0123456789abcdef-toke"));   /* prefix */
	assert_false(serve_auth_ok(token, "Bearer 0123456789abcdef-tokenX")); /* longer */
	assert_false(serve_auth_ok(token, "Bearer "));
	assert_false(serve_auth_ok(token, "0123456789abcdef-token")); /* no scheme */
	assert_false(serve_auth_ok(token, NULL));
	assert_false(serve_auth_ok(NULL, "Bearer x"));
}

static void test_basic(void **state)
{
	(void)state;
	/* base64("admin:0123456789abcdef-token") */
	assert_true(serve_auth_ok(token, "Basic YWRtaW46MDEyMzQ1Njc4OWFiY2RlZi10b2tlbg=="));
	/* base64(":0123456789abcdef-token"): any user, even none */
	assert_true(serve_auth_ok(token, "Basic OjAxMjM0NTY3ODlhYmNkZWYtdG9rZW4="));
	/* base64("admin:wrong") */
	assert_false(serve_auth_ok(token, "Basic YWRtaW46d3Jvbmc="));
	/* base64("0123456789abcdef-token"): no colon, no password */
	assert_false(serve_auth_ok(token, "Basic MDEyMzQ1Njc4OWFiY2RlZi10b2tlbg=="));
	assert_false(serve_auth_ok(token, "Basic !!!!"));
	assert_false(serve_auth_ok(token, "Basic abc"));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_token_file(void **state)
{
	(void)state;
	char path[] = "/tmp/smbw-serve-token.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char tok[SERVE_TOKEN_MAX + 1], err[256];
	write_file(path, "  0123456789abcdef-token \n second line\n");
	assert_int_equal(serve_token_load(path, tok, sizeof tok, err, sizeof err), 0);
	assert_string_equal(tok, token);
	write_file(path, "short\n");
	assert_int_equal(serve_token_load(path, tok, sizeof tok, err, sizeof err), -1);
	write_file(path, "0123456789 abcdef token\n"); /* inner blanks */
	assert_int_equal(serve_token_load(path, tok, sizeof tok, err, sizeof err), -1);
	unlink(path);
	assert_int_equal(serve_token_load(path, tok, sizeof tok, err, sizeof err), -1);
}

/* --- the API over a small store ------------------------------------------ */

static struct store *st;

static char *record(const char *ip, const char *name, bool smb1)
{
	json_t *findings = json_pack("[{s:s, s:s, s:s}]", "id", "SMB_EXPOSED", "severity", "info",
				     "title", "reachable");
	if (smb1)
		json_array_append_new(findings, json_pack("{s:s, s:s, s:s}", "id", "SMB1_ENABLED",
							  "severity", "high", "title", "SMBv1"));
	if (strcmp(name, "ALPHA") == 0) /* the relay verdict, not signing alone */
		json_array_append_new(findings, json_pack("{s:s, s:s, s:s}", "id", "RELAY_TARGET",
							  "severity", "high", "title", "relay"));
	if (strcmp(name, "GAMMA") == 0) /* not required, but NTLM refused: no target */
		json_array_append_new(findings,
				      json_pack("{s:s, s:s, s:s}", "id", "SIGNING_NOT_REQUIRED",
						"severity", "medium", "title", "unsigned"));
	json_t *o = json_pack("{s:s, s:s, s:i, s:{s:s}, s:{s:b}, s:{s:s}, s:o, s:[]}", "type",
			      "service", "ip", ip, "port", 445, "ntlm", "netbios_computer", name,
			      "smb1", "enabled", smb1, "smb2", "signing", "required", "findings",
			      findings, "errors");
	char *t = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return t;
}

static void add_run(const char *view, int64_t at, const char *const *ips, const char *const *names,
		    const bool *smb1, size_t n)
{
	struct store_run r;
	memset(&r, 0, sizeof r);
	store_scope_of("198.18.1.0/24", "445", r.scope, sizeof r.scope);
	snprintf(r.view, sizeof r.view, "%s", view);
	snprintf(r.targets, sizeof r.targets, "198.18.1.0/24");
	snprintf(r.ports, sizeof r.ports, "445");
	snprintf(r.options, sizeof r.options, "%s",
		 strcmp(view, "external") == 0 ? "{\"every_s\":3600}" : "{}");
	snprintf(r.scanner, sizeof r.scanner, "test");
	r.started_at = at;
	assert_int_equal(store_run_begin(st, &r), 0);
	for (size_t i = 0; i < n; i++) {
		char *t = record(ips[i], names[i], smb1[i]);
		struct store_service s = {
			.run_id = r.id, .ip = ips[i], .port = 445, .scanned_at = at, .record = t};
		assert_int_equal(store_service_put(st, &s), 0);
		free(t);
	}
	r.ended_at = at + 10;
	r.complete = true;
	r.n_services = n;
	assert_int_equal(store_run_end(st, &r), 0);
}

static int setup_store(void **state)
{
	(void)state;
	if (tmp_store_make("serve", "t.db") != 0)
		return -1;
	char err[256];
	if (store_open(dbpath, &st, err, sizeof err) != 0)
		return -1;
	const char *ips[] = {"198.18.1.10", "198.18.1.11", "198.18.1.12"};
	const char *names[] = {"ALPHA", "BETA_100%", "GAMMA"};
	const bool before[] = {false, false, false}, after[] = {false, true, false};
	add_run("internal", 1700000000, ips, names, before, 3);
	add_run("internal", 1700086400, ips, names, after, 3);
	add_run("external", 1700090000, ips + 2, names + 2, after + 2, 1);
	/* run 3's events as scan_store_end stores them, with a mark the
	 * computed ones lack: /api/changes must read these */
	struct store_event ev = {.event = "new", .severity = 0, .ip = "198.18.1.12", .port = 445,
				 .view = "external",
				 .body = "{\"event\":\"new\",\"ip\":\"198.18.1.12\",\"port\":445,"
					 "\"view\":\"external\",\"run\":3,\"severity\":\"info\","
					 "\"stored\":true}"};
	if (store_events_put(st, 3, &ev, 1) != 0)
		return -1;
	return store_set_readonly(st);
}

static int teardown_store(void **state)
{
	(void)state;
	store_close(st);
	return tmp_store_remove();
}

/* query strings for a request: "k=v&k=v" (no decoding needed here) */
static const char *query_arg(void *ctx, const char *name)
{
	/* several arguments are held at once, as libmicrohttpd's are */
	static char vals[8][256];
	static unsigned next;
	char *val = vals[next++ % 8];
	const char *q = ctx;
	size_t n = strlen(name);
	for (const char *p = q; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
			snprintf(val, sizeof vals[0], "%.*s", (int)(len - n - 1), p + n + 1);
			return val;
		}
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

/* GET path?query: the status, and the JSON body (or NULL) in *body. */
static unsigned get(const char *path, const char *query, json_t **body)
{
	struct api_req rq = {.st = st, .arg = query_arg, .ctx = (void *)query, .now = 1700100000};
	struct api_reply rep = {0};
	assert_int_equal(api_handle(&rq, path, &rep), 0);
	assert_int_equal(api_reply_collect(&rep), 0);
	*body = json_loadb(rep.body, rep.len, 0, NULL);
	free(rep.body);
	return rep.code;
}

static char *ips_of(json_t *body, const char *key)
{
	static char out[256];
	out[0] = '\0';
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(body, key), i, it) {
		strncat(out, json_string_value(json_object_get(it, "ip")), sizeof out - strlen(out) - 2);
		strncat(out, " ", sizeof out - strlen(out) - 1);
	}
	return out;
}

static void test_inventory(void **state)
{
	(void)state;
	json_t *b;
	assert_int_equal(get("/api/inventory", "", &b), 200);
	assert_int_equal(json_integer_value(json_object_get(b, "total")), 3);
	assert_string_equal(ips_of(b, "items"), "198.18.1.10 198.18.1.11 198.18.1.12 ");
	json_t *beta = json_array_get(json_object_get(b, "items"), 1);
	assert_int_equal(json_integer_value(json_object_get(beta, "first_seen")), 1700000000);
	assert_int_equal(json_integer_value(json_object_get(beta, "last_seen")), 1700086400);
	assert_true(json_is_true(json_object_get(beta, "smb1")));
	assert_string_equal(json_string_value(json_object_get(beta, "worst")), "high");
	assert_int_equal(json_integer_value(json_object_get(beta, "sightings")), 2);
	json_t *gamma = json_array_get(json_object_get(b, "items"), 2); /* internal x2, external */
	assert_int_equal(json_integer_value(json_object_get(gamma, "sightings")), 3);
	assert_int_equal(json_integer_value(json_object_get(gamma, "last_seen")), 1700090000);
	json_decref(b);

	assert_int_equal(get("/api/inventory", "sort=address&order=desc&per_page=2&page=1", &b), 200);
	assert_string_equal(ips_of(b, "items"), "198.18.1.12 198.18.1.11 ");
	json_decref(b);
	assert_int_equal(get("/api/inventory", "finding=SMB1_ENABLED", &b), 200);
	assert_string_equal(ips_of(b, "items"), "198.18.1.11 ");
	json_decref(b);
	assert_int_equal(get("/api/inventory", "q=gamma", &b), 200); /* name, any case */
	assert_string_equal(ips_of(b, "items"), "198.18.1.12 ");
	json_decref(b);
	assert_int_equal(get("/api/inventory", "view=external", &b), 200);
	assert_string_equal(ips_of(b, "items"), "198.18.1.12 ");
	json_decref(b);
	assert_int_equal(get("/api/inventory", "q=198.18.0.0/16", &b), 200);
	assert_int_equal(json_integer_value(json_object_get(b, "total")), 3);
	json_decref(b);
}

/* Filters together: each set filter adds its own numbered parameter
 * (api_inventory.c inv_where), and the finding filters read the findings
 * of the latest sightings only - .10 and .11 were last seen in run 2, .12
 * in run 3; .11 had no SMB1 in run 1. */
static void test_inventory_filters_combined(void **state)
{
	(void)state;
	static const struct {
		const char *query, *ips;
		json_int_t total;
	} cases[] = {
		{"severity=high", "198.18.1.10 198.18.1.11 ", 2},
		{"finding=SIGNING_NOT_REQUIRED", "198.18.1.12 ", 1},
		{"q=SIGNING_NOT_REQUIRED", "198.18.1.12 ", 1},
		{"q=198.18.1.1&finding=SMB1_ENABLED&severity=high", "198.18.1.11 ", 1},
		{"q=198.18.1.1&finding=SMB1_ENABLED&severity=medium", "", 0},
		{"finding=RELAY_TARGET&view=internal", "198.18.1.10 ", 1},
		{"finding=RELAY_TARGET&view=external", "", 0},
		{"severity=medium&view=external&sort=findings&order=desc", "198.18.1.12 ", 1},
		/* .12 last, then .10 and .11 (same last_seen) by address */
		{"finding=SMB_EXPOSED&sort=last_seen&order=desc&per_page=1&page=2", "198.18.1.10 ",
		 3},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *b;
		assert_int_equal(get("/api/inventory", cases[i].query, &b), 200);
		assert_string_equal(ips_of(b, "items"), cases[i].ips);
		assert_int_equal(json_integer_value(json_object_get(b, "total")), cases[i].total);
		json_decref(b);
	}
	/* the open findings of a page's rows, counted with or without that sort */
	json_t *b;
	assert_int_equal(get("/api/inventory", "sort=findings&order=desc&per_page=1", &b), 200);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(b, "items"), 0), "open_findings")),
			 1);
	json_decref(b);
	assert_int_equal(get("/api/inventory", "q=198.18.1.11", &b), 200);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(b, "items"), 0), "open_findings")),
			 1);
	json_decref(b);
}

/* What the user types is data: LIKE wildcards match themselves, and sort
 * or order words outside the list are refused, never pasted into SQL. */
static void test_inventory_input_is_data(void **state)
{
	(void)state;
	json_t *b;
	assert_int_equal(get("/api/inventory", "q=%", &b), 200);
	assert_string_equal(ips_of(b, "items"), "198.18.1.11 "); /* only BETA_100% */
	json_decref(b);
	/* "0%" as a pattern would also match .10's record ("198.18.1.10") */
	assert_int_equal(get("/api/inventory", "q=0%", &b), 200);
	assert_string_equal(ips_of(b, "items"), "198.18.1.11 ");
	json_decref(b);
	assert_int_equal(get("/api/inventory", "sort=ip;DROP TABLE runs", &b), 400);
	json_decref(b);
	assert_int_equal(get("/api/inventory", "order=asc,ip", &b), 400);
	json_decref(b);
	assert_int_equal(get("/api/inventory", "per_page=501", &b), 400);
	json_decref(b);
	assert_int_equal(get("/api/inventory", "q=198.18.1.0/23", &b), 400);
	json_decref(b);
	assert_int_equal(get("/api/inventory", "", &b), 200); /* the store is whole */
	assert_int_equal(json_integer_value(json_object_get(b, "total")), 3);
	json_decref(b);
}

static void test_overview_changes_host(void **state)
{
	(void)state;
	json_t *b;
	assert_int_equal(get("/api/overview", "", &b), 200);
	assert_string_equal(ips_of(b, "external"), "198.18.1.12 ");
	json_t *trend = json_object_get(b, "trend");
	assert_int_equal(json_array_size(trend), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(trend, 0), "smb1")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(trend, 1), "smb1")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(trend, 0), "unsigned")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(trend, 2), "medium")), 1);
	/* BETA's SMB1 and ALPHA's relay verdict in the latest internal run */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(b, "now"), "high")), 2);
	/* the open SMB1 finding was first seen 13600 s before now: under 1 day;
	 * ALPHA's relay and GAMMA's unsigned (in both views) since the first
	 * run, 100000 s: 1-7 days */
	json_t *age0 = json_array_get(json_object_get(b, "open_by_age"), 0);
	assert_int_equal(json_integer_value(json_object_get(age0, "n")), 1);
	json_t *age1 = json_array_get(json_object_get(b, "open_by_age"), 1);
	assert_int_equal(json_integer_value(json_object_get(age1, "n")), 3);
	json_decref(b);

	assert_int_equal(get("/api/changes", "kind=finding_opened", &b), 200);
	json_t *ev = json_object_get(b, "events");
	assert_int_equal(json_array_size(ev), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "ip")),
			    "198.18.1.11");
	json_decref(b);

	assert_int_equal(get("/api/host", "ip=198.18.1.11", &b), 200);
	json_t *h = json_object_get(b, "history");
	assert_int_equal(json_array_size(h), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "status")),
			    "changed");
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1), "status")),
			    "first_seen");
	json_decref(b);
	assert_int_equal(get("/api/host", "ip=198.18.1.99", &b), 404);
	json_decref(b);
	assert_int_equal(get("/api/host", "ip=1.2.3.4' OR 1=1", &b), 400);
	json_decref(b);
}

/* GET path?query as text (CSV, relay list); the caller frees it. */
static char *get_text(const char *path, const char *query, unsigned *code)
{
	struct api_req rq = {.st = st, .arg = query_arg, .ctx = (void *)query, .now = 1700100000};
	struct api_reply rep = {0};
	assert_int_equal(api_handle(&rq, path, &rep), 0);
	assert_int_equal(api_reply_collect(&rep), 0);
	*code = rep.code;
	char *t = strndup(rep.body ? rep.body : "", rep.len);
	free(rep.body);
	return t;
}

static void test_exports_and_stored(void **state)
{
	(void)state;
	unsigned code;
	/* relay.txt: RELAY_TARGET (ALPHA), not SIGNING_NOT_REQUIRED (GAMMA) */
	char *t = get_text("/api/relay.txt", "", &code);
	assert_int_equal(code, 200);
	assert_string_equal(t, "198.18.1.10\n");
	free(t);
	/* the streamed CSV: header, then every service in address order */
	t = get_text("/api/inventory.csv", "", &code);
	assert_int_equal(code, 200);
	assert_non_null(strstr(t, "ip,port,name,os,first_seen,last_seen,views"));
	const char *a = strstr(t, "\"198.18.1.10\",\"445\",\"ALPHA\"");
	const char *g = strstr(t, "\"198.18.1.12\",\"445\",\"GAMMA\"");
	assert_non_null(a);
	assert_non_null(g);
	assert_true(a < g);
	assert_non_null(strstr(g, "\"external internal\"")); /* its views */
	free(t);
	t = get_text("/api/inventory.csv", "view=external", &code);
	assert_null(strstr(t, "ALPHA"));
	assert_non_null(strstr(t, "GAMMA"));
	free(t);

	json_t *b;
	/* stored events are what /api/changes answers (run 3 has the mark) */
	assert_int_equal(get("/api/changes", "runs=1", &b), 200);
	json_t *ev = json_array_get(json_object_get(b, "events"), 0);
	assert_true(json_is_true(json_object_get(ev, "stored")));
	json_decref(b);
	/* ... and the limit cuts the list, saying so */
	assert_int_equal(get("/api/changes", "runs=3&limit=1", &b), 200);
	assert_int_equal(json_array_size(json_object_get(b, "events")), 1);
	assert_true(json_is_true(json_object_get(b, "more")));
	json_decref(b);

	/* next run due: the external run stored every_s 3600; the scan none */
	assert_int_equal(get("/api/overview", "", &b), 200);
	size_t i;
	json_t *r;
	int seen = 0;
	json_array_foreach(json_object_get(b, "last_runs"), i, r) {
		const char *view = json_string_value(json_object_get(r, "view"));
		if (strcmp(view, "external") == 0) {
			assert_int_equal(json_integer_value(json_object_get(r, "next_due")),
					 1700090000 + 3600);
			seen++;
		} else {
			assert_true(json_is_null(json_object_get(r, "next_due")));
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	json_decref(b);
}

static void test_readonly(void **state)
{
	(void)state;
	struct store_run r;
	memset(&r, 0, sizeof r);
	snprintf(r.view, sizeof r.view, "x");
	assert_int_equal(store_run_begin(st, &r), -1); /* set_readonly in setup */
}

/* A stored record read back renders as it was written: record_to_json
 * of record_from_json of the sample record is the sample's JSON, but for
 * the fields the writers do not need back (the GUID, the times). */
static void test_record_read_back(void **state)
{
	(void)state;
	static struct svc_record a, b;
	fill(&a);
	/* titles and fixes come back from assess/'s table (a record's
	 * strings are not kept past the JSON); the fixture's is its own */
	for (unsigned i = 0; i < a.n_findings; i++) {
		const struct finding_info *fi = finding_info_by_name(a.findings[i].id);
		assert_non_null(fi);
		a.findings[i].title = fi->title;
		a.findings[i].remediation = fi->remediation;
	}
	json_t *ja = record_to_json(&a);
	assert_int_equal(record_from_json(ja, a.scanned_at, &b), 0);
	json_t *jb = record_to_json(&b);
	json_t *sa = json_object_get(ja, "smb2");
	json_object_del(sa, "server_guid");
	json_object_del(sa, "system_time");
	json_object_del(sa, "boot_time");
	char *ta = json_dumps(ja, JSON_SORT_KEYS), *tb = json_dumps(jb, JSON_SORT_KEYS);
	assert_string_equal(tb, ta);
	free(ta);
	free(tb);
	assert_int_equal(record_from_json(json_object_get(ja, "smb2"), 0, &b), -1); /* no ip */
	json_decref(ja);
	json_decref(jb);
}

static void test_exports_latest_run(void **state)
{
	(void)state;
	struct api_req rq = {.st = st, .arg = query_arg, .ctx = (void *)"", .now = 1700100000};
	struct api_reply rep = {0};
	/* the latest complete run: the external one, GAMMA alone */
	assert_int_equal(api_handle(&rq, "/api/latest.xml", &rep), 0);
	assert_int_equal(rep.code, 200);
	assert_string_equal(rep.filename, "smbwatch-run-3.xml");
	char *t = strndup(rep.body, rep.len);
	assert_non_null(strstr(t, "<nmaprun"));
	assert_non_null(strstr(t, "addr=\"198.18.1.12\""));
	assert_null(strstr(t, "addr=\"198.18.1.10\""));
	free(t);
	free(rep.body);
	/* run 2 in the HTML report: its three hosts, BETA's SMB1 finding */
	memset(&rep, 0, sizeof rep);
	rq.ctx = (void *)"run=2";
	assert_int_equal(api_handle(&rq, "/api/latest.html", &rep), 0);
	assert_int_equal(rep.code, 200);
	t = strndup(rep.body, rep.len);
	assert_non_null(strstr(t, "198.18.1.10"));
	assert_non_null(strstr(t, "198.18.1.11"));
	assert_non_null(strstr(t, "SMB1_ENABLED"));
	free(t);
	free(rep.body);
	memset(&rep, 0, sizeof rep);
	rq.ctx = (void *)"run=99";
	assert_int_equal(api_handle(&rq, "/api/latest.html", &rep), 0);
	assert_int_equal(rep.code, 404);
	free(rep.body);
}

/* --- a store written at schema 3, opened by this smbwatch -------------- */

static int no_row(json_t *row, void *ud)
{
	(void)row;
	(void)ud;
	return 0;
}

/* text as a SQL string literal's inside: quotes doubled (malloc'd) */
static char *sql_quote(const char *t)
{
	char *out = malloc(2 * strlen(t) + 1), *o = out;
	assert_non_null(out);
	for (; *t; t++) {
		if (*t == '\'')
			*o++ = '\'';
		*o++ = *t;
	}
	*o = '\0';
	return out;
}

/* Raw SQL into the schema-3 store (what an older smbwatch wrote). */
static void sql(const char *text)
{
	assert_int_equal(store_query(st, text, NULL, 0, no_row, NULL), 0);
}

static void add_v3_run(int run, bool smb1_on_11)
{
	char q[1024];
	snprintf(q, sizeof q,
		 "INSERT INTO runs (id, scope, view, targets, ports, options, scanner, started_at,"
		 " ended_at, complete, n_services) VALUES (%d, 'sc', 'internal', 't', '445', '{}',"
		 " 'old', %d, %d, 1, 2)",
		 run, 1690000000 + run * 86400, 1690000000 + run * 86400 + 10);
	sql(q);
	const char *ips[] = {"198.18.1.10", "198.18.1.11"};
	for (int i = 0; i < 2; i++) {
		bool smb1 = i == 1 && smb1_on_11;
		char *rec = record(ips[i], i ? "BETA" : "ALPHA", smb1);
		char *esc = sql_quote(rec);
		snprintf(q, sizeof q,
			 "INSERT INTO services (id, run_id, ip, port, scanned_at, record) VALUES"
			 " (%d, %d, '%s', 445, %d, '%s')",
			 run * 10 + i, run, ips[i], 1690000000 + run * 86400, esc);
		sql(q);
		free(esc);
		free(rec);
		snprintf(q, sizeof q,
			 "INSERT INTO findings (service_id, run_id, finding, severity, title) VALUES"
			 " (%d, %d, 'SMB_EXPOSED', 'info', 'x')",
			 run * 10 + i, run);
		sql(q);
		if (smb1) {
			snprintf(q, sizeof q,
				 "INSERT INTO findings (service_id, run_id, finding, severity, title)"
				 " VALUES (%d, %d, 'SMB1_ENABLED', 'high', 'x')",
				 run * 10 + i, run);
			sql(q);
		}
		/* service_latest as migration 3 and service_put kept it */
		snprintf(q, sizeof q,
			 "INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings, run_id,"
			 " service_id) VALUES ('%s', 445, %d, %d, 1, %d, %d) ON CONFLICT (ip, port) DO"
			 " UPDATE SET last_seen = excluded.last_seen, sightings = sightings + 1,"
			 " run_id = excluded.run_id, service_id = excluded.service_id",
			 ips[i], 1690000000 + run * 86400, 1690000000 + run * 86400, run,
			 run * 10 + i);
		sql(q);
	}
}

static void test_migrate_from_3(void **state)
{
	(void)state;
	char dir[] = "/tmp/smbw-serve-v3.XXXXXX", path[64], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/v3.db", dir);
	setenv("SMBW_TEST_SCHEMA_MAX", "3", 1);
	assert_int_equal(store_open(path, &st, err, sizeof err), 0);
	unsetenv("SMBW_TEST_SCHEMA_MAX");
	add_v3_run(1, false);
	add_v3_run(2, true); /* SMB1 appears on .11 */
	store_close(st);

	assert_int_equal(store_open(path, &st, err, sizeof err), 0); /* migrates */
	json_t *b;
	/* per-run counts backfilled: the trend and "now" */
	assert_int_equal(get("/api/overview", "", &b), 200);
	json_t *trend = json_object_get(b, "trend");
	assert_int_equal(json_array_size(trend), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(trend, 0), "smb1")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(trend, 1), "smb1")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(trend, 1), "info")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(b, "now"), "high")), 1);
	/* finding_first backfilled: SMB1 on .11 since run 2 (1690172800), 115 days */
	json_t *age = json_object_get(b, "open_by_age");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(age, 0), "n")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(age, 3), "n")), 1);
	json_decref(b);
	/* views backfilled */
	assert_int_equal(get("/api/inventory", "view=internal", &b), 200);
	assert_int_equal(json_integer_value(json_object_get(b, "total")), 2);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_array_get(json_object_get(b, "items"), 0), "views"),
				    0)),
			    "internal");
	json_decref(b);
	/* no events were stored by the old smbwatch: computed on demand */
	assert_int_equal(get("/api/changes", "runs=2&kind=finding_opened", &b), 200);
	assert_int_equal(json_array_size(json_object_get(b, "events")), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(b, "events"), 0), "ip")),
			    "198.18.1.11");
	json_decref(b);

	/* and this smbwatch writes on: a new view joins the old one */
	struct store_run r;
	memset(&r, 0, sizeof r);
	snprintf(r.scope, sizeof r.scope, "sc");
	snprintf(r.view, sizeof r.view, "external");
	snprintf(r.options, sizeof r.options, "{}");
	r.started_at = 1690000000 + 3 * 86400;
	assert_int_equal(store_run_begin(st, &r), 0);
	char *rec = record("198.18.1.10", "ALPHA", false);
	struct store_service s = {
		.run_id = r.id, .ip = "198.18.1.10", .port = 445, .scanned_at = r.started_at, .record = rec};
	assert_int_equal(store_service_put(st, &s), 0);
	free(rec);
	r.complete = true;
	r.ended_at = r.started_at + 1;
	assert_int_equal(store_run_end(st, &r), 0);
	assert_int_equal(get("/api/inventory", "view=external", &b), 200);
	json_t *views =
		json_object_get(json_array_get(json_object_get(b, "items"), 0), "views");
	assert_int_equal(json_array_size(views), 2);
	json_decref(b);
	store_close(st);
	st = NULL;
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* --- migration 7: open findings kept in service_latest ------------------- */

/* A record whose findings are n_high high ones and one info (SMB_EXPOSED). */
static char *record_findings(const char *ip, int n_high)
{
	json_t *fs = json_pack("[{s:s, s:s, s:s}]", "id", "SMB_EXPOSED", "severity", "info",
			       "title", "reachable");
	for (int i = 0; i < n_high; i++) {
		char id[16];
		snprintf(id, sizeof id, "HIGH_%d", i);
		json_array_append_new(fs, json_pack("{s:s, s:s, s:s}", "id", id, "severity",
						    "high", "title", "x"));
	}
	json_t *o = json_pack("{s:s, s:s, s:i, s:o, s:[]}", "type", "service", "ip", ip, "port",
			      445, "findings", fs, "errors");
	char *t = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return t;
}

/* One run of four services as a schema-6 smbwatch stored it (raw SQL: the
 * new upsert writes a column schema 6 lacks); n_high[i] high findings and
 * one info each. */
static void add_v6_run(int run, const int n_high[4])
{
	char q[1024];
	int at = 1690000000 + run * 86400;
	snprintf(q, sizeof q,
		 "INSERT INTO runs (id, scope, view, targets, ports, options, scanner, started_at,"
		 " ended_at, complete, n_services) VALUES (%d, 'sc', 'internal', 't', '445', '{}',"
		 " 'v6', %d, %d, 1, 4)",
		 run, at, at + 10);
	sql(q);
	for (int i = 0; i < 4; i++) {
		char ip[16];
		snprintf(ip, sizeof ip, "198.18.1.2%d", i);
		int sid = run * 10 + i;
		char *rec = record_findings(ip, n_high[i]);
		char *esc = sql_quote(rec);
		snprintf(q, sizeof q,
			 "INSERT INTO services (id, run_id, ip, port, scanned_at, record) VALUES"
			 " (%d, %d, '%s', 445, %d, '%s')",
			 sid, run, ip, at, esc);
		sql(q);
		free(esc);
		free(rec);
		snprintf(q, sizeof q,
			 "INSERT INTO findings (service_id, run_id, finding, severity, title, first_seen)"
			 " VALUES (%d, %d, 'SMB_EXPOSED', 'info', 'x', %d)",
			 sid, run, at);
		sql(q);
		for (int k = 0; k < n_high[i]; k++) {
			snprintf(q, sizeof q,
				 "INSERT INTO findings (service_id, run_id, finding, severity, title,"
				 " first_seen) VALUES (%d, %d, 'HIGH_%d', 'high', 'x', %d)",
				 sid, run, k, at);
			sql(q);
		}
		snprintf(q, sizeof q,
			 "INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings, run_id,"
			 " service_id, views, search) VALUES ('%s', 445, %d, %d, 1, %d, %d, ' internal ',"
			 " '%s') ON CONFLICT (ip, port) DO UPDATE SET last_seen = excluded.last_seen,"
			 " sightings = sightings + 1, run_id = excluded.run_id,"
			 " service_id = excluded.service_id",
			 ip, at, at, run, sid, ip);
		sql(q);
	}
}

/* "ip:open_findings ..." of /api/inventory?QUERY */
static char *order_of(const char *query)
{
	static char out[256];
	json_t *b;
	assert_int_equal(get("/api/inventory", query, &b), 200);
	out[0] = '\0';
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(b, "items"), i, it) {
		size_t n = strlen(out);
		snprintf(out + n, sizeof out - n, "%s:%lld ",
			 json_string_value(json_object_get(it, "ip")) + 8, /* ".2x" of 198.18.1.2x */
			 (long long)json_integer_value(json_object_get(it, "open_findings")));
	}
	json_decref(b);
	return out;
}

/* A store written by schema 6 (no open_findings column) is migrated: the
 * column is backfilled from each service's latest row only, and the sort
 * by it orders by count, then by address, in both directions; then this
 * smbwatch keeps it as it stores. */
static void test_migrate_from_6_sort_by_findings(void **state)
{
	(void)state;
	char dir[] = "/tmp/smbw-serve-v6.XXXXXX", path[64], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/v6.db", dir);
	setenv("SMBW_TEST_SCHEMA_MAX", "6", 1);
	assert_int_equal(store_open(path, &st, err, sizeof err), 0);
	unsetenv("SMBW_TEST_SCHEMA_MAX");
	/* run 1 is superseded (.20 had 3: counted, it would sort first) */
	add_v6_run(1, (const int[]){3, 0, 0, 0});
	add_v6_run(2, (const int[]){0, 2, 1, 2});
	store_close(st);

	assert_int_equal(store_open(path, &st, err, sizeof err), 0); /* migrates */
	assert_string_equal(order_of("sort=findings&order=desc"), ".21:2 .23:2 .22:1 .20:0 ");
	assert_string_equal(order_of("sort=findings&order=asc"), ".20:0 .22:1 .21:2 .23:2 ");
	assert_string_equal(order_of("sort=findings&order=desc&per_page=1&page=2"), ".23:2 ");
	/* the other sorts and a filter show the same counts */
	assert_string_equal(order_of(""), ".20:0 .21:2 .22:1 .23:2 ");
	assert_string_equal(order_of("finding=HIGH_1&sort=findings&order=desc"), ".21:2 .23:2 ");

	/* this smbwatch stores on: runs 3 and 4 begin; .21 is fixed (info
	 * only) in run 4, then run 3's older sighting (4 high) is written
	 * late: it does not replace the newer run's count */
	struct store_run r3, r4;
	memset(&r3, 0, sizeof r3);
	snprintf(r3.scope, sizeof r3.scope, "sc");
	snprintf(r3.view, sizeof r3.view, "internal");
	snprintf(r3.options, sizeof r3.options, "{}");
	r3.started_at = 1690000000 + 3 * 86400;
	r4 = r3;
	assert_int_equal(store_run_begin(st, &r3), 0);
	assert_int_equal(store_run_begin(st, &r4), 0);
	const struct {
		int64_t run;
		int n_high;
	} puts[] = {{r4.id, 0}, {r3.id, 4}};
	for (size_t i = 0; i < 2; i++) {
		char *rec = record_findings("198.18.1.21", puts[i].n_high);
		struct store_service s = {.run_id = puts[i].run, .ip = "198.18.1.21", .port = 445,
					  .scanned_at = r3.started_at, .record = rec};
		assert_int_equal(store_service_put(st, &s), 0);
		free(rec);
	}
	assert_string_equal(order_of("sort=findings&order=desc"), ".23:2 .22:1 .20:0 .21:0 ");
	/* the stored count is the one a count of the latest rows gives */
	json_t *rows = api_rows(st,
				"SELECT COUNT(*) AS n FROM service_latest l WHERE l.open_findings <>"
				" (SELECT COUNT(*) FROM findings f WHERE f.service_id = l.service_id"
				" AND f.severity <> 'info')",
				NULL, 0);
	assert_non_null(rows);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "n")), 0);
	json_decref(rows);
	store_close(st);
	st = NULL;
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* --- the CSV export in chunks ------------------------------------------- */

/* 1,000 addresses x 3 ports: 3,000 rows, so the export's chunks of 1,000
 * (api_inventory.c CSV_CHUNK) end between two ports of one address and
 * the last chunk is full (then an empty one ends it). Every row exactly
 * once, in (ip, port) order, and cells quoted as RFC 4180 says. */
static void test_csv_export_chunks(void **state)
{
	(void)state;
	char dir[] = "/tmp/smbw-serve-csv.XXXXXX", path[64], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/csv.db", dir);
	assert_int_equal(store_open(path, &st, err, sizeof err), 0);
	sql("INSERT INTO runs (id, scope, view, targets, ports, options, scanner, started_at,"
	    " ended_at, complete, n_services) VALUES (1, 'sc', 'internal', 't', '445', '{}',"
	    " 'csv', 1690000000, 1690000010, 1, 3000)");
	/* address i: 198.18.(i/256).(i%256); the name of the first carries a
	 * quote and a leading '=' (a formula to a spreadsheet) */
	sql("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2999)"
	    " INSERT INTO services (id, run_id, ip, port, scanned_at, record) SELECT i + 1, 1,"
	    " '198.18.' || ((i / 3) / 256) || '.' || ((i / 3) % 256),"
	    " CASE i % 3 WHEN 0 THEN 139 WHEN 1 THEN 445 ELSE 8445 END, 1690000000,"
	    " '{\"type\":\"service\",\"ntlm\":{\"netbios_computer\":\"' ||"
	    " CASE WHEN i = 0 THEN '=HY\\\"PER' ELSE 'H' || i END || '\"},\"findings\":[]}' FROM n");
	sql("INSERT INTO service_latest (ip, port, first_seen, last_seen, sightings, run_id,"
	    " service_id, views, search, open_findings) SELECT ip, port, scanned_at, scanned_at,"
	    " 1, run_id, id, ' internal ', '', 0 FROM services");
	json_t *want = api_rows(st, "SELECT ip, port FROM service_latest ORDER BY ip, port", NULL, 0);
	assert_int_equal(json_array_size(want), 3000);

	unsigned code;
	char *t = get_text("/api/inventory.csv", "", &code);
	assert_int_equal(code, 200);
	size_t rows = 0;
	char *save = NULL;
	char *line = strtok_r(t, "\n", &save); /* the header */
	assert_string_equal(line, "ip,port,name,os,first_seen,last_seen,views,dialects,smb1,"
				  "signing,findings\r");
	while ((line = strtok_r(NULL, "\n", &save))) {
		json_t *w = json_array_get(want, rows++);
		assert_non_null(w);
		char head[64];
		snprintf(head, sizeof head, "\"%s\",\"%lld\",",
			 json_string_value(json_object_get(w, "ip")),
			 (long long)json_integer_value(json_object_get(w, "port")));
		assert_memory_equal(line, head, strlen(head));
	}
	assert_int_equal(rows, 3000);
	free(t);
	json_decref(want);
	/* the name cell: defused and its quote doubled */
	t = get_text("/api/inventory.csv", "q=198.18.0.0/32", &code);
	assert_non_null(strstr(t, "\"198.18.0.0\",\"139\",\"'=HY\"\"PER\",\"\","));
	free(t);
	store_close(st);
	st = NULL;
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest auth[] = {
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_record_read_back),
	};
	const struct CMUnitTest api[] = {
		cmocka_unit_test(test_inventory),
		cmocka_unit_test(test_inventory_filters_combined),
		cmocka_unit_test(test_inventory_input_is_data),
		cmocka_unit_test(test_overview_changes_host),
		cmocka_unit_test(test_exports_and_stored),
		cmocka_unit_test(test_exports_latest_run),
		cmocka_unit_test(test_readonly),
	};
	int rc = cmocka_run_group_tests_name("serve auth", auth, NULL, NULL);
	rc |= cmocka_run_group_tests_name("serve api", api, setup_store, teardown_store);
	const struct CMUnitTest migrate[] = {
		cmocka_unit_test(test_migrate_from_3),
		cmocka_unit_test(test_migrate_from_6_sort_by_findings),
		cmocka_unit_test(test_csv_export_chunks),
	};
	rc |= cmocka_run_group_tests_name("serve stores of their own", migrate, NULL, NULL);
	return rc;
}
