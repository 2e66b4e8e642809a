/* progress.h - a one-line progress display on stderr for long scans:
 *   [1200/65536] found 12  rate 850/s  inflight 256  ETA 01:15
 * (rate: positions finished per second over the last 5 s; the ETA assumes
 * that rate goes on)
 * Drawn only when the stream is a terminal (never into logs or pipes),
 * redrawn at most 4 times a second, and erased by progress_free(). */
#ifndef SMBW_REPORT_PROGRESS_H
#define SMBW_REPORT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress;

/* The "current" rate: positions finished per second over the last
 * RATE_SPAN seconds, not since the start (a --syn scan resolves little in
 * its first seconds; an overloaded server slows a scan down late). Zeroed
 * to start. */
#define RATE_SPAN    5.0
#define RATE_SAMPLES 24
struct rate_sample {
	double t;
	uint64_t done;
};
struct rate_meter {
	struct rate_sample samples[RATE_SAMPLES]; /* ring */
	unsigned n, next;
};
/* Record (now, done) and return the rate up to it (0 for the first). */
double rate_meter_update(struct rate_meter *m, uint64_t done, double now);
/* Seconds left at rate: 0 when nothing is left, -1 when unknown (rate 0). */
double progress_eta(uint64_t done, uint64_t total, double rate);

/* total = address x port pairs to try. Enabled when isatty(fileno(f)).
 * Returns NULL only on allocation failure; every function accepts NULL. */
struct progress *progress_new(FILE *f, uint64_t total);
/* Force drawing on or off (tests; --progress / --no-progress options). */
void progress_set_enabled(struct progress *p, bool on);
/* now = monotonic seconds (e.g. uv_now()/1000.0). Redraws when 0.25 s have
 * passed since the last draw, or when done reaches total. */
void progress_update(struct progress *p, uint64_t done, uint64_t found, unsigned inflight,
		     double now);
/* Erase the line (if drawn) and free. */
void progress_free(struct progress *p);

#endif
