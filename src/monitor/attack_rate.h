/* attack_rate.h - "attack patterns change" as a monitor event (issue 22):
 * the daily rate of SMB scans and brute-force attempts the sensor stored
 * (`sensor --db`, sensor_alerts) against its own baseline, the median of
 * the previous N days.
 *
 * Counted: SMB_SCAN and SMB_BRUTE_FORCE alerts not from an approved
 * scanner. SMB_SCAN is a scan from outside the organisation's prefixes
 * (a scan from inside is SMB_PIVOT_SCAN, its own alert), so this is the
 * rate of attacks on the exposed face: the external view.
 *
 * At time T the current figure is the count in [T - 1 day, T); day i of
 * the baseline (i = 1..N) is [T - (i+1) days, T - i days). The level is
 * ABOVE when current >= 2 x median and current - median >= 5, BELOW when
 * median >= 5 and current <= median / 2, else NORMAL; UNKNOWN when the
 * sensor has no data on the baseline's first day yet (a new
 * sensor has no baseline: all zeros would make any scan a change).
 *
 * attack_rate_changed is reported on the run whose level differs from the
 * level last reported (the "to" of the newest stored attack_rate_changed of
 * its kind, scope and view; NORMAL when none; UNKNOWN is never reported),
 * so a burst is one event when it starts and one when it ends, not one per
 * cycle. Computed once, when the run is stored: afterwards the run's
 * stored events are its answer, so sensor alerts that reach the store late
 * (a capture file read days later) change no past run's events. */
#ifndef SMBW_MONITOR_ATTACK_RATE_H
#define SMBW_MONITOR_ATTACK_RATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define ATTACK_RATE_DAYS 14       /* N, the default (--attack-baseline-days) */
#define ATTACK_RATE_MAX_DAYS 90
#define ATTACK_RATE_FACTOR 2      /* ABOVE: at least twice the median ... */
#define ATTACK_RATE_MIN_DELTA 5   /* ... and at least this many more */

enum attack_level { ATTACK_UNKNOWN = 0, ATTACK_NORMAL, ATTACK_ABOVE, ATTACK_BELOW };

const char *attack_level_name(enum attack_level l);

/* The median of v[0..n) (mean of the middle two when n is even); 0 for
 * n == 0. v is not changed. */
double attack_rate_median(const uint64_t *v, size_t n);
/* The level of current against a baseline median (see above). */
enum attack_level attack_rate_level(uint64_t current, double median);

/* One kind's figures at time end. */
struct attack_rate {
	const char *kind;             /* SMB_SCAN | SMB_BRUTE_FORCE */
	int64_t end;                  /* T, unix seconds */
	unsigned days;                /* N */
	uint64_t current;
	uint64_t daily[ATTACK_RATE_MAX_DAYS]; /* daily[i-1] = baseline day i */
	double median;
	enum attack_level level;
};

/* The kinds counted, in report order. */
extern const char *const attack_rate_kinds[2];

/* Measure kind at end over days (1..ATTACK_RATE_MAX_DAYS) from the store.
 * 0, or -1 on a store error. */
int attack_rate_measure(struct store *st, const char *kind, int64_t end, unsigned days,
			struct attack_rate *out);

/* Append the attack_rate_changed events of run (a complete stored run,
 * judged at run->ended_at) to out: the stored ones when its events are
 * stored, else computed. 0, or -1 on a store error. */
int attack_rate_events(struct store *st, const struct store_run *run, unsigned days, json_t *out);

#endif
