/* api_inventory.c - GET /api/inventory (JSON, paged), /api/inventory.csv
 * and /api/relay.txt: every SMB service ever seen, as its latest sighting
 * says, with first/last seen and the views that saw it. Filtering, sorting
 * and paging happen in SQL so a page costs the same at any depth of a
 * large store. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/api.h"
#include "serve/svc_summary.h"

#define PER_PAGE_DEFAULT 50
#define PER_PAGE_MAX 500
/* no limit, in a form both SQLite and PostgreSQL take */
#define INV_ALL 1000000000000LL

/* service_latest (store migration 3): one row per ip:port with its
 * first/last seen and its latest service row, kept up to date by every
 * stored service, so a page is an index walk, not a GROUP BY of all rows. */
#define INV_JOIN " FROM service_latest l JOIN services s ON s.id = l.service_id"
/* $1 address pattern, $2 text pattern (lower case), $3 finding id typed in
 * the search box, $4 finding, $5 severity, $6 view; "" = no filter. */
#define INV_WHERE                                                                             \
	" WHERE (CAST($1 AS TEXT) = '' OR l.ip LIKE CAST($1 AS TEXT) ESCAPE '\\'"             \
	" OR (CAST($2 AS TEXT) <> '' AND LOWER(s.record) LIKE CAST($2 AS TEXT) ESCAPE '\\')"  \
	" OR EXISTS (SELECT 1 FROM findings f WHERE f.service_id = s.id"                      \
	" AND f.finding = CAST($3 AS TEXT)))"                                                 \
	" AND (CAST($4 AS TEXT) = '' OR EXISTS (SELECT 1 FROM findings f"                     \
	" WHERE f.service_id = s.id AND f.finding = CAST($4 AS TEXT)))"                       \
	" AND (CAST($5 AS TEXT) = '' OR EXISTS (SELECT 1 FROM findings f"                     \
	" WHERE f.service_id = s.id AND f.severity = CAST($5 AS TEXT)))"                      \
	" AND (CAST($6 AS TEXT) = '' OR EXISTS (SELECT 1 FROM services s2 JOIN runs r2"       \
	" ON r2.id = s2.run_id WHERE s2.ip = l.ip AND s2.port = l.port"                       \
	" AND r2.view = CAST($6 AS TEXT)))"

/* ORDER BY column DIR, then the tie-break */
struct sort_key {
	const char *name, *column, *then;
};

static const struct sort_key sort_keys[] = {
	{"address", "l.ip", ", l.port"},
	{"first_seen", "l.first_seen", ", l.ip, l.port"},
	{"last_seen", "l.last_seen", ", l.ip, l.port"},
	{"findings", "open_findings", ", l.ip, l.port"},
	{"port", "l.port", ", l.ip"},
};

/* LIKE pattern: % and _ and \ typed by the user match themselves. */
static void like_escape(const char *in, bool lower, char *out, size_t outsz)
{
	size_t n = 0;
	for (const char *p = in; *p && n + 3 < outsz; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			out[n++] = '\\';
		out[n++] = lower ? (char)tolower((unsigned char)*p) : *p;
	}
	out[n] = '\0';
}

struct inv_filter {
	char addr[160], text[160], id[80];
	const char *finding, *severity, *view;
	char order_by[96];
};

/* Read the filters; -1 with a message for the client on bad input. */
static int inv_filter_parse(const struct api_req *rq, struct inv_filter *f, const char **why)
{
	memset(f, 0, sizeof *f);
	const char *q = api_arg(rq, "q");
	while (*q == ' ')
		q++;
	if (strlen(q) > 100) {
		*why = "q: at most 100 characters";
		return -1;
	}
	const char *slash = strchr(q, '/');
	if (slash) {
		/* IPv4 CIDR on an octet boundary: an address prefix */
		char net[64];
		snprintf(net, sizeof net, "%.*s", (int)(slash - q), q);
		char *end;
		long bits = strtol(slash + 1, &end, 10);
		struct in_addr a;
		if (inet_pton(AF_INET, net, &a) != 1 || *end ||
		    (bits != 8 && bits != 16 && bits != 24 && bits != 32)) {
			*why = "q: a CIDR search is IPv4 with /8, /16, /24 or /32";
			return -1;
		}
		uint32_t h = ntohl(a.s_addr);
		if (bits == 32)
			snprintf(f->addr, sizeof f->addr, "%s", net);
		else if (bits == 24)
			snprintf(f->addr, sizeof f->addr, "%u.%u.%u.%%", h >> 24, (h >> 16) & 255,
				 (h >> 8) & 255);
		else if (bits == 16)
			snprintf(f->addr, sizeof f->addr, "%u.%u.%%", h >> 24, (h >> 16) & 255);
		else
			snprintf(f->addr, sizeof f->addr, "%u.%%", h >> 24);
	} else if (*q) {
		char esc[150];
		like_escape(q, false, esc, sizeof esc);
		snprintf(f->addr, sizeof f->addr, "%s%%", esc);
		like_escape(q, true, esc, sizeof esc);
		snprintf(f->text, sizeof f->text, "%%%s%%", esc);
		snprintf(f->id, sizeof f->id, "%s", q);
	}
	f->finding = api_arg(rq, "finding");
	f->severity = api_arg(rq, "severity");
	f->view = api_arg(rq, "view");
	if (*f->severity && api_severity_rank(f->severity) < 0) {
		*why = "severity: info, low, medium, high or critical";
		return -1;
	}
	const char *sort = api_arg(rq, "sort");
	const char *order = api_arg(rq, "order");
	if (!*sort)
		sort = "address";
	if (*order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) {
		*why = "order: asc or desc";
		return -1;
	}
	const char *dir = strcmp(order, "desc") == 0 ? "DESC" : "ASC";
	for (size_t i = 0; i < sizeof sort_keys / sizeof sort_keys[0]; i++)
		if (strcmp(sort, sort_keys[i].name) == 0) {
			snprintf(f->order_by, sizeof f->order_by, "%s %s%s", sort_keys[i].column, dir,
				 sort_keys[i].then);
			return 0;
		}
	*why = "sort: address, port, first_seen, last_seen or findings";
	return -1;
}

static void inv_params(const struct inv_filter *f, struct store_param p[8], long long limit,
		       long long offset)
{
	p[0] = (struct store_param){.text = f->addr};
	p[1] = (struct store_param){.text = f->text};
	p[2] = (struct store_param){.text = f->id};
	p[3] = (struct store_param){.text = f->finding};
	p[4] = (struct store_param){.text = f->severity};
	p[5] = (struct store_param){.text = f->view};
	p[6] = (struct store_param){.num = limit, .is_int = true};
	p[7] = (struct store_param){.num = offset, .is_int = true};
}

/* The views ("internal", "external", "sensor"...) that ever saw ip:port. */
static json_t *views_of(struct store *st, json_t *row)
{
	struct store_param p[2] = {
		{.text = json_string_value(json_object_get(row, "ip"))},
		{.num = json_integer_value(json_object_get(row, "port")), .is_int = true},
	};
	json_t *rows = api_rows(st,
				"SELECT DISTINCT r.view AS view FROM services s JOIN runs r"
				" ON r.id = s.run_id WHERE s.ip = CAST($1 AS TEXT)"
				" AND s.port = CAST($2 AS INTEGER) ORDER BY r.view",
				p, 2);
	json_t *out = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		json_array_append(out, json_object_get(r, "view"));
	json_decref(rows);
	if (p[0].text && api_sensor_saw(st, p[0].text, p[1].num))
		json_array_append_new(out, json_string("sensor"));
	return out;
}

/* One page (limit INV_ALL: all) of services as summaries; NULL on error. */
static json_t *inv_page(struct store *st, const struct inv_filter *f, long long limit,
			long long offset)
{
	char sql[4096];
	snprintf(sql, sizeof sql,
		 "SELECT l.ip AS ip, l.port AS port, l.first_seen AS first_seen,"
		 " l.last_seen AS last_seen, l.sightings AS sightings,"
		 " l.run_id AS last_run, s.record AS record,"
		 " (SELECT COUNT(*) FROM findings f WHERE f.service_id = s.id"
		 " AND f.severity <> 'info') AS open_findings" INV_JOIN INV_WHERE
		 " ORDER BY %s LIMIT CAST($7 AS BIGINT) OFFSET CAST($8 AS BIGINT)",
		 f->order_by);
	struct store_param p[8];
	inv_params(f, p, limit, offset);
	json_t *rows = api_rows(st, sql, p, 8);
	if (!rows)
		return NULL;
	json_t *out = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		json_t *sum = svc_summary_of_row(r);
		static const char *const keep[] = {"first_seen", "last_seen", "sightings",
						   "last_run", "open_findings"};
		for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++)
			json_object_set(sum, keep[k], json_object_get(r, keep[k]));
		json_object_set_new(sum, "views", views_of(st, r));
		json_array_append_new(out, sum);
	}
	json_decref(rows);
	return out;
}

static int inv_total(struct store *st, const struct inv_filter *f, json_int_t *total)
{
	struct store_param p[8];
	inv_params(f, p, 0, 0);
	json_t *rows = api_rows(st, "SELECT COUNT(*) AS n" INV_JOIN INV_WHERE, p, 6);
	if (!rows)
		return -1;
	*total = json_integer_value(json_object_get(json_array_get(rows, 0), "n"));
	json_decref(rows);
	return 0;
}

void api_inventory(const struct api_req *rq, struct api_reply *out)
{
	struct inv_filter f;
	const char *why = NULL;
	long long page, per;
	if (inv_filter_parse(rq, &f, &why) != 0)
		return api_error(out, 400, why);
	if (api_arg_int(rq, "page", 1, 1, 1000000000, &page) != 0 ||
	    api_arg_int(rq, "per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX, &per) != 0)
		return api_error(out, 400, "page: 1 or more; per_page: 1 to 500");
	json_int_t total = 0;
	json_t *items = NULL;
	if (inv_total(rq->st, &f, &total) != 0 ||
	    !(items = inv_page(rq->st, &f, per, (page - 1) * per)))
		return api_store_error(out, rq->st);
	api_json(out, 200,
		 json_pack("{s:I, s:I, s:I, s:o}", "total", total, "page", (json_int_t)page,
			   "per_page", (json_int_t)per, "items", items));
}

/* A CSV cell: quoted, quotes doubled, and a leading = + - @ (a formula to
 * a spreadsheet) defused with a quote mark. */
static void csv_cell(FILE *f, const char *s, bool last)
{
	fputc('"', f);
	if (s && s[0] && strchr("=+-@\t\r", s[0]))
		fputc('\'', f);
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputs(last ? "\"\r\n" : "\",", f);
}

static void join_strings(json_t *arr, const char *key, char *out, size_t outsz)
{
	size_t n = 0;
	out[0] = '\0';
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = key ? json_string_value(json_object_get(v, key))
				    : json_string_value(v);
		if (!s)
			continue;
		int w = snprintf(out + n, outsz - n, "%s%s", n ? " " : "", s);
		if (w < 0 || (size_t)w >= outsz - n)
			break;
		n += (size_t)w;
	}
}

static void reply_file(struct api_reply *out, const char *type, char *body, size_t len)
{
	out->code = 200;
	out->type = type;
	out->body = body;
	out->len = len;
}

void api_inventory_csv(const struct api_req *rq, struct api_reply *out)
{
	struct inv_filter f;
	const char *why = NULL;
	if (inv_filter_parse(rq, &f, &why) != 0)
		return api_error(out, 400, why);
	json_t *items = inv_page(rq->st, &f, INV_ALL, 0);
	if (!items)
		return api_store_error(out, rq->st);
	char *body = NULL;
	size_t len = 0;
	FILE *csv = open_memstream(&body, &len);
	if (!csv) {
		json_decref(items);
		return api_error(out, 500, "out of memory");
	}
	fputs("ip,port,name,os,first_seen,last_seen,views,dialects,smb1,signing,findings\r\n",
	      csv);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		char port[8], first[24], last[24], views[128], dialects[128], findings[1024];
		snprintf(port, sizeof port, "%lld", (long long)json_integer_value(json_object_get(it, "port")));
		snprintf(first, sizeof first, "%lld",
			 (long long)json_integer_value(json_object_get(it, "first_seen")));
		snprintf(last, sizeof last, "%lld",
			 (long long)json_integer_value(json_object_get(it, "last_seen")));
		join_strings(json_object_get(it, "views"), NULL, views, sizeof views);
		join_strings(json_object_get(it, "dialects"), NULL, dialects, sizeof dialects);
		join_strings(json_object_get(it, "findings"), "id", findings, sizeof findings);
		csv_cell(csv, json_string_value(json_object_get(it, "ip")), false);
		csv_cell(csv, port, false);
		csv_cell(csv, json_string_value(json_object_get(it, "name")), false);
		csv_cell(csv, json_string_value(json_object_get(it, "os")), false);
		csv_cell(csv, first, false);
		csv_cell(csv, last, false);
		csv_cell(csv, views, false);
		csv_cell(csv, dialects, false);
		csv_cell(csv, json_is_true(json_object_get(it, "smb1")) ? "yes" : "no", false);
		csv_cell(csv, json_string_value(json_object_get(it, "signing")), false);
		csv_cell(csv, findings, true);
	}
	json_decref(items);
	if (fclose(csv) != 0) {
		free(body);
		return api_error(out, 500, "out of memory");
	}
	reply_file(out, "text/csv; charset=utf-8", body, len);
}

/* Services whose latest sighting does not require signing: the form
 * ntlmrelayx -tf reads ("ip" for 445, "ip:port" / "[v6]:port" else), as
 * `scan --relay-list` writes it. */
void api_relay_list(const struct api_req *rq, struct api_reply *out)
{
	struct inv_filter f;
	const char *why = NULL;
	if (inv_filter_parse(rq, &f, &why) != 0)
		return api_error(out, 400, why);
	f.finding = "SIGNING_NOT_REQUIRED";
	json_t *items = inv_page(rq->st, &f, INV_ALL, 0);
	if (!items)
		return api_store_error(out, rq->st);
	char *body = NULL;
	size_t len = 0;
	FILE *txt = open_memstream(&body, &len);
	if (!txt) {
		json_decref(items);
		return api_error(out, 500, "out of memory");
	}
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		const char *ip = json_string_value(json_object_get(it, "ip"));
		long long port = json_integer_value(json_object_get(it, "port"));
		if (port == 445)
			fprintf(txt, "%s\n", ip);
		else if (strchr(ip, ':'))
			fprintf(txt, "[%s]:%lld\n", ip, port);
		else
			fprintf(txt, "%s:%lld\n", ip, port);
	}
	json_decref(items);
	if (fclose(txt) != 0) {
		free(body);
		return api_error(out, 500, "out of memory");
	}
	reply_file(out, "text/plain; charset=utf-8", body, len);
}
