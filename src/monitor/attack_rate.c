/* attack_rate.c - the sensor's attack rate against its baseline; see
 * attack_rate.h. */
#include "monitor/attack_rate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "monitor/events.h"
#include "record/record.h"

#define DAY 86400

const char *const attack_rate_kinds[2] = {"SMB_SCAN", "SMB_BRUTE_FORCE"};

const char *attack_level_name(enum attack_level l)
{
	switch (l) {
	case ATTACK_NORMAL: return "normal";
	case ATTACK_ABOVE: return "above";
	case ATTACK_BELOW: return "below";
	default: return "unknown";
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

double attack_rate_median(const uint64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	uint64_t s[ATTACK_RATE_MAX_DAYS];
	if (n > ATTACK_RATE_MAX_DAYS)
		n = ATTACK_RATE_MAX_DAYS;
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_u64);
	if (n % 2)
		return (double)s[n / 2];
	return ((double)s[n / 2 - 1] + (double)s[n / 2]) / 2.0;
}

enum attack_level attack_rate_level(uint64_t current, double median)
{
	double cur = (double)current;
	if (cur >= ATTACK_RATE_FACTOR * median && cur - median >= ATTACK_RATE_MIN_DELTA)
		return ATTACK_ABOVE;
	if (median >= ATTACK_RATE_MIN_DELTA && cur * ATTACK_RATE_FACTOR <= median)
		return ATTACK_BELOW;
	return ATTACK_NORMAL;
}

struct day_ctx {
	struct attack_rate *r;
};

static int day_row(json_t *row, void *ud)
{
	struct day_ctx *c = ud;
	json_int_t day = json_integer_value(json_object_get(row, "day"));
	json_int_t n = json_integer_value(json_object_get(row, "n"));
	/* day 0 is the oldest baseline day, day N the current one */
	if (day < 0 || day > (json_int_t)c->r->days || n < 0)
		return 0;
	if (day == (json_int_t)c->r->days)
		c->r->current = (uint64_t)n;
	else
		c->r->daily[c->r->days - 1 - (unsigned)day] = (uint64_t)n;
	return 0;
}

static int first_row(json_t *row, void *ud)
{
	json_t *v = json_object_get(row, "first");
	*(int64_t *)ud = json_is_integer(v) ? json_integer_value(v) : -1;
	return 0;
}

int attack_rate_measure(struct store *st, const char *kind, int64_t end, unsigned days,
			struct attack_rate *out)
{
	if (days < 1)
		days = 1;
	if (days > ATTACK_RATE_MAX_DAYS)
		days = ATTACK_RATE_MAX_DAYS;
	memset(out, 0, sizeof *out);
	out->kind = kind;
	out->end = end;
	out->days = days;
	int64_t start = end - (int64_t)(days + 1) * DAY;
	/* the sensor's coverage: its oldest stored alert or sighting */
	int64_t first = -1;
	if (store_query(st,
			"SELECT MIN(t) AS first FROM (SELECT MIN(at) AS t FROM sensor_alerts"
			" UNION ALL SELECT MIN(first_seen) AS t FROM sensor_servers) x",
			NULL, 0, first_row, &first) != 0)
		return -1;
	/* at >= start, so (at - start) / DAY is a whole, non-negative day on
	 * both backends */
	struct store_param p[3] = {{.num = start, .is_int = true},
				   {.num = end, .is_int = true},
				   {.text = kind}};
	struct day_ctx c = {out};
	if (store_query(st,
			"SELECT (at - $1) / 86400 AS day, COUNT(*) AS n FROM sensor_alerts"
			" WHERE kind = $3 AND approved = 0 AND at >= $1 AND at < $2"
			" GROUP BY (at - $1) / 86400",
			p, 3, day_row, &c) != 0)
		return -1;
	out->median = attack_rate_median(out->daily, days);
	/* a baseline needs sensor data on its first day already */
	out->level = first >= 0 && first < start + DAY
			     ? attack_rate_level(out->current, out->median)
			     : ATTACK_UNKNOWN;
	return 0;
}

static json_t *event_of(const struct store_run *run, const struct attack_rate *now,
			enum attack_level from)
{
	char key[160], at[40], end[40];
	snprintf(key, sizeof key, "%lld//0/attack_rate_changed/%s", (long long)run->id, now->kind);
	unix_to_rfc3339(run->ended_at, at, sizeof at);
	unix_to_rfc3339(now->end, end, sizeof end);
	/* above: more attacks than usual; below: far fewer than usual, which
	 * is as often a sensor that stopped seeing the traffic */
	int sev = now->level == ATTACK_ABOVE ? SEV_HIGH
		  : now->level == ATTACK_BELOW ? SEV_MEDIUM
					       : SEV_INFO;
	json_t *daily = json_array();
	for (unsigned i = now->days; i >= 1; i--) /* oldest first */
		json_array_append_new(daily, json_integer((json_int_t)now->daily[i - 1]));
	char text[256];
	snprintf(text, sizeof text,
		 "%s alerts in the 24 h before %s: %llu, baseline median %.1f a day over the "
		 "previous %u days (%s -> %s)",
		 now->kind, end, (unsigned long long)now->current, now->median, now->days,
		 attack_level_name(from), attack_level_name(now->level));
	json_t *ev = json_pack("{s:i,s:s,s:s,s:s,s:i,s:s,s:I,s:s,s:s,s:s,s:s}", "schema",
			       EVENTS_SCHEMA, "event", "attack_rate_changed", "key", key, "ip", "",
			       "port", 0, "view", run->view, "run", (json_int_t)run->id, "at", at,
			       "severity", severity_name((enum severity)sev), "scope", run->scope,
			       "targets", run->targets);
	json_t *rate = json_pack("{s:s,s:s,s:s,s:I,s:f,s:i,s:o,s:s,s:s}", "kind", now->kind, "from",
				 attack_level_name(from), "to", attack_level_name(now->level),
				 "current", (json_int_t)now->current, "baseline_median", now->median,
				 "baseline_days", (int)now->days, "baseline_daily", daily,
				 "window_end", end, "text", text);
	if (!ev || !rate) {
		json_decref(ev);
		json_decref(rate);
		return NULL;
	}
	json_object_set_new(ev, "attack_rate", rate);
	return ev;
}

static enum attack_level level_named(const char *name)
{
	for (int l = ATTACK_NORMAL; l <= ATTACK_BELOW; l++)
		if (name && strcmp(name, attack_level_name((enum attack_level)l)) == 0)
			return (enum attack_level)l;
	return ATTACK_UNKNOWN;
}

struct last_ctx {
	const char *kind;
	enum attack_level level;
	bool found;
};

/* A stored event's body column, parsed (NULL when it is not JSON). */
static json_t *body_of(json_t *row)
{
	const char *body = json_string_value(json_object_get(row, "body"));
	return body ? json_loads(body, 0, NULL) : NULL;
}

static int last_row(json_t *row, void *ud)
{
	struct last_ctx *c = ud;
	json_t *ev = body_of(row);
	json_t *rate = json_object_get(ev, "attack_rate");
	const char *kind = json_string_value(json_object_get(rate, "kind"));
	if (kind && strcmp(kind, c->kind) == 0) {
		c->level = level_named(json_string_value(json_object_get(rate, "to")));
		c->found = true;
	}
	json_decref(ev);
	return c->found;
}

/* The level kind was last reported at, before run, in its scope and view:
 * the "to" of the newest stored attack_rate_changed; NORMAL when none. The
 * state lives in the stored events, not in a recount: sensor alerts that
 * reach the store late (a capture file read today) must not move the
 * level an earlier run already reported. */
static int last_level(struct store *st, const struct store_run *run, const char *kind,
		      enum attack_level *out)
{
	struct store_param p[3] = {{.text = run->scope}, {.text = run->view},
				   {.num = run->id, .is_int = true}};
	struct last_ctx c = {kind, ATTACK_NORMAL, false};
	if (store_query(st,
			"SELECT e.body AS body FROM events e JOIN runs r ON r.id = e.run_id"
			" WHERE e.event = 'attack_rate_changed' AND r.scope = $1 AND r.view = $2"
			" AND e.run_id < $3 ORDER BY e.run_id DESC, e.seq DESC",
			p, 3, last_row, &c) != 0)
		return -1;
	*out = c.found && c.level != ATTACK_UNKNOWN ? c.level : ATTACK_NORMAL;
	return 0;
}

static int stored_flag(json_t *row, void *ud)
{
	*(bool *)ud = json_integer_value(json_object_get(row, "s")) != 0;
	return 1;
}

static int append_body(json_t *row, void *ud)
{
	json_t *ev = body_of(row);
	if (ev)
		json_array_append_new(ud, ev);
	return 0;
}

int attack_rate_events(struct store *st, const struct store_run *run, unsigned days, json_t *out)
{
	/* once a run's events are stored, its attack_rate_changed are those:
	 * computed once, at the run's end */
	struct store_param id = {.num = run->id, .is_int = true};
	bool stored = false;
	if (store_query(st, "SELECT events_stored AS s FROM runs WHERE id = $1", &id, 1,
			stored_flag, &stored) != 0)
		return -1;
	if (stored)
		return store_query(st,
				   "SELECT body FROM events WHERE run_id = $1 AND"
				   " event = 'attack_rate_changed' ORDER BY seq",
				   &id, 1, append_body, out);
	for (size_t k = 0; k < sizeof attack_rate_kinds / sizeof attack_rate_kinds[0]; k++) {
		struct attack_rate now;
		enum attack_level from;
		if (attack_rate_measure(st, attack_rate_kinds[k], run->ended_at, days, &now) != 0 ||
		    last_level(st, run, attack_rate_kinds[k], &from) != 0)
			return -1;
		if (now.level == ATTACK_UNKNOWN || from == now.level)
			continue;
		json_t *ev = event_of(run, &now, from);
		if (!ev)
			return -1;
		json_array_append_new(out, ev);
	}
	return 0;
}
