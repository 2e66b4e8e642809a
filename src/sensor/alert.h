/* alert.h - the alerts the sensor raises, and the one place they leave it.
 *
 * Detectors fill a struct sensor_alert and call alert_emit(); that
 * applies the de-duplication window and hands the alert to the sink the
 * caller configured (JSON Lines today; syslog, webhook and the monitor's
 * sinks can be plugged in behind the same function pointer). */
#ifndef SMBW_SENSOR_ALERT_H
#define SMBW_SENSOR_ALERT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sensor_alert {
	const char *id;        /* SMB_SCAN, MS17_010_EXPLOIT, ... (stable) */
	const char *severity;  /* critical | high | medium | low | info */
	const char *title;
	const char *remediation;
	uint64_t ts_us;        /* capture time of the packet that raised it */
	char src[48], dst[48]; /* dst "" for per-source alerts (scan, brute force) */
	uint16_t src_port, dst_port; /* 0 when not about one connection */
	char evidence[768];
	json_t *details;       /* optional structured evidence; alert_emit takes it */
	bool probe;            /* a probe-type alert (scan, vulnerability check, knock) */
	bool approved_scanner; /* from an approved scanner: recorded at info */
	json_t *escalation;    /* set by escalate.h when it met an open scan finding */
};

/* A sink: receives each alert once; must not keep the pointer. */
typedef void (*sensor_alert_fn)(void *ctx, const struct sensor_alert *a);

/* Fill id, severity, title, remediation and probe from the built-in
 * table; zero the rest. Unknown ids get severity "info". */
void alert_init(struct sensor_alert *a, const char *id);
/* Override the table's severity (e.g. a confirmed DoublePulsar implant). */
void alert_set_severity(struct sensor_alert *a, const char *severity);
/* The alert comes from an approved scanner: a probe drops to "info" and is
 * marked approved_scanner (never dropped); any other alert is unchanged.
 * Returns whether it was downgraded. */
bool alert_approve_probe(struct sensor_alert *a);

/* The alert as a JSON object (new reference): type "alert", id, severity,
 * title, ts (RFC 3339 UTC, microseconds), src, dst, ports, evidence,
 * details, remediation, approved_scanner: true when set, and escalation
 * (escalate.h) when set. */
json_t *alert_to_json(const struct sensor_alert *a);

/* The JSON Lines sink: ctx is a FILE *; one compact object per line,
 * flushed so a tail -f or a pipe sees it at once. */
void alert_sink_jsonl(void *ctx, const struct sensor_alert *a);

struct alert_dedupe;
/* At most max_keys remembered (id, severity, src, dst, extra) keys. */
struct alert_dedupe *alert_dedupe_new(size_t max_keys);
void alert_dedupe_free(struct alert_dedupe *d);
/* True when the same key was let through less than window_us ago
 * (the caller then drops the alert); else records it and returns false. */
bool alert_dedupe_seen(struct alert_dedupe *d, const struct sensor_alert *a, const char *extra,
		       uint64_t window_us);

#endif
