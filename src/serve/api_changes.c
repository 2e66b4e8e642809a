/* api_changes.c - GET /api/changes: the monitor's events (monitor/events.h)
 * of the latest complete runs, newest first, and GET /api/runs. Events are
 * a pure function of the store, so they are computed here exactly as the
 * monitor computed them when it sent them. */
#include <string.h>

#include "monitor/events.h"
#include "serve/api.h"

#define CHANGES_RUNS_DEFAULT 5
#define CHANGES_RUNS_MAX 200

void api_changes(const struct api_req *rq, struct api_reply *out)
{
	long long nruns;
	if (api_arg_int(rq, "runs", CHANGES_RUNS_DEFAULT, 1, CHANGES_RUNS_MAX, &nruns) != 0)
		return api_error(out, 400, "runs: 1 to 200");
	const char *kind = api_arg(rq, "kind");
	const char *sev = api_arg(rq, "severity");
	const char *ip = api_arg(rq, "ip");
	const char *view = api_arg(rq, "view");
	int min_sev = *sev ? api_severity_rank(sev) : 0;
	if (min_sev < 0)
		return api_error(out, 400, "severity: info, low, medium, high or critical");
	struct store_param lim = {.num = nruns, .is_int = true};
	json_t *runs = api_rows(rq->st,
				"SELECT id AS run FROM runs WHERE CAST(complete AS INTEGER) = 1 ORDER BY id DESC"
				" LIMIT CAST($1 AS BIGINT)",
				&lim, 1);
	if (!runs)
		return api_store_error(out, rq->st);
	json_t *events = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(runs, i, r) {
		json_t *evs = events_for_run(rq->st, json_integer_value(json_object_get(r, "run")), 0);
		if (!evs) {
			json_decref(runs);
			json_decref(events);
			return api_store_error(out, rq->st);
		}
		size_t k;
		json_t *ev;
		json_array_foreach(evs, k, ev) {
			const char *name = json_string_value(json_object_get(ev, "event"));
			const char *evip = json_string_value(json_object_get(ev, "ip"));
			const char *evview = json_string_value(json_object_get(ev, "view"));
			if (*kind && (!name || strcmp(name, kind) != 0))
				continue;
			if (*ip && (!evip || strcmp(evip, ip) != 0))
				continue;
			if (*view && (!evview || strcmp(evview, view) != 0))
				continue;
			if (events_severity(ev) < min_sev)
				continue;
			/* a fix is shown with the run that saw it gone */
			if (name && strcmp(name, "finding_resolved") == 0)
				json_object_set(ev, "verified_by_run", json_object_get(ev, "run"));
			json_array_append(events, ev);
		}
		json_decref(evs);
	}
	json_decref(runs);
	api_json(out, 200, json_pack("{s:o}", "events", events));
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
