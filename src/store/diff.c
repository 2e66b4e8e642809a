/* diff.c - field-level comparison of service records; see diff.h. */
#include "store/diff.h"

#include "check/check.h"
#include "policy/policy.h"

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
	/* what the scan cost the server (retries come and go with load) */
	"cost",
};

/* Which record fields and findings each check produces: its row in
 * check/checks.c (fields as "parent.key" or "key"). */

const char *diff_check_id(size_t i)
{
	return i < RCHK_N ? all_checks[i]->id : NULL;
}

const char *diff_check_of_finding(const char *finding_id)
{
	const struct check *c = check_of_finding(finding_id);
	return c ? c->id : NULL;
}

/* "auth.guest" -> the object holding it in rec ("auth"; rec itself for a
 * top-level key), its key in key[]; NULL when that object is absent and
 * create is false. */
static json_t *field_parent(json_t *rec, const char *path, char *key, size_t keysz, bool create)
{
	const char *dot = strchr(path, '.');
	snprintf(key, keysz, "%s", dot ? dot + 1 : path);
	if (!dot)
		return rec;
	char parent[32];
	snprintf(parent, sizeof parent, "%.*s", (int)(dot - path), path);
	json_t *p = json_object_get(rec, parent);
	if (!json_is_object(p) && create) {
		p = json_object();
		json_object_set_new(rec, parent, p);
	}
	return json_is_object(p) ? p : NULL;
}

/* An object emptied here was not emptied by the server: drop the parents
 * of check fields that are left empty. */
static void drop_empty_parents(json_t *rec)
{
	for (unsigned i = 0; i < RCHK_N; i++) {
		for (const char *const *f = all_checks[i]->fields; *f; f++) {
			const char *dot = strchr(*f, '.');
			if (!dot)
				continue;
			char parent[32];
			snprintf(parent, sizeof parent, "%.*s", (int)(dot - *f), *f);
			json_t *p = json_object_get(rec, parent);
			if (json_is_object(p) && json_object_size(p) == 0)
				json_object_del(rec, parent);
		}
	}
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

/* A POLICY_VIOLATION whose rule reads a field of this check (null_session:
 * auth, ...): it is carried and skipped with the check's own findings. */
static bool policy_rests_on(json_t *finding, const char *check_id)
{
	const char *check = policy_rule_check(json_string_value(json_object_get(finding, "rule")));
	return check && strcmp(check, check_id) == 0;
}

/* Remove from a normalized record what check produced. */
static void drop_check_fields(json_t *n, const char *check_id)
{
	const struct check *c = check_find(check_id);
	json_t *findings = json_object_get(n, "findings");
	char key[64];
	for (const char *const *f = c->fields; *f; f++) {
		json_t *parent = field_parent(n, *f, key, sizeof key, false);
		if (parent)
			json_object_del(parent, key);
	}
	CHECK_FOR_EACH_FINDING(c, fi)
		if (json_is_object(findings))
			json_object_del(findings, finding_info(*fi)->id);
	const char *k;
	json_t *f;
	void *tmp;
	if (json_is_object(findings))
		json_object_foreach_safe(findings, tmp, k, f) {
			if (policy_rests_on(f, check_id))
				json_object_del(findings, k);
		}
	drop_empty_parents(n);
}

/* Copy what check produced from one raw record into another, replacing. */
static void copy_check_fields(json_t *dst, json_t *src, const char *check_id)
{
	const struct check *c = check_find(check_id);
	char key[64];
	for (const char *const *f = c->fields; *f; f++) {
		json_t *sp = field_parent(src, *f, key, sizeof key, false);
		json_t *v = sp ? json_object_get(sp, key) : NULL;
		json_t *dp = field_parent(dst, *f, key, sizeof key, v != NULL);
		if (v)
			json_object_set_new(dp, key, json_deep_copy(v));
		else if (dp)
			json_object_del(dp, key);
	}
	CHECK_FOR_EACH_FINDING(c, fi) {
		const char *fid = finding_info(*fi)->id;
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
	/* the policy rules resting on the check, the same way */
	json_t *df = json_object_get(dst, "findings");
	for (size_t j = json_array_size(df); j-- > 0;)
		if (policy_rests_on(json_array_get(df, j), check_id))
			json_array_remove(df, j);
	size_t j;
	json_t *f;
	json_array_foreach(json_object_get(src, "findings"), j, f) {
		if (!policy_rests_on(f, check_id))
			continue;
		if (!json_is_array(df)) {
			df = json_array();
			json_object_set_new(dst, "findings", df);
		}
		json_array_append_new(df, json_deep_copy(f));
	}
	drop_empty_parents(dst);
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

/* A finding's key: its id, or "POLICY_VIOLATION/<rule>" for one carrying
 * a policy rule (one record may break several rules; policy/policy.h). */
static bool finding_key(json_t *f, char *out, size_t outsz)
{
	const char *id = json_string_value(json_object_get(f, "id"));
	const char *rule = json_string_value(json_object_get(f, "rule"));
	if (!id)
		return false;
	if (rule && rule[0])
		snprintf(out, outsz, "%s/%s", id, rule);
	else
		snprintf(out, outsz, "%s", id);
	return true;
}

json_t *diff_findings(json_t *rec)
{
	json_t *o = json_object();
	size_t i;
	json_t *el;
	json_array_foreach(json_object_get(rec, "findings"), i, el) {
		char k[160];
		if (finding_key(el, k, sizeof k))
			json_object_set(o, k, el);
	}
	return o;
}

/* findings[] -> { key: finding without id, evidence, policy } (finding_key). */
static json_t *keyed_findings(json_t *arr)
{
	json_t *o = json_object();
	size_t i;
	json_t *el;
	json_array_foreach(arr, i, el) {
		char k[160];
		if (!finding_key(el, k, sizeof k))
			continue;
		json_t *c = json_deep_copy(el);
		json_object_del(c, "id");
		json_object_del(c, "evidence");
		json_object_del(c, "policy"); /* where the rule is written, not the service */
		json_object_set_new(o, k, c);
	}
	return o;
}

json_t *diff_normalize(json_t *rec)
{
	if (!json_is_object(rec))
		return json_object();
	json_t *n = json_deep_copy(rec);
	/* the volatile fields are no change: "key" or "parent.key" */
	for (size_t i = 0; i < sizeof volatile_fields / sizeof volatile_fields[0]; i++) {
		const char *f = volatile_fields[i], *dot = strchr(f, '.');
		if (!dot) {
			json_object_del(n, f);
			continue;
		}
		char parent[32];
		snprintf(parent, sizeof parent, "%.*s", (int)(dot - f), f);
		json_t *p = json_object_get(n, parent);
		if (json_is_object(p))
			json_object_del(p, dot + 1);
	}
	json_t *sh = json_object_get(n, "shares");
	if (json_is_array(sh))
		json_object_set_new(n, "shares", keyed(sh, "name", NULL));
	json_t *fi = json_object_get(n, "findings");
	if (json_is_array(fi))
		json_object_set_new(n, "findings", keyed_findings(fi));
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
	for (unsigned i = 0; i < RCHK_N; i++) {
		for (const char *const *f = all_checks[i]->fields; *f; f++) {
			size_t n = strlen(*f);
			if (strncmp(field, *f, n) == 0 && (field[n] == '\0' || field[n] == '.'))
				return all_checks[i]->id;
		}
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
