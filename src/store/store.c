/* store.c - backend choice and the work shared by every backend; see
 * store.h. */
#include "store/store_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "record/record.h"

int store_fail(struct store *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
	return -1;
}

int store_schema_target(int known)
{
	const char *max = getenv("SMBW_TEST_SCHEMA_MAX");
	long n = max ? strtol(max, NULL, 10) : 0;
	return n > 0 && n < known ? (int)n : known;
}

bool store_is_postgres(const char *where)
{
	return strncmp(where, "postgres://", 11) == 0 || strncmp(where, "postgresql://", 13) == 0;
}

int store_check_where(const char *where, char *err, size_t errsz)
{
	const char *colon = strstr(where, "://");
	if (!colon || store_is_postgres(where))
		return 0;
	snprintf(err, errsz,
		 "unknown database URL scheme '%.*s://': use a file path, sqlite:PATH or "
		 "postgres://...",
		 (int)(colon - where > 20 ? 20 : colon - where), where);
	return -1;
}

int store_open(const char *where, struct store **out, char *err, size_t errsz)
{
	*out = NULL;
	if (store_check_where(where, err, errsz) != 0)
		return -1;
	const struct store_ops *ops = store_is_postgres(where) ? store_pg_ops : store_sqlite_ops;
	if (!ops) {
		snprintf(err, errsz, "%s: this build has no %s support", where,
			 store_is_postgres(where) ? "PostgreSQL" : "SQLite");
		return -1;
	}
	struct store *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	st->ops = ops;
	if (ops->open(st, where) != 0) {
		snprintf(err, errsz, "%s", st->err);
		free(st);
		return -1;
	}
	*out = st;
	return 0;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	st->ops->close(st);
	free(st);
}

const char *store_error(const struct store *st)
{
	return st->err;
}

const char *store_backend(const struct store *st)
{
	return st->ops->name;
}

int store_default_path(char *out, size_t outsz)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	int n;
	if (xdg && xdg[0] == '/') {
		n = snprintf(out, outsz, "%s/smbwatch/smbwatch.db", xdg);
	} else {
		const char *home = getenv("HOME");
		if (!home || home[0] != '/')
			return -1;
		n = snprintf(out, outsz, "%s/.local/share/smbwatch/smbwatch.db", home);
	}
	return n > 0 && (size_t)n < outsz ? 0 : -1;
}

void store_scope_of(const char *targets, const char *ports, char *out, size_t outsz)
{
	/* FNV-1a 64 over "targets\nports": a short, stable key to find the
	 * runs that scanned the same thing. */
	uint64_t h = 14695981039346656037ull;
	const char *parts[2] = {targets, ports};
	for (int p = 0; p < 2; p++) {
		for (const unsigned char *s = (const unsigned char *)parts[p]; *s; s++)
			h = (h ^ *s) * 1099511628211ull;
		h = (h ^ '\n') * 1099511628211ull;
	}
	snprintf(out, outsz, "%016" PRIx64, h);
}

int store_run_begin(struct store *st, struct store_run *run)
{
	return st->ops->run_begin(st, run);
}

static void search_add(char *out, size_t outsz, size_t *n, const char *s)
{
	for (; s && *s && *n + 2 < outsz; s++)
		out[(*n)++] = (char)((*s >= 'A' && *s <= 'Z') ? *s - 'A' + 'a' : *s);
	if (*n + 1 < outsz && *n && out[*n - 1] != ' ')
		out[(*n)++] = ' ';
	out[*n] = '\0';
}

void store_search_text(json_t *rec, char *out, size_t outsz)
{
	static const char *const fields[][2] = {
		{"ntlm", "netbios_computer"}, {"ntlm", "netbios_domain"}, {"ntlm", "dns_computer"},
		{"ntlm", "dns_domain"},       {"ntlm", "dns_tree"},       {"ntlm", "os_version"},
		{"smb1", "server_name"},      {"smb1", "domain"},         {"smb1", "native_os"},
		{"smb1", "native_lanman"},    {"samba", "version"},
	};
	size_t n = 0;
	out[0] = '\0';
	search_add(out, outsz, &n, json_string_value(json_object_get(rec, "ip")));
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		search_add(out, outsz, &n,
			   json_string_value(json_object_get(json_object_get(rec, fields[i][0]),
							     fields[i][1])));
	size_t k;
	json_t *sh;
	json_array_foreach(json_object_get(rec, "shares"), k, sh) {
		search_add(out, outsz, &n, json_string_value(json_object_get(sh, "name")));
		search_add(out, outsz, &n, json_string_value(json_object_get(sh, "comment")));
	}
}

int64_t store_open_findings(const struct store_finding *f, size_t nf)
{
	int64_t n = 0;
	for (size_t i = 0; i < nf; i++)
		if (strcmp(f[i].severity, "info") != 0) /* OPEN_FINDING_COND */
			n++;
	return n;
}

int store_service_put(struct store *st, const struct store_service *svc)
{
	json_error_t jerr;
	json_t *rec = json_loads(svc->record, 0, &jerr);
	if (!rec)
		return store_fail(st, "service %s: record is not JSON: %s", svc->ip, jerr.text);
	struct store_finding f[REC_MAX_FINDINGS];
	size_t nf = 0;
	json_t *fa = json_object_get(rec, "findings");
	size_t i;
	json_t *fo;
	json_array_foreach(fa, i, fo) {
		if (nf == REC_MAX_FINDINGS)
			break;
		const char *id = json_string_value(json_object_get(fo, "id"));
		if (!id)
			continue;
		f[nf].id = id;
		f[nf].severity = json_string_value(json_object_get(fo, "severity"));
		f[nf].title = json_string_value(json_object_get(fo, "title"));
		if (!f[nf].severity)
			f[nf].severity = "info";
		if (!f[nf].title)
			f[nf].title = "";
		nf++;
	}
	char search[STORE_SEARCH_MAX];
	store_search_text(rec, search, sizeof search);
	struct store_latest latest = {.search = search,
				      .open_findings = store_open_findings(f, nf)};
	int rc = st->ops->service_put(st, svc, f, nf, &latest);
	json_decref(rec);
	return rc;
}

int store_run_end(struct store *st, const struct store_run *run)
{
	return st->ops->run_end(st, run);
}

int store_run_get(struct store *st, int64_t id, struct store_run *out)
{
	return st->ops->run_get(st, id, out);
}

int store_runs_list(struct store *st, const char *scope, const char *view, bool complete_only,
		    int64_t after_id, int64_t before_id, unsigned limit, store_run_cb cb, void *ud)
{
	return st->ops->runs_list(st, scope, view, complete_only, after_id, before_id, limit, cb,
				  ud);
}

int store_services_of_run(struct store *st, int64_t run_id, store_service_cb cb, void *ud)
{
	return st->ops->services_of_run(st, run_id, cb, ud);
}

int store_service_history(struct store *st, const char *ip, int port, store_service_cb cb,
			  void *ud)
{
	return st->ops->service_history(st, ip, port, cb, ud);
}

int store_events_put(struct store *st, int64_t run_id, const struct store_event *ev, size_t n)
{
	return st->ops->events_put(st, run_id, ev, n);
}

int store_sensor_put(struct store *st, const struct store_sensor_batch *b)
{
	if (b->n_alerts == 0 && b->n_seen == 0)
		return 0;
	return st->ops->sensor_put(st, b);
}

int store_delivered_has(struct store *st, const char *key, const char *sink, bool *has)
{
	return st->ops->delivered_has(st, key, sink, has);
}

int store_delivered_put(struct store *st, const char *key, const char *sink, int64_t at)
{
	return st->ops->delivered_put(st, key, sink, at);
}

int store_query(struct store *st, const char *sql, const struct store_param *params, size_t n,
		store_row_cb cb, void *ud)
{
	if (n > 9)
		return store_fail(st, "a query takes at most 9 parameters");
	return st->ops->query(st, sql, params, n, cb, ud);
}

int store_set_readonly(struct store *st)
{
	return st->ops->set_readonly(st);
}

void store_svc_key(const char *ip, unsigned port, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s %u", ip, port);
}

void store_svc_display(const char *ip, unsigned port, char *out, size_t outsz)
{
	if (strchr(ip, ':'))
		snprintf(out, outsz, "[%s]:%u", ip, port);
	else
		snprintf(out, outsz, "%s:%u", ip, port);
}

static int collect_service(const struct store_service *svc, void *ud)
{
	json_t *all = ud;
	json_t *rec = json_loads(svc->record, 0, NULL);
	if (!rec)
		return 0; /* an unreadable row is skipped, not fatal */
	char key[96];
	store_svc_key(svc->ip, svc->port, key, sizeof key);
	json_object_set_new(all, key, rec);
	return 0;
}

json_t *store_run_services(struct store *st, int64_t run_id)
{
	json_t *all = json_object();
	if (store_services_of_run(st, run_id, collect_service, all) != 0) {
		json_decref(all);
		return NULL;
	}
	return all;
}

struct sighting {
	struct store *st;
	const char *scope, *view;
	int64_t before, best;
	char *record;
};

static int keep_last(const struct store_service *svc, void *ud)
{
	struct sighting *l = ud;
	if ((l->before > 0 && svc->run_id >= l->before) || svc->run_id <= l->best)
		return 0;
	struct store_run r;
	if (store_run_get(l->st, svc->run_id, &r) != 0 || !r.complete ||
	    strcmp(r.scope, l->scope) != 0 || strcmp(r.view, l->view) != 0)
		return 0;
	free(l->record);
	l->record = strdup(svc->record);
	if (!l->record)
		abort();
	l->best = svc->run_id;
	return 0;
}

int store_last_sighting(struct store *st, const char *ip, unsigned port, const char *scope,
			const char *view, int64_t before_id, json_t **rec, int64_t *run_id)
{
	*rec = NULL;
	*run_id = 0;
	struct sighting l = {.st = st, .scope = scope, .view = view, .before = before_id};
	if (store_service_history(st, ip, (int)port, keep_last, &l) != 0) {
		free(l.record);
		return -1;
	}
	if (!l.record)
		return 1;
	*rec = json_loads(l.record, 0, NULL);
	free(l.record);
	if (!*rec)
		return store_fail(st, "service %s:%u: stored record is not JSON", ip, port);
	*run_id = l.best;
	return 0;
}
