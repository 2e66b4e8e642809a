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

/* The per-run counts kept at run end (store migration 4), as JSON
 * integers in both backends. */
#define RUN_COUNTS                                                                        \
	" n_info AS info, n_low AS low, n_medium AS medium, n_high AS high,"               \
	" n_critical AS critical, n_smb1 AS smb1, n_unsigned AS unsigned"
#define SUM_OF(c) " CAST(COALESCE(SUM(" c "), 0) AS BIGINT) AS " c

/* Findings of the latest runs by severity, plus distinct services/hosts. */
static json_t *counts_now(struct store *st)
{
	json_t *rows = api_rows(st,
				"SELECT" SUM_OF("n_info") "," SUM_OF("n_low") "," SUM_OF("n_medium")
				"," SUM_OF("n_high") "," SUM_OF("n_critical")
				" FROM runs WHERE id IN (" LATEST_RUNS ")",
				NULL, 0);
	json_t *svc = api_rows(st,
			       /* hosts: a walk of the (ip, port) key, no sort; the
				* ORDER BY keeps PostgreSQL on that walk instead of
				* hashing 100,000 addresses (29 vs 60-110 ms) */
			       "SELECT (SELECT COUNT(*) FROM service_latest) AS services,"
			       " (SELECT COUNT(*) FROM (SELECT ip FROM service_latest GROUP BY ip"
			       " ORDER BY ip) h)"
			       " AS hosts",
			       NULL, 0);
	if (!rows || !svc) {
		json_decref(rows);
		json_decref(svc);
		return NULL;
	}
	json_t *o = severity_counts();
	json_t *r = json_array_get(rows, 0);
	for (int i = 0; i < 5; i++) {
		char col[16];
		snprintf(col, sizeof col, "n_%s", sev_names[i]);
		json_object_set(o, sev_names[i], json_object_get(r, col));
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
				/* from the runs (CROSS JOIN): SQLite would otherwise walk
				 * every service in address order to skip the sort */
				"SELECT s.ip AS ip, s.port AS port, s.run_id AS run,"
				" s.scanned_at AS scanned_at, s.record AS record FROM"
				" (SELECT MAX(id) AS id FROM runs WHERE CAST(complete AS INTEGER) = 1"
				" AND view = 'external' GROUP BY scope) lr CROSS JOIN services s"
				" WHERE s.run_id = lr.id ORDER BY s.ip, s.port",
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

/* Per run, oldest first: findings by severity, SMB1 and unsigned
 * services (the counts each run got at its end). */
static json_t *trend(struct store *st)
{
	struct store_param lim = {.num = OVERVIEW_RUNS, .is_int = true};
	json_t *runs = api_rows(st,
				"SELECT id AS run, started_at AS at, view, n_services AS services,"
				RUN_COUNTS " FROM runs WHERE CAST(complete AS INTEGER) = 1"
				" ORDER BY id DESC LIMIT CAST($1 AS BIGINT)",
				&lim, 1);
	if (!runs)
		return NULL;
	json_t *out = json_array();
	for (size_t i = json_array_size(runs); i-- > 0;)
		json_array_append(out, json_array_get(runs, i));
	json_decref(runs);
	return out;
}

/* Open findings (not info) of the latest runs by age: since ip:port first
 * had that finding (findings.first_seen, store migration 4). */
static json_t *open_by_age(struct store *st, int64_t now)
{
	static const struct {
		const char *name, *col;
	} buckets[] = {{"under 1 day", "d1"},
		       {"1-7 days", "d7"},
		       {"7-30 days", "d30"},
		       {"over 30 days", "older"}};
	struct store_param p = {.num = now, .is_int = true};
	json_t *rows = api_rows(
		st,
		"SELECT"
		" CAST(COALESCE(SUM(CASE WHEN a < 86400 THEN 1 ELSE 0 END), 0) AS BIGINT) AS d1,"
		" CAST(COALESCE(SUM(CASE WHEN a >= 86400 AND a < 604800 THEN 1 ELSE 0 END), 0)"
		" AS BIGINT) AS d7,"
		" CAST(COALESCE(SUM(CASE WHEN a >= 604800 AND a < 2592000 THEN 1 ELSE 0 END), 0)"
		" AS BIGINT) AS d30,"
		" CAST(COALESCE(SUM(CASE WHEN a >= 2592000 THEN 1 ELSE 0 END), 0) AS BIGINT)"
		" AS older FROM"
		/* findings_age (store migration 4): an index range per run */
		" (SELECT CAST($1 AS BIGINT) - f.first_seen AS a FROM findings f"
		" WHERE f.run_id IN (" LATEST_RUNS ") AND f.severity <> 'info') ages",
		&p, 1);
	if (!rows)
		return NULL;
	json_t *r = json_array_get(rows, 0);
	json_t *out = json_array();
	for (size_t b = 0; b < 4; b++)
		json_array_append_new(out, json_pack("{s:s, s:O}", "age", buckets[b].name, "n",
						     json_object_get(r, buckets[b].col)));
	json_decref(rows);
	return out;
}

/* The last run of each scope and view, and when a monitor's next is due:
 * its start plus the --every it stored in the run's options ("every_s",
 * null for a one-off scan). */
static json_t *last_runs(struct store *st)
{
	json_t *rows = api_rows(st,
				"SELECT id AS run, view, targets, started_at, ended_at,"
				" CAST(complete AS INTEGER) AS complete, n_services AS services,"
				" options FROM runs WHERE id IN"
				" (SELECT MAX(id) FROM runs GROUP BY scope, view) ORDER BY view, id DESC",
				NULL, 0);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		json_t *opts = json_loads(json_string_value(json_object_get(r, "options")), 0, NULL);
		json_int_t every = json_integer_value(json_object_get(opts, "every_s"));
		json_int_t started = json_integer_value(json_object_get(r, "started_at"));
		json_object_set_new(r, "every_s", every > 0 ? json_integer(every) : json_null());
		json_object_set_new(r, "next_due",
				    every > 0 ? json_integer(started + every) : json_null());
		json_object_del(r, "options");
		json_decref(opts);
	}
	return rows;
}

void api_overview(const struct api_req *rq, struct api_reply *out)
{
	json_t *last = last_runs(rq->st);
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
