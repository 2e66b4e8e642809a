/* diff.c - field-level comparison of service records; see diff.h. */
#include "store/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Why these: they change between two scans of an unchanged server (clock,
 * uptime, transient timeouts), so counting them would alert every cycle. */
static const char *const volatile_fields[] = {
	"scanned_at", "smb2.system_time", "smb2.boot_time", "errors",
};

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

json_t *diff_records(json_t *old_rec, json_t *new_rec)
{
	json_t *a = diff_normalize(old_rec);
	json_t *b = diff_normalize(new_rec);
	json_t *out = json_array();
	/* the service's identity is not a change */
	json_object_del(a, "type");
	json_object_del(b, "type");
	if (old_rec && new_rec)
		walk(out, "", a, b);
	json_decref(a);
	json_decref(b);
	return out;
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
