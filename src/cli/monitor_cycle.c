/* monitor_cycle.c - one monitor cycle and event delivery; see monitor.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/monitor.h"
#include "scan/scan_run.h"
#include "cli/scan_store.h"
#include "monitor/events.h"
#include "monitor/events_ecs.h"
#include "policy/policy.h"

struct cycle_ctx {
	struct monitor *m;
	struct scan_recorder *rec;
};

static void on_service(struct svc_record *rec, void *ud)
{
	struct cycle_ctx *c = ud;
	scan_store_service(c->rec, rec);
	if (c->m->metrics)
		metrics_run_service(c->m->metrics, rec, c->m->cli.sopts.view);
}

static int newest(const struct store_run *run, void *ud)
{
	*(int64_t *)ud = run->id;
	return 1;
}

int64_t monitor_last_run(struct monitor *m)
{
	char scope[24];
	/* the same scope text as scan_store_begin() computes */
	char targets[512];
	snprintf(targets, sizeof targets, "%s", m->cli.target_spec ? m->cli.target_spec : "");
	store_scope_of(targets, m->cli.ports_text ? m->cli.ports_text : "", scope, sizeof scope);
	int64_t id = 0;
	if (store_runs_list(m->st, scope, m->cli.sopts.view, true, 0, 0, 1, newest, &id) != 0)
		return -1;
	return id;
}

/* Remember (or forget) that run_id still has events some sink did not take. */
static void set_pending(struct monitor *m, int64_t run_id, bool pending)
{
	unsigned i = 0;
	while (i < m->n_pending && m->pending[i] != run_id)
		i++;
	if (!pending && i < m->n_pending) {
		memmove(&m->pending[i], &m->pending[i + 1],
			(m->n_pending - i - 1) * sizeof m->pending[0]);
		m->n_pending--;
	} else if (pending && i == m->n_pending) {
		if (m->n_pending == MONITOR_MAX_PENDING) {
			/* the oldest is given up on (it stays in the store: diff) */
			fprintf(stderr, "smbwatch monitor: run %lld: undelivered events given up "
					"after %d newer runs\n",
				(long long)m->pending[0], MONITOR_MAX_PENDING);
			memmove(&m->pending[0], &m->pending[1],
				(m->n_pending - 1) * sizeof m->pending[0]);
			m->n_pending--;
		}
		m->pending[m->n_pending++] = run_id;
	}
}

/* The rules of this monitor's events (--gone-after and the others). */
static struct events_opts monitor_events_opts(const struct monitor *m)
{
	return (struct events_opts){.gone_after = m->gone_after,
				    .failing_after = m->failing_after,
				    .flap_runs = m->flap_runs,
				    .flap_runs_off = m->flap_runs == 0,
				    .attack_days = m->attack_days,
				    .attack_off = m->attack_days == 0};
}

/* count: this is the run's own first delivery, whose events the metrics
 * count (retries of earlier runs would count them twice). evs: the run's
 * events when the caller has them (taken over), NULL to compute them. */
static int deliver_run(struct monitor *m, int64_t run_id, int fail_on, bool count, json_t *evs)
{
	unsigned failed = 0;
	if (!evs) {
		struct events_opts eo = monitor_events_opts(m);
		evs = events_for_run_opts(m->st, run_id, &eo);
	}
	if (!evs) {
		fprintf(stderr, "smbwatch monitor: database error: %s\n", store_error(m->st));
		return -1;
	}
	int hits = 0;
	size_t i;
	json_t *ev;
	json_array_foreach(evs, i, ev) {
		const char *key = json_string_value(json_object_get(ev, "key"));
		const char *name = json_string_value(json_object_get(ev, "event"));
		char *text = json_dumps(ev, JSON_COMPACT);
		char *ecs_text = NULL; /* made for the first ecs+ sink that needs it */
		if (!key || !name || !text) {
			free(text);
			continue;
		}
		bool fresh = false;
		for (unsigned s = 0; s < m->n_sinks; s++) {
			bool done = false;
			if (store_delivered_has(m->st, key, m->sinks[s].spec, &done) != 0) {
				fprintf(stderr, "smbwatch monitor: database error: %s\n",
					store_error(m->st));
				continue;
			}
			if (done)
				continue;
			fresh = true;
			if (m->sinks[s].encoding == SINK_ECS && !ecs_text) {
				json_t *doc = events_to_ecs(ev);
				ecs_text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
				json_decref(doc);
			}
			const char *body = m->sinks[s].encoding == SINK_ECS ? ecs_text : text;
			if (!body || sink_deliver(&m->sinks[s], body, name) != 0) {
				failed++;
				if (m->metrics)
					metrics_sink_failure(m->metrics, s);
				continue;
			}
			/* recorded only after the sink took it: a crash in between
			 * may repeat this one event, never lose it */
			if (store_delivered_put(m->st, key, m->sinks[s].spec, (int64_t)time(NULL)) !=
			    0)
				fprintf(stderr, "smbwatch monitor: database error: %s\n",
					store_error(m->st));
		}
		if (fresh && fail_on >= 0 && events_severity(ev) >= fail_on)
			hits++;
		if (fresh && count && m->metrics)
			metrics_event(m->metrics, name);
		free(text);
		free(ecs_text);
	}
	json_decref(evs);
	m->failed_deliveries += failed;
	set_pending(m, run_id, failed > 0);
	return hits;
}

int monitor_deliver_run(struct monitor *m, int64_t run_id, int fail_on)
{
	return deliver_run(m, run_id, fail_on, false, NULL);
}

/* A cycle that ended before its run was stored: counted, then -1. */
static int cycle_failed(struct monitor *m)
{
	if (m->metrics)
		metrics_run_failed(m->metrics);
	return -1;
}

/* The run's gauges go public only after its events were handed out: a
 * scrape sees a run together with its events, never the one without the
 * other. ended is when the scan ended. */
static int run_done(struct monitor *m, const struct scan_summary *sum, time_t ended, int rc)
{
	if (m->metrics)
		metrics_run_end(m->metrics, !sum->interrupted, (int64_t)ended, sum->seconds);
	return rc;
}

int monitor_cycle(struct monitor *m, bool *hit)
{
	*hit = false;
	int64_t prev = monitor_last_run(m);
	struct scan_recorder rec;
	m->cli.every_s = m->once ? 0 : m->every_ms / 1000; /* stored: next run due */
	if (scan_store_begin(&rec, m->st, &m->cli, "monitor") != 0)
		return cycle_failed(m);
	rec.events_opts = monitor_events_opts(m);
	struct cycle_ctx ctx = {.m = m, .rec = &rec};
	struct scan_hooks hooks = {.service = on_service, .ud = &ctx};
	struct scan_summary sum;
	if (m->metrics)
		metrics_run_begin(m->metrics);
	struct scan_config cfg;
	options_scan_config(&m->cli, &cfg);
	if (scan_execute(&cfg, &hooks, false, &sum) != 0) {
		fprintf(stderr, "smbwatch monitor: cannot start the event loop\n");
		return cycle_failed(m);
	}
	json_t *evs = NULL; /* the run's events, computed once: stored, then delivered */
	if (scan_store_end(&rec, &sum, &evs) != 0)
		return cycle_failed(m);
	time_t ended = time(NULL);
	if (sum.interrupted) {
		/* the services done so far are stored; the run stays incomplete
		 * and produces no events (a partial run would report "gone") */
		fprintf(stderr, "smbwatch monitor: run %lld interrupted: %llu services stored, "
				"run marked incomplete\n",
			(long long)rec.run.id, (unsigned long long)rec.stored);
		m->stop = true;
		json_decref(evs); /* NULL: an incomplete run has none */
		return run_done(m, &sum, ended, 0);
	}
	char what[96];
	summary_services_text(&sum, what, sizeof what);
	fprintf(stderr, "smbwatch monitor: run %lld: %s in %.1f s\n", (long long)rec.run.id, what,
		sum.seconds);
	char verdict[400]; /* --policy from a denied vantage point: passed is a result too */
	if (policy_vantage_verdict(m->cli.policy, m->cli.sopts.view, sum.services, sum.errors,
				   sum.interrupted, verdict, sizeof verdict) != POLICY_VANTAGE_NONE)
		fprintf(stderr, "smbwatch monitor: run %lld: %s\n", (long long)rec.run.id, verdict);
	/* what earlier cycles could not deliver first, oldest first */
	if (prev > 0)
		set_pending(m, prev, true); /* a restart's catch-up may have missed it */
	int64_t retry[MONITOR_MAX_PENDING];
	unsigned n_retry = m->n_pending;
	memcpy(retry, m->pending, sizeof retry[0] * n_retry);
	m->failed_deliveries = 0;
	for (unsigned i = 0; i < n_retry; i++)
		if (monitor_deliver_run(m, retry[i], -1) < 0) {
			json_decref(evs);
			return run_done(m, &sum, ended, -1);
		}
	int hits = deliver_run(m, rec.run.id, m->cli.fail_on, true, evs);
	if (hits < 0)
		return run_done(m, &sum, ended, -1);
	*hit = hits > 0;
	return run_done(m, &sum, ended, 0);
}
