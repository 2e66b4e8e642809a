/* ecs_fields.c - smbwatch facts as ECS 8.11 fields; see ecs_fields.h. */
#include "report/ecs_fields.h"

#include <string.h>

#include "report/escape.h"
#include "report/report_int.h"

json_t *ecs_sub(json_t *obj, const char *name)
{
	json_t *o = json_object_get(obj, name);
	if (!o) {
		o = json_object();
		json_object_set_new(obj, name, o);
	}
	return o;
}

json_t *ecs_event_new(const char *timestamp, const char *kind, const char *category,
		      const char *type, const char *dataset)
{
	json_t *e = json_object();
	json_object_set_new(e, "@timestamp", json_string_lossy(timestamp));
	json_object_set_new(ecs_sub(e, "ecs"), "version", json_string(ECS_VERSION));
	json_t *ev = ecs_sub(e, "event");
	json_object_set_new(ev, "kind", json_string(kind));
	json_object_set_new(ev, "category", json_pack("[s]", category));
	json_object_set_new(ev, "type", json_pack("[s]", type));
	json_object_set_new(ev, "dataset", json_string(dataset));
	json_object_set_new(ev, "module", json_string("smbwatch"));
	return e;
}

static void set_endpoint(json_t *e, const char *which, const char *ip, unsigned port)
{
	json_t *d = ecs_sub(e, which);
	json_object_set_new(d, "ip", json_string_lossy(ip));
	json_object_set_new(d, "address", json_string_lossy(ip));
	if (port)
		json_object_set_new(d, "port", json_integer(port));
}

void ecs_set_destination(json_t *e, const char *ip, unsigned port)
{
	set_endpoint(e, "destination", ip, port);
}

void ecs_set_source(json_t *e, const char *ip, unsigned port)
{
	set_endpoint(e, "source", ip, port);
}

void ecs_set_network(json_t *e, const char *transport, const char *protocol)
{
	json_t *n = ecs_sub(e, "network");
	json_object_set_new(n, "transport", json_string(transport));
	json_object_set_new(n, "protocol", json_string(protocol));
}

void ecs_set_observer(json_t *e, const char *type)
{
	json_t *o = ecs_sub(e, "observer");
	json_object_set_new(o, "name", json_string("smbwatch"));
	json_object_set_new(o, "product", json_string("smbwatch"));
	json_object_set_new(o, "vendor", json_string("smbwatch"));
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "version", json_string(SMBW_VERSION));
}

void ecs_set_rule(json_t *e, const char *name, const char *description)
{
	json_t *rule = ecs_sub(e, "rule");
	json_object_set_new(rule, "name", json_string_lossy(name));
	if (description)
		json_object_set_new(rule, "description", json_string_lossy(description));
}

const char *ecs_severity_word(const char *severity)
{
	static const char *const words[][2] = {
		{"critical", "Critical"}, {"high", "High"}, {"medium", "Medium"}, {"low", "Low"}};
	for (size_t i = 0; severity && i < sizeof words / sizeof words[0]; i++)
		if (strcmp(severity, words[i][0]) == 0)
			return words[i][1];
	return "Info";
}

void ecs_set_vulnerability(json_t *e, const char *finding_id, const char *severity,
			   const char *description)
{
	json_t *v = ecs_sub(e, "vulnerability");
	const char *cve = report_finding_cve(finding_id);
	const char *ref = report_finding_reference(finding_id);
	json_object_set_new(v, "id", json_string_lossy(cve ? cve : finding_id));
	if (cve)
		json_object_set_new(v, "enumeration", json_string("CVE"));
	if (ref)
		json_object_set_new(v, "reference", json_string(ref));
	json_object_set_new(v, "severity", json_string(ecs_severity_word(severity)));
	if (description)
		json_object_set_new(v, "description", json_string_lossy(description));
	json_object_set_new(v, "category", json_pack("[s]", "network"));
	json_object_set_new(ecs_sub(v, "scanner"), "vendor", json_string("smbwatch"));
}
