/* store.h - where scans are kept: runs, services (the full record as JSON)
 * and findings, plus the monitor's delivery log.
 *
 * One interface, two backends: an embedded SQLite file (store/sqlite.c, the
 * default) and PostgreSQL (store/postgres.c, for "postgres://" and
 * "postgresql://" URLs) so several scanners can write to one place. The
 * backend is picked by the URL at store_open(); which backends exist is
 * decided by the build (a backend whose library is missing reports so).
 *
 * Durability contract: store_service_put() returns only once the service is
 * committed, so a scanner killed with SIGKILL loses only the services still
 * in flight. A run that never reached store_run_end() stays incomplete
 * (complete = false, ended_at = 0) forever.
 *
 * Errors: every call returns 0 on success, -1 on failure with a one-line
 * reason in store_error(). Queries that look one thing up return 1 when it
 * does not exist. Nothing here exits. */
#ifndef SMBW_STORE_H
#define SMBW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* the number of migrations in each backend (sqlite.c, postgres.c check it) */
#define STORE_SCHEMA_VERSION 7

struct store;

struct store_run {
	int64_t id;              /* set by store_run_begin() */
	char scope[24];          /* hash of targets + ports: runs that can be diffed */
	char view[32];
	char targets[512];       /* as typed, for people (cut if longer) */
	char ports[128];
	char options[512];       /* JSON object of the scan options */
	char scanner[128];       /* host:pid that wrote the run */
	int64_t started_at, ended_at; /* unix seconds; ended_at 0 = never ended */
	bool complete;           /* ran to the end (not interrupted, not killed) */
	uint64_t n_targets, n_open, n_closed, n_filtered, n_errors, n_services;
};

/* One stored service of one run. */
struct store_service {
	int64_t run_id;
	const char *ip;
	unsigned port;
	int64_t scanned_at;
	const char *record;      /* the record as compact JSON text */
};

/* Called per row; return non-zero to stop early. */
typedef int (*store_run_cb)(const struct store_run *run, void *ud);
typedef int (*store_service_cb)(const struct store_service *svc, void *ud);

/* where: a file path (SQLite) or a postgres:// URL. Creates the database
 * (and parent directory for SQLite) if needed and migrates the schema to
 * STORE_SCHEMA_VERSION. On failure *out is NULL and err says why. */
int store_open(const char *where, struct store **out, char *err, size_t errsz);
/* True for a postgres:// or postgresql:// URL (else: a SQLite file). */
bool store_is_postgres(const char *where);
/* A URL whose scheme no backend speaks ("mysql://x") is refused here
 * rather than taken for a relative file path (which created ./mysql:/x):
 * 0, or -1 with a one-line message. */
int store_check_where(const char *where, char *err, size_t errsz);
void store_close(struct store *st);
const char *store_error(const struct store *st);
const char *store_backend(const struct store *st); /* "sqlite" | "postgres" */

/* The default database: $XDG_DATA_HOME/smbwatch/smbwatch.db, else
 * ~/.local/share/smbwatch/smbwatch.db. -1 if neither can be known. */
int store_default_path(char *out, size_t outsz);

/* Fill run->scope from the target and port text (same text -> same scope). */
void store_scope_of(const char *targets, const char *ports, char *out, size_t outsz);

int store_run_begin(struct store *st, struct store_run *run);
/* Commits one service and its findings (parsed from the record JSON). */
int store_service_put(struct store *st, const struct store_service *svc);
/* Records end time, counts and completeness. */
int store_run_end(struct store *st, const struct store_run *run);

int store_run_get(struct store *st, int64_t id, struct store_run *out);
/* Runs newest first. scope/view NULL = any; only complete runs when
 * complete_only; ids strictly between after_id and before_id (0 = no bound);
 * at most limit rows (0 = no limit). */
int store_runs_list(struct store *st, const char *scope, const char *view, bool complete_only,
		    int64_t after_id, int64_t before_id, unsigned limit, store_run_cb cb, void *ud);
int store_services_of_run(struct store *st, int64_t run_id, store_service_cb cb, void *ud);
/* Every stored service with this ip (and port, unless port < 0), oldest
 * run first. */
int store_service_history(struct store *st, const char *ip, int port, store_service_cb cb,
			  void *ud);

/* The last sighting of ip:port in a complete run of this scope and view
 * before run before_id: its record (new reference) and run id. 0 when found,
 * 1 when never seen, -1 on error. */
int store_last_sighting(struct store *st, const char *ip, unsigned port, const char *scope,
			const char *view, int64_t before_id, json_t **rec, int64_t *run_id);

/* Read-only queries for `serve` (src/serve/): SQL written once for both
 * backends, parameters named $1..$9 in order of first use. Each
 * parameter is text, or an integer when is_int. Each row reaches cb as a
 * JSON object column name -> value (integer columns as integers, NULL as
 * null, the rest as strings); the object is the callee's to keep (incref)
 * or leave. Return non-zero from cb to stop. */
struct store_param {
	const char *text;
	int64_t num;
	bool is_int;
};
typedef int (*store_row_cb)(json_t *row, void *ud);
int store_query(struct store *st, const char *sql, const struct store_param *params, size_t n,
		store_row_cb cb, void *ud);
/* From now on this connection cannot write (SQLite query_only, PostgreSQL
 * read-only transactions): what `serve` holds after the migrations ran. */
int store_set_readonly(struct store *st);

/* The monitor's events of a complete run (monitor/events.h), stored when
 * the run ends so `serve` reads them instead of computing them again.
 * Replaces what the run had; afterwards runs.events_stored = 1 (runs
 * stored before schema 4 have 0: their events are computed on demand). */
struct store_event {
	const char *event;   /* "new", "changed", ... */
	int severity;        /* 0 info .. 4 critical */
	const char *ip;
	unsigned port;
	const char *view;
	const char *body;    /* the event as compact JSON */
};
int store_events_put(struct store *st, int64_t run_id, const struct store_event *ev, size_t n);
/* What the passive sensor (`sensor --db`) writes: its alerts and what it
 * saw on the wire. One store_sensor_put() is one transaction, whatever the
 * batch holds (src/sensor/sensor_db.c decides the batch). Times are
 * capture time, unix seconds (at) and microseconds (at_us). */
struct store_sensor_alert {
	int64_t at_us;
	const char *kind, *severity, *src, *dst;
	unsigned src_port, dst_port;
	bool approved;           /* from an --approved-scanners source */
	const char *json;        /* the alert as the sensor prints it */
};
/* One SMB conversation's server side: a NEGOTIATE answered (dialect set)
 * or an established connection that ended (dialect NULL). smb1: the server
 * answered in SMB1, so client used SMB1 with it. */
struct store_sensor_seen {
	int64_t at;
	const char *server, *client;
	unsigned port;
	const char *dialect;     /* NULL: no NEGOTIATE seen on this connection */
	bool smb1, sign_required;
};
struct store_sensor_batch {
	const struct store_sensor_alert *alerts;
	size_t n_alerts;
	const struct store_sensor_seen *seen;
	size_t n_seen;
};
int store_sensor_put(struct store *st, const struct store_sensor_batch *b);

/* Delivery log of the monitor: has sink already got the event key? */
int store_delivered_has(struct store *st, const char *key, const char *sink, bool *has);
int store_delivered_put(struct store *st, const char *key, const char *sink, int64_t at);

/* Convenience: the services of a run as one JSON object keyed
 * "ip port" -> parsed record. NULL on error. */
json_t *store_run_services(struct store *st, int64_t run_id);
/* "ip port" key and its display form ("1.2.3.4:445", "[2001:2::10]:445"). */
void store_svc_key(const char *ip, unsigned port, char *out, size_t outsz);
void store_svc_display(const char *ip, unsigned port, char *out, size_t outsz);

#endif
