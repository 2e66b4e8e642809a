/* api.c - the API's path table and the helpers its endpoints share; see
 * api.h and docs/api.md. */
#include "serve/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_json(struct api_reply *out, unsigned code, json_t *body)
{
	out->code = code;
	out->type = "application/json";
	out->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!out->body) {
		out->code = 500;
		out->body = strdup("{\"error\":\"cannot encode the answer\"}");
	}
	out->len = out->body ? strlen(out->body) : 0;
}

void api_error(struct api_reply *out, unsigned code, const char *msg)
{
	api_json(out, code, json_pack("{s:s}", "error", msg));
}

void api_store_error(struct api_reply *out, struct store *st)
{
	api_error(out, 500, store_error(st));
}

const char *api_arg(const struct api_req *rq, const char *name)
{
	const char *v = rq->arg ? rq->arg(rq->ctx, name) : NULL;
	return v ? v : "";
}

int api_arg_int(const struct api_req *rq, const char *name, long long def, long long lo,
		long long hi, long long *out)
{
	const char *v = api_arg(rq, name);
	if (!*v) {
		*out = def;
		return 0;
	}
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (*end || errno || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int push_row(json_t *row, void *ud)
{
	json_array_append(ud, row);
	return 0;
}

json_t *api_rows(struct store *st, const char *sql, const struct store_param *p, size_t n)
{
	json_t *a = json_array();
	if (store_query(st, sql, p, n, push_row, a) != 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

int api_severity_rank(const char *sev)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};
	for (int i = 0; i < 5; i++)
		if (sev && strcmp(sev, names[i]) == 0)
			return i;
	return -1;
}

int api_reply_collect(struct api_reply *out)
{
	if (!out->next)
		return 0;
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	char chunk[8192];
	long n = -1;
	while (f && (n = out->next(out->state, chunk, sizeof chunk)) > 0)
		fwrite(chunk, 1, (size_t)n, f);
	int rc = f && n == 0 ? 0 : -1;
	if (f)
		fclose(f);
	out->done(out->state);
	out->next = NULL;
	out->body = body;
	out->len = len;
	return rc;
}

struct route {
	const char *path;
	void (*fn)(const struct api_req *rq, struct api_reply *out);
};

static const struct route routes[] = {
	{"/api/overview", api_overview},
	{"/api/inventory", api_inventory},
	{"/api/inventory.csv", api_inventory_csv},
	{"/api/relay.txt", api_relay_list},
	{"/api/changes", api_changes},
	{"/api/host", api_host},
	{"/api/runs", api_runs},
	{"/api/latest.xml", api_latest_xml},
	{"/api/latest.html", api_latest_html},
	{"/api/policy", api_policy},
	{"/api/sensor", api_sensor},
	{"/api/exposure", api_exposure},
};

int api_handle(const struct api_req *rq, const char *path, struct api_reply *out)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (strcmp(path, routes[i].path) == 0) {
			routes[i].fn(rq, out);
			return 0;
		}
	return 1;
}
