/* events.c - events from stored runs; see events.h. */
#include "monitor/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "monitor/attack_rate.h"
#include "policy/policy.h"
#include "record/record.h"
#include "store/diff.h"

const char *const monitor_event_kinds[] = {
	"new", "gone", "back", "changed", "flapping", "finding_opened", "finding_resolved",
	"policy_violation_opened", "policy_violation_resolved", "check_failing", "check_recovered",
	"attack_rate_changed",
};
const size_t monitor_n_event_kinds = sizeof monitor_event_kinds / sizeof monitor_event_kinds[0];

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
	static const char *const keys[] = {"id",       "severity", "title", "remediation",
					   "evidence", "rule",     "policy"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = json_object_get(f, keys[i]);
		if (v)
			json_object_set(o, keys[i], v);
	}
	return o;
}

/* Drop the findings that rest on a check that cannot be compared. */
static void drop_unknown_findings(json_t *fmap, json_t *old_rec, json_t *new_rec)
{
	const char *id;
	json_t *f;
	void *tmp;
	json_object_foreach_safe(fmap, tmp, id, f) {
		const char *check = diff_check_of_finding(id);
		if (!check) /* a policy rule rests on the check of its key */
			check = policy_rule_check(json_string_value(json_object_get(f, "rule")));
		if (check && !diff_check_comparable(old_rec, new_rec, check))
			json_object_del(fmap, id);
	}
}

/* A POLICY_VIOLATION finding: its events are policy_violation_*. */
static bool is_policy(json_t *f)
{
	const char *rule = json_string_value(json_object_get(f, "rule"));
	return rule && rule[0];
}

/* finding_opened / finding_resolved (policy_violation_opened / _resolved
 * for a broken policy rule) between two sightings of one service. */
static void finding_events(struct ctx *c, json_t *old_rec, json_t *new_rec, int64_t prev_run)
{
	json_t *a = diff_findings(old_rec), *b = diff_findings(new_rec);
	drop_unknown_findings(a, old_rec, new_rec);
	drop_unknown_findings(b, old_rec, new_rec);
	const char *id;
	json_t *f;
	json_object_foreach(b, id, f) {
		if (json_object_get(a, id))
			continue;
		json_t *ev = base(c, is_policy(f) ? "policy_violation_opened" : "finding_opened",
				  new_rec, prev_run, sev_of(f), id);
		json_object_set_new(ev, "finding", finding_view(f));
		json_array_append_new(c->out, ev);
	}
	json_object_foreach(a, id, f) {
		if (json_object_get(b, id))
			continue;
		json_t *ev = base(c, is_policy(f) ? "policy_violation_resolved" : "finding_resolved",
				  new_rec, prev_run, SEV_INFO, id);
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

/* Is field f the same in a and b? 1 yes, 0 no, -1 unknown (its check has
 * no value in one of them). */
static int same_field(json_t *a, json_t *b, const char *f)
{
	const char *check = diff_check_of_field(f);
	if (check && (!diff_check_known(a, check) || !diff_check_known(b, check)))
		return -1;
	json_t *d = diff_records_known(a, b);
	size_t n = strlen(f), i;
	json_t *ch;
	int same = 1;
	json_array_foreach(d, i, ch) {
		const char *g = json_string_value(json_object_get(ch, "field"));
		size_t m = g ? strlen(g) : 0;
		if (!g)
			continue;
		/* equal, or one is the other's parent (a whole object came or went) */
		if (strcmp(f, g) == 0 || (m < n && strncmp(f, g, m) == 0 && f[m] == '.') ||
		    (n < m && strncmp(g, f, n) == 0 && g[n] == '.')) {
			same = 0;
			break;
		}
	}
	json_decref(d);
	return same;
}

/* The sightings of one service in the loaded runs, newest first, up to the
 * first run it was absent from. */
struct track {
	json_t **recs;
	size_t n;
	unsigned k; /* --flap-runs */
};

static bool changed_at(const struct track *t, size_t i, const char *f)
{
	return i + 1 < t->n && same_field(t->recs[i + 1], t->recs[i], f) == 0;
}

/* Changed at run i to a value it had within the K runs before. */
static bool returned_at(const struct track *t, size_t i, const char *f)
{
	if (!changed_at(t, i, f))
		return false;
	for (size_t j = i + 2; j <= i + t->k && j < t->n; j++)
		if (same_field(t->recs[j], t->recs[i], f) == 1)
			return true;
	return false;
}

/* The same value for K runs in a row, ending at run i (a run without an
 * answer does not break it). */
static bool settled_at(const struct track *t, size_t i, const char *f)
{
	if (i + t->k > t->n)
		return false;
	for (size_t j = i + 1; j < i + t->k; j++)
		if (same_field(t->recs[j], t->recs[i], f) == 0)
			return false;
	return true;
}

/* Flapping at run i: it returned, or it was flapping and has not settled.
 * Beyond the loaded runs nothing flaps. */
static bool flapping_at(const struct track *t, size_t i, const char *f)
{
	bool flap = false;
	for (size_t j = t->n; j-- > i;)
		flap = returned_at(t, j, f) || (flap && !settled_at(t, j, f));
	return flap;
}

/* The distinct values f took over the last K+1 runs, newest first. */
static json_t *values_seen(const struct track *t, const char *f, json_t *now)
{
	json_t *vals = json_array();
	json_array_append(vals, now ? now : json_null());
	for (size_t j = 1; j <= t->k && j < t->n; j++) {
		if (same_field(t->recs[j], t->recs[0], f) < 0)
			continue;
		json_t *d = diff_records_known(t->recs[j], t->recs[0]);
		json_t *v = now ? now : json_null();
		size_t i;
		json_t *ch;
		json_array_foreach(d, i, ch) {
			const char *g = json_string_value(json_object_get(ch, "field"));
			if (g && strcmp(g, f) == 0)
				v = json_object_get(ch, "old");
			else if (g && strncmp(f, g, strlen(g)) == 0 && f[strlen(g)] == '.')
				v = json_null(); /* its parent was absent */
		}
		bool dup = false;
		size_t x;
		json_t *have;
		json_array_foreach(vals, x, have) dup |= json_equal(have, v);
		if (!dup)
			json_array_append(vals, v);
		json_decref(d);
	}
	return vals;
}

/* changed (what is neither flapping nor quiet) and flapping events of one
 * service seen in this run and the previous one. */
static void change_events(struct ctx *c, const struct track *t, int64_t prev_run)
{
	json_t *rec = t->recs[0];
	json_t *ch = field_changes(t->recs[1], rec);
	json_t *keep = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(ch, i, e) {
		const char *f = json_string_value(json_object_get(e, "field"));
		if (!f || t->k < 2) {
			json_array_append(keep, e);
			continue;
		}
		if (flapping_at(t, 1, f))
			continue; /* reported as flapping already: quiet until it settles */
		if (!returned_at(t, 0, f)) {
			json_array_append(keep, e);
			continue;
		}
		json_t *ev = base(c, "flapping", rec, prev_run, SEV_INFO, f);
		json_object_set_new(ev, "field", json_string(f));
		json_object_set_new(ev, "values", values_seen(t, f, json_object_get(e, "new")));
		json_t *one = json_array();
		json_array_append(one, e);
		json_object_set_new(ev, "changes", one);
		json_array_append_new(c->out, ev);
	}
	json_decref(ch);
	if (json_array_size(keep)) {
		json_t *ev = base(c, "changed", rec, prev_run, SEV_INFO, NULL);
		json_object_set_new(ev, "changes", keep);
		/* before the flapping events of the same service: stable order */
		size_t at = json_array_size(c->out);
		while (at > 0) {
			json_t *prev = json_array_get(c->out, at - 1);
			const char *name = json_string_value(json_object_get(prev, "event"));
			if (!name || strcmp(name, "flapping") != 0 ||
			    !json_equal(json_object_get(prev, "ip"), json_object_get(rec, "ip")) ||
			    !json_equal(json_object_get(prev, "port"), json_object_get(rec, "port")))
				break;
			at--;
		}
		json_array_insert_new(c->out, at, ev);
	} else {
		json_decref(keep);
	}
}

/* check_failing once a check has failed failing_after runs in a row;
 * check_recovered when it answers after that. */
static void check_events(struct ctx *c, const struct track *t, const int64_t *run_ids,
			 unsigned failing_after)
{
	json_t *rec = t->recs[0];
	for (size_t k = 0; diff_check_id(k); k++) {
		const char *id = diff_check_id(k);
		const char *now = diff_check_status(rec, id);
		size_t from = strcmp(now, "failed") == 0 ? 0 : 1;
		if (from == 1 && strcmp(now, "ok") != 0)
			continue;
		size_t streak = 0;
		while (from + streak < t->n &&
		       strcmp(diff_check_status(t->recs[from + streak], id), "failed") == 0)
			streak++;
		json_t *cs = json_object_get(json_object_get(rec, "checks"), id);
		if (from == 0 && streak == failing_after) {
			json_t *ev = base(c, "check_failing", rec, 0, SEV_LOW, id);
			json_object_set_new(ev, "check", json_string(id));
			json_t *err = json_object_get(cs, "error");
			json_object_set_new(ev, "error", json_string(json_is_string(err)
									 ? json_string_value(err)
									 : "no answer"));
			json_object_set_new(ev, "failing_runs", json_integer((json_int_t)streak));
			json_object_set_new(ev, "since_run", json_integer(run_ids[streak - 1]));
			json_t *stale = json_object_get(cs, "stale_from_run");
			if (stale)
				json_object_set(ev, "stale_from_run", stale);
			json_array_append_new(c->out, ev);
		} else if (from == 1 && streak >= failing_after) {
			json_t *ev = base(c, "check_recovered", rec, run_ids[1], SEV_INFO, id);
			json_object_set_new(ev, "check", json_string(id));
			json_object_set_new(ev, "failed_runs", json_integer((json_int_t)streak));
			json_array_append_new(c->out, ev);
		}
	}
}

json_t *events_for_run(struct store *st, int64_t run_id, unsigned gone_after)
{
	struct events_opts o = {.gone_after = gone_after};
	return events_for_run_opts(st, run_id, &o);
}

json_t *events_for_run_opts(struct store *st, int64_t run_id, const struct events_opts *opts)
{
	unsigned gone_after = opts->gone_after ? opts->gone_after : EVENTS_GONE_AFTER;
	unsigned failing_after = opts->failing_after ? opts->failing_after : EVENTS_FAILING_AFTER;
	unsigned flap_runs = opts->flap_runs ? opts->flap_runs : EVENTS_FLAP_RUNS;
	if (opts->flap_runs_off)
		flap_runs = 1;
	struct store_run run;
	int rc = store_run_get(st, run_id, &run);
	if (rc < 0)
		return NULL;
	json_t *out = json_array();
	if (rc > 0 || !run.complete)
		return out;
	/* enough history for each rule: gone, the failing streak, and the
	 * flapping window (a flap, then K runs to settle, then K to look back) */
	unsigned depth = gone_after + 1;
	if (failing_after + 1 > depth)
		depth = failing_after + 1;
	if (3 * flap_runs + 1 > depth)
		depth = 3 * flap_runs + 1;
	struct run_list l = {0};
	if (store_runs_list(st, run.scope, run.view, true, 0, run_id + 1, depth, collect_run,
			    &l) != 0 ||
	    l.n == 0 || l.runs[0].id != run_id) {
		free(l.runs);
		json_decref(out);
		return NULL;
	}
	json_t **maps = calloc(l.n, sizeof *maps);
	json_t **recs = calloc(l.n, sizeof *recs);
	int64_t *ids = calloc(l.n, sizeof *ids);
	if (!maps || !recs || !ids)
		abort();
	struct ctx c = {.st = st, .run = &run, .out = out};
	unix_to_rfc3339(run.ended_at, c.at, sizeof c.at);
	bool ok = true;
	for (size_t i = 0; i < l.n && ok; i++) {
		maps[i] = store_run_services(st, l.runs[i].id);
		ids[i] = l.runs[i].id;
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
			struct track t = {.recs = recs, .k = flap_runs};
			while (t.n < l.n && (recs[t.n] = json_object_get(maps[t.n], key)) != NULL)
				t.n++;
			change_events(&c, &t, l.runs[1].id);
			finding_events(&c, prev, rec, l.runs[1].id);
			check_events(&c, &t, ids, failing_after);
		}
	}
	/* gone: present gone_after runs ago, absent in every run since */
	if (ok && l.n >= (size_t)gone_after + 1) {
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
	/* not about one service: the sensor's attack rate at this run's end */
	if (ok && !opts->attack_off &&
	    attack_rate_events(st, &run, opts->attack_days ? opts->attack_days : ATTACK_RATE_DAYS,
			       out) != 0)
		ok = false;
	for (size_t i = 0; i < l.n; i++)
		json_decref(maps[i]);
	free(maps);
	free(recs);
	free(ids);
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
