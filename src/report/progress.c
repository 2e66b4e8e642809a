/* progress.c - the stderr progress line (see progress.h). */
#include "report/progress.h"

#include <stdlib.h>
#include <unistd.h>

/* 4 redraws a second: fast enough to look alive, slow enough that a
 * terminal over SSH is not flooded by a 100k-connection/s scan. */
#define PROGRESS_INTERVAL 0.25

struct progress {
	FILE *f;
	uint64_t total;
	bool enabled;
	bool drawn;
	double last;
	struct rate_meter meter;
};

struct progress *progress_new(FILE *f, uint64_t total)
{
	struct progress *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->f = f;
	p->total = total;
	p->enabled = f && isatty(fileno(f));
	return p;
}

void progress_set_enabled(struct progress *p, bool on)
{
	if (p)
		p->enabled = on;
}

/* "mm:ss", or "h:mm:ss" from an hour on; "--:--" when unknown. */
static void fmt_eta(double secs, char *out, size_t sz)
{
	if (!(secs >= 0) || secs > 359999) {
		snprintf(out, sz, "--:--");
		return;
	}
	unsigned long s = (unsigned long)(secs + 0.5);
	if (s >= 3600)
		snprintf(out, sz, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, sz, "%02lu:%02lu", s / 60, s % 60);
}

/* Positions per second since the newest sample at least RATE_SPAN old (the
 * oldest one early in the scan), then remember this point. Samples come
 * >= 0.25 s apart (the redraw interval; --stats-every is whole seconds), so
 * RATE_SAMPLES of them reach back further than RATE_SPAN. */
double rate_meter_update(struct rate_meter *m, uint64_t done, double now)
{
	const struct rate_sample *from = NULL;
	for (unsigned i = 0; i < m->n; i++) {
		/* oldest first */
		unsigned k = (m->next + RATE_SAMPLES - m->n + i) % RATE_SAMPLES;
		if (!from || m->samples[k].t <= now - RATE_SPAN)
			from = &m->samples[k];
	}
	double rate = 0;
	if (from && now > from->t && done >= from->done)
		rate = (double)(done - from->done) / (now - from->t);
	m->samples[m->next] = (struct rate_sample){.t = now, .done = done};
	m->next = (m->next + 1) % RATE_SAMPLES;
	if (m->n < RATE_SAMPLES)
		m->n++;
	return rate;
}

double progress_eta(uint64_t done, uint64_t total, double rate)
{
	if (done >= total)
		return 0;
	if (!(rate > 0))
		return -1;
	return (double)(total - (done < total ? done : total)) / rate;
}

void progress_update(struct progress *p, uint64_t done, uint64_t found, unsigned inflight,
		     double now)
{
	if (!p || !p->enabled)
		return;
	/* the first call always draws (the meter holds every drawn point) */
	if (p->meter.n && now - p->last < PROGRESS_INTERVAL && done < p->total)
		return;
	p->last = now;
	double rate = rate_meter_update(&p->meter, done, now);
	char eta[32];
	fmt_eta(progress_eta(done, p->total, rate), eta, sizeof eta);
	/* \033[K clears what a longer previous line left behind */
	fprintf(p->f, "\r[%llu/%llu] found %llu  rate %.0f/s  inflight %u  ETA %s\033[K",
		(unsigned long long)done, (unsigned long long)p->total, (unsigned long long)found,
		rate, inflight, eta);
	fflush(p->f);
	p->drawn = true;
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	if (p->drawn) {
		fputs("\r\033[K", p->f);
		fflush(p->f);
	}
	free(p);
}
