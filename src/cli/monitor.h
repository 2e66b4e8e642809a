/* monitor.h - `smbwatch monitor` internals shared by its option handling
 * (monitor.c) and its cycle (monitor_cycle.c). */
#ifndef SMBW_CLI_MONITOR_H
#define SMBW_CLI_MONITOR_H

#include <stdbool.h>
#include <uv.h>

#include "cli/options.h"
#include "monitor/metrics.h"
#include "monitor/sink.h"
#include "store/store.h"

#define MONITOR_MAX_SINKS 16
#define MONITOR_MAX_PENDING 64

struct monitor {
	struct scan_cli cli;
	struct store *st;
	struct sink sinks[MONITOR_MAX_SINKS];
	unsigned n_sinks;
	long every_ms;
	unsigned gone_after;
	unsigned failing_after; /* check_failing after this many failed runs */
	unsigned flap_runs;     /* flapping window; 0 = off */
	unsigned attack_days;   /* attack_rate_changed baseline days; 0 = off */
	bool once;
	/* signals: watchers on a loop of our own, alive for the whole run, so
	 * SIGTERM between scans is never the default (fatal) action */
	uv_loop_t loop;
	uv_signal_t sigterm, sigint;
	uv_timer_t timer;
	bool stop;
	/* runs with an event some sink did not take (oldest first): retried
	 * every cycle until taken; the delivery log keeps them from repeating */
	int64_t pending[MONITOR_MAX_PENDING];
	unsigned n_pending;
	unsigned failed_deliveries; /* in this cycle: --once then exits 3 */
	struct metrics *metrics;    /* --metrics-listen; NULL = not served */
};

/* One cycle: scan into the store, then derive and deliver the run's events
 * (and retry what the previous run could not deliver). *hit is set when an
 * event at or above --fail-on appeared. 0, or -1 on a store failure (the
 * monitor logs it and tries again next cycle). */
int monitor_cycle(struct monitor *m, bool *hit);

/* Deliver the undelivered events of a stored complete run to every sink.
 * Returns the number of events at or above fail_on (-1 = none counted), or
 * -1 on a store error. A delivery that fails is counted in
 * m->failed_deliveries and the run kept in m->pending for the next cycle. */
int monitor_deliver_run(struct monitor *m, int64_t run_id, int fail_on);

/* The newest complete run of this monitor's targets and view; 0 if none. */
int64_t monitor_last_run(struct monitor *m);

#endif
