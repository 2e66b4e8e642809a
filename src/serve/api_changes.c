/* api_changes.c - GET /api/changes: the monitor's events (monitor/events.h)
 * of the latest complete runs, newest first, and GET /api/runs. A run's
 * events are stored when it ends (store_events_put); a run from before
 * store migration 4 has none stored, and its events are computed here
 * exactly as the monitor computed them when it sent them. */
#include <string.h>

#include "monitor/events.h"
#include "serve/api.h"

#define CHANGES_RUNS_DEFAULT 5
#define CHANGES_RUNS_MAX 200
#define CHANGES_LIMIT_DEFAULT 1000
#define CHANGES_LIMIT_MAX 10000

struct ev_filter {
	const char *kind, *ip, *view;
	int min_sev;
	long long limit;
};

/* Add ev to events if it passes the filter; the fix is shown with the
 * run that saw it gone. 1 when the limit is reached. */
static int keep_event(json_t *events, json_t *ev, const struct ev_filter *f)
{
	const char *name = json_string_value(json_object_get(ev, "event"));
	const char *evip = json_string_value(json_object_get(ev, "ip"));
	const char *evview = json_string_value(json_object_get(ev, "view"));
	if ((*f->kind && (!name || strcmp(name, f->kind) != 0)) ||
	    (*f->ip && (!evip || strcmp(evip, f->ip) != 0)) ||
	    (*f->view && (!evview || strcmp(evview, f->view) != 0)) ||
	    events_severity(ev) < f->min_sev)
		return 0;
	if (name && strcmp(name, "finding_resolved") == 0)
		json_object_set(ev, "verified_by_run", json_object_get(ev, "run"));
	json_array_append(events, ev);
	return (long long)json_array_size(events) >= f->limit;
}

struct stored_ctx {
	json_t *events;
	const struct ev_filter *f;
	int full;
};

static int stored_row(json_t *row, void *ud)
{
	struct stored_ctx *c = ud;
	json_t *ev = json_loads(json_string_value(json_object_get(row, "body")), 0, NULL);
	if (!ev)
		return 0;
	c->full = keep_event(c->events, ev, c->f);
	json_decref(ev);
	return c->full;
}

/* The stored events of one run, filtered in SQL. 1 when full, -1 error. */
static int stored_events(struct store *st, int64_t run, json_t *events, const struct ev_filter *f)
{
	struct store_param p[5] = {
		{.num = run, .is_int = true}, {.text = f->kind}, {.text = f->ip},
		{.text = f->view}, {.num = f->min_sev, .is_int = true},
	};
	struct stored_ctx c = {.events = events, .f = f};
	if (store_query(st,
			"SELECT body FROM events WHERE run_id = CAST($1 AS BIGINT)"
			" AND (CAST($2 AS TEXT) = '' OR event = CAST($2 AS TEXT))"
			" AND (CAST($3 AS TEXT) = '' OR ip = CAST($3 AS TEXT))"
			" AND (CAST($4 AS TEXT) = '' OR view = CAST($4 AS TEXT))"
			" AND severity >= CAST($5 AS INTEGER) ORDER BY seq",
			p, 5, stored_row, &c) != 0)
		return -1;
	return c.full;
}

/* A run stored before its events were: computed now. */
static int computed_events(struct store *st, int64_t run, json_t *events,
			   const struct ev_filter *f)
{
	json_t *evs = events_for_run(st, run, 0);
	if (!evs)
		return -1;
	int full = 0;
	size_t k;
	json_t *ev;
	json_array_foreach(evs, k, ev)
		if ((full = keep_event(events, ev, f)) != 0)
			break;
	json_decref(evs);
	return full;
}

void api_changes(const struct api_req *rq, struct api_reply *out)
{
	long long nruns;
	struct ev_filter f = {.kind = api_arg(rq, "kind"), .ip = api_arg(rq, "ip"),
			      .view = api_arg(rq, "view")};
	if (api_arg_int(rq, "runs", CHANGES_RUNS_DEFAULT, 1, CHANGES_RUNS_MAX, &nruns) != 0)
		return api_error(out, 400, "runs: 1 to 200");
	if (api_arg_int(rq, "limit", CHANGES_LIMIT_DEFAULT, 1, CHANGES_LIMIT_MAX, &f.limit) != 0)
		return api_error(out, 400, "limit: 1 to 10000");
	const char *sev = api_arg(rq, "severity");
	f.min_sev = *sev ? api_severity_rank(sev) : 0;
	if (f.min_sev < 0)
		return api_error(out, 400, "severity: info, low, medium, high or critical");
	struct store_param lim = {.num = nruns, .is_int = true};
	json_t *runs = api_rows(rq->st,
				"SELECT id AS run, events_stored AS stored FROM runs"
				" WHERE CAST(complete AS INTEGER) = 1 ORDER BY id DESC"
				" LIMIT CAST($1 AS BIGINT)",
				&lim, 1);
	if (!runs)
		return api_store_error(out, rq->st);
	json_t *events = json_array();
	int full = 0;
	size_t i;
	json_t *r;
	json_array_foreach(runs, i, r) {
		int64_t run = json_integer_value(json_object_get(r, "run"));
		full = json_integer_value(json_object_get(r, "stored")) == 1
			       ? stored_events(rq->st, run, events, &f)
			       : computed_events(rq->st, run, events, &f);
		if (full < 0) {
			json_decref(runs);
			json_decref(events);
			return api_store_error(out, rq->st);
		}
		if (full)
			break;
	}
	json_decref(runs);
	/* "more": the limit cut the list; ask for fewer runs or filter */
	/* "kinds": what the page offers as a filter (one list, monitor/events.h) */
	json_t *kinds = json_array();
	for (size_t k = 0; k < monitor_n_event_kinds; k++)
		json_array_append_new(kinds, json_string(monitor_event_kinds[k]));
	api_json(out, 200,
		 json_pack("{s:o, s:b, s:o}", "events", events, "more", full > 0, "kinds", kinds));
}

void api_runs(const struct api_req *rq, struct api_reply *out)
{
	long long lim;
	if (api_arg_int(rq, "limit", 100, 1, 1000, &lim) != 0)
		return api_error(out, 400, "limit: 1 to 1000");
	struct store_param p = {.num = lim, .is_int = true};
	json_t *runs = api_rows(rq->st,
				"SELECT id AS run, view, targets, ports, scanner, started_at,"
				" ended_at, CAST(complete AS INTEGER) AS complete, n_targets AS targets_tried, n_open AS open,"
				" n_services AS services, n_errors AS errors FROM runs"
				" ORDER BY id DESC LIMIT CAST($1 AS BIGINT)",
				&p, 1);
	if (!runs)
		return api_store_error(out, rq->st);
	api_json(out, 200, json_pack("{s:o}", "runs", runs));
}
