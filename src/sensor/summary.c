/* summary.c - the end-of-capture table (--summary): SMB servers seen, the
 * dialects they negotiated, who talks SMB1, the top sources of failed
 * logons, message counts and alert totals by kind and severity. Linear
 * lists with fixed caps: it is filled on NEGOTIATE replies, new flows and
 * alerts only, and printed once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_int.h"

#define SUM_MAX_SERVERS 4096
#define SUM_MAX_DIALECTS 6
#define SUM_MAX_PAIRS 256
/* (alert id, severity) pairs: the alert table has a few dozen ids */
#define SUM_MAX_ALERT_KINDS 128

struct sum_server {
	uint8_t family, addr[16];
	bool p445, p139, other_port;
	bool smb1, sign_required, sign_optional;
	char dialects[SUM_MAX_DIALECTS][24]; /* "2.x (multi-protocol)" fits */
	unsigned n_dialects;
	uint64_t flows;
};

struct sum_pair {
	char cli[48], srv[48], dialect[24];
};

/* ids and severities point into the alert table (static strings) */
struct sum_alert {
	const char *id, *severity;
	uint64_t count;
};

struct summary {
	struct sum_server *srv;
	size_t n_srv;
	struct sum_pair pairs[SUM_MAX_PAIRS];
	size_t n_pairs;
	struct sum_alert alerts[SUM_MAX_ALERT_KINDS];
	size_t n_alerts;
	uint64_t alerts_other; /* beyond SUM_MAX_ALERT_KINDS pairs */
};

struct summary *summary_new(void)
{
	struct summary *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->srv = calloc(SUM_MAX_SERVERS, sizeof *m->srv);
	if (!m->srv) {
		free(m);
		return NULL;
	}
	return m;
}

void summary_free(struct summary *m)
{
	if (!m)
		return;
	free(m->srv);
	free(m);
}

static struct sum_server *server_of(struct summary *m, const struct flow *f)
{
	size_t alen = f->key.family == 6 ? 16 : 4;
	for (size_t i = 0; i < m->n_srv; i++)
		if (m->srv[i].family == f->key.family && memcmp(m->srv[i].addr, f->key.srv, alen) == 0)
			return &m->srv[i];
	if (m->n_srv >= SUM_MAX_SERVERS)
		return NULL;
	struct sum_server *s = &m->srv[m->n_srv++];
	s->family = f->key.family;
	memcpy(s->addr, f->key.srv, alen);
	return s;
}

void summary_seen(struct summary *m, const struct flow *f)
{
	if (!m || !f->established)
		return;
	struct sum_server *s = server_of(m, f);
	if (!s)
		return;
	s->flows++;
	if (f->key.sport == 445)
		s->p445 = true;
	else if (f->key.sport == 139)
		s->p139 = true;
	else
		s->other_port = true;
}

void summary_negotiated(struct summary *m, const struct flow *f, uint8_t version,
			const char *dialect, bool sign_required)
{
	if (!m)
		return;
	struct sum_server *s = server_of(m, f);
	if (!s)
		return;
	if (sign_required)
		s->sign_required = true;
	else
		s->sign_optional = true;
	bool known = false;
	for (unsigned i = 0; i < s->n_dialects && !known; i++)
		known = strcmp(s->dialects[i], dialect) == 0;
	if (!known && s->n_dialects < SUM_MAX_DIALECTS) {
		size_t n = strnlen(dialect, sizeof s->dialects[0] - 1);
		memcpy(s->dialects[s->n_dialects], dialect, n);
		s->dialects[s->n_dialects++][n] = '\0';
	}
	if (version != 1)
		return;
	s->smb1 = true;
	struct sum_pair p;
	memset(&p, 0, sizeof p);
	sensor_addr_str(f, false, p.cli, sizeof p.cli);
	sensor_addr_str(f, true, p.srv, sizeof p.srv);
	snprintf(p.dialect, sizeof p.dialect, "%s", dialect);
	for (size_t i = 0; i < m->n_pairs; i++)
		if (strcmp(m->pairs[i].cli, p.cli) == 0 && strcmp(m->pairs[i].srv, p.srv) == 0)
			return;
	if (m->n_pairs < SUM_MAX_PAIRS)
		m->pairs[m->n_pairs++] = p;
}

void summary_alert(struct summary *m, const char *id, const char *severity)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_alerts; i++) {
		if (strcmp(m->alerts[i].id, id) == 0 && strcmp(m->alerts[i].severity, severity) == 0) {
			m->alerts[i].count++;
			return;
		}
	}
	if (m->n_alerts == SUM_MAX_ALERT_KINDS) {
		m->alerts_other++;
		return;
	}
	m->alerts[m->n_alerts++] = (struct sum_alert){id, severity, 1};
}

static int severity_rank(const char *sev)
{
	static const char *const order[] = {"critical", "high", "medium", "low", "info"};
	for (int i = 0; i < 5; i++)
		if (strcmp(sev, order[i]) == 0)
			return i;
	return 5;
}

/* most severe first, then by id */
static int alert_order(const void *a, const void *b)
{
	const struct sum_alert *x = a, *y = b;
	int d = severity_rank(x->severity) - severity_rank(y->severity);
	return d ? d : strcmp(x->id, y->id);
}

static void print_alerts(const struct summary *m, FILE *out)
{
	struct sum_alert sorted[SUM_MAX_ALERT_KINDS];
	uint64_t total = m->alerts_other;
	memcpy(sorted, m->alerts, m->n_alerts * sizeof sorted[0]);
	qsort(sorted, m->n_alerts, sizeof sorted[0], alert_order);
	for (size_t i = 0; i < m->n_alerts; i++)
		total += sorted[i].count;
	fprintf(out, "\nAlerts (%llu)\n", (unsigned long long)total);
	for (size_t i = 0; i < m->n_alerts; i++)
		fprintf(out, "  %-28s %-9s %llu\n", sorted[i].id, sorted[i].severity,
			(unsigned long long)sorted[i].count);
	if (m->alerts_other)
		fprintf(out, "  %-28s %-9s %llu\n", "(other kinds)", "-",
			(unsigned long long)m->alerts_other);
}

static void print_messages(const struct sensor *s, FILE *out)
{
	struct sensor_stats st;
	sensor_get_stats(s, &st);
	fprintf(out, "\nSMB messages\n");
	fprintf(out, "  %-40s %llu\n", "messages decoded", (unsigned long long)st.frames);
	fprintf(out, "  %-40s %llu\n", "sessions set up", (unsigned long long)st.sessions);
	fprintf(out, "  %-40s %llu\n", "READ requests", (unsigned long long)st.reads);
	fprintf(out, "  %-40s %llu\n", "WRITE requests", (unsigned long long)st.writes);
	fprintf(out, "  %-40s %llu\n", "frames over the buffer (body skipped)",
		(unsigned long long)st.oversize_frames);
}

void summary_print(const struct sensor *s, const struct summary *m, FILE *out)
{
	char addr[48];
	fprintf(out, "\nSMB hosts seen (%zu)\n", m->n_srv);
	fprintf(out, "  %-40s %-9s %-6s %-9s %s\n", "server", "ports", "flows", "signing",
		"dialects");
	for (size_t i = 0; i < m->n_srv; i++) {
		const struct sum_server *v = &m->srv[i];
		char ports[16], dial[128];
		size_t o = 0;
		pkt_addr_str(v->family, v->addr, addr, sizeof addr);
		snprintf(ports, sizeof ports, "%s%s%s", v->p445 ? "445 " : "", v->p139 ? "139 " : "",
			 v->other_port ? "other" : "");
		dial[0] = '\0';
		for (unsigned k = 0; k < v->n_dialects; k++) {
			int w = snprintf(dial + o, sizeof dial - o, "%s%s", k ? ", " : "",
					 v->dialects[k]);
			if (w < 0 || (size_t)w >= sizeof dial - o)
				break;
			o += (size_t)w;
		}
		fprintf(out, "  %-40s %-9s %-6llu %-9s %s\n", addr, ports,
			(unsigned long long)v->flows,
			v->sign_required ? (v->sign_optional ? "mixed" : "required")
					 : (v->sign_optional ? "optional" : "-"),
			v->n_dialects ? dial : "(not negotiated)");
	}
	fprintf(out, "\nSMB1 talkers (%zu)\n", m->n_pairs);
	for (size_t i = 0; i < m->n_pairs; i++)
		fprintf(out, "  %s -> %s  \"%s\"\n", m->pairs[i].cli, m->pairs[i].srv,
			m->pairs[i].dialect);
	char top[10][48];
	uint64_t cnt[10];
	size_t n = host_top_failures(s, top, cnt, 10);
	fprintf(out, "\nTop sources of failed logons (%zu)\n", n);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-40s %llu\n", top[i], (unsigned long long)cnt[i]);
	print_messages(s, out);
	print_alerts(m, out);
}
