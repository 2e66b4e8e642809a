/* events.h - what a monitor cycle reports: events derived from the stored
 * history (docs/events.md has the schema).
 *
 * Events are a pure function of the store: the events of run R are computed
 * from R and the earlier *complete* runs of the same scope (targets + ports)
 * and view. So they can be computed again after a restart and come out the
 * same, each with the same stable "key" - which is what the delivery log
 * uses to never send an alert twice.
 *
 *  new               first time this ip:port is seen in this scope and view
 *  gone              absent from gone_after consecutive complete runs (emitted
 *                    once, on the run that reaches the count)
 *  back              seen again after having been reported gone
 *  changed           fields differ from the previous sighting (diff.h)
 *  finding_opened    a finding id appears on a known service
 *  finding_resolved  a finding id disappears from a service still present
 *  policy_violation_opened / policy_violation_resolved
 *                    the same for a POLICY_VIOLATION finding (--policy),
 *                    keyed by its rule: one per rule broken
 *  flapping          a field went back to a value it had within the last
 *                    flap_runs runs (once; quiet until it settles that long)
 *  check_failing     a check failed failing_after runs in a row (once)
 *  check_recovered   it answered again after that
 *  attack_rate_changed
 *                    the sensor's daily rate of SMB_SCAN or SMB_BRUTE_FORCE
 *                    alerts left (or came back to) its baseline, the median
 *                    of the previous attack_days days (monitor/attack_rate.h)
 *
 * A check's fields count only when the check answered (store/diff.h).
 */
#ifndef SMBW_MONITOR_EVENTS_H
#define SMBW_MONITOR_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define EVENTS_SCHEMA 1
#define EVENTS_GONE_AFTER 2
#define EVENTS_FAILING_AFTER 3
#define EVENTS_FLAP_RUNS 3

struct events_opts {
	unsigned gone_after;    /* 0 = EVENTS_GONE_AFTER */
	unsigned failing_after; /* 0 = EVENTS_FAILING_AFTER */
	unsigned flap_runs;     /* 0 = EVENTS_FLAP_RUNS */
	bool flap_runs_off;     /* no flapping detection (--flap-runs 0) */
	unsigned attack_days;   /* attack_rate_changed baseline; 0 = ATTACK_RATE_DAYS */
	bool attack_off;        /* no attack_rate_changed (--attack-baseline-days 0) */
};

/* The events of complete run run_id as a new JSON array (stable order: by
 * service, then new/back/changed/gone, then findings by id). An incomplete
 * run has no events. NULL on a store error (store_error(st)). */
json_t *events_for_run_opts(struct store *st, int64_t run_id, const struct events_opts *opts);
/* The same with the defaults for all but gone_after. */
json_t *events_for_run(struct store *st, int64_t run_id, unsigned gone_after);

/* Every event kind the monitor emits, once: the metrics show each at 0
 * before the first, serve's Changes page offers them as a filter, and each
 * has an ECS mapping (test_ecs_events checks it). */
extern const char *const monitor_event_kinds[];
extern const size_t monitor_n_event_kinds;

/* The event's severity (enum severity: 0 info .. 4 critical). */
int events_severity(json_t *ev);

#endif
