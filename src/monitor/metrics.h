/* metrics.h - what `monitor --metrics-listen` and `sensor --metrics-listen`
 * serve on /metrics (Prometheus text format, monitor/prom.h), and the
 * counters behind it. The monitor's cycle and the sensor's alert path
 * update it; the HTTP thread (metrics_http.h) renders it; a mutex keeps
 * the two apart.
 *
 * monitor:
 *   smbwatch_services{view,severity}          services of the last complete
 *                                             run by their worst finding
 *                                             ("none" without findings)
 *   smbwatch_findings_open{id,severity}       services with that finding open
 *   smbwatch_last_run_timestamp_seconds       end of the last complete run
 *   smbwatch_last_run_duration_seconds
 *   smbwatch_runs_total{result}               complete / interrupted / failed
 *   smbwatch_events_total{kind}               events handed to the sinks
 *   smbwatch_sink_failures_total{sink,position} deliveries a sink gave up on
 * sensor:
 *   smbwatch_sensor_alerts_total{id,severity} alerts raised
 * both:
 *   smbwatch_build_info{version}              always 1
 */
#ifndef SMBW_MONITOR_METRICS_H
#define SMBW_MONITOR_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "record/record.h"

enum metrics_role { METRICS_MONITOR, METRICS_SENSOR };

struct metrics;

struct metrics *metrics_new(enum metrics_role role);
void metrics_free(struct metrics *m);

/* The sinks by kind ("webhook") in their order: the labels of
 * smbwatch_sink_failures_total (the spec itself may hold a URL's token, so
 * it is not shown). Call before the server starts. */
void metrics_set_sinks(struct metrics *m, const char *const *kinds, unsigned n);

/* A run's services, one call each, between metrics_run_begin and
 * metrics_run_end; the gauges switch to the new run only at its end, and
 * only when it is complete (an interrupted run would show services gone). */
void metrics_run_begin(struct metrics *m);
void metrics_run_service(struct metrics *m, const struct svc_record *r, const char *view);
void metrics_run_end(struct metrics *m, bool complete, int64_t end_unix, double seconds);
/* A cycle that failed before its run was stored (database error). */
void metrics_run_failed(struct metrics *m);

void metrics_event(struct metrics *m, const char *kind);
void metrics_sink_failure(struct metrics *m, unsigned position);
void metrics_sensor_alert(struct metrics *m, const char *id, const char *severity);

/* The whole exposition; -1 on a write error. */
int metrics_write(struct metrics *m, FILE *out);

#endif
