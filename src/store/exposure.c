/* exposure.c - one host, every vantage point; see exposure.h. */
#include "store/exposure.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "record/json.h"

/* SQL: the severity text as a rank, worst highest */
#define SEV_RANK(col)                                                                   \
	"CASE " col " WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2"     \
	" WHEN 'low' THEN 1 ELSE 0 END"

/* The finding of the view's latest sighting of ip:port, worst first. */
#define WORST_FINDING(col)                                                              \
	"(SELECT f." col " FROM services t JOIN findings f ON f.service_id = t.id"        \
	" WHERE t.run_id = g.last_run AND t.ip = g.ip AND t.port = g.port"                 \
	" ORDER BY " SEV_RANK("f.severity") " DESC, f.finding LIMIT 1)"

static const char scan_sql[] =
	"SELECT g.ip AS ip, g.port AS port, g.view AS view, g.first_seen AS first_seen,"
	" g.first_run AS first_run, g.last_seen AS last_seen,"
	" " WORST_FINDING("finding") " AS worst, " WORST_FINDING("severity") " AS worst_severity"
	" FROM (SELECT s.ip AS ip, s.port AS port, r.view AS view,"
	" MIN(s.scanned_at) AS first_seen, MIN(s.run_id) AS first_run,"
	" MAX(s.scanned_at) AS last_seen, MAX(s.run_id) AS last_run"
	" FROM services s JOIN runs r ON r.id = s.run_id GROUP BY s.ip, s.port, r.view) g";

/* The worst alert the sensor raised against ip:port (its destination). */
#define WORST_ALERT(col)                                                                \
	"(SELECT a." col " FROM sensor_alerts a WHERE a.dst = v.ip AND a.dst_port = v.port" \
	" ORDER BY " SEV_RANK("a.severity") " DESC, a.kind LIMIT 1)"

static const char sensor_sql[] =
	"SELECT v.ip AS ip, v.port AS port, v.first_seen AS first_seen,"
	" v.last_seen AS last_seen, " WORST_ALERT("kind") " AS worst,"
	" " WORST_ALERT("severity") " AS worst_severity FROM sensor_servers v";

int exposure_severity_rank(const char *severity)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};
	for (int i = 0; severity && i < 5; i++)
		if (strcmp(severity, names[i]) == 0)
			return i;
	return 0;
}

static json_int_t num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* Address order: IPv4 before IPv6, then the bytes; unparsable text last. */
static void addr_key(const char *ip, unsigned char key[17])
{
	memset(key, 0xFF, 17);
	if (inet_pton(AF_INET, ip, key + 1) == 1) {
		key[0] = 4;
		memset(key + 5, 0, 12);
	} else if (inet_pton(AF_INET6, ip, key + 1) == 1) {
		key[0] = 6;
	}
}

static int cmp_hosts(const void *a, const void *b)
{
	json_t *ha = *(json_t *const *)a, *hb = *(json_t *const *)b;
	unsigned char ka[17], kb[17];
	addr_key(str(ha, "ip"), ka);
	addr_key(str(hb, "ip"), kb);
	int c = memcmp(ka, kb, sizeof ka);
	return c ? c : strcmp(str(ha, "ip"), str(hb, "ip"));
}

static int cmp_views(const void *a, const void *b)
{
	json_t *va = *(json_t *const *)a, *vb = *(json_t *const *)b;
	json_int_t fa = num(va, "first_seen"), fb = num(vb, "first_seen");
	if (fa != fb)
		return fa < fb ? -1 : 1;
	/* the same second (a quick scan, then the next one): the runs say
	 * which came first, scans before the sensor (it has no run), so the
	 * order stays total */
	json_t *ra = json_object_get(va, "first_run"), *rb = json_object_get(vb, "first_run");
	if (json_is_integer(ra) != json_is_integer(rb))
		return json_is_integer(ra) ? -1 : 1;
	if (json_is_integer(ra) && json_integer_value(ra) != json_integer_value(rb))
		return json_integer_value(ra) < json_integer_value(rb) ? -1 : 1;
	return strcmp(str(va, "view"), str(vb, "view"));
}

static int cmp_ints(const void *a, const void *b)
{
	json_int_t x = json_integer_value(*(json_t *const *)a);
	json_int_t y = json_integer_value(*(json_t *const *)b);
	return (x > y) - (x < y);
}

static json_t *find_by(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o)
		if (strcmp(str(o, key), value) == 0)
			return o;
	return NULL;
}

static void add_port(json_t *ports, json_int_t port)
{
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p)
		if (json_integer_value(p) == port)
			return;
	json_array_append_new(ports, json_integer(port));
}

/* Keep the worse of the view's current worst and this row's. */
static void fold_worst(json_t *view, json_t *row)
{
	const char *id = json_string_value(json_object_get(row, "worst"));
	if (!id)
		return;
	int rank = exposure_severity_rank(str(row, "worst_severity"));
	json_t *cur = json_object_get(view, "worst");
	if (json_is_object(cur)) {
		int cr = exposure_severity_rank(str(cur, "severity"));
		if (cr > rank || (cr == rank && num(cur, "port") <= num(row, "port")))
			return;
	}
	json_object_set_new(view, "worst",
			    json_pack("{s:s, s:s, s:I}", "id", id, "severity",
				      str(row, "worst_severity"), "port", num(row, "port")));
}

static json_t *new_view(json_t *row)
{
	json_t *fr = json_object_get(row, "first_run");
	return json_pack("{s:s, s:I, s:O, s:I, s:[], s:n}", "view", str(row, "view"),
			 "first_seen", num(row, "first_seen"), "first_run",
			 json_is_integer(fr) ? fr : json_null(), "last_seen", num(row, "last_seen"),
			 "ports", "worst");
}

static void fold_row(json_t *hosts, json_t *row)
{
	const char *ip = str(row, "ip");
	json_t *host = find_by(hosts, "ip", ip);
	if (!host) {
		host = json_pack("{s:s, s:[], s:b, s:[]}", "ip", ip, "ports", "external", 0,
				 "views");
		json_array_append_new(hosts, host);
	}
	add_port(json_object_get(host, "ports"), num(row, "port"));
	if (strcmp(str(row, "view"), "external") == 0)
		json_object_set_new(host, "external", json_true());
	json_t *views = json_object_get(host, "views");
	json_t *view = find_by(views, "view", str(row, "view"));
	if (!view) {
		view = new_view(row);
		json_array_append_new(views, view);
	} else {
		/* the view's first sighting over all its ports, and the run of it */
		if (num(row, "first_seen") < num(view, "first_seen")) {
			json_object_set_new(view, "first_seen", json_integer(num(row, "first_seen")));
			json_object_set(view, "first_run", json_object_get(row, "first_run"));
		}
		if (num(row, "last_seen") > num(view, "last_seen"))
			json_object_set_new(view, "last_seen", json_integer(num(row, "last_seen")));
	}
	add_port(json_object_get(view, "ports"), num(row, "port"));
	fold_worst(view, row);
}

json_t *exposure_fold(json_t *rows)
{
	json_t *hosts = json_array();
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		fold_row(hosts, row);
	json_t *host;
	json_array_foreach(hosts, i, host) {
		record_json_sort(json_object_get(host, "ports"), cmp_ints);
		json_t *views = json_object_get(host, "views");
		record_json_sort(views, cmp_views);
		size_t k;
		json_t *v;
		json_array_foreach(views, k, v)
			record_json_sort(json_object_get(v, "ports"), cmp_ints);
	}
	record_json_sort(hosts, cmp_hosts);
	return json_pack("{s:o}", "hosts", hosts);
}

static int push_row(json_t *row, void *ud)
{
	json_array_append(ud, row);
	return 0;
}

static int view_sensor(json_t *row, void *ud)
{
	json_object_set_new(row, "view", json_string(EXPOSURE_SENSOR_VIEW));
	json_object_set_new(row, "first_run", json_null());
	return push_row(row, ud);
}

json_t *exposure_table(struct store *st)
{
	json_t *rows = json_array();
	if (store_query(st, scan_sql, NULL, 0, push_row, rows) != 0 ||
	    store_query(st, sensor_sql, NULL, 0, view_sensor, rows) != 0) {
		json_decref(rows);
		return NULL;
	}
	json_t *t = exposure_fold(rows);
	json_decref(rows);
	return t;
}
