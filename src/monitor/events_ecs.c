/* events_ecs.c - monitor events as ECS documents; see events_ecs.h.
 *
 *   event            event.kind  event.category   event.type
 *   new, back        event       network          start
 *   gone             event       network          end
 *   changed, flapping event      configuration    change
 *   finding_opened   alert       vulnerability    info   + vulnerability.*, rule.*
 *   finding_resolved event       vulnerability    end    + vulnerability.*, rule.*
 *   policy_violation_opened   alert  configuration info  + rule.* (the policy rule)
 *   policy_violation_resolved event  configuration end   + rule.*
 *   check_failing    event       network          error
 *   check_recovered  event       network          info
 *   attack_rate_changed event    intrusion_detection info
 * event.action is the event's name, event.id its stable key (a re-sent
 * event is the same document), event.severity 0 (info) .. 4 (critical). */
#include "monitor/events_ecs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/events.h"
#include "report/ecs_fields.h"
#include "report/escape.h"

static const struct {
	const char *event, *kind, *category, *type;
} mapping[] = {
	{"new", "event", "network", "start"},
	{"back", "event", "network", "start"},
	{"gone", "event", "network", "end"},
	{"changed", "event", "configuration", "change"},
	{"flapping", "event", "configuration", "change"},
	{"finding_opened", "alert", "vulnerability", "info"},
	{"finding_resolved", "event", "vulnerability", "end"},
	{"policy_violation_opened", "alert", "configuration", "info"},
	{"policy_violation_resolved", "event", "configuration", "end"},
	{"check_failing", "event", "network", "error"},
	{"check_recovered", "event", "network", "info"},
	{"attack_rate_changed", "event", "intrusion_detection", "info"},
};

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* A field's old and new values hold any JSON type (false, "required", a
 * share object); Elasticsearch maps a field by the first type it sees and
 * rejects the next document with another. So they travel as their JSON
 * text: smbwatch.monitor.changes[].old is always a string. */
static json_t *as_text(json_t *v)
{
	if (!v || json_is_null(v))
		return json_null();
	if (json_is_string(v))
		return json_incref(v);
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	json_t *s = json_string(t ? t : "");
	free(t);
	return s;
}

static json_t *stringify_values(json_t *ev)
{
	json_t *copy = json_deep_copy(ev);
	size_t i;
	json_t *ch;
	json_array_foreach(json_object_get(copy, "changes"), i, ch) {
		static const char *const keys[] = {"old", "new"};
		for (size_t k = 0; k < 2; k++)
			if (json_object_get(ch, keys[k]))
				json_object_set_new(ch, keys[k], as_text(json_object_get(ch, keys[k])));
	}
	json_t *values = json_object_get(copy, "values");
	json_t *v;
	json_array_foreach(values, i, v) {
		json_array_set_new(values, i, as_text(v));
	}
	return copy;
}

static void message(json_t *e, json_t *ev, const char *name)
{
	char msg[512];
	json_t *f = json_object_get(ev, "finding");
	json_t *rate = json_object_get(ev, "attack_rate");
	if (rate)
		snprintf(msg, sizeof msg, "%s: %s", name, str(rate, "text"));
	else if (f && str(f, "rule")[0])
		snprintf(msg, sizeof msg, "%s %s:%lld: %s (%s)", name, str(ev, "ip"),
			 (long long)json_integer_value(json_object_get(ev, "port")), str(f, "rule"),
			 str(f, "policy"));
	else if (f)
		snprintf(msg, sizeof msg, "%s %s:%lld: %s (%s)", name, str(ev, "ip"),
			 (long long)json_integer_value(json_object_get(ev, "port")), str(f, "id"),
			 str(f, "title"));
	else
		snprintf(msg, sizeof msg, "%s %s:%lld (view %s)", name, str(ev, "ip"),
			 (long long)json_integer_value(json_object_get(ev, "port")), str(ev, "view"));
	json_object_set_new(e, "message", json_string_lossy(msg));
}

bool events_ecs_mapped(const char *event)
{
	for (size_t i = 0; i < sizeof mapping / sizeof mapping[0]; i++)
		if (strcmp(mapping[i].event, event) == 0)
			return true;
	return false;
}

json_t *events_to_ecs(json_t *ev)
{
	const char *name = str(ev, "event");
	const char *kind = "event", *category = "network", *type = "info";
	for (size_t i = 0; i < sizeof mapping / sizeof mapping[0]; i++) {
		if (strcmp(mapping[i].event, name) == 0) {
			kind = mapping[i].kind;
			category = mapping[i].category;
			type = mapping[i].type;
		}
	}
	json_t *e = ecs_event_new(str(ev, "at"), kind, category, type, "smbwatch.monitor");
	if (!e)
		return NULL;
	json_t *event = ecs_sub(e, "event");
	json_object_set_new(event, "action", json_string(name));
	json_object_set_new(event, "id", json_string(str(ev, "key")));
	json_object_set_new(event, "severity", json_integer(events_severity(ev)));
	json_int_t port = json_integer_value(json_object_get(ev, "port"));
	if (str(ev, "ip")[0]) /* attack_rate_changed is about no one host */
		ecs_set_destination(e, str(ev, "ip"), port > 0 && port < 65536 ? (unsigned)port : 0);
	ecs_set_network(e, "tcp", port == 139 ? "netbios-ssn" : "smb");
	ecs_set_observer(e, "scanner");
	json_t *f = json_object_get(ev, "finding");
	if (f && str(f, "rule")[0]) {
		/* a broken policy rule is configuration, not a vulnerability */
		ecs_set_rule(e, str(f, "rule"), str(f, "evidence"));
		json_object_set_new(ecs_sub(e, "rule"), "ruleset", json_string_lossy(str(f, "policy")));
	} else if (f) {
		const char *id = str(f, "id");
		char desc[512];
		const char *evidence = str(f, "evidence");
		snprintf(desc, sizeof desc, "%s%s%s", str(f, "title"), evidence[0] ? ": " : "",
			 evidence);
		ecs_set_vulnerability(e, id, str(f, "severity"), desc);
		ecs_set_rule(e, id, str(f, "title"));
	}
	message(e, ev, name);
	json_t *sw = ecs_sub(e, "smbwatch");
	json_object_set_new(sw, "monitor", stringify_values(ev));
	json_object_set_new(sw, "view", json_string(str(ev, "view")));
	return e;
}
