/* diff.c - field-level comparison of service records; see diff.h. */
#include "store/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Why these: they change between two scans of an unchanged server (clock,
 * uptime, transient timeouts), so counting them would alert every cycle. */
static const char *const volatile_fields[] = {
	"scanned_at", "smb2.system_time", "smb2.boot_time", "errors",
	/* whether a check answered is not a change of the server: check_failing
	 * and check_recovered report it (monitor/events.c) */
	"checks",
};

/* Which record fields (and findings) each check produces: one row per
 * field. parent NULL = a top-level key. */
static const struct {
	const char *check, *parent, *key, *finding;
} check_fields[] = {
	{"auth", "auth", "anonymous_logon", NULL},
	{"auth", "auth", "null_session", "NULL_SESSION"},
	{"guest", "auth", "guest", "GUEST_ACCESS"},
	{"shares", NULL, "shares", "ANON_SHARE_READABLE"},
	{"ms17_010", "vulns", "ms17_010", "MS17_010"},
	{"doublepulsar", "vulns", "doublepulsar", "DOUBLEPULSAR"},
	{"cve_2020_0796", "vulns", "cve_2020_0796", "CVE_2020_0796"},
};
#define N_CHECK_FIELDS (sizeof check_fields / sizeof check_fields[0])

static const char *const check_ids[] = {
	"auth", "guest", "shares", "ms17_010", "doublepulsar", "cve_2020_0796",
};

const char *diff_check_id(size_t i)
{
	return i < sizeof check_ids / sizeof check_ids[0] ? check_ids[i] : NULL;
}

const char *diff_check_of_finding(const char *finding_id)
{
	for (size_t i = 0; i < N_CHECK_FIELDS; i++)
		if (check_fields[i].finding && strcmp(check_fields[i].finding, finding_id) == 0)
			return check_fields[i].check;
	return NULL;
}

const char *diff_check_status(json_t *rec, const char *check)
{
	json_t *checks = json_object_get(rec, "checks");
	if (!json_is_object(checks))
		return "ok"; /* stored before checks had a status: taken as answered */
	const char *st = json_string_value(json_object_get(json_object_get(checks, check), "status"));
	return st ? st : "not_run";
}

bool diff_check_known(json_t *rec, const char *check)
{
	const char *st = diff_check_status(rec, check);
	if (strcmp(st, "ok") == 0)
		return true;
	json_t *c = json_object_get(json_object_get(rec, "checks"), check);
	return strcmp(st, "failed") == 0 && json_integer_value(json_object_get(c, "stale_from_run")) > 0;
}

bool diff_check_comparable(json_t *old_rec, json_t *new_rec, const char *check)
{
	return strcmp(diff_check_status(new_rec, check), "ok") == 0 &&
	       diff_check_known(old_rec, check);
}

/* Remove from a normalized record what check produced. */
static void drop_check_fields(json_t *n, const char *check)
{
	json_t *findings = json_object_get(n, "findings");
	for (size_t i = 0; i < N_CHECK_FIELDS; i++) {
		if (strcmp(check_fields[i].check, check) != 0)
			continue;
		json_t *parent = check_fields[i].parent ? json_object_get(n, check_fields[i].parent) : n;
		if (json_is_object(parent))
			json_object_del(parent, check_fields[i].key);
		if (check_fields[i].finding && json_is_object(findings))
			json_object_del(findings, check_fields[i].finding);
	}
	/* an object emptied here was not emptied by the server */
	static const char *const parents[] = {"auth", "vulns"};
	for (size_t i = 0; i < 2; i++) {
		json_t *p = json_object_get(n, parents[i]);
		if (json_is_object(p) && json_object_size(p) == 0)
			json_object_del(n, parents[i]);
	}
}

/* Copy what check produced from one raw record into another, replacing. */
static void copy_check_fields(json_t *dst, json_t *src, const char *check)
{
	for (size_t i = 0; i < N_CHECK_FIELDS; i++) {
		if (strcmp(check_fields[i].check, check) != 0)
			continue;
		const char *pk = check_fields[i].parent;
		json_t *sp = pk ? json_object_get(src, pk) : src;
		json_t *dp = pk ? json_object_get(dst, pk) : dst;
		if (pk && !json_is_object(dp)) {
			dp = json_object();
			json_object_set_new(dst, pk, dp);
		}
		json_t *v = json_is_object(sp) ? json_object_get(sp, check_fields[i].key) : NULL;
		if (v)
			json_object_set_new(dp, check_fields[i].key, json_deep_copy(v));
		else
			json_object_del(dp, check_fields[i].key);
		const char *fid = check_fields[i].finding;
		if (!fid)
			continue;
		json_t *df = json_object_get(dst, "findings");
		if (!json_is_array(df)) {
			df = json_array();
			json_object_set_new(dst, "findings", df);
		}
		for (size_t j = json_array_size(df); j-- > 0;) {
			const char *id = json_string_value(json_object_get(json_array_get(df, j), "id"));
			if (id && strcmp(id, fid) == 0)
				json_array_remove(df, j);
		}
		size_t j;
		json_t *f;
		json_array_foreach(json_object_get(src, "findings"), j, f) {
			const char *id = json_string_value(json_object_get(f, "id"));
			if (id && strcmp(id, fid) == 0)
				json_array_append_new(df, json_deep_copy(f));
		}
	}
	static const char *const parents[] = {"auth", "vulns"};
	for (size_t i = 0; i < 2; i++) {
		json_t *p = json_object_get(dst, parents[i]);
		if (json_is_object(p) && json_object_size(p) == 0)
			json_object_del(dst, parents[i]);
	}
}

int diff_carry_stale(json_t *new_rec, json_t *prev_rec, int64_t prev_run)
{
	json_t *checks = json_object_get(new_rec, "checks");
	if (!json_is_object(checks) || !json_is_object(prev_rec))
		return 0;
	int carried = 0;
	for (size_t i = 0; diff_check_id(i); i++) {
		const char *id = diff_check_id(i);
		json_t *c = json_object_get(checks, id);
		if (strcmp(diff_check_status(new_rec, id), "failed") != 0 ||
		    !diff_check_known(prev_rec, id))
			continue;
		/* the value the previous run knew, and the run it was learned in */
		json_int_t from = json_integer_value(
			json_object_get(json_object_get(json_object_get(prev_rec, "checks"), id),
					"stale_from_run"));
		copy_check_fields(new_rec, prev_rec, id);
		json_object_set_new(c, "stale_from_run", json_integer(from > 0 ? from : prev_run));
		carried++;
	}
	return carried;
}

bool diff_is_volatile(const char *field)
{
	for (size_t i = 0; i < sizeof volatile_fields / sizeof volatile_fields[0]; i++) {
		size_t n = strlen(volatile_fields[i]);
		if (strncmp(field, volatile_fields[i], n) == 0 &&
		    (field[n] == '\0' || field[n] == '.'))
			return true;
	}
	return false;
}

/* [ {key: K, ...}, ... ] -> { K: {...} }; drop names a key of each element. */
static json_t *keyed(json_t *arr, const char *key, const char *drop)
{
	json_t *o = json_object();
	size_t i;
	json_t *el;
	json_array_foreach(arr, i, el) {
		const char *k = json_string_value(json_object_get(el, key));
		if (!k)
			continue;
		json_t *c = json_deep_copy(el);
		json_object_del(c, key);
		if (drop)
			json_object_del(c, drop);
		json_object_set_new(o, k, c);
	}
	return o;
}

json_t *diff_findings(json_t *rec)
{
	json_t *o = json_object();
	size_t i;
	json_t *el;
	json_array_foreach(json_object_get(rec, "findings"), i, el) {
		const char *k = json_string_value(json_object_get(el, "id"));
		if (k)
			json_object_set(o, k, el);
	}
	return o;
}

json_t *diff_normalize(json_t *rec)
{
	if (!json_is_object(rec))
		return json_object();
	json_t *n = json_deep_copy(rec);
	json_object_del(n, "scanned_at");
	json_object_del(n, "errors");
	json_object_del(n, "checks");
	json_t *smb2 = json_object_get(n, "smb2");
	if (json_is_object(smb2)) {
		json_object_del(smb2, "system_time");
		json_object_del(smb2, "boot_time");
	}
	json_t *sh = json_object_get(n, "shares");
	if (json_is_array(sh))
		json_object_set_new(n, "shares", keyed(sh, "name", NULL));
	json_t *fi = json_object_get(n, "findings");
	if (json_is_array(fi))
		json_object_set_new(n, "findings", keyed(fi, "id", "evidence"));
	return n;
}

static void add_change(json_t *out, const char *field, json_t *a, json_t *b)
{
	json_array_append_new(out, json_pack("{s:s, s:O, s:O}", "field", field, "old",
					     a ? a : json_null(), "new", b ? b : json_null()));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void walk(json_t *out, const char *path, json_t *a, json_t *b)
{
	if (json_is_object(a) && json_is_object(b)) {
		/* union of keys, sorted, so the output order is stable */
		size_t na = json_object_size(a), nb = json_object_size(b), n = 0;
		const char **keys = malloc((na + nb + 1) * sizeof *keys);
		if (!keys)
			abort();
		const char *k;
		json_t *v;
		json_object_foreach(a, k, v) keys[n++] = k;
		json_object_foreach(b, k, v) {
			if (!json_object_get(a, k))
				keys[n++] = k;
		}
		qsort(keys, n, sizeof *keys, cmp_str);
		for (size_t i = 0; i < n; i++) {
			char sub[512];
			snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", keys[i]);
			walk(out, sub, json_object_get(a, keys[i]), json_object_get(b, keys[i]));
		}
		free(keys);
		return;
	}
	if (a && b && json_equal(a, b))
		return;
	if (!a && !b)
		return;
	add_change(out, path, a, b);
}

const char *diff_check_of_field(const char *field)
{
	for (size_t i = 0; i < N_CHECK_FIELDS; i++) {
		char path[64];
		snprintf(path, sizeof path, "%s%s%s",
			 check_fields[i].parent ? check_fields[i].parent : "",
			 check_fields[i].parent ? "." : "", check_fields[i].key);
		size_t n = strlen(path);
		if (strncmp(field, path, n) == 0 && (field[n] == '\0' || field[n] == '.'))
			return check_fields[i].check;
	}
	return NULL;
}

static json_t *diff_mode(json_t *old_rec, json_t *new_rec, bool known_only)
{
	json_t *a = diff_normalize(old_rec);
	json_t *b = diff_normalize(new_rec);
	json_t *out = json_array();
	/* a check's fields count only when it answered in the new run and its
	 * value was known before: "did not answer" is not "changed" */
	for (size_t i = 0; old_rec && new_rec && diff_check_id(i); i++) {
		const char *id = diff_check_id(i);
		if (known_only ? diff_check_known(old_rec, id) && diff_check_known(new_rec, id)
			       : diff_check_comparable(old_rec, new_rec, id))
			continue;
		drop_check_fields(a, diff_check_id(i));
		drop_check_fields(b, diff_check_id(i));
	}
	/* the service's identity is not a change */
	json_object_del(a, "type");
	json_object_del(b, "type");
	if (old_rec && new_rec)
		walk(out, "", a, b);
	json_decref(a);
	json_decref(b);
	return out;
}

json_t *diff_records(json_t *old_rec, json_t *new_rec)
{
	return diff_mode(old_rec, new_rec, false);
}

json_t *diff_records_known(json_t *old_rec, json_t *new_rec)
{
	return diff_mode(old_rec, new_rec, true);
}

void diff_value_text(json_t *v, char *out, size_t outsz)
{
	if (!v || json_is_null(v)) {
		snprintf(out, outsz, "(none)");
		return;
	}
	if (json_is_string(v)) {
		snprintf(out, outsz, "%s", json_string_value(v));
		return;
	}
	char *t = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	snprintf(out, outsz, "%s", t ? t : "?");
	free(t);
}
