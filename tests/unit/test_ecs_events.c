/* test_ecs_events.c - monitor events (monitor/events_ecs.c) and sensor
 * alerts (sensor/alert_ecs.c) as ECS documents: the mapping per event and
 * alert kind, the values that would break an Elasticsearch mapping turned
 * to text, and nothing outside ECS but smbwatch.*. (The lab tests check
 * every document against tests/data/ecs-fields-8.11.txt.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "monitor/events.h"
#include "monitor/events_ecs.h"
#include "sensor/alert_ecs.h"

/* a dotted path's string value, or NULL */
static const char *get_str(json_t *o, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	char *save = NULL;
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = json_object_get(o, k);
	return json_string_value(o);
}

static json_t *get(json_t *o, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	char *save = NULL;
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = json_object_get(o, k);
	return o;
}

static const char *const top_level[] = {"@timestamp", "ecs",	  "event",   "source",
					"destination", "network", "observer", "rule",
					"vulnerability", "message", "smbwatch"};

static void only_ecs_top_level(json_t *e)
{
	const char *k;
	json_t *v;
	json_object_foreach(e, k, v) {
		bool known = false;
		for (size_t i = 0; i < sizeof top_level / sizeof top_level[0]; i++)
			known |= strcmp(k, top_level[i]) == 0;
		if (!known)
			fail_msg("key %s is neither ECS nor smbwatch.*", k);
	}
}

static void test_finding_opened(void **state)
{
	(void)state;
	json_t *ev = json_loads(
		"{\"schema\":1,\"event\":\"finding_opened\",\"key\":\"8/198.18.1.12/445/finding_opened/MS17_010\","
		"\"ip\":\"198.18.1.12\",\"port\":445,\"view\":\"internal\",\"run\":8,"
		"\"at\":\"2026-11-25T13:51:48Z\",\"severity\":\"critical\",\"scope\":\"481bed67\","
		"\"finding\":{\"id\":\"MS17_010\",\"severity\":\"critical\",\"title\":\"MS17-010\","
		"\"remediation\":\"patch\",\"evidence\":\"STATUS_INSUFF_SERVER_RESOURCES\"}}",
		0, NULL);
	assert_non_null(ev);
	json_t *e = events_to_ecs(ev);
	assert_non_null(e);
	only_ecs_top_level(e);
	assert_string_equal(get_str(e, "@timestamp"), "2026-11-25T13:51:48Z");
	assert_string_equal(get_str(e, "ecs.version"), "8.11.0");
	assert_string_equal(get_str(e, "event.kind"), "alert");
	assert_string_equal(json_string_value(json_array_get(get(e, "event.category"), 0)),
			    "vulnerability");
	assert_string_equal(get_str(e, "event.dataset"), "smbwatch.monitor");
	assert_string_equal(get_str(e, "event.action"), "finding_opened");
	assert_string_equal(get_str(e, "event.id"), "8/198.18.1.12/445/finding_opened/MS17_010");
	assert_int_equal(json_integer_value(get(e, "event.severity")), 4);
	assert_string_equal(get_str(e, "destination.ip"), "198.18.1.12");
	assert_int_equal(json_integer_value(get(e, "destination.port")), 445);
	assert_string_equal(get_str(e, "vulnerability.id"), "CVE-2017-0143");
	assert_string_equal(get_str(e, "vulnerability.severity"), "Critical");
	assert_string_equal(get_str(e, "vulnerability.description"),
			    "MS17-010: STATUS_INSUFF_SERVER_RESOURCES");
	assert_string_equal(get_str(e, "rule.name"), "MS17_010");
	assert_string_equal(get_str(e, "smbwatch.monitor.key"), get_str(e, "event.id"));
	assert_string_equal(get_str(e, "smbwatch.view"), "internal");
	assert_null(get(e, "source"));
	json_decref(e);
	json_decref(ev);
}

/* a broken policy rule is configuration, not a vulnerability: rule.* names
 * the rule and where it is written, no vulnerability.* */
static void test_policy_violation_opened(void **state)
{
	(void)state;
	json_t *ev = json_loads(
		"{\"schema\":1,\"event\":\"policy_violation_opened\","
		"\"key\":\"8/198.18.1.11/445/policy_violation_opened/POLICY_VIOLATION/[default] smb1 = deny\","
		"\"ip\":\"198.18.1.11\",\"port\":445,\"view\":\"internal\",\"run\":8,"
		"\"at\":\"2026-11-25T13:51:48Z\",\"severity\":\"high\",\"scope\":\"481bed67\","
		"\"finding\":{\"id\":\"POLICY_VIOLATION\",\"severity\":\"high\",\"title\":\"Breaks the exposure policy\","
		"\"remediation\":\"r\",\"evidence\":\"[default] smb1 = deny (p.ini:14, view internal): SMB1\","
		"\"rule\":\"[default] smb1 = deny\",\"policy\":\"p.ini:14\"}}",
		0, NULL);
	assert_non_null(ev);
	json_t *e = events_to_ecs(ev);
	assert_non_null(e);
	only_ecs_top_level(e);
	assert_string_equal(get_str(e, "event.kind"), "alert");
	assert_string_equal(json_string_value(json_array_get(get(e, "event.category"), 0)),
			    "configuration");
	assert_string_equal(get_str(e, "event.action"), "policy_violation_opened");
	assert_int_equal(json_integer_value(get(e, "event.severity")), 3);
	assert_string_equal(get_str(e, "rule.name"), "[default] smb1 = deny");
	assert_string_equal(get_str(e, "rule.ruleset"), "p.ini:14");
	assert_null(get(e, "vulnerability"));
	assert_string_equal(get_str(e, "message"),
			    "policy_violation_opened 198.18.1.11:445: [default] smb1 = deny (p.ini:14)");
	json_decref(e);
	json_decref(ev);
}

/* old/new of any JSON type travel as text; the event itself is unchanged */
static void test_changed_values_as_text(void **state)
{
	(void)state;
	json_t *ev = json_loads(
		"{\"event\":\"changed\",\"key\":\"k\",\"ip\":\"198.18.1.16\",\"port\":139,"
		"\"view\":\"internal\",\"at\":\"2026-11-25T13:51:48Z\",\"severity\":\"info\","
		"\"changes\":[{\"field\":\"smb1.enabled\",\"old\":false,\"new\":true},"
		"{\"field\":\"smb2.signing\",\"old\":\"required\",\"new\":\"enabled\"},"
		"{\"field\":\"shares.extra\",\"old\":null,\"new\":{\"type\":\"disk\"}}]}",
		0, NULL);
	assert_non_null(ev);
	json_t *e = events_to_ecs(ev);
	assert_non_null(e);
	only_ecs_top_level(e);
	assert_string_equal(get_str(e, "event.kind"), "event");
	assert_string_equal(json_string_value(json_array_get(get(e, "event.category"), 0)),
			    "configuration");
	assert_string_equal(json_string_value(json_array_get(get(e, "event.type"), 0)), "change");
	assert_string_equal(get_str(e, "network.protocol"), "netbios-ssn");
	assert_null(get(e, "vulnerability"));
	json_t *ch = get(e, "smbwatch.monitor.changes");
	assert_int_equal(json_array_size(ch), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 0), "old")), "false");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 0), "new")), "true");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 1), "old")),
			    "required");
	assert_true(json_is_null(json_object_get(json_array_get(ch, 2), "old")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 2), "new")),
			    "{\"type\":\"disk\"}");
	/* the monitor's own JSON keeps its types */
	assert_true(json_is_false(json_object_get(json_array_get(json_object_get(ev, "changes"), 0), "old")));
	json_decref(e);
	json_decref(ev);

	/* flapping's values seen, alike */
	ev = json_loads("{\"event\":\"flapping\",\"key\":\"k\",\"ip\":\"198.18.1.10\","
			"\"port\":445,\"at\":\"2026-11-25T13:51:48Z\",\"field\":\"smb1.enabled\","
			"\"values\":[true,false,null]}",
			0, NULL);
	assert_non_null(ev);
	e = events_to_ecs(ev);
	assert_non_null(e);
	json_t *vals = get(e, "smbwatch.monitor.values");
	assert_int_equal(json_array_size(vals), 3);
	assert_string_equal(json_string_value(json_array_get(vals, 0)), "true");
	assert_string_equal(json_string_value(json_array_get(vals, 1)), "false");
	assert_true(json_is_null(json_array_get(vals, 2)));
	assert_string_equal(get_str(e, "event.kind"), "event");
	json_decref(e);
	json_decref(ev);
}

static void test_kinds(void **state)
{
	(void)state;
	static const char *const rows[][4] = {
		{"new", "event", "network", "start"},
		{"gone", "event", "network", "end"},
		{"finding_resolved", "event", "vulnerability", "end"},
		{"policy_violation_resolved", "event", "configuration", "end"},
		{"check_failing", "event", "network", "error"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		json_t *ev = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "event", rows[i][0], "key",
				       "k", "ip", "2001:2::10", "port", 445, "at",
				       "2026-11-25T13:51:48Z", "severity", "info");
		json_t *e = events_to_ecs(ev);
		assert_non_null(e);
		assert_string_equal(get_str(e, "event.kind"), rows[i][1]);
		assert_string_equal(json_string_value(json_array_get(get(e, "event.category"), 0)),
				    rows[i][2]);
		assert_string_equal(json_string_value(json_array_get(get(e, "event.type"), 0)),
				    rows[i][3]);
		assert_string_equal(get_str(e, "destination.ip"), "2001:2::10");
		json_decref(e);
		json_decref(ev);
	}
}

/* every kind the monitor emits (one list, monitor/events.h) has its row */
static void test_every_kind_mapped(void **state)
{
	(void)state;
	assert_true(monitor_n_event_kinds >= 12);
	for (size_t i = 0; i < monitor_n_event_kinds; i++)
		if (!events_ecs_mapped(monitor_event_kinds[i]))
			fail_msg("event kind %s has no ECS mapping", monitor_event_kinds[i]);
	assert_false(events_ecs_mapped("no_such_kind"));
}

static void test_sensor_alert(void **state)
{
	(void)state;
	struct sensor_alert a;
	alert_init(&a, "MS17_010_EXPLOIT");
	a.ts_us = 1492363369382454ull;
	snprintf(a.src, sizeof a.src, "192.168.198.204");
	snprintf(a.dst, sizeof a.dst, "192.168.198.203");
	a.src_port = 51112;
	a.dst_port = 445;
	snprintf(a.evidence, sizeof a.evidence, "Trans2 SESSION_SETUP");
	json_t *e = alert_to_ecs(&a);
	assert_non_null(e);
	only_ecs_top_level(e);
	assert_string_equal(get_str(e, "@timestamp"), "2017-04-16T17:22:49.382454Z");
	assert_string_equal(get_str(e, "event.kind"), "alert");
	assert_string_equal(json_string_value(json_array_get(get(e, "event.category"), 0)),
			    "intrusion_detection");
	assert_string_equal(get_str(e, "event.dataset"), "smbwatch.sensor");
	assert_string_equal(get_str(e, "event.action"), "MS17_010_EXPLOIT");
	assert_string_equal(get_str(e, "source.ip"), "192.168.198.204");
	assert_int_equal(json_integer_value(get(e, "source.port")), 51112);
	assert_string_equal(get_str(e, "destination.ip"), "192.168.198.203");
	assert_string_equal(get_str(e, "observer.type"), "ids");
	assert_string_equal(get_str(e, "rule.name"), "MS17_010_EXPLOIT");
	assert_string_equal(get_str(e, "vulnerability.id"), "CVE-2017-0143");
	assert_string_equal(get_str(e, "vulnerability.severity"), "Critical");
	assert_string_equal(get_str(e, "smbwatch.alert.id"), "MS17_010_EXPLOIT");
	assert_null(get(e, "smbwatch.alert.type"));
	json_decref(e);

	/* a per-source alert: no destination, no vulnerability */
	alert_init(&a, "SMB_SCAN");
	a.ts_us = 1;
	snprintf(a.src, sizeof a.src, "203.0.113.9");
	e = alert_to_ecs(&a);
	assert_non_null(e);
	assert_null(get(e, "destination"));
	assert_null(get(e, "vulnerability"));
	assert_null(get(e, "source.port"));
	assert_string_equal(get_str(e, "source.ip"), "203.0.113.9");
	json_decref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finding_opened),
		cmocka_unit_test(test_policy_violation_opened),
		cmocka_unit_test(test_changed_values_as_text),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_every_kind_mapped),
		cmocka_unit_test(test_sensor_alert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
