/* escalate.c - sensor alerts meet open scan findings; see escalate.h. */
#include "sensor/escalate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Which alert meets which finding. The attack and the hole it needs: an
 * exploit (or its probe, or its implant's knock) against a host the scan
 * found open to exactly that; an anonymous enumeration of a host the scan
 * found accepting null sessions. Alerts that restate a finding's own fact
 * (UNSIGNED_SESSION and SIGNING_NOT_REQUIRED, SMB1_IN_USE and
 * SMB1_ENABLED) are not here: the pair is one fact seen twice, not an
 * attack meeting a hole. */
static const struct escalate_rule rules[] = {
	{"MS17_010_EXPLOIT", "MS17_010", "critical",
	 "an MS17-010 exploit against a host the scan found vulnerable to MS17-010"},
	{"MS17_010_EXPLOIT", "DOUBLEPULSAR", "critical",
	 "an MS17-010 exploit against a host the scan found with the DoublePulsar implant"},
	{"SMB1_TRANS_GROOMING", "MS17_010", "critical",
	 "Eternal* heap grooming against a host the scan found vulnerable to MS17-010"},
	{"MS17_010_CHECK", "MS17_010", "critical",
	 "an MS17-010 probe of a host the scan found vulnerable to MS17-010"},
	{"DOUBLEPULSAR", "DOUBLEPULSAR", "critical",
	 "a DoublePulsar knock on a host the scan found with the implant"},
	{"DOUBLEPULSAR", "MS17_010", "critical",
	 "a DoublePulsar knock on a host the scan found vulnerable to MS17-010"},
	{"SMBGHOST_EXPLOIT", "CVE_2020_0796", "critical",
	 "an SMBGhost exploit against a host the scan found vulnerable to CVE-2020-0796"},
	{"SMBGHOST_CHECK", "CVE_2020_0796", "critical",
	 "an SMBGhost probe of a host the scan found vulnerable to CVE-2020-0796"},
	{"NULL_SESSION_USED", "NULL_SESSION", "high",
	 "null-session enumeration of a host the scan found accepting null sessions"},
	{"ANONYMOUS_IPC", "NULL_SESSION", "medium",
	 "an anonymous IPC$ session on a host the scan found accepting null sessions"},
};

const struct escalate_rule *escalate_rules(size_t *n)
{
	*n = sizeof rules / sizeof rules[0];
	return rules;
}

struct escalate {
	struct escalate_finding *f;
	size_t n, cap;
	uint64_t refresh_ms, loaded_ms;
	bool loaded;
	bool sorted; /* by ip: escalate_add and the loader keep it so */
};

struct escalate *escalate_new(uint64_t refresh_ms)
{
	struct escalate *e = calloc(1, sizeof *e);
	if (e)
		e->refresh_ms = refresh_ms ? refresh_ms : ESCALATE_REFRESH_MS;
	return e;
}

void escalate_free(struct escalate *e)
{
	if (!e)
		return;
	free(e->f);
	free(e);
}

void escalate_clear(struct escalate *e)
{
	e->n = 0;
	e->sorted = true;
}

size_t escalate_count(const struct escalate *e)
{
	return e->n;
}

static int append(struct escalate *e, const struct escalate_finding *f)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		struct escalate_finding *n = realloc(e->f, cap * sizeof *n);
		if (!n)
			return -1;
		e->f = n;
		e->cap = cap;
	}
	e->f[e->n++] = *f;
	e->sorted = false;
	return 0;
}

static int by_ip(const void *a, const void *b)
{
	return strcmp(((const struct escalate_finding *)a)->ip,
		      ((const struct escalate_finding *)b)->ip);
}

/* Sorted by address so an alert's lookup is a binary search. */
static void sort_cache(struct escalate *e)
{
	if (!e->sorted && e->n)
		qsort(e->f, e->n, sizeof *e->f, by_ip);
	e->sorted = true;
}

int escalate_add(struct escalate *e, const struct escalate_finding *f)
{
	if (append(e, f) != 0)
		return -1;
	sort_cache(e);
	return 0;
}

bool escalate_due(const struct escalate *e, uint64_t now_ms)
{
	return !e->loaded || now_ms - e->loaded_ms >= e->refresh_ms;
}

struct load_ctx {
	struct escalate *e;
	int rc;
};

static void copy_str(char *dst, size_t n, json_t *v)
{
	snprintf(dst, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static int load_row(json_t *row, void *ud)
{
	struct load_ctx *c = ud;
	struct escalate_finding f;
	memset(&f, 0, sizeof f);
	copy_str(f.ip, sizeof f.ip, json_object_get(row, "ip"));
	copy_str(f.finding, sizeof f.finding, json_object_get(row, "finding"));
	copy_str(f.severity, sizeof f.severity, json_object_get(row, "severity"));
	copy_str(f.view, sizeof f.view, json_object_get(row, "view"));
	f.port = (unsigned)json_integer_value(json_object_get(row, "port"));
	f.run_id = json_integer_value(json_object_get(row, "run_id"));
	f.scanned_at = json_integer_value(json_object_get(row, "scanned_at"));
	if (append(c->e, &f) != 0) {
		c->rc = -1;
		return 1;
	}
	return 0;
}

/* The findings of each service's latest stored sighting (service_latest),
 * of the kinds the table names: what the scanner last said is open. */
#define OPEN_FINDINGS_SQL                                                                 \
	"SELECT sl.ip AS ip, sl.port AS port, f.finding AS finding, f.severity AS severity," \
	" f.run_id AS run_id, s.scanned_at AS scanned_at, r.view AS view"                   \
	" FROM service_latest sl JOIN findings f ON f.service_id = sl.service_id"           \
	" JOIN services s ON s.id = sl.service_id JOIN runs r ON r.id = f.run_id"           \
	" WHERE f.finding IN ("

int escalate_refresh(struct escalate *e, struct store *st, uint64_t now_ms)
{
	/* the IN list from the table: constants, so no parameters needed */
	char sql[1024];
	size_t o = (size_t)snprintf(sql, sizeof sql, "%s", OPEN_FINDINGS_SQL);
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = strcmp(rules[j].finding, rules[i].finding) == 0;
		if (!dup && o < sizeof sql)
			o += (size_t)snprintf(sql + o, sizeof sql - o, "%s'%s'",
					      sql[o - 1] == '(' ? "" : ", ", rules[i].finding);
	}
	if (o < sizeof sql)
		snprintf(sql + o, sizeof sql - o, ") ORDER BY sl.ip, sl.port, f.finding");
	/* tried again only after the interval, whatever the outcome: a dead
	 * store must not be asked once per alert */
	e->loaded = true;
	e->loaded_ms = now_ms;
	struct escalate fresh = {.refresh_ms = e->refresh_ms};
	struct load_ctx c = {&fresh, 0};
	if (store_query(st, sql, NULL, 0, load_row, &c) != 0 || c.rc != 0) {
		free(fresh.f);
		return -1;
	}
	free(e->f);
	e->f = fresh.f;
	e->n = fresh.n;
	e->cap = fresh.cap;
	e->sorted = false;
	sort_cache(e);
	return 0;
}

/* The open finding id on ip, same port first, else any port (the holes in
 * the table are the host's, whichever port the scan saw them on). */
static const struct escalate_finding *find(const struct escalate *e, const char *ip,
					   unsigned port, const char *finding)
{
	if (!e->n)
		return NULL;
	struct escalate_finding key;
	snprintf(key.ip, sizeof key.ip, "%s", ip);
	/* any entry with this ip, then walk to the start of its run */
	const struct escalate_finding *hit = bsearch(&key, e->f, e->n, sizeof *e->f, by_ip);
	if (!hit)
		return NULL;
	while (hit > e->f && strcmp(hit[-1].ip, ip) == 0)
		hit--;
	const struct escalate_finding *any = NULL;
	for (const struct escalate_finding *f = hit; f < e->f + e->n && strcmp(f->ip, ip) == 0;
	     f++) {
		if (strcmp(f->finding, finding) != 0)
			continue;
		if (f->port == port)
			return f;
		if (!any)
			any = f;
	}
	return any;
}

const struct escalate_finding *escalate_match(const struct escalate *e,
					      const struct sensor_alert *a,
					      const struct escalate_rule **rule)
{
	if (!a->dst[0] || a->approved_scanner)
		return NULL;
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		if (strcmp(rules[i].alert, a->id) != 0)
			continue;
		const struct escalate_finding *f = find(e, a->dst, a->dst_port, rules[i].finding);
		if (f) {
			if (rule)
				*rule = &rules[i];
			return f;
		}
	}
	return NULL;
}

static int sev_rank(const char *s)
{
	static const char *const order[] = {"info", "low", "medium", "high", "critical"};
	for (int i = 0; i < 5; i++)
		if (s && strcmp(s, order[i]) == 0)
			return i;
	return 0;
}

static void utc(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool escalate_apply(const struct escalate *e, struct sensor_alert *a)
{
	const struct escalate_rule *r = NULL;
	const struct escalate_finding *f = escalate_match(e, a, &r);
	if (!f)
		return false;
	char when[32], svc[72];
	utc(f->scanned_at, when, sizeof when);
	store_svc_display(f->ip, f->port, svc, sizeof svc);
	const char *before = a->severity;
	if (sev_rank(r->severity) > sev_rank(a->severity))
		a->severity = r->severity;
	/* the sensor's evidence stays first; the scan's follows */
	size_t len = strlen(a->evidence);
	snprintf(a->evidence + len, sizeof a->evidence - len,
		 "; escalated: %s: the scan found %s (%s) on %s in run %lld (view %s, %s)", r->why,
		 f->finding, f->severity, svc, (long long)f->run_id, f->view, when);
	json_decref(a->escalation);
	a->escalation = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:I,s:s,s:s}", "reason", r->why,
				  "severity_before", before, "finding", f->finding,
				  "finding_severity", f->severity, "port", (int)f->port,
				  "ip", f->ip, "run", (json_int_t)f->run_id, "view", f->view,
				  "scanned_at", when);
	return true;
}
