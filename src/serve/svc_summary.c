/* svc_summary.c - see svc_summary.h. */
#include "serve/svc_summary.h"

#include <stdlib.h>
#include <string.h>

#include "record/json.h"
#include "serve/api.h"

static const char *str_at(json_t *rec, const char *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(rec, obj), key));
}

/* A name for people: NetBIOS, else DNS, else the SMB1 server name. */
static const char *name_of(json_t *rec)
{
	const char *n = str_at(rec, "ntlm", "netbios_computer");
	if (!n || !*n)
		n = str_at(rec, "ntlm", "dns_computer");
	if (!n || !*n)
		n = str_at(rec, "smb1", "server_name");
	return n ? n : "";
}

static const char *os_of(json_t *rec)
{
	const char *o = str_at(rec, "smb1", "native_os");
	if (!o || !*o)
		o = str_at(rec, "ntlm", "os_version");
	return o ? o : "";
}

/* Signing as a relay sees it: the weaker of SMB2 and (if enabled) SMB1. */
static json_t *signing_of(json_t *rec)
{
	static const char *const order[] = {"disabled", "enabled", "required"};
	int worst = 3;
	const char *sg[] = {str_at(rec, "smb2", "signing"),
			    json_is_true(json_object_get(json_object_get(rec, "smb1"), "enabled"))
				    ? str_at(rec, "smb1", "signing")
				    : NULL};
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 3; k++)
			if (sg[i] && strcmp(sg[i], order[k]) == 0 && k < worst)
				worst = k;
	return worst < 3 ? json_string(order[worst]) : json_null();
}

static json_t *dialects_of(json_t *rec)
{
	json_t *d = json_array();
	const char *d1 = str_at(rec, "smb1", "dialect");
	if (json_is_true(json_object_get(json_object_get(rec, "smb1"), "enabled")) && d1)
		json_array_append_new(d, json_string(d1));
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(json_object_get(rec, "smb2"), "dialects"), i, v)
		if (json_is_string(v))
			json_array_append(d, v);
	return d;
}

json_t *svc_summary_of_row(json_t *row)
{
	const char *text = json_string_value(json_object_get(row, "record"));
	json_t *rec = text ? json_loads(text, 0, NULL) : NULL;
	json_t *o = json_object();
	json_object_set(o, "ip", json_object_get(row, "ip"));
	json_object_set(o, "port", json_object_get(row, "port"));
	if (json_object_get(row, "scanned_at"))
		json_object_set(o, "scanned_at", json_object_get(row, "scanned_at"));
	json_object_set_new(o, "name", json_string(name_of(rec)));
	json_object_set_new(o, "os", json_string(os_of(rec)));
	json_object_set_new(o, "dialects", dialects_of(rec));
	json_object_set_new(o, "smb1", json_boolean(json_is_true(
						json_object_get(json_object_get(rec, "smb1"), "enabled"))));
	json_object_set_new(o, "signing", signing_of(rec));
	json_t *fs = json_array();
	int worst = -1;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(rec, "findings"), i, f) {
		const char *sev = json_string_value(json_object_get(f, "severity"));
		json_array_append_new(fs, json_pack("{s:O?, s:O?, s:O?}", "id",
						    json_object_get(f, "id"), "severity",
						    json_object_get(f, "severity"), "title",
						    json_object_get(f, "title")));
		int rank = api_severity_rank(sev);
		if (rank > worst && rank > 0)
			worst = rank;
	}
	json_object_set_new(o, "findings", fs);
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};
	json_object_set_new(o, "worst", json_string(worst > 0 ? names[worst] : ""));
	json_decref(rec);
	return o;
}

int svc_summary_worst_rank(json_t *sum)
{
	int r = api_severity_rank(json_string_value(json_object_get(sum, "worst")));
	return r > 0 ? r : -1;
}

static int worst_first(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int d = svc_summary_worst_rank(y) - svc_summary_worst_rank(x);
	if (d)
		return d;
	int c = strcmp(json_string_value(json_object_get(x, "ip")),
		       json_string_value(json_object_get(y, "ip")));
	if (c)
		return c;
	return (int)(json_integer_value(json_object_get(x, "port")) -
		     json_integer_value(json_object_get(y, "port")));
}

void svc_summary_sort_worst_first(json_t *arr)
{
	record_json_sort(arr, worst_first);
}
