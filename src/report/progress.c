/* progress.c - the stderr progress line (see progress.h). */
#include "report/progress.h"

#include <stdlib.h>
#include <unistd.h>

/* 4 redraws a second: fast enough to look alive, slow enough that a
 * terminal over SSH is not flooded by a 100k-connection/s scan. */
#define PROGRESS_INTERVAL 0.25
/* "current" rate: over the last 5 s, not since the start (a --syn scan
 * resolves little in its first seconds, an overloaded server slows down
 * late); the ETA follows it. Draws are >= 0.25 s apart, so 24 samples
 * reach back further than 5 s. */
#define RATE_SPAN    5.0
#define RATE_SAMPLES 24

struct rate_sample {
	double t;
	uint64_t done;
};

struct progress {
	FILE *f;
	uint64_t total;
	bool enabled;
	bool drawn;
	bool started;
	double last;
	struct rate_sample samples[RATE_SAMPLES]; /* ring of drawn points */
	unsigned nsamples, next_sample;
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
 * oldest one early in the scan), then remember this point. */
static double current_rate(struct progress *p, uint64_t done, double now)
{
	const struct rate_sample *from = NULL;
	for (unsigned i = 0; i < p->nsamples; i++) {
		/* oldest first */
		unsigned k = (p->next_sample + RATE_SAMPLES - p->nsamples + i) % RATE_SAMPLES;
		if (!from || p->samples[k].t <= now - RATE_SPAN)
			from = &p->samples[k];
	}
	double rate = 0;
	if (from && now > from->t && done >= from->done)
		rate = (double)(done - from->done) / (now - from->t);
	p->samples[p->next_sample] = (struct rate_sample){.t = now, .done = done};
	p->next_sample = (p->next_sample + 1) % RATE_SAMPLES;
	if (p->nsamples < RATE_SAMPLES)
		p->nsamples++;
	return rate;
}

void progress_update(struct progress *p, uint64_t done, uint64_t found, unsigned inflight,
		     double now)
{
	if (!p || !p->enabled)
		return;
	if (!p->started)
		p->started = true;
	else if (now - p->last < PROGRESS_INTERVAL && done < p->total)
		return;
	p->last = now;
	double rate = current_rate(p, done, now);
	char eta[32];
	fmt_eta(rate > 0 ? (double)(p->total - (done < p->total ? done : p->total)) / rate : -1,
		eta, sizeof eta);
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
