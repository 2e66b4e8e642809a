/* events.c - events from stored runs; see events.h. */
#include "monitor/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "record/record.h"
#include "store/diff.h"

struct run_list {
	struct store_run *runs;
	size_t n, cap;
};

static int collect_run(const struct store_run *run, void *ud)
{
	struct run_list *l = ud;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct store_run *r = realloc(l->runs, cap * sizeof *r);
		if (!r)
			abort();
		l->runs = r;
		l->cap = cap;
	}
	l->runs[l->n++] = *run;
	return 0;
}

struct ctx {
	struct store *st;
	const struct store_run *run;
	json_t *out;
	char at[40];
};

/* The severity of a finding object; info when missing or unknown. */
static int sev_of(json_t *f)
{
	const char *s = json_string_value(json_object_get(f, "severity"));
	int v = s ? assess_severity_parse(s) : -1;
	return v < 0 ? SEV_INFO : v;
}

static int worst_of(json_t *rec)
{
	int worst = SEV_INFO;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(rec, "findings"), i, f) {
		int s = sev_of(f);
		if (s > worst)
			worst = s;
	}
	return worst;
}

static json_t *base(struct ctx *c, const char *event, json_t *rec, int64_t prev_run,
		    int severity, const char *suffix)
{
	const char *ip = json_string_value(json_object_get(rec, "ip"));
	json_int_t port = json_integer_value(json_object_get(rec, "port"));
	char key[256];
	snprintf(key, sizeof key, "%lld/%s/%lld/%s%s%s", (long long)c->run->id, ip ? ip : "?",
		 (long long)port, event, suffix ? "/" : "", suffix ? suffix : "");
	json_t *ev = json_pack("{s:i, s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:s}", "schema",
			       EVENTS_SCHEMA, "event", event, "key", key, "ip", ip ? ip : "",
			       "port", port, "view", c->run->view, "run", (json_int_t)c->run->id,
			       "at", c->at, "severity", severity_name((enum severity)severity),
			       "scope", c->run->scope);
	if (prev_run > 0)
		json_object_set_new(ev, "previous_run", json_integer(prev_run));
	json_object_set_new(ev, "targets", json_string(c->run->targets));
	return ev;
}

static json_t *finding_view(json_t *f)
{
	json_t *o = json_object();
	static const char *const keys[] = {"id", "severity", "title", "remediation", "evidence"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = json_object_get(f, keys[i]);
		if (v)
			json_object_set(o, keys[i], v);
	}
	return o;
}

/* finding_opened / finding_resolved between two sightings of one service. */
static void finding_events(struct ctx *c, json_t *old_rec, json_t *new_rec, int64_t prev_run)
{
	json_t *a = diff_findings(old_rec), *b = diff_findings(new_rec);
	const char *id;
	json_t *f;
	json_object_foreach(b, id, f) {
		if (json_object_get(a, id))
			continue;
		json_t *ev = base(c, "finding_opened", new_rec, prev_run, sev_of(f), id);
		json_object_set_new(ev, "finding", finding_view(f));
		json_array_append_new(c->out, ev);
	}
	json_object_foreach(a, id, f) {
		if (json_object_get(b, id))
			continue;
		json_t *ev = base(c, "finding_resolved", new_rec, prev_run, SEV_INFO, id);
		json_object_set_new(ev, "finding", finding_view(f));
		json_array_append_new(c->out, ev);
	}
	json_decref(a);
	json_decref(b);
}

/* Changes without findings: those have events of their own. */
static json_t *field_changes(json_t *old_rec, json_t *new_rec)
{
	json_t *all = diff_records(old_rec, new_rec), *out = json_array();
	size_t i;
	json_t *ch;
	json_array_foreach(all, i, ch) {
		const char *f = json_string_value(json_object_get(ch, "field"));
		if (f && strncmp(f, "findings", 8) != 0)
			json_array_append(out, ch);
	}
	json_decref(all);
	return out;
}

static json_t *findings_list(json_t *rec)
{
	json_t *out = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(rec, "findings"), i, f)
		json_array_append_new(out, finding_view(f));
	return out;
}

struct last_seen {
	struct store *st;
	const struct store_run *run;
	int64_t best;
	json_t *rec;
};

static int find_last(const struct store_service *svc, void *ud)
{
	struct last_seen *l = ud;
	if (svc->run_id >= l->run->id || svc->run_id <= l->best)
		return 0;
	struct store_run r;
	if (store_run_get(l->st, svc->run_id, &r) != 0 || !r.complete ||
	    strcmp(r.scope, l->run->scope) != 0 || strcmp(r.view, l->run->view) != 0)
		return 0;
	l->best = svc->run_id;
	json_decref(l->rec);
	l->rec = json_loads(svc->record, 0, NULL);
	return 0;
}

/* A service absent from the previous run: new, back, or a short absence
 * that never became "gone" (then it is compared with its last sighting). */
static int appeared(struct ctx *c, json_t *rec, unsigned gone_after)
{
	const char *ip = json_string_value(json_object_get(rec, "ip"));
	int port = (int)json_integer_value(json_object_get(rec, "port"));
	struct last_seen l = {.st = c->st, .run = c->run};
	if (!ip || store_service_history(c->st, ip, port, find_last, &l) != 0)
		return -1;
	if (!l.rec) {
		json_t *ev = base(c, "new", rec, 0, worst_of(rec), NULL);
		json_object_set_new(ev, "findings", findings_list(rec));
		json_array_append_new(c->out, ev);
		return 0;
	}
	struct run_list between = {0};
	if (store_runs_list(c->st, c->run->scope, c->run->view, true, l.best, c->run->id,
			    gone_after, collect_run, &between) != 0) {
		json_decref(l.rec);
		return -1;
	}
	if (between.n >= gone_after) {
		json_t *ev = base(c, "back", rec, l.best, worst_of(rec), NULL);
		json_object_set_new(ev, "changes", field_changes(l.rec, rec));
		json_object_set_new(ev, "findings", findings_list(rec));
		json_array_append_new(c->out, ev);
	} else {
		json_t *ch = field_changes(l.rec, rec);
		if (json_array_size(ch)) {
			json_t *ev = base(c, "changed", rec, l.best, SEV_INFO, NULL);
			json_object_set_new(ev, "changes", ch);
			json_array_append_new(c->out, ev);
		} else {
			json_decref(ch);
		}
	}
	finding_events(c, l.rec, rec, l.best);
	free(between.runs);
	json_decref(l.rec);
	return 0;
}

json_t *events_for_run(struct store *st, int64_t run_id, unsigned gone_after)
{
	if (gone_after == 0)
		gone_after = 1;
	struct store_run run;
	int rc = store_run_get(st, run_id, &run);
	if (rc < 0)
		return NULL;
	json_t *out = json_array();
	if (rc > 0 || !run.complete)
		return out;
	struct run_list l = {0};
	if (store_runs_list(st, run.scope, run.view, true, 0, run_id + 1, gone_after + 1,
			    collect_run, &l) != 0 || l.n == 0 || l.runs[0].id != run_id) {
		free(l.runs);
		json_decref(out);
		return NULL;
	}
	json_t **maps = calloc(l.n, sizeof *maps);
	if (!maps)
		abort();
	struct ctx c = {.st = st, .run = &run, .out = out};
	unix_to_rfc3339(run.ended_at, c.at, sizeof c.at);
	bool ok = true;
	for (size_t i = 0; i < l.n && ok; i++) {
		maps[i] = store_run_services(st, l.runs[i].id);
		ok = maps[i] != NULL;
	}
	const char *key;
	json_t *rec;
	if (ok) {
		json_object_foreach(maps[0], key, rec) {
			json_t *prev = l.n > 1 ? json_object_get(maps[1], key) : NULL;
			if (!prev) {
				if (appeared(&c, rec, gone_after) != 0) {
					ok = false;
					break;
				}
				continue;
			}
			json_t *ch = field_changes(prev, rec);
			if (json_array_size(ch)) {
				json_t *ev = base(&c, "changed", rec, l.runs[1].id, SEV_INFO, NULL);
				json_object_set_new(ev, "changes", ch);
				json_array_append_new(out, ev);
			} else {
				json_decref(ch);
			}
			finding_events(&c, prev, rec, l.runs[1].id);
		}
	}
	/* gone: present gone_after runs ago, absent in every run since */
	if (ok && l.n == (size_t)gone_after + 1) {
		json_object_foreach(maps[gone_after], key, rec) {
			bool absent = true;
			for (size_t i = 0; i < gone_after && absent; i++)
				absent = json_object_get(maps[i], key) == NULL;
			if (!absent)
				continue;
			json_array_append_new(out, base(&c, "gone", rec, l.runs[gone_after].id,
							SEV_INFO, NULL));
		}
	}
	for (size_t i = 0; i < l.n; i++)
		json_decref(maps[i]);
	free(maps);
	free(l.runs);
	if (!ok) {
		json_decref(out);
		return NULL;
	}
	return out;
}

int events_severity(json_t *ev)
{
	return sev_of(ev);
}
