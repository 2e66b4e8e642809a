/* alert_ecs.c - sensor alerts as ECS documents; see alert_ecs.h. */
#include "sensor/alert_ecs.h"

#include <stdlib.h>
#include <string.h>

#include "report/ecs_fields.h"
#include "report/escape.h"

/* The alerts about a published vulnerability, by the scan's finding id
 * for it (report/ecs_fields.h turns that into the CVE). */
static const struct {
	const char *alert, *finding;
} vulnerable[] = {
	{"MS17_010_CHECK", "MS17_010"},	    {"MS17_010_EXPLOIT", "MS17_010"},
	{"SMB1_TRANS_GROOMING", "MS17_010"}, {"DOUBLEPULSAR", "MS17_010"},
	{"SMBGHOST_CHECK", "CVE_2020_0796"}, {"SMBGHOST_EXPLOIT", "CVE_2020_0796"},
};

json_t *alert_to_ecs(const struct sensor_alert *a)
{
	/* alert_to_json's timestamp (microseconds) and fields, kept whole */
	json_t *native = alert_to_json(a);
	if (!native)
		return NULL;
	json_t *e = ecs_event_new(json_string_value(json_object_get(native, "ts")), "alert",
				  "intrusion_detection", "info", "smbwatch.sensor");
	json_t *event = ecs_sub(e, "event");
	json_object_set_new(event, "action", json_string(a->id));
	json_array_append_new(json_object_get(event, "category"), json_string("network"));
	ecs_set_source(e, a->src, a->src_port);
	if (a->dst[0])
		ecs_set_destination(e, a->dst, a->dst_port);
	ecs_set_network(e, "tcp", a->dst_port == 139 ? "netbios-ssn" : "smb");
	ecs_set_observer(e, "ids");
	ecs_set_rule(e, a->id, a->title);
	char desc[sizeof a->evidence + 160];
	snprintf(desc, sizeof desc, "%s%s%s", a->title, a->evidence[0] ? ": " : "", a->evidence);
	for (size_t i = 0; i < sizeof vulnerable / sizeof vulnerable[0]; i++)
		if (strcmp(a->id, vulnerable[i].alert) == 0)
			ecs_set_vulnerability(e, vulnerable[i].finding, a->severity, desc);
	json_object_set_new(e, "message", json_string_lossy(desc));
	/* what ECS has no field for: the alert as the sensor writes it */
	json_object_del(native, "type");
	json_object_set_new(ecs_sub(e, "smbwatch"), "alert", native);
	return e;
}

void alert_sink_ecs(void *ctx, const struct sensor_alert *a)
{
	FILE *f = ctx;
	json_t *o = alert_to_ecs(a);
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (line) {
		fputs(line, f);
		fputc('\n', f);
		fflush(f);
	}
	free(line);
	json_decref(o);
}
