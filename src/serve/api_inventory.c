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
#include "report/report.h"
#include "serve/svc_summary.h"

#define PER_PAGE_DEFAULT 50
#define PER_PAGE_MAX 500
/* no limit, in a form both SQLite and PostgreSQL take */
#define INV_ALL 1000000000000LL

/* service_latest (store migrations 3, 4, 7): one row per ip:port with its
 * first/last seen, views, open findings and its latest service row, kept
 * up to date by every stored service, so a page is an index walk, not a
 * GROUP BY of all rows. The filters read only that row and, through its service_id, the
 * findings (an index each); the text search reads l.search (names, OS,
 * shares: store_search_text), and only the page's rows read their record. */
/* ORDER BY column DIR, then the tie-break */
struct sort_key {
	const char *name, *column, *then;
};

static const struct sort_key sort_keys[] = {
	{"address", "l.ip", ", l.port"},
	{"first_seen", "l.first_seen", ", l.ip, l.port"},
	{"last_seen", "l.last_seen", ", l.ip, l.port"},
	/* kept at store time (migration 7), an index per direction */
	{"findings", "l.open_findings", ", l.ip, l.port"},
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

/* The WHERE clause of the filters that are set, and their parameters
 * ($1...): a filter that is not set leaves no trace in the SQL. (A
 * "$n = '' OR ..." term per filter kept PostgreSQL from turning the
 * finding filters into joins: it pulls EXISTS up into a semi-join before
 * it folds constants, so each service_latest row ran its own probe.) */
struct inv_where {
	char sql[1024];
	struct store_param p[12];
	size_t n;
};

/* appends before $n after, n the next parameter, bound to arg */
static void where_add(struct inv_where *w, const char *before, const char *arg,
		      const char *after)
{
	size_t len = strlen(w->sql);
	w->p[w->n] = (struct store_param){.text = arg};
	w->n++;
	snprintf(w->sql + len, sizeof w->sql - len, "%s$%zu%s", before, w->n, after);
}

/* The findings of the latest sightings, read from the runs that are the
 * latest of some service (one or a few: an index range each), not from
 * every run of the store (an EXISTS per service_latest row, or a hash of
 * the finding's rows in all 30 runs, cost 300-600 ms at 100,000 x 30 on
 * PostgreSQL); the caller adds the finding or severity. */
#define LATEST_FINDINGS                                                                 \
	" (SELECT f.service_id FROM findings f WHERE f.run_id IN"                        \
	" (SELECT DISTINCT run_id FROM service_latest)"

static void inv_where(const struct inv_filter *f, struct inv_where *w)
{
	memset(w, 0, sizeof *w);
	snprintf(w->sql, sizeof w->sql, " WHERE 1 = 1");
	if (f->addr[0]) {
		/* the search box: an address prefix, or text in the search
		 * column (names, OS, shares: store_search_text), or a finding id */
		where_add(w, " AND (l.ip LIKE CAST(", f->addr, " AS TEXT) ESCAPE '\\'");
		if (f->text[0])
			where_add(w, " OR l.search LIKE CAST(", f->text, " AS TEXT) ESCAPE '\\'");
		if (f->id[0])
			where_add(w, " OR l.service_id IN" LATEST_FINDINGS " AND f.finding = CAST(",
				  f->id, " AS TEXT))");
		size_t len = strlen(w->sql);
		snprintf(w->sql + len, sizeof w->sql - len, ")");
	}
	if (f->finding[0])
		where_add(w, " AND l.service_id IN" LATEST_FINDINGS " AND f.finding = CAST(",
			  f->finding, " AS TEXT))");
	if (f->severity[0])
		where_add(w, " AND l.service_id IN" LATEST_FINDINGS " AND f.severity = CAST(",
			  f->severity, " AS TEXT))");
	if (f->view[0])
		where_add(w, " AND REPLACE(l.views, ' ' || CAST(", f->view,
			  " AS TEXT) || ' ', '') <> l.views");
}

/* the next parameter of w: $n */
static size_t where_param(struct inv_where *w, struct store_param p)
{
	w->p[w->n] = p;
	return ++w->n;
}

/* The views ("internal", "external"...) that ever saw ip:port:
 * service_latest.views (" a b ", store migration 4), sorted; then "sensor"
 * when the sensor saw it on the wire (migration 5). */
static json_t *views_of(json_t *row)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", json_is_string(json_object_get(row, "views")) ? json_string_value(json_object_get(row, "views")) : "");
	json_t *out = json_array();
	char *save = NULL;
	for (char *v = strtok_r(buf, " ", &save); v; v = strtok_r(NULL, " ", &save)) {
		size_t at = 0;
		while (at < json_array_size(out) &&
		       strcmp(json_string_value(json_array_get(out, at)), v) < 0)
			at++;
		json_array_insert_new(out, at, json_string(v));
	}
	/* the sensor saw it (sensor --db): sensor_saw, from inv_page's query */
	if (json_integer_value(json_object_get(row, "sensor_saw")) > 0)
		json_array_append_new(out, json_string("sensor"));
	return out;
}

/* The query of one page of services (its rows as inv_page reads them) and
 * its parameters in *w. after_ip NULL: in the filter's order from offset;
 * else in address order after (after_ip, after_port) - the export's
 * chunks, each an index range from where the last one stopped (a row-value
 * comparison: written as "ip > a OR (ip = a AND port > b)", PostgreSQL
 * walked the key from the first address for every chunk, 52,000 rows
 * skipped for a chunk half-way; SQLite made a range of either). */
static void inv_page_sql(const struct inv_filter *f, long long limit, long long offset,
			 const char *after_ip, long long after_port, struct inv_where *w,
			 char *sql, size_t sqlsz)
{
	/* the page is chosen in service_latest alone (offset rows cost an
	 * index step, no record); only its rows fetch their record */
	inv_where(f, w);
	char after[160] = "", lim[96];
	if (after_ip) {
		size_t a = where_param(w, (struct store_param){.text = after_ip});
		size_t b = where_param(w, (struct store_param){.num = after_port, .is_int = true});
		snprintf(after, sizeof after,
			 " AND (l.ip, l.port) > (CAST($%zu AS TEXT), CAST($%zu AS INTEGER))", a, b);
	}
	size_t nl = where_param(w, (struct store_param){.num = limit, .is_int = true});
	if (after_ip)
		snprintf(lim, sizeof lim, " LIMIT CAST($%zu AS BIGINT)", nl);
	else
		snprintf(lim, sizeof lim, " LIMIT CAST($%zu AS BIGINT) OFFSET CAST($%zu AS BIGINT)",
			 nl, where_param(w, (struct store_param){.num = offset, .is_int = true}));
	const char *order = after_ip ? "l.ip, l.port" : f->order_by;
	snprintf(sql, sqlsz,
		 "SELECT l.ip AS ip, l.port AS port, l.first_seen AS first_seen,"
		 " l.last_seen AS last_seen, l.sightings AS sightings,"
		 " l.run_id AS last_run, l.views AS views, s.record AS record,"
		 " l.open_findings AS open_findings,"
		 " (SELECT COUNT(*) FROM sensor_servers z WHERE z.ip = l.ip AND z.port = l.port)"
		 " AS sensor_saw FROM"
		 " (SELECT l.* FROM service_latest l%s%s ORDER BY %s%s) l"
		 " JOIN services s ON s.id = l.service_id ORDER BY %s",
		 w->sql, after, order, lim, order);
}

/* One page of services as summaries, in the filter's order from offset;
 * NULL on error. */
static json_t *inv_page(struct store *st, const struct inv_filter *f, long long limit,
			long long offset)
{
	struct inv_where w;
	char sql[4096];
	inv_page_sql(f, limit, offset, NULL, 0, &w, sql, sizeof sql);
	json_t *rows = api_rows(st, sql, w.p, w.n);
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
		json_object_set_new(sum, "views", views_of(r));
		json_array_append_new(out, sum);
	}
	json_decref(rows);
	return out;
}

static int inv_total(struct store *st, const struct inv_filter *f, json_int_t *total)
{
	struct inv_where w;
	inv_where(f, &w);
	char sql[1200];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) AS n FROM service_latest l%s", w.sql);
	json_t *rows = api_rows(st, sql, w.p, w.n);
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

/* The CSV export, streamed (api.h: next/done): chunks of CSV_CHUNK
 * services in address order, each fetched when the last is sent, so the
 * memory is one chunk whatever the store's size. Each row is written as
 * the store hands it over (no page of summaries in between), into one
 * buffer reused for every chunk. */
#define CSV_CHUNK 1000

struct csv_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void csv_put(struct csv_buf *b, const char *s, size_t n)
{
	if (b->oom || n == 0) /* (no memcpy to a buffer not yet made) */
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64 * 1024;
		while (cap < b->len + n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* A CSV cell: quoted, quotes doubled, and a leading = + - @ (a formula to
 * a spreadsheet) defused with a quote mark. */
static void csv_cell(struct csv_buf *b, const char *s, bool last)
{
	if (!s)
		s = "";
	csv_put(b, "\"", 1);
	if (s[0] && strchr("=+-@\t\r", s[0]))
		csv_put(b, "'", 1);
	for (const char *q; (q = strchr(s, '"')); s = q + 1) {
		csv_put(b, s, (size_t)(q - s) + 1); /* up to and with the quote */
		csv_put(b, "\"", 1);                /* doubled */
	}
	csv_put(b, s, strlen(s));
	if (last)
		csv_put(b, "\"\r\n", 3);
	else
		csv_put(b, "\",", 2);
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

struct csv_stream {
	struct store *st;
	struct inv_filter f;
	char after_ip[64];
	long long after_port;
	bool started, at_end;
	struct csv_buf out; /* the chunk being sent: out.p[off..len) */
	size_t off;
	size_t rows; /* of the chunk being fetched */
};

/* One service's row: row is as inv_page_sql selects it. */
static void csv_row(struct csv_buf *b, json_t *row)
{
	json_t *it = svc_summary_of_row(row);
	json_t *views = views_of(row);
	char port[24], first[24], last[24], vs[128], dialects[128], findings[1024];
	snprintf(port, sizeof port, "%lld", (long long)json_integer_value(json_object_get(row, "port")));
	snprintf(first, sizeof first, "%lld",
		 (long long)json_integer_value(json_object_get(row, "first_seen")));
	snprintf(last, sizeof last, "%lld",
		 (long long)json_integer_value(json_object_get(row, "last_seen")));
	join_strings(views, NULL, vs, sizeof vs);
	join_strings(json_object_get(it, "dialects"), NULL, dialects, sizeof dialects);
	join_strings(json_object_get(it, "findings"), "id", findings, sizeof findings);
	csv_cell(b, json_string_value(json_object_get(row, "ip")), false);
	csv_cell(b, port, false);
	csv_cell(b, json_string_value(json_object_get(it, "name")), false);
	csv_cell(b, json_string_value(json_object_get(it, "os")), false);
	csv_cell(b, first, false);
	csv_cell(b, last, false);
	csv_cell(b, vs, false);
	csv_cell(b, dialects, false);
	csv_cell(b, json_is_true(json_object_get(it, "smb1")) ? "yes" : "no", false);
	csv_cell(b, json_string_value(json_object_get(it, "signing")), false);
	csv_cell(b, findings, true);
	json_decref(views);
	json_decref(it);
}

static int csv_on_row(json_t *row, void *ud)
{
	struct csv_stream *c = ud;
	csv_row(&c->out, row);
	c->rows++;
	/* where the next chunk starts */
	snprintf(c->after_ip, sizeof c->after_ip, "%s",
		 json_string_value(json_object_get(row, "ip")));
	c->after_port = json_integer_value(json_object_get(row, "port"));
	return 0;
}

/* The next chunk into c->out; 0, or -1 on a store error. */
static int csv_fill(struct csv_stream *c)
{
	c->out.len = c->off = 0;
	if (!c->started) {
		static const char header[] =
			"ip,port,name,os,first_seen,last_seen,views,dialects,smb1,signing,findings\r\n";
		csv_put(&c->out, header, sizeof header - 1);
		c->started = true;
	}
	/* after_ip is a parameter of the query and rewritten by its rows */
	char after[sizeof c->after_ip];
	memcpy(after, c->after_ip, sizeof after);
	struct inv_where w;
	char sql[4096];
	inv_page_sql(&c->f, CSV_CHUNK, 0, after, c->after_port, &w, sql, sizeof sql);
	c->rows = 0;
	if (store_query(c->st, sql, w.p, w.n, csv_on_row, c) != 0 || c->out.oom)
		return -1;
	if (c->rows < CSV_CHUNK)
		c->at_end = true;
	return 0;
}

static long csv_next(void *state, char *buf, size_t max)
{
	struct csv_stream *c = state;
	while (c->off == c->out.len) {
		if (c->at_end)
			return 0;
		if (csv_fill(c) != 0)
			return -1;
	}
	size_t n = c->out.len - c->off < max ? c->out.len - c->off : max;
	memcpy(buf, c->out.p + c->off, n);
	c->off += n;
	return (long)n;
}

static void csv_done(void *state)
{
	struct csv_stream *c = state;
	free(c->out.p);
	free(c);
}

void api_inventory_csv(const struct api_req *rq, struct api_reply *out)
{
	struct csv_stream *c = calloc(1, sizeof *c);
	if (!c)
		return api_error(out, 500, "out of memory");
	const char *why = NULL;
	if (inv_filter_parse(rq, &c->f, &why) != 0) {
		free(c);
		return api_error(out, 400, why);
	}
	c->st = rq->st;
	c->after_port = -1; /* from the first address: every ip > '' */
	out->code = 200;
	out->type = "text/csv; charset=utf-8";
	out->next = csv_next;
	out->done = csv_done;
	out->state = c;
}

/* The NTLM relay targets among the latest sightings: services whose
 * RELAY_TARGET finding is there, i.e. the verdict of
 * assess/relay_verdict.c that `scan --relay-list` writes, in its line
 * form (report_relay_line). */
void api_relay_list(const struct api_req *rq, struct api_reply *out)
{
	struct inv_filter f;
	const char *why = NULL;
	if (inv_filter_parse(rq, &f, &why) != 0)
		return api_error(out, 400, why);
	f.finding = "RELAY_TARGET";
	struct inv_where w;
	inv_where(&f, &w);
	char sql[1200];
	snprintf(sql, sizeof sql,
		 "SELECT l.ip AS ip, l.port AS port FROM service_latest l%s ORDER BY l.ip, l.port",
		 w.sql);
	json_t *rows = api_rows(rq->st, sql, w.p, w.n);
	if (!rows)
		return api_store_error(out, rq->st);
	char *body = NULL;
	size_t len = 0;
	FILE *txt = open_memstream(&body, &len);
	if (!txt) {
		json_decref(rows);
		return api_error(out, 500, "out of memory");
	}
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		char line[REPORT_RELAY_LINE_MAX];
		report_relay_line(json_string_value(json_object_get(r, "ip")),
				  (unsigned)json_integer_value(json_object_get(r, "port")), line,
				  sizeof line);
		fprintf(txt, "%s\n", line);
	}
	json_decref(rows);
	if (fclose(txt) != 0) {
		free(body);
		return api_error(out, 500, "out of memory");
	}
	out->code = 200;
	out->type = "text/plain; charset=utf-8";
	out->body = body;
	out->len = len;
}
