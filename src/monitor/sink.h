/* sink.h - where monitor events go. One interface, one row per kind:
 *
 *   stdout            JSON Lines on standard output (the default)
 *   file:PATH         JSON Lines appended to PATH (flushed per event)
 *   syslog            one syslog message per event (LOG_DAEMON, warning)
 *   syslog:SOCKET     the same, RFC 3164 framed, to that Unix datagram socket
 *   webhook:URL       HTTP POST of the event JSON (libcurl); with a secret,
 *                     header X-Smbwatch-Signature: sha256=HEX(HMAC-SHA256)
 *   exec:COMMAND      /bin/sh -c COMMAND with the event JSON on stdin;
 *                     exit status 0 means delivered
 *
 * Any of them with "ecs+" before it (ecs+file:PATH, ecs+webhook:URL) gets
 * the event as an Elastic Common Schema document instead of smbwatch's own
 * JSON (monitor/events_ecs.h, sensor/alert_ecs.h): the caller encodes, by
 * the sink's encoding.
 *
 * Webhook and exec deliveries are retried with exponential backoff; every
 * failed attempt is logged on stderr. A sink's spec text is its identity in
 * the store's delivery log, so keep it stable across restarts. */
#ifndef SMBW_MONITOR_SINK_H
#define SMBW_MONITOR_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct sink;

struct sink_ops {
	const char *prefix;  /* "webhook:" ... ; exact name when no argument */
	bool takes_arg;
	int (*open)(struct sink *s, char *err, size_t errsz);
	/* one attempt; 0 delivered, -1 with the reason in err */
	int (*send)(struct sink *s, const char *event_json, const char *event_name, char *err,
		    size_t errsz);
	void (*close)(struct sink *s);
	bool retry;          /* failures are worth another attempt */
};

enum sink_encoding {
	SINK_JSON = 0, /* smbwatch's own event / alert JSON */
	SINK_ECS,      /* "ecs+SPEC": an ECS 8.11 document */
};

struct sink {
	const struct sink_ops *ops;
	enum sink_encoding encoding;
	char spec[1024];     /* as given, ecs+ too: the delivery log's key */
	const char *arg;     /* the part after the prefix (inside spec) */
	const char *secret;  /* webhook HMAC key, NULL = no signature */
	unsigned retries;    /* extra attempts after the first */
	unsigned backoff_ms; /* before the first retry; doubles each time */
	unsigned timeout_ms; /* per webhook request / exec run */
	FILE *f;             /* file sink */
	int fd;              /* syslog:SOCKET sink */
	void *impl;          /* webhook: CURL handle */
};

extern const struct sink_ops sink_webhook_ops; /* alert_webhook.c */
extern const struct sink_ops sink_exec_ops;    /* alert_exec.c */

/* Fill s from a spec ("stdout", "file:/var/log/x.jsonl", ...) with default
 * retry settings. -1 with a message for an unknown or empty spec. */
int sink_parse(const char *spec, struct sink *s, char *err, size_t errsz);
int sink_open(struct sink *s, char *err, size_t errsz);
/* Deliver with retries; logs each failed attempt as "smbwatch monitor:
 * SINK: ...". 0 delivered, -1 given up. */
int sink_deliver(struct sink *s, const char *event_json, const char *event_name);
void sink_close(struct sink *s);
/* The sink's kind without its argument ("webhook", "file", "stdout"): what
 * may be shown where the spec (a URL's token) may not. */
const char *sink_kind(const struct sink *s);

/* HMAC-SHA256(key, msg) as 64 lowercase hex digits + NUL. */
void sink_hmac_hex(const char *key, const char *msg, size_t len, char out[65]);

#endif
