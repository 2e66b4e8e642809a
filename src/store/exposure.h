/* exposure.h - one host, every vantage point (issue 22, section 1), shared
 * by `smbwatch exposure` and serve's /api/exposure.
 *
 * Per host: the views that saw it (each scan/monitor --view, and "sensor"
 * for what `sensor --db` saw answer on the wire), since when (the first
 * sighting in that view), on which ports, and the worst finding of the
 * latest sighting in each view (for "sensor": the worst alert whose
 * destination was that service). */
#ifndef SMBW_STORE_EXPOSURE_H
#define SMBW_STORE_EXPOSURE_H

#include <jansson.h>

#include "store/store.h"

/* The view name of the passive sensor's sightings. */
#define EXPOSURE_SENSOR_VIEW "sensor"

/* Pure: rows, one per (ip, port, view) as the store gives them:
 *   {"ip", "port", "view", "first_seen", "first_run" (null for the
 *    sensor), "last_seen", "worst" (id or null), "worst_severity"}
 * folded into
 *   {"hosts": [{"ip", "ports": [..], "external": bool,
 *               "views": [{"view", "first_seen", "first_run", "last_seen",
 *                          "ports": [..], "worst": {"id", "severity",
 *                          "port"} | null}]}]}
 * hosts in address order (IPv4 first), views by first sighting (then
 * name), ports ascending; the worst of a view is the highest severity
 * over its ports (ties: the lower port). Borrows rows; new reference. */
json_t *exposure_fold(json_t *rows);

/* Severity name -> 0 (info/unknown) .. 4 (critical). */
int exposure_severity_rank(const char *severity);

/* Queries the store and folds. NULL on a store error (store_error()). */
json_t *exposure_table(struct store *st);

#endif
