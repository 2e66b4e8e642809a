/* test_pattern.c - issue 22 section 4, "attack pattern change": sensor
 * alerts escalated by open scan findings (sensor/escalate.c), the pivot
 * alert for a scan from inside (sensor/inside.c + detect_host.c), and the
 * monitor's attack-rate baseline (monitor/attack_rate.c). Clocks are
 * fake throughout: the caller's milliseconds for the cache, capture
 * timestamps for the sensor, set unix times for the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "assess/findings.h"
#include "monitor/attack_rate.h"
#include "monitor/events.h"
#include "net/targets.h"
#include "policy/policy.h"
#include "sensor/alert.h"
#include "sensor/escalate.h"
#include "sensor/inside.h"
#include "sensor/sensor.h"
#include "store/store.h"
#include "tmp_store.h"

/* ---- the mapping table ---------------------------------------------------- */

/* Every rule names a sensor alert and a scan finding this build knows, and
 * a severity that is one: a typo would silently never escalate. */
static void test_rules_name_known_ids(void **state)
{
	(void)state;
	size_t n;
	const struct escalate_rule *r = escalate_rules(&n);
	assert_true(n >= 8);
	for (size_t i = 0; i < n; i++) {
		struct sensor_alert a;
		alert_init(&a, r[i].alert);
		assert_string_not_equal(a.title, r[i].alert); /* in alert.c's table */
		assert_non_null(finding_info_by_name(r[i].finding));
		assert_true(strcmp(r[i].severity, "critical") == 0 ||
			    strcmp(r[i].severity, "high") == 0 ||
			    strcmp(r[i].severity, "medium") == 0);
		assert_true(strlen(r[i].why) > 10);
	}
}

static struct escalate_finding finding(const char *ip, unsigned port, const char *id,
				       const char *sev, int64_t run, int64_t at)
{
	struct escalate_finding f;
	memset(&f, 0, sizeof f);
	snprintf(f.ip, sizeof f.ip, "%s", ip);
	f.port = port;
	snprintf(f.finding, sizeof f.finding, "%s", id);
	snprintf(f.severity, sizeof f.severity, "%s", sev);
	snprintf(f.view, sizeof f.view, "internal");
	f.run_id = run;
	f.scanned_at = at;
	return f;
}

static void alert_at(struct sensor_alert *a, const char *id, const char *src, const char *dst,
		     unsigned dport)
{
	alert_init(a, id);
	a->ts_us = 1700000000000000ull;
	snprintf(a->src, sizeof a->src, "%s", src);
	snprintf(a->dst, sizeof a->dst, "%s", dst);
	a->src_port = 49152;
	a->dst_port = (uint16_t)dport;
	snprintf(a->evidence, sizeof a->evidence, "sensor evidence");
}

/* The example and its neighbours: what escalates, to what, with
 * both pieces of evidence; and what does not. */
static void test_escalate_mapping(void **state)
{
	(void)state;
	struct escalate *e = escalate_new(0);
	assert_non_null(e);
	struct escalate_finding f1 = finding("198.18.1.20", 445, "MS17_010", "critical", 7,
					     1764940000); /* 2025-12-05T13:06:40Z */
	struct escalate_finding f2 = finding("198.18.1.30", 445, "NULL_SESSION", "high", 8,
					     1764940000);
	struct escalate_finding f3 = finding("2001:2::40", 139, "CVE_2020_0796", "critical", 9,
					     1764940000);
	assert_int_equal(escalate_add(e, &f2), 0);
	assert_int_equal(escalate_add(e, &f1), 0);
	assert_int_equal(escalate_add(e, &f3), 0);
	assert_int_equal(escalate_count(e), 3);

	/* MS17-010 exploit against the vulnerable host: critical, both named */
	struct sensor_alert a;
	alert_at(&a, "MS17_010_EXPLOIT", "198.18.0.9", "198.18.1.20", 445);
	assert_true(escalate_apply(e, &a));
	assert_string_equal(a.severity, "critical");
	assert_non_null(strstr(a.evidence, "sensor evidence; escalated: "));
	assert_non_null(strstr(a.evidence, "the scan found MS17_010 (critical) on "
					   "198.18.1.20:445 in run 7 (view internal, "
					   "2025-12-05T13:06:40Z)"));
	assert_string_equal(json_string_value(json_object_get(a.escalation, "finding")),
			    "MS17_010");
	assert_int_equal(json_integer_value(json_object_get(a.escalation, "run")), 7);
	assert_string_equal(json_string_value(json_object_get(a.escalation, "severity_before")),
			    "critical");
	json_t *o = alert_to_json(&a);
	assert_non_null(json_object_get(o, "escalation"));
	json_decref(o);
	json_decref(a.escalation);

	/* the knock and the probe rise from high to critical */
	alert_at(&a, "DOUBLEPULSAR", "198.18.0.9", "198.18.1.20", 445);
	assert_string_equal(a.severity, "high");
	assert_true(escalate_apply(e, &a));
	assert_string_equal(a.severity, "critical");
	assert_string_equal(json_string_value(json_object_get(a.escalation, "severity_before")),
			    "high");
	json_decref(a.escalation);
	alert_at(&a, "MS17_010_CHECK", "198.18.0.9", "198.18.1.20", 445);
	assert_true(escalate_apply(e, &a));
	assert_string_equal(a.severity, "critical");
	json_decref(a.escalation);

	/* null-session enumeration of a host that allows it: medium -> high */
	alert_at(&a, "NULL_SESSION_USED", "198.18.0.9", "198.18.1.30", 445);
	assert_true(escalate_apply(e, &a));
	assert_string_equal(a.severity, "high");
	json_decref(a.escalation);
	/* a finding on another port of the host still counts (the hole is
	 * the host's); IPv6 */
	alert_at(&a, "SMBGHOST_EXPLOIT", "2001:2::9", "2001:2::40", 445);
	assert_true(escalate_apply(e, &a));
	assert_int_equal(json_integer_value(json_object_get(a.escalation, "port")), 139);
	json_decref(a.escalation);

	/* not escalated: the same exploit on a host without the finding (the
	 * control above shows the same alert escalating) */
	alert_at(&a, "MS17_010_EXPLOIT", "198.18.0.9", "198.18.1.21", 445);
	assert_false(escalate_apply(e, &a));
	assert_string_equal(a.evidence, "sensor evidence");
	assert_null(a.escalation);
	/* ... an alert kind whose finding the host does not have */
	alert_at(&a, "MS17_010_EXPLOIT", "198.18.0.9", "198.18.1.30", 445);
	assert_false(escalate_apply(e, &a));
	/* ... a kind no rule names */
	alert_at(&a, "SMB1_IN_USE", "198.18.0.9", "198.18.1.20", 445);
	assert_false(escalate_apply(e, &a));
	assert_string_equal(a.severity, "medium");
	/* ... a per-source alert (no destination) */
	alert_at(&a, "SMB_SCAN", "198.18.0.9", "", 0);
	assert_false(escalate_apply(e, &a));
	/* ... an approved scanner's probe stays at info */
	alert_at(&a, "MS17_010_CHECK", "198.18.0.9", "198.18.1.20", 445);
	assert_true(alert_approve_probe(&a));
	assert_false(escalate_apply(e, &a));
	assert_string_equal(a.severity, "info");
	/* never lowered: ANONYMOUS_IPC's rule says medium; an alert already
	 * above it keeps its severity */
	alert_at(&a, "ANONYMOUS_IPC", "198.18.0.9", "198.18.1.30", 445);
	alert_set_severity(&a, "critical");
	assert_true(escalate_apply(e, &a));
	assert_string_equal(a.severity, "critical");
	json_decref(a.escalation);
	escalate_free(e);
}

/* The cache is refreshed by the caller's clock, at most once per interval. */
static void test_escalate_due(void **state)
{
	(void)state;
	struct escalate *e = escalate_new(60000);
	assert_true(escalate_due(e, 5)); /* never loaded */
	assert_int_equal(tmp_store_make("pattern", "due.db"), 0);
	struct store *st = NULL;
	char err[256];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	assert_int_equal(escalate_refresh(e, st, 1000), 0);
	assert_false(escalate_due(e, 1000));
	assert_false(escalate_due(e, 60999));
	assert_true(escalate_due(e, 61000));
	store_close(st);
	escalate_free(e);
	tmp_store_remove();
}

/* One complete run holding ip:445 with the given findings (ids, comma-
 * separated; "" none) at scanned_at. Returns the run id. */
static int64_t put_run(struct store *st, const char *ip, const char *findings, int64_t at)
{
	struct store_run r;
	memset(&r, 0, sizeof r);
	store_scope_of(ip, "445", r.scope, sizeof r.scope);
	snprintf(r.view, sizeof r.view, "internal");
	snprintf(r.targets, sizeof r.targets, "%s", ip);
	snprintf(r.ports, sizeof r.ports, "445");
	snprintf(r.options, sizeof r.options, "{}");
	snprintf(r.scanner, sizeof r.scanner, "test");
	r.started_at = at;
	assert_int_equal(store_run_begin(st, &r), 0);
	json_t *fs = json_array();
	char list[128];
	snprintf(list, sizeof list, "%s", findings);
	for (char *save = NULL, *id = strtok_r(list, ",", &save); id;
	     id = strtok_r(NULL, ",", &save))
		json_array_append_new(fs, json_pack("{s:s,s:s,s:s}", "id", id, "severity",
						    "critical", "title", "t"));
	json_t *rec = json_pack("{s:s,s:i,s:o}", "ip", ip, "port", 445, "findings", fs);
	char *t = json_dumps(rec, JSON_COMPACT);
	struct store_service s = {.run_id = r.id, .ip = ip, .port = 445, .scanned_at = at,
				  .record = t};
	assert_int_equal(store_service_put(st, &s), 0);
	free(t);
	json_decref(rec);
	r.ended_at = at + 10;
	r.complete = true;
	r.n_services = 1;
	assert_int_equal(store_run_end(st, &r), 0);
	return r.id;
}

/* From a real store: the latest sighting's findings are open; a later
 * scan without the finding closes it (the alert then stays as raised). */
static void test_escalate_from_store(void **state)
{
	(void)state;
	assert_int_equal(tmp_store_make("pattern", "esc.db"), 0);
	struct store *st = NULL;
	char err[256];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	int64_t run = put_run(st, "198.18.1.20", "MS17_010,SMB1_ENABLED", 1764940000);
	put_run(st, "198.18.1.21", "SMB1_ENABLED", 1764940000);
	struct escalate *e = escalate_new(0);
	assert_int_equal(escalate_refresh(e, st, 0), 0);
	assert_int_equal(escalate_count(e), 1); /* only the kinds the table names */
	struct sensor_alert a;
	alert_at(&a, "MS17_010_EXPLOIT", "198.18.0.9", "198.18.1.20", 445);
	assert_true(escalate_apply(e, &a));
	assert_int_equal(json_integer_value(json_object_get(a.escalation, "run")), run);
	json_decref(a.escalation);
	alert_at(&a, "MS17_010_EXPLOIT", "198.18.0.9", "198.18.1.21", 445);
	assert_false(escalate_apply(e, &a));

	/* patched: the next scan has no MS17_010; after the refresh the same
	 * alert is no longer escalated */
	put_run(st, "198.18.1.20", "SMB1_ENABLED", 1764950000);
	assert_false(escalate_due(e, 59999));
	assert_true(escalate_due(e, 60000));
	assert_int_equal(escalate_refresh(e, st, 60000), 0);
	assert_int_equal(escalate_count(e), 0);
	alert_at(&a, "MS17_010_EXPLOIT", "198.18.0.9", "198.18.1.20", 445);
	assert_false(escalate_apply(e, &a));
	assert_string_equal(a.severity, "critical");
	escalate_free(e);
	store_close(st);
	tmp_store_remove();
}

/* ---- inside prefixes and the pivot alert ------------------------------- */

static void test_inside_match(void **state)
{
	(void)state;
	struct inside_nets *in = calloc(1, sizeof *in);
	char err[256], label[96];
	assert_int_equal(inside_add_list(in, "198.18.0.0/16, 2001:2::/48", err, sizeof err), 0);
	struct policy_diag d;
	const char *text = "[segment lan]\ncidr = 198.18.1.0/24\n[default]\nsmb1 = deny\n";
	struct policy *p = policy_parse("p.ini", text, strlen(text), &d);
	assert_non_null(p);
	assert_int_equal(inside_add_policy(in, p), 1);
	policy_free(p);
	/* the most specific prefix names the label */
	assert_true(inside_match(in, "198.18.1.7", label, sizeof label));
	assert_string_equal(label, "segment lan 198.18.1.0/24");
	assert_true(inside_match(in, "198.18.9.7", label, sizeof label));
	assert_string_equal(label, "--inside 198.18.0.0/16");
	assert_true(inside_match(in, "2001:2::7", label, sizeof label));
	assert_string_equal(label, "--inside 2001:2::/48");
	assert_false(inside_match(in, "198.19.0.7", label, sizeof label));
	assert_false(inside_match(in, "2001:3::7", label, sizeof label));
	assert_false(inside_match(in, "not an address", label, sizeof label));
	/* bad items are refused with the item named */
	assert_int_equal(inside_add_list(in, "198.18.0.0/33", err, sizeof err), -1);
	assert_non_null(strstr(err, "198.18.0.0/33"));
	assert_int_equal(inside_add_list(in, "@/nonexistent/inside.txt", err, sizeof err), -1);
	free(in);
}

struct collected {
	char id[32][32];
	char sev[32][16];
	char evidence[32][768];
	unsigned n;
};

static void collect(void *ctx, const struct sensor_alert *a)
{
	struct collected *c = ctx;
	if (c->n < 32) {
		snprintf(c->id[c->n], sizeof c->id[0], "%s", a->id);
		snprintf(c->sev[c->n], sizeof c->sev[0], "%s", a->severity);
		snprintf(c->evidence[c->n], sizeof c->evidence[0], "%s", a->evidence);
		c->n++;
	}
}

static bool inside_cb(void *ctx, const char *addr, char *label, size_t labelsz)
{
	return inside_match(ctx, addr, label, labelsz);
}

/* SYNs from src to 32 distinct hosts, one every 100 ms of capture time
 * from t0 (the fake clock). */
static void syn_sweep(struct sensor *s, const char *src, uint64_t t0)
{
	for (unsigned i = 0; i < 32; i++) {
		struct pkt p;
		memset(&p, 0, sizeof p);
		p.ts_us = t0 + i * 100000u;
		p.family = 4;
		inet_pton(AF_INET, src, p.src);
		char dst[32];
		snprintf(dst, sizeof dst, "198.18.2.%u", 10 + i);
		inet_pton(AF_INET, dst, p.dst);
		p.sport = (uint16_t)(40000 + i);
		p.dport = 445;
		p.seq = 1000 + i;
		p.flags = PKT_TCP_SYN;
		sensor_packet(s, &p);
	}
}

static void test_pivot_scan(void **state)
{
	(void)state;
	struct inside_nets *in = calloc(1, sizeof *in);
	char err[256];
	assert_int_equal(inside_add_list(in, "198.18.1.0/24", err, sizeof err), 0);
	struct target_set *approved = targets_new();
	targets_set_resolve(approved, false);
	assert_int_equal(targets_add_list(approved, "198.18.1.99", err, sizeof err), 0);
	targets_finalize(approved);

	struct collected c;
	memset(&c, 0, sizeof c);
	struct sensor_config cfg;
	sensor_config_defaults(&cfg);
	cfg.alert_fn = collect;
	cfg.alert_ctx = &c;
	cfg.inside_fn = inside_cb;
	cfg.inside_ctx = in;
	cfg.approved_scanners = approved;
	struct sensor *s = sensor_new(&cfg);
	assert_non_null(s);
	uint64_t t0 = 1764940000ull * 1000000u;
	syn_sweep(s, "198.18.1.5", t0);        /* inside: pivot */
	syn_sweep(s, "198.19.0.7", t0 + 5000000);  /* outside: a scan */
	syn_sweep(s, "198.18.1.99", t0 + 10000000); /* inside but approved */
	sensor_finish(s);
	sensor_free(s);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.id[0], "SMB_PIVOT_SCAN");
	assert_string_equal(c.sev[0], "high");
	assert_non_null(strstr(c.evidence[0], "198.18.1.5 opened 445/139 to 32 distinct hosts"));
	assert_non_null(strstr(c.evidence[0], "the source is inside (--inside 198.18.1.0/24): pivot"));
	assert_string_equal(c.id[1], "SMB_SCAN");
	assert_string_equal(c.sev[1], "medium");
	assert_null(strstr(c.evidence[1], "inside"));
	assert_string_equal(c.id[2], "SMB_SCAN");
	assert_string_equal(c.sev[2], "info");

	/* control: the same sweep without inside prefixes is SMB_SCAN */
	memset(&c, 0, sizeof c);
	cfg.inside_fn = NULL;
	s = sensor_new(&cfg);
	syn_sweep(s, "198.18.1.5", t0);
	sensor_finish(s);
	sensor_free(s);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.id[0], "SMB_SCAN");
	targets_free(approved);
	free(in);
}

/* ---- the attack-rate baseline ------------------------------------------- */

static void test_median(void **state)
{
	(void)state;
	uint64_t odd[] = {9, 1, 5, 3, 7};
	assert_true(attack_rate_median(odd, 5) == 5.0);
	assert_int_equal(odd[0], 9); /* not changed */
	uint64_t even[] = {4, 1, 3, 2};
	assert_true(attack_rate_median(even, 4) == 2.5);
	uint64_t zeros[14] = {0};
	assert_true(attack_rate_median(zeros, 14) == 0.0);
	assert_true(attack_rate_median(NULL, 0) == 0.0);
	/* one loud day does not move a median */
	uint64_t spike[] = {3, 3, 4, 2, 500, 3, 3};
	assert_true(attack_rate_median(spike, 7) == 3.0);
}

static void test_level(void **state)
{
	(void)state;
	/* above: twice the median and at least 5 more */
	assert_int_equal(attack_rate_level(12, 3.0), ATTACK_ABOVE);
	assert_int_equal(attack_rate_level(8, 3.0), ATTACK_ABOVE);
	assert_int_equal(attack_rate_level(7, 3.0), ATTACK_NORMAL); /* only 4 more */
	assert_int_equal(attack_rate_level(5, 0.0), ATTACK_ABOVE);
	assert_int_equal(attack_rate_level(4, 0.0), ATTACK_NORMAL);
	assert_int_equal(attack_rate_level(19, 10.0), ATTACK_NORMAL); /* < 2x */
	assert_int_equal(attack_rate_level(20, 10.0), ATTACK_ABOVE);
	/* below: half the median or less, from a median of at least 5 */
	assert_int_equal(attack_rate_level(5, 10.0), ATTACK_BELOW);
	assert_int_equal(attack_rate_level(6, 10.0), ATTACK_NORMAL);
	assert_int_equal(attack_rate_level(0, 4.0), ATTACK_NORMAL);
	assert_int_equal(attack_rate_level(0, 5.0), ATTACK_BELOW);
}

#define DAY 86400
#define T_END 1764940000 /* the fake "now" */

/* n alerts of kind at time at (approved ones are not counted). */
static void put_alerts(struct store *st, const char *kind, int64_t at, unsigned n, bool approved)
{
	for (unsigned i = 0; i < n; i++) {
		struct store_sensor_alert a = {.at_us = (at + (int64_t)i) * 1000000,
					       .kind = kind, .severity = "medium",
					       .src = "198.19.0.7", .dst = "", .approved = approved,
					       .json = "{}"};
		struct store_sensor_batch b = {.alerts = &a, .n_alerts = 1};
		assert_int_equal(store_sensor_put(st, &b), 0);
	}
}

/* A complete run of scope "rate", view external, ended at ended_at, its
 * attack_rate_changed computed (7 days) and stored as scan_store_end()
 * stores a run's events. Returns them (new reference). */
static json_t *rate_run_id(struct store *st, int64_t ended_at, int64_t *id)
{
	struct store_run r;
	memset(&r, 0, sizeof r);
	snprintf(r.scope, sizeof r.scope, "rate");
	snprintf(r.view, sizeof r.view, "external");
	snprintf(r.targets, sizeof r.targets, "198.18.1.0/24");
	snprintf(r.ports, sizeof r.ports, "445");
	snprintf(r.options, sizeof r.options, "{}");
	snprintf(r.scanner, sizeof r.scanner, "test");
	r.started_at = ended_at - 10;
	assert_int_equal(store_run_begin(st, &r), 0);
	r.ended_at = ended_at;
	r.complete = true;
	assert_int_equal(store_run_end(st, &r), 0);
	json_t *evs = json_array();
	assert_int_equal(attack_rate_events(st, &r, 7, evs), 0);
	size_t n = json_array_size(evs);
	struct store_event rows[4];
	char *bodies[4] = {NULL};
	assert_true(n <= 4);
	for (size_t i = 0; i < n; i++) {
		json_t *ev = json_array_get(evs, i);
		bodies[i] = json_dumps(ev, JSON_COMPACT);
		rows[i] = (struct store_event){.event = "attack_rate_changed",
					       .severity = events_severity(ev), .ip = "", .port = 0,
					       .view = r.view, .body = bodies[i]};
	}
	assert_int_equal(store_events_put(st, r.id, rows, n), 0);
	for (size_t i = 0; i < n; i++)
		free(bodies[i]);
	if (id)
		*id = r.id;
	return evs;
}

static json_t *rate_run(struct store *st, int64_t ended_at)
{
	return rate_run_id(st, ended_at, NULL);
}

static void test_measure_and_events(void **state)
{
	(void)state;
	assert_int_equal(tmp_store_make("pattern", "rate.db"), 0);
	struct store *st = NULL;
	char err[256];
	assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
	struct attack_rate r;
	/* no sensor data at all: no baseline, no level */
	assert_int_equal(attack_rate_measure(st, "SMB_SCAN", T_END, 7, &r), 0);
	assert_int_equal(r.level, ATTACK_UNKNOWN);

	/* 7 baseline days of 2,3,3,4,3,2,3 scans (median 3), an hour into each */
	static const unsigned per_day[7] = {2, 3, 3, 4, 3, 2, 3}; /* day 1 (yesterday) first */
	for (unsigned d = 1; d <= 7; d++)
		put_alerts(st, "SMB_SCAN", T_END - (int64_t)(d + 1) * DAY + 3600, per_day[d - 1],
			   false);
	/* the data begins on the baseline's first day: a baseline */
	assert_int_equal(attack_rate_measure(st, "SMB_SCAN", T_END, 7, &r), 0);
	assert_int_equal(r.level, ATTACK_NORMAL);
	assert_int_equal(r.current, 0);
	assert_true(r.median == 3.0);
	for (unsigned d = 1; d <= 7; d++)
		assert_int_equal(r.daily[d - 1], per_day[d - 1]);
	/* one day more of baseline than the data has: unknown */
	assert_int_equal(attack_rate_measure(st, "SMB_SCAN", T_END, 8, &r), 0);
	assert_int_equal(r.level, ATTACK_UNKNOWN);

	/* today: 12 scans (and 30 from an approved scanner, not counted) */
	put_alerts(st, "SMB_SCAN", T_END - 7200, 12, false);
	put_alerts(st, "SMB_SCAN", T_END - 7000, 30, true);
	assert_int_equal(attack_rate_measure(st, "SMB_SCAN", T_END, 7, &r), 0);
	assert_int_equal(r.current, 12);
	assert_int_equal(r.level, ATTACK_ABOVE);
	/* the brute-force figure is its own */
	assert_int_equal(attack_rate_measure(st, "SMB_BRUTE_FORCE", T_END, 7, &r), 0);
	assert_int_equal(r.current, 0);
	assert_int_equal(r.level, ATTACK_NORMAL);

	/* events, over stored runs of one scope and view. A: a day before,
	 * the data does not reach the baseline's first day: no event */
	json_t *ev_a = rate_run(st, T_END - DAY);
	assert_int_equal(json_array_size(ev_a), 0);
	/* B at T_END: normal -> above, high, with both figures */
	int64_t run_b;
	json_t *ev_b = rate_run_id(st, T_END, &run_b);
	assert_int_equal(json_array_size(ev_b), 1);
	json_t *ev = json_array_get(ev_b, 0);
	assert_string_equal(json_string_value(json_object_get(ev, "event")), "attack_rate_changed");
	assert_string_equal(json_string_value(json_object_get(ev, "severity")), "high");
	assert_string_equal(json_string_value(json_object_get(ev, "view")), "external");
	json_t *rate = json_object_get(ev, "attack_rate");
	assert_string_equal(json_string_value(json_object_get(rate, "kind")), "SMB_SCAN");
	assert_string_equal(json_string_value(json_object_get(rate, "from")), "normal");
	assert_string_equal(json_string_value(json_object_get(rate, "to")), "above");
	assert_int_equal(json_integer_value(json_object_get(rate, "current")), 12);
	assert_true(json_real_value(json_object_get(rate, "baseline_median")) == 3.0);
	assert_int_equal(json_array_size(json_object_get(rate, "baseline_daily")), 7);
	assert_non_null(strstr(json_string_value(json_object_get(rate, "text")),
			       ": 12, baseline median 3.0 a day over the previous 7 days"));
	/* C an hour later, still above: no event (one per change) */
	json_t *ev_c = rate_run(st, T_END + 3600);
	assert_int_equal(json_array_size(ev_c), 0);
	/* a late import (100 brute-force alerts three days back) changes no
	 * stored run's events: B's are read back as they were */
	put_alerts(st, "SMB_BRUTE_FORCE", T_END - 3 * DAY + 10, 100, false);
	struct store_run rb;
	assert_int_equal(store_run_get(st, run_b, &rb), 0);
	json_t *again = json_array();
	assert_int_equal(attack_rate_events(st, &rb, 7, again), 0);
	assert_true(json_equal(again, ev_b));
	json_decref(again);
	/* D two days later: the burst has left the window: above -> normal,
	 * info; the late brute-force day is in D's baseline, not its current */
	json_t *ev_d = rate_run(st, T_END + 2 * DAY);
	assert_int_equal(json_array_size(ev_d), 1);
	rate = json_object_get(json_array_get(ev_d, 0), "attack_rate");
	assert_string_equal(json_string_value(json_object_get(rate, "kind")), "SMB_SCAN");
	assert_string_equal(json_string_value(json_object_get(rate, "to")), "normal");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev_d, 0), "severity")),
			    "info");
	json_decref(ev_a);
	json_decref(ev_b);
	json_decref(ev_c);
	json_decref(ev_d);
	store_close(st);
	tmp_store_remove();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_name_known_ids),
		cmocka_unit_test(test_escalate_mapping),
		cmocka_unit_test(test_escalate_due),
		cmocka_unit_test(test_escalate_from_store),
		cmocka_unit_test(test_inside_match),
		cmocka_unit_test(test_pivot_scan),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_level),
		cmocka_unit_test(test_measure_and_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
