/* api_host.c - GET /api/host?ip=ADDR: one host's services as last seen
 * (findings with evidence and the fix) and its history: per port and
 * view, each sighting and what changed since the one before (store/diff.h,
 * the rules `history` and the monitor use). */
#include <arpa/inet.h>
#include <string.h>

#include "serve/api.h"
#include "serve/svc_summary.h"
#include "store/diff.h"

/* The latest sighting of each port, with its findings in full. */
static json_t *ports_now(json_t *rows)
{
	json_t *ports = json_array();
	size_t n = json_array_size(rows);
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(rows, i);
		json_t *next = json_array_get(rows, i + 1);
		/* rows are by port, then run: the last row of a port is its latest */
		if (next && json_integer_value(json_object_get(next, "port")) ==
				    json_integer_value(json_object_get(r, "port")))
			continue;
		json_t *sum = svc_summary_of_row(r);
		json_t *rec = json_loads(json_string_value(json_object_get(r, "record")), 0, NULL);
		json_t *fs = json_object_get(rec, "findings");
		json_object_set_new(sum, "findings", json_is_array(fs) ? json_incref(fs) : json_array());
		json_object_set(sum, "run", json_object_get(r, "run"));
		json_object_set(sum, "view", json_object_get(r, "view"));
		json_object_set(sum, "shares", json_object_get(rec, "shares"));
		json_object_set(sum, "record", rec);
		json_decref(rec);
		json_array_append_new(ports, sum);
	}
	return ports;
}

/* Sightings in complete runs, each compared with the previous sighting of
 * the same port, scope and view; newest first. */
static json_t *history(json_t *rows)
{
	json_t *hist = json_array();
	json_t *prev_of = json_object(); /* "port scope view" -> previous record */
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		if (!json_is_true(json_object_get(r, "complete")) &&
		    json_integer_value(json_object_get(r, "complete")) != 1)
			continue;
		char key[160];
		snprintf(key, sizeof key, "%lld %s %s",
			 (long long)json_integer_value(json_object_get(r, "port")),
			 json_string_value(json_object_get(r, "scope")),
			 json_string_value(json_object_get(r, "view")));
		json_t *rec = json_loads(json_string_value(json_object_get(r, "record")), 0, NULL);
		json_t *prev = json_object_get(prev_of, key);
		json_t *changes = prev ? diff_records_known(prev, rec) : json_array();
		const char *status = !prev ? "first_seen"
				     : json_array_size(changes) ? "changed" : "same";
		json_array_insert_new(
			hist, 0,
			json_pack("{s:O, s:O, s:O, s:O, s:s, s:o}", "run", json_object_get(r, "run"),
				  "at", json_object_get(r, "scanned_at"), "port",
				  json_object_get(r, "port"), "view", json_object_get(r, "view"),
				  "status", status, "changes", changes ? changes : json_array()));
		json_object_set_new(prev_of, key, rec ? rec : json_null());
	}
	json_decref(prev_of);
	return hist;
}

void api_host(const struct api_req *rq, struct api_reply *out)
{
	const char *ip = api_arg(rq, "ip");
	unsigned char a[16];
	if (inet_pton(AF_INET, ip, a) != 1 && inet_pton(AF_INET6, ip, a) != 1)
		return api_error(out, 400, "ip: an IPv4 or IPv6 address");
	struct store_param p = {.text = ip};
	json_t *rows = api_rows(rq->st,
				"SELECT s.run_id AS run, s.port AS port, s.scanned_at AS scanned_at,"
				" s.record AS record, s.ip AS ip, r.view AS view, r.scope AS scope,"
				" CAST(r.complete AS INTEGER) AS complete FROM services s JOIN runs r ON r.id = s.run_id"
				" WHERE s.ip = CAST($1 AS TEXT) ORDER BY s.port, s.run_id",
				&p, 1);
	if (!rows)
		return api_store_error(out, rq->st);
	json_t *alerts = api_sensor_host_alerts(rq->st, ip);
	if (!alerts) {
		json_decref(rows);
		return api_store_error(out, rq->st);
	}
	/* a host only the sensor saw still has a page: its alerts */
	if (json_array_size(rows) == 0 && json_array_size(alerts) == 0) {
		json_decref(rows);
		json_decref(alerts);
		return api_error(out, 404, "no service of this address is in the store");
	}
	json_t *body = json_pack("{s:s, s:o, s:o, s:o}", "ip", ip, "ports", ports_now(rows),
				 "history", history(rows), "sensor_alerts", alerts);
	json_decref(rows);
	api_json(out, 200, body);
}
