/* escalate.h - a sensor alert against a host with an open scan finding
 * escalates (issue 22, "attack pattern change"): an MS17-010 exploit
 * attempt against a host the scanner found MS17-010-vulnerable is the
 * attack meeting the hole, not noise.
 *
 * Three parts:
 *   - the one table of which alert kinds meet which findings
 *     (escalate_rules[], escalate.c), with the severity the alert then gets;
 *   - a cache of the open findings of those kinds (the findings of each
 *     service's latest stored sighting), filled from the store at most once
 *     per refresh interval: looked up per alert, never a query per packet;
 *   - escalate_apply(): raise the alert's severity (never lower it) and name
 *     both pieces of evidence: the sensor's (its evidence text, unchanged
 *     at the front) and the scan's (finding, run, time), also as the
 *     alert's "escalation" object.
 *
 * Time is the caller's monotonic milliseconds, so the tests drive it. */
#ifndef SMBW_SENSOR_ESCALATE_H
#define SMBW_SENSOR_ESCALATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/alert.h"
#include "store/store.h"

#define ESCALATE_REFRESH_MS 60000 /* the cache is at most a minute old */

struct escalate_rule {
	const char *alert;     /* sensor alert id */
	const char *finding;   /* scan finding id (assess/findings.c) */
	const char *severity;  /* what the alert becomes (never lowered) */
	const char *why;       /* one line for the evidence */
};

/* The table, in order of preference (the first rule whose finding the
 * host has wins); n set to its length. */
const struct escalate_rule *escalate_rules(size_t *n);

/* One open finding of the store. */
struct escalate_finding {
	char ip[48];
	unsigned port;
	char finding[32], severity[16], view[32];
	int64_t run_id, scanned_at; /* unix seconds of the sighting */
};

struct escalate;

/* refresh_ms 0 = ESCALATE_REFRESH_MS. NULL when out of memory. */
struct escalate *escalate_new(uint64_t refresh_ms);
void escalate_free(struct escalate *e);
/* Replace the cache's content (the store loader and the tests). */
void escalate_clear(struct escalate *e);
int escalate_add(struct escalate *e, const struct escalate_finding *f);
size_t escalate_count(const struct escalate *e);
/* The cache is older than the refresh interval (or never loaded). */
bool escalate_due(const struct escalate *e, uint64_t now_ms);
/* Load the open findings the table names from st (one query) and mark the
 * cache fresh at now_ms. 0, or -1 (store_error(st); the old cache stays,
 * and is tried again after the interval). */
int escalate_refresh(struct escalate *e, struct store *st, uint64_t now_ms);

/* The rule and finding that escalate alert a (dst = the attacked host), or
 * NULL: no rule for its kind, no open finding on dst, an alert without a
 * destination, or an approved scanner's probe (recorded at info on
 * purpose). */
const struct escalate_finding *escalate_match(const struct escalate *e,
					      const struct sensor_alert *a,
					      const struct escalate_rule **rule);
/* Escalate a in place when it matches: severity, evidence and the
 * "escalation" object. Returns whether it did. */
bool escalate_apply(const struct escalate *e, struct sensor_alert *a);

#endif
