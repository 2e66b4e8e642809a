/* api_sensor.c - what `sensor --db` wrote, for the dashboard:
 *   GET /api/sensor?days=N   alerts by kind per day, totals, top talkers,
 *                            SMB1 clients, servers seen, and the scan x
 *                            sensor SMB1 join (store/smb1_usage.h)
 * plus the pieces other endpoints use: a host's sensor alerts and whether
 * the sensor saw a service (its `views`). */
#include <string.h>

#include "serve/api.h"
#include "store/smb1_usage.h"

/* The window ends at the newest alert or sighting, not at now: a sensor
 * that stopped (or a capture replayed) still shows its last N days. */
static int64_t newest(struct store *st, bool *any)
{
	json_t *r = api_rows(st,
			     "SELECT (SELECT MAX(at) FROM sensor_alerts) AS a,"
			     " (SELECT MAX(last_seen) FROM sensor_servers) AS s",
			     NULL, 0);
	json_t *row = json_array_get(r, 0);
	int64_t a = json_integer_value(json_object_get(row, "a"));
	int64_t s = json_integer_value(json_object_get(row, "s"));
	*any = r && (json_is_integer(json_object_get(row, "a")) ||
		     json_is_integer(json_object_get(row, "s")));
	json_decref(r);
	return a > s ? a : s;
}

void api_sensor(const struct api_req *rq, struct api_reply *out)
{
	long long days;
	if (api_arg_int(rq, "days", 30, 1, 3650, &days) != 0)
		return api_error(out, 400, "days: a whole number, 1-3650");
	bool any = false;
	int64_t end = newest(rq->st, &any);
	int64_t since = end - (int64_t)days * 86400;
	struct store_param p = {.num = since, .is_int = true};
	json_t *by_day = api_rows(rq->st,
				  "SELECT (at / 86400) * 86400 AS day, kind, COUNT(*) AS alerts"
				  " FROM sensor_alerts WHERE at >= CAST($1 AS BIGINT)"
				  " GROUP BY (at / 86400) * 86400, kind ORDER BY day, kind",
				  &p, 1);
	json_t *totals = api_rows(rq->st,
				  "SELECT kind, severity, COUNT(*) AS alerts FROM sensor_alerts"
				  " WHERE at >= CAST($1 AS BIGINT) GROUP BY kind, severity"
				  " ORDER BY alerts DESC, kind, severity",
				  &p, 1);
	json_t *talkers = api_rows(rq->st,
				   "SELECT src, COUNT(*) AS alerts, COUNT(DISTINCT kind) AS kinds,"
				   " COUNT(DISTINCT dst) AS targets, MAX(at) AS last"
				   " FROM sensor_alerts WHERE at >= CAST($1 AS BIGINT)"
				   " GROUP BY src ORDER BY alerts DESC, src LIMIT 10",
				   &p, 1);
	json_t *smb1 = api_rows(rq->st,
				"SELECT client, server, port, dialect, first_seen, last_seen,"
				" negotiations FROM sensor_smb1 WHERE last_seen >= CAST($1 AS BIGINT)"
				" ORDER BY last_seen DESC, client, server LIMIT 200",
				&p, 1);
	json_t *servers = api_rows(rq->st,
				   "SELECT COUNT(*) AS servers, COALESCE(SUM(smb1), 0) AS smb1,"
				   " COALESCE(SUM(sign_optional), 0) AS signing_optional"
				   " FROM sensor_servers WHERE last_seen >= CAST($1 AS BIGINT)",
				   &p, 1);
	/* the join's own window is the same one, ending at the newest data */
	json_t *usage = smb1_usage(rq->st, end, (int)days);
	if (!by_day || !totals || !talkers || !smb1 || !servers || !usage) {
		json_decref(by_day);
		json_decref(totals);
		json_decref(talkers);
		json_decref(smb1);
		json_decref(servers);
		json_decref(usage);
		return api_store_error(out, rq->st);
	}
	json_t *srv = json_incref(json_array_get(servers, 0));
	json_decref(servers);
	api_json(out, 200,
		 json_pack("{s:b, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "has_data", any,
			   "days", (json_int_t)days, "since", (json_int_t)since, "until",
			   (json_int_t)end, "servers", srv, "by_day", by_day, "totals", totals,
			   "top_talkers", talkers, "smb1_clients", smb1, "smb1_usage", usage));
}

json_t *api_sensor_host_alerts(struct store *st, const char *ip)
{
	struct store_param p = {.text = ip};
	json_t *r = api_rows(st,
			     "SELECT at, kind, severity, src, dst, src_port, dst_port, approved,"
			     " alert FROM sensor_alerts WHERE src = CAST($1 AS TEXT)"
			     " OR dst = CAST($1 AS TEXT) ORDER BY at DESC, id DESC LIMIT 100",
			     &p, 1);
	size_t i;
	json_t *a;
	/* the alert JSON as an object, so evidence and details read as data */
	json_array_foreach(r, i, a) {
		json_t *obj = json_loads(json_string_value(json_object_get(a, "alert")), 0, NULL);
		json_object_set_new(a, "alert", obj ? obj : json_null());
	}
	return r;
}

bool api_sensor_saw(struct store *st, const char *ip, long long port)
{
	struct store_param p[2] = {{.text = ip}, {.num = port, .is_int = true}};
	json_t *r = api_rows(st,
			     "SELECT COUNT(*) AS n FROM sensor_servers WHERE ip = CAST($1 AS TEXT)"
			     " AND port = CAST($2 AS INTEGER)",
			     p, 2);
	bool saw = json_integer_value(json_object_get(json_array_get(r, 0), "n")) > 0;
	json_decref(r);
	return saw;
}
