/* api_overview.c - GET /api/overview: what the morning page shows first.
 * "Now" is the latest complete run of each scope (targets + ports) and
 * view; the trend is the last OVERVIEW_RUNS complete runs. */
#include <stdio.h>
#include <string.h>

#include "serve/api.h"
#include "serve/svc_summary.h"

#define OVERVIEW_RUNS 60

/* The latest complete run of every scope and view. */
#define LATEST_RUNS "SELECT MAX(id) FROM runs WHERE CAST(complete AS INTEGER) = 1 GROUP BY scope, view"

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};

static json_t *severity_counts(void)
{
	json_t *o = json_object();
	for (int i = 0; i < 5; i++)
		json_object_set_new(o, sev_names[i], json_integer(0));
	return o;
}

/* Findings of the latest runs by severity, plus distinct services/hosts. */
static json_t *counts_now(struct store *st)
{
	json_t *rows = api_rows(st,
				"SELECT severity, COUNT(*) AS n FROM findings WHERE run_id IN"
				" (" LATEST_RUNS ") GROUP BY severity",
				NULL, 0);
	json_t *svc = api_rows(st,
			       "SELECT COUNT(*) AS services, COUNT(DISTINCT ip) AS hosts FROM"
			       " service_latest",
			       NULL, 0);
	if (!rows || !svc) {
		json_decref(rows);
		json_decref(svc);
		return NULL;
	}
	json_t *o = severity_counts();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		const char *sev = json_string_value(json_object_get(r, "severity"));
		if (api_severity_rank(sev) >= 0)
			json_object_set(o, sev, json_object_get(r, "n"));
	}
	json_object_set(o, "services", json_object_get(json_array_get(svc, 0), "services"));
	json_object_set(o, "hosts", json_object_get(json_array_get(svc, 0), "hosts"));
	json_decref(rows);
	json_decref(svc);
	return o;
}

/* Every service the latest external runs saw, worst first. */
static json_t *external_now(struct store *st)
{
	json_t *rows = api_rows(st,
				"SELECT s.ip AS ip, s.port AS port, s.run_id AS run,"
				" s.scanned_at AS scanned_at, s.record AS record FROM services s"
				" WHERE s.run_id IN (SELECT MAX(id) FROM runs WHERE CAST(complete AS INTEGER) = 1"
				" AND view = 'external' GROUP BY scope) ORDER BY s.ip, s.port",
				NULL, 0);
	if (!rows)
		return NULL;
	json_t *out = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		json_t *sum = svc_summary_of_row(r);
		json_object_set(sum, "run", json_object_get(r, "run"));
		json_array_append_new(out, sum);
	}
	json_decref(rows);
	svc_summary_sort_worst_first(out);
	return out;
}

/* Per run: findings by severity, SMB1 and unsigned services. */
static json_t *trend(struct store *st)
{
	struct store_param lim = {.num = OVERVIEW_RUNS, .is_int = true};
	json_t *runs = api_rows(st,
				"SELECT id AS run, started_at AS at, view, n_services AS services"
				" FROM runs WHERE CAST(complete AS INTEGER) = 1 ORDER BY id DESC"
				" LIMIT CAST($1 AS BIGINT)",
				&lim, 1);
	if (!runs)
		return NULL;
	size_t n = json_array_size(runs);
	json_t *out = json_array();
	if (n == 0) {
		json_decref(runs);
		return out;
	}
	struct store_param from = {
		.num = json_integer_value(json_object_get(json_array_get(runs, n - 1), "run")),
		.is_int = true};
	json_t *rows = api_rows(st,
				"SELECT run_id AS run, severity, finding, COUNT(*) AS n FROM"
				" findings WHERE run_id >= CAST($1 AS BIGINT)"
				" GROUP BY run_id, severity, finding",
				&from, 1);
	if (!rows) {
		json_decref(runs);
		json_decref(out);
		return NULL;
	}
	json_t *by_run = json_object();
	for (size_t i = n; i-- > 0;) { /* oldest first */
		json_t *run = json_array_get(runs, i);
		json_t *o = severity_counts();
		json_object_update(o, run);
		json_object_set_new(o, "smb1", json_integer(0));
		json_object_set_new(o, "unsigned", json_integer(0));
		char key[32];
		snprintf(key, sizeof key, "%lld",
			 (long long)json_integer_value(json_object_get(run, "run")));
		json_object_set(by_run, key, o);
		json_array_append_new(out, o);
	}
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		char key[32];
		snprintf(key, sizeof key, "%lld",
			 (long long)json_integer_value(json_object_get(r, "run")));
		json_t *o = json_object_get(by_run, key);
		const char *sev = json_string_value(json_object_get(r, "severity"));
		const char *id = json_string_value(json_object_get(r, "finding"));
		json_int_t cnt = json_integer_value(json_object_get(r, "n"));
		if (!o || api_severity_rank(sev) < 0)
			continue;
		json_object_set_new(o, sev,
				    json_integer(json_integer_value(json_object_get(o, sev)) + cnt));
		if (id && strcmp(id, "SMB1_ENABLED") == 0)
			json_object_set_new(o, "smb1", json_integer(cnt));
		if (id && strcmp(id, "SIGNING_NOT_REQUIRED") == 0)
			json_object_set_new(o, "unsigned", json_integer(cnt));
	}
	json_decref(by_run);
	json_decref(rows);
	json_decref(runs);
	return out;
}

/* Open findings (not info) of the latest runs, each with the time it was
 * first seen on that service; bucketed by age. */
static json_t *open_by_age(struct store *st, int64_t now)
{
	json_t *rows = api_rows(
		st,
		"SELECT s.ip AS ip, s.port AS port, f.finding AS finding, f.severity AS severity,"
		" (SELECT MIN(s2.scanned_at) FROM services s2 WHERE s2.ip = s.ip AND"
		" s2.port = s.port AND EXISTS (SELECT 1 FROM findings f2 WHERE"
		" f2.service_id = s2.id AND f2.finding = f.finding)) AS first_seen"
		" FROM findings f JOIN services s ON s.id = f.service_id"
		" WHERE f.run_id IN (" LATEST_RUNS ") AND f.severity <> 'info'",
		NULL, 0);
	if (!rows)
		return NULL;
	static const struct {
		const char *name;
		int64_t upto; /* seconds */
	} buckets[] = {{"under 1 day", 86400},
		       {"1-7 days", 7 * 86400},
		       {"7-30 days", 30 * 86400},
		       {"over 30 days", INT64_MAX}};
	json_t *out = json_array();
	for (size_t b = 0; b < 4; b++)
		json_array_append_new(out, json_pack("{s:s, s:i}", "age", buckets[b].name, "n", 0));
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		int64_t age = now - json_integer_value(json_object_get(r, "first_seen"));
		for (size_t b = 0; b < 4; b++)
			if (age < buckets[b].upto) {
				json_t *o = json_array_get(out, b);
				json_object_set_new(
					o, "n",
					json_integer(json_integer_value(json_object_get(o, "n")) +
						     1));
				break;
			}
	}
	json_decref(rows);
	return out;
}

void api_overview(const struct api_req *rq, struct api_reply *out)
{
	json_t *last = api_rows(rq->st,
				"SELECT id AS run, view, targets, started_at, ended_at, CAST(complete AS INTEGER) AS complete,"
				" n_services AS services FROM runs WHERE id IN"
				" (SELECT MAX(id) FROM runs GROUP BY scope, view) ORDER BY view, id DESC",
				NULL, 0);
	json_t *now = counts_now(rq->st);
	json_t *ext = external_now(rq->st);
	json_t *tr = trend(rq->st);
	json_t *age = open_by_age(rq->st, rq->now);
	if (!last || !now || !ext || !tr || !age) {
		json_decref(last);
		json_decref(now);
		json_decref(ext);
		json_decref(tr);
		json_decref(age);
		api_store_error(out, rq->st);
		return;
	}
	api_json(out, 200,
		 json_pack("{s:o, s:o, s:o, s:o, s:o, s:I}", "now", now, "external", ext,
			   "trend", tr, "open_by_age", age, "last_runs", last, "generated_at",
			   (json_int_t)rq->now));
}
