/* metrics.c - the counters and gauges behind /metrics; see metrics.h. */
#include "monitor/metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/events.h"
#include "monitor/prom.h"

#define METRICS_MAX_KEYS 256 /* distinct label sets per family */
#define METRICS_MAX_SINKS 16

/* A family's samples: label values -> value. Small and bounded: the keys
 * are finding ids, alert ids, event kinds and views, a few dozen at most;
 * past the bound new keys are counted in one "other" entry. */
struct series {
	unsigned n;
	struct {
		char a[64], b[64];
		double v;
	} e[METRICS_MAX_KEYS];
};

struct metrics {
	pthread_mutex_t lock;
	enum metrics_role role;
	/* the last complete run, and the one being collected */
	struct series services, findings, next_services, next_findings;
	bool have_run;
	int64_t last_end;
	double last_seconds;
	double runs_complete, runs_interrupted, runs_failed;
	struct series events;
	const char *sink_kinds[METRICS_MAX_SINKS];
	double sink_failures[METRICS_MAX_SINKS];
	unsigned n_sinks;
	struct series alerts;
};


static double *series_at(struct series *s, const char *a, const char *b)
{
	if (!a)
		a = "";
	if (!b)
		b = "";
	for (unsigned i = 0; i < s->n; i++)
		if (strncmp(s->e[i].a, a, sizeof s->e[i].a - 1) == 0 &&
		    strncmp(s->e[i].b, b, sizeof s->e[i].b - 1) == 0)
			return &s->e[i].v;
	if (s->n >= METRICS_MAX_KEYS - 1) {
		/* the last slot is kept for "other" */
		a = "other";
		b = "";
		if (s->n == METRICS_MAX_KEYS)
			return &s->e[s->n - 1].v;
	}
	unsigned i = s->n++;
	snprintf(s->e[i].a, sizeof s->e[i].a, "%s", a);
	snprintf(s->e[i].b, sizeof s->e[i].b, "%s", b);
	s->e[i].v = 0;
	return &s->e[i].v;
}

struct metrics *metrics_new(enum metrics_role role)
{
	struct metrics *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->role = role;
	/* every kind at 0 before the first (monitor/events.h) */
	for (size_t i = 0; i < monitor_n_event_kinds; i++)
		(void)series_at(&m->events, monitor_event_kinds[i], NULL);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void metrics_set_sinks(struct metrics *m, const char *const *kinds, unsigned n)
{
	pthread_mutex_lock(&m->lock);
	m->n_sinks = n < METRICS_MAX_SINKS ? n : METRICS_MAX_SINKS;
	for (unsigned i = 0; i < m->n_sinks; i++)
		m->sink_kinds[i] = kinds[i];
	pthread_mutex_unlock(&m->lock);
}

void metrics_run_begin(struct metrics *m)
{
	pthread_mutex_lock(&m->lock);
	m->next_services.n = 0;
	m->next_findings.n = 0;
	pthread_mutex_unlock(&m->lock);
}

void metrics_run_service(struct metrics *m, const struct svc_record *r, const char *view)
{
	int worst = -1;
	pthread_mutex_lock(&m->lock);
	for (unsigned i = 0; i < r->n_findings && i < REC_MAX_FINDINGS; i++) {
		const struct rec_finding *fd = &r->findings[i];
		if ((int)fd->severity > worst)
			worst = (int)fd->severity;
		*series_at(&m->next_findings, fd->id, severity_name(fd->severity)) += 1;
	}
	const char *sev = worst < 0 ? "none" : severity_name((enum severity)worst);
	*series_at(&m->next_services, r->view[0] ? r->view : view, sev) += 1;
	pthread_mutex_unlock(&m->lock);
}

void metrics_run_end(struct metrics *m, bool complete, int64_t end_unix, double seconds)
{
	pthread_mutex_lock(&m->lock);
	if (complete) {
		m->services = m->next_services;
		m->findings = m->next_findings;
		m->have_run = true;
		m->last_end = end_unix;
		m->last_seconds = seconds;
		m->runs_complete++;
	} else {
		m->runs_interrupted++;
	}
	pthread_mutex_unlock(&m->lock);
}

void metrics_run_failed(struct metrics *m)
{
	pthread_mutex_lock(&m->lock);
	m->runs_failed++;
	pthread_mutex_unlock(&m->lock);
}

void metrics_event(struct metrics *m, const char *kind)
{
	pthread_mutex_lock(&m->lock);
	*series_at(&m->events, kind, NULL) += 1;
	pthread_mutex_unlock(&m->lock);
}

void metrics_sink_failure(struct metrics *m, unsigned position)
{
	pthread_mutex_lock(&m->lock);
	if (position < m->n_sinks)
		m->sink_failures[position]++;
	pthread_mutex_unlock(&m->lock);
}

void metrics_sensor_alert(struct metrics *m, const char *id, const char *severity)
{
	pthread_mutex_lock(&m->lock);
	*series_at(&m->alerts, id, severity) += 1;
	pthread_mutex_unlock(&m->lock);
}

static void write_series(FILE *f, const char *name, const struct series *s, const char *la,
			 const char *lb)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct prom_label l[2] = {{la, s->e[i].a}, {lb, s->e[i].b}};
		prom_sample(f, name, l, lb ? 2 : 1, s->e[i].v);
	}
}

static void write_monitor(struct metrics *m, FILE *f)
{
	prom_family(f, "smbwatch_services", "gauge",
		    "SMB services in the last complete run, by view and worst finding severity");
	write_series(f, "smbwatch_services", &m->services, "view", "severity");
	prom_family(f, "smbwatch_findings_open", "gauge",
		    "Services with this finding open in the last complete run");
	write_series(f, "smbwatch_findings_open", &m->findings, "id", "severity");
	if (m->have_run) {
		prom_family(f, "smbwatch_last_run_timestamp_seconds", "gauge",
			    "When the last complete run ended (unix time)");
		prom_sample(f, "smbwatch_last_run_timestamp_seconds", NULL, 0, (double)m->last_end);
		prom_family(f, "smbwatch_last_run_duration_seconds", "gauge",
			    "How long the last complete run took");
		prom_sample(f, "smbwatch_last_run_duration_seconds", NULL, 0, m->last_seconds);
	}
	prom_family(f, "smbwatch_runs_total", "counter", "Monitor cycles by how they ended");
	struct prom_label l = {"result", "complete"};
	prom_sample(f, "smbwatch_runs_total", &l, 1, m->runs_complete);
	l.value = "interrupted";
	prom_sample(f, "smbwatch_runs_total", &l, 1, m->runs_interrupted);
	l.value = "failed";
	prom_sample(f, "smbwatch_runs_total", &l, 1, m->runs_failed);
	prom_family(f, "smbwatch_events_total", "counter",
		    "Monitor events handed to the sinks, by kind");
	write_series(f, "smbwatch_events_total", &m->events, "kind", NULL);
	prom_family(f, "smbwatch_sink_failures_total", "counter",
		    "Event deliveries a sink gave up on after its retries");
	for (unsigned i = 0; i < m->n_sinks; i++) {
		char pos[16];
		snprintf(pos, sizeof pos, "%u", i);
		struct prom_label sl[2] = {{"sink", m->sink_kinds[i]}, {"position", pos}};
		prom_sample(f, "smbwatch_sink_failures_total", sl, 2, m->sink_failures[i]);
	}
}

int metrics_write(struct metrics *m, FILE *f)
{
	pthread_mutex_lock(&m->lock);
	prom_family(f, "smbwatch_build_info", "gauge", "smbwatch version (always 1)");
	struct prom_label v = {"version", SMBW_VERSION};
	prom_sample(f, "smbwatch_build_info", &v, 1, 1);
	if (m->role == METRICS_MONITOR)
		write_monitor(m, f);
	else {
		prom_family(f, "smbwatch_sensor_alerts_total", "counter",
			    "Alerts the sensor raised, by alert id and severity");
		write_series(f, "smbwatch_sensor_alerts_total", &m->alerts, "id", "severity");
	}
	pthread_mutex_unlock(&m->lock);
	return ferror(f) ? -1 : 0;
}
