/* ecs_fields.h - the one mapping of smbwatch's facts onto Elastic Common
 * Schema 8.11 fields, shared by the scan's --format ecs (report/ecs.c), the
 * monitor's ecs+ sinks (monitor/events_ecs.c) and the sensor's ECS alerts
 * (sensor/alert_ecs.c). Every field set here is listed with its ECS type in
 * tests/data/ecs-fields-8.11.txt; anything else an event carries goes
 * under smbwatch.*. */
#ifndef SMBW_REPORT_ECS_FIELDS_H
#define SMBW_REPORT_ECS_FIELDS_H

#include <jansson.h>

#define ECS_VERSION "8.11.0"

/* A new event: @timestamp (RFC 3339 text), ecs.version, event.kind,
 * event.category [category], event.type [type], event.dataset,
 * event.module "smbwatch". */
json_t *ecs_event_new(const char *timestamp, const char *kind, const char *category,
		      const char *type, const char *dataset);
/* {"name": {}} under obj, created if absent. */
json_t *ecs_sub(json_t *obj, const char *name);
/* destination.ip/address/port (source.* alike); port 0 = not set. */
void ecs_set_destination(json_t *e, const char *ip, unsigned port);
void ecs_set_source(json_t *e, const char *ip, unsigned port);
/* network.transport (tcp, udp) and network.protocol (smb, netbios-ssn, ...). */
void ecs_set_network(json_t *e, const char *transport, const char *protocol);
/* observer.name/product/vendor "smbwatch", observer.type (scanner, ids),
 * observer.version. */
void ecs_set_observer(json_t *e, const char *type);
/* rule.name, rule.description (NULL = not set). */
void ecs_set_rule(json_t *e, const char *name, const char *description);
/* vulnerability.* of a finding: id (its CVE when it has one, else the
 * finding id), enumeration, reference, severity (capitalised from
 * "critical".."info"), description, category, scanner.vendor. */
void ecs_set_vulnerability(json_t *e, const char *finding_id, const char *severity,
			   const char *description);
/* "Critical" .. "Info" from smbwatch's "critical" .. "info". */
const char *ecs_severity_word(const char *severity);

#endif
