/* api.h - the dashboard's JSON API over the store (docs/api.md): one
 * function per path, independent of the HTTP server so it is testable
 * without one. The page itself uses nothing else. */
#ifndef SMBW_SERVE_API_H
#define SMBW_SERVE_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

/* A query-string argument by name, NULL when absent. */
typedef const char *(*api_arg_fn)(void *ctx, const char *name);

struct api_req {
	struct store *st;
	api_arg_fn arg;
	void *ctx;
	int64_t now; /* unix seconds: ages are counted from here */
};

struct api_reply {
	unsigned code;        /* HTTP status */
	const char *type;     /* Content-Type */
	char *body;           /* malloc'd */
	size_t len;
	char filename[64];    /* non-empty: sent as an attachment of this name */
	/* Or a body made as it is sent (body NULL), in constant memory:
	 * next() fills up to max bytes and returns how many, 0 at the end, -1
	 * on a store error; done() frees state, also when the client left. */
	long (*next)(void *state, char *buf, size_t max);
	void (*done)(void *state);
	void *state;
};

/* A streamed reply read to its end into body/len (tests, small replies);
 * -1 when next() failed. */
int api_reply_collect(struct api_reply *out);

/* Answer GET path (no query string). Returns 0 with *out filled (also for
 * 4xx/5xx answers), or 1 when no API path matches. */
int api_handle(const struct api_req *rq, const char *path, struct api_reply *out);

/* Helpers shared by the api_*.c files. */
void api_json(struct api_reply *out, unsigned code, json_t *body); /* steals body */
void api_error(struct api_reply *out, unsigned code, const char *msg);
void api_store_error(struct api_reply *out, struct store *st);
/* An argument, "" when absent. */
const char *api_arg(const struct api_req *rq, const char *name);
/* An integer argument within [lo, hi], def when absent; -1 when not a
 * number in range (then *out is untouched). */
int api_arg_int(const struct api_req *rq, const char *name, long long def, long long lo,
		long long hi, long long *out);
/* Rows of a query as a JSON array (new), NULL on a store error. */
json_t *api_rows(struct store *st, const char *sql, const struct store_param *p, size_t n);
/* Severity name -> rank 0 (info) .. 4 (critical); -1 unknown. */
int api_severity_rank(const char *sev);

/* The endpoints (api_overview.c, api_inventory.c, api_changes.c,
 * api_host.c). Each fills out. */
void api_overview(const struct api_req *rq, struct api_reply *out);
void api_inventory(const struct api_req *rq, struct api_reply *out);
void api_inventory_csv(const struct api_req *rq, struct api_reply *out);
void api_relay_list(const struct api_req *rq, struct api_reply *out);
void api_changes(const struct api_req *rq, struct api_reply *out);
void api_host(const struct api_req *rq, struct api_reply *out);
void api_runs(const struct api_req *rq, struct api_reply *out);
/* api_export.c: the latest complete run (or ?run=ID) as nmap XML / the
 * HTML report, by the scan's own writers */
void api_latest_xml(const struct api_req *rq, struct api_reply *out);
void api_latest_html(const struct api_req *rq, struct api_reply *out);
/* GET /api/policy (api_policy.c): the policy serve --policy read, or
 * {"file": null, "sections": []}; set once before serving. */
struct policy;
void api_policy_set(const struct policy *p);
void api_policy(const struct api_req *rq, struct api_reply *out);
void api_sensor(const struct api_req *rq, struct api_reply *out);
/* GET /api/exposure (api_exposure.c): store/exposure.h's table */
void api_exposure(const struct api_req *rq, struct api_reply *out);
/* api_sensor.c for the other endpoints: the sensor alerts that involve ip
 * (newest first, NULL on a store error); whether the sensor saw ip:port. */
json_t *api_sensor_host_alerts(struct store *st, const char *ip);
bool api_sensor_saw(struct store *st, const char *ip, long long port);

#endif
