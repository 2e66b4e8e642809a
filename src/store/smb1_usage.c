/* smb1_usage.c - the scan x sensor join; see smb1_usage.h. */
#include "store/smb1_usage.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int push_row(json_t *row, void *ud)
{
	json_array_append(ud, row);
	return 0;
}

static json_t *rows(struct store *st, const char *sql, const struct store_param *p, size_t n)
{
	json_t *a = json_array();
	if (store_query(st, sql, p, n, push_row, a) != 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static int64_t int_of(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void utc_day(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(out, n, "%Y-%m-%d", &tm) == 0)
		snprintf(out, n, "?");
}

/* The verdict's sentence, the one the finding text and a person read. */
static void verdict_text(const char *verdict, json_t *clients, int days,
			 int64_t cov_days, char *out, size_t n)
{
	if (strcmp(verdict, "used") == 0) {
		size_t o = (size_t)snprintf(out, n, "SMB1 enabled and used by ");
		int64_t last = 0;
		size_t i;
		json_t *c;
		json_array_foreach(clients, i, c) {
			if (o >= n)
				break;
			if (i == 5) {
				o += (size_t)snprintf(out + o, n - o, " and %zu more",
						      json_array_size(clients) - 5);
				break;
			}
			o += (size_t)snprintf(out + o, n - o, "%s%s", i ? ", " : "",
					      json_string_value(json_object_get(c, "client")));
			if (int_of(c, "last_seen") > last)
				last = int_of(c, "last_seen");
		}
		char day[16];
		utc_day(last, day, sizeof day);
		if (o < n)
			snprintf(out + o, n - o,
				 " (last seen %s): upgrade or isolate these clients before disabling "
				 "SMB1",
				 day);
	} else if (strcmp(verdict, "unused") == 0 && cov_days < 1) {
		/* minutes of capture are no evidence that a monthly job never
		 * speaks SMB1: say what was seen, not that it is safe */
		snprintf(out, n,
			 "SMB1 enabled, no SMB1 use seen in less than a day of sensor coverage "
			 "(window %d days): too little to call it safe to disable",
			 days);
	} else if (strcmp(verdict, "unused") == 0) {
		snprintf(out, n,
			 "SMB1 enabled, no SMB1 use seen in %lld days of sensor coverage (window %d "
			 "days): safe to disable",
			 (long long)cov_days, days);
	} else if (strcmp(verdict, "not_observed") == 0) {
		snprintf(out, n,
			 "SMB1 enabled; the sensor saw none of this server's traffic in %d days: no "
			 "verdict",
			 days);
	} else {
		snprintf(out, n, "SMB1 enabled; no sensor data in the last %d days: no verdict",
			 days);
	}
}

json_t *smb1_usage(struct store *st, int64_t now, int days)
{
	int64_t since = now - (int64_t)days * 86400;
	struct store_param ps = {.num = since, .is_int = true};
	/* what the sensor covered in the window */
	json_t *cov = rows(st,
			   "SELECT MIN(first_seen) AS first, MAX(last_seen) AS last, COUNT(*) AS n"
			   " FROM sensor_servers WHERE last_seen >= CAST($1 AS BIGINT)",
			   &ps, 1);
	if (!cov)
		return NULL;
	json_t *c0 = json_array_get(cov, 0);
	bool covered = int_of(c0, "n") > 0;
	int64_t cov_first = covered ? int_of(c0, "first") : 0, cov_last = int_of(c0, "last");
	if (cov_first < since)
		cov_first = since;
	int64_t cov_days = covered ? (cov_last - cov_first) / 86400 : 0;
	json_t *coverage = covered ? json_pack("{s:I, s:I, s:I}", "first", (json_int_t)cov_first,
					       "last", (json_int_t)cov_last, "days",
					       (json_int_t)cov_days)
				   : json_null();
	json_decref(cov);

	json_t *srv = rows(st,
			   "SELECT l.ip AS ip, l.port AS port, l.last_seen AS last_scanned"
			   " FROM service_latest l WHERE EXISTS (SELECT 1 FROM findings f"
			   " WHERE f.service_id = l.service_id AND f.finding = 'SMB1_ENABLED')"
			   " ORDER BY l.ip, l.port",
			   NULL, 0);
	if (!srv) {
		json_decref(coverage);
		return NULL;
	}
	size_t i;
	json_t *s;
	json_array_foreach(srv, i, s) {
		struct store_param p[3] = {
			{.text = json_string_value(json_object_get(s, "ip"))},
			{.num = int_of(s, "port"), .is_int = true},
			{.num = since, .is_int = true},
		};
		json_t *clients = rows(st,
				       "SELECT client, dialect, first_seen, last_seen, negotiations"
				       " FROM sensor_smb1 WHERE server = CAST($1 AS TEXT)"
				       " AND port = CAST($2 AS INTEGER)"
				       " AND last_seen >= CAST($3 AS BIGINT)"
				       " ORDER BY last_seen DESC, client",
				       p, 3);
		json_t *seen = clients ? rows(st,
					      "SELECT COUNT(*) AS n FROM sensor_servers"
					      " WHERE ip = CAST($1 AS TEXT) AND port = CAST($2 AS INTEGER)"
					      " AND last_seen >= CAST($3 AS BIGINT)",
					      p, 3)
				       : NULL;
		if (!seen) {
			json_decref(clients);
			json_decref(srv);
			json_decref(coverage);
			return NULL;
		}
		bool observed = int_of(json_array_get(seen, 0), "n") > 0;
		json_decref(seen);
		const char *verdict = json_array_size(clients) ? "used"
				      : !covered		 ? "no_sensor"
				      : observed		 ? "unused"
							 : "not_observed";
		char text[512];
		verdict_text(verdict, clients, days, cov_days, text, sizeof text);
		json_object_set_new(s, "verdict", json_string(verdict));
		json_object_set_new(s, "text", json_string(text));
		json_object_set_new(s, "clients", clients);
	}
	json_t *gaps = rows(st,
			    "SELECT m.server AS ip, m.port AS port, COUNT(*) AS clients,"
			    " MAX(m.last_seen) AS last_seen FROM sensor_smb1 m"
			    " WHERE m.last_seen >= CAST($1 AS BIGINT) AND NOT EXISTS (SELECT 1 FROM"
			    " service_latest l WHERE l.ip = m.server AND l.port = m.port)"
			    " GROUP BY m.server, m.port ORDER BY m.server, m.port",
			    &ps, 1);
	if (!gaps) {
		json_decref(srv);
		json_decref(coverage);
		return NULL;
	}
	return json_pack("{s:i, s:I, s:o, s:o, s:o}", "days", days, "since", (json_int_t)since,
			 "coverage", coverage, "servers", srv, "scan_gaps", gaps);
}
