/* test_exposure.c - the fold of `smbwatch exposure` (store/exposure.h):
 * hosts in address order, views by first sighting, ports ascending, the
 * worst finding of a view over its ports, the sensor as a view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/exposure.h"

static json_t *row(const char *ip, int port, const char *view, int first, int first_run,
		   const char *worst, const char *sev)
{
	return json_pack("{s:s, s:i, s:s, s:i, s:o, s:i, s:o, s:o}", "ip", ip, "port", port,
			 "view", view, "first_seen", first, "first_run",
			 first_run ? json_integer(first_run) : json_null(), "last_seen",
			 first + 100, "worst", worst ? json_string(worst) : json_null(),
			 "worst_severity", sev ? json_string(sev) : json_null());
}

/* The fold as compact text, so one assertion states the whole answer. */
static char *fold_text(json_t *rows)
{
	json_t *t = exposure_fold(rows);
	char *s = json_dumps(t, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(t);
	return s;
}

static void test_fold(void **state)
{
	(void)state;
	json_t *rows = json_array();
	/* .10 before .9 in text order, after it in address order */
	json_array_append_new(rows, row("198.18.1.10", 445, "internal", 10, 1, "SMB_EXPOSED", "info"));
	json_array_append_new(rows, row("198.18.1.9", 445, "external", 50, 3, "SMB_EXPOSED_PUBLIC",
					"critical"));
	json_array_append_new(rows, row("198.18.1.9", 139, "internal", 20, 2, "SMB1_ENABLED", "high"));
	json_array_append_new(rows, row("198.18.1.9", 445, "internal", 10, 1, "SIGNING_NOT_REQUIRED",
					"medium"));
	json_array_append_new(rows, row("198.18.1.9", 445, "sensor", 5, 0, NULL, NULL));
	json_array_append_new(rows, row("2001:2::5", 445, "sensor", 7, 0, "SMB_SCAN", "medium"));
	char *s = fold_text(rows);
	json_t *t = json_loads(s, 0, NULL);
	free(s);
	json_t *hosts = json_object_get(t, "hosts");
	assert_int_equal(json_array_size(hosts), 3);
	json_t *h = json_array_get(hosts, 0);
	assert_string_equal(json_string_value(json_object_get(h, "ip")), "198.18.1.9");
	assert_true(json_is_true(json_object_get(h, "external")));
	s = json_dumps(json_object_get(h, "ports"), JSON_COMPACT);
	assert_string_equal(s, "[139,445]");
	free(s);
	/* views by first sighting: sensor (5), internal (10, over both ports), external (50) */
	json_t *v = json_object_get(h, "views");
	assert_int_equal(json_array_size(v), 3);
	const char *names[] = {"sensor", "internal", "external"};
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(v, i), "view")),
				    names[i]);
	json_t *in = json_array_get(v, 1);
	assert_int_equal(json_integer_value(json_object_get(in, "first_seen")), 10);
	assert_int_equal(json_integer_value(json_object_get(in, "first_run")), 1);
	assert_int_equal(json_integer_value(json_object_get(in, "last_seen")), 120);
	s = json_dumps(json_object_get(in, "worst"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"id\":\"SMB1_ENABLED\",\"port\":139,\"severity\":\"high\"}");
	free(s);
	assert_true(json_is_null(json_object_get(json_array_get(v, 0), "worst")));
	assert_true(json_is_null(json_object_get(json_array_get(v, 0), "first_run")));
	s = json_dumps(json_object_get(json_array_get(v, 2), "worst"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"id\":\"SMB_EXPOSED_PUBLIC\",\"port\":445,\"severity\":\"critical\"}");
	free(s);
	/* then .10 (internal only: not external), then IPv6 */
	h = json_array_get(hosts, 1);
	assert_string_equal(json_string_value(json_object_get(h, "ip")), "198.18.1.10");
	assert_true(json_is_false(json_object_get(h, "external")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(hosts, 2), "ip")),
			    "2001:2::5");
	json_decref(t);
	json_decref(rows);
}

/* Two scans in the same second (the internal one, then the external one,
 * on a quick machine): run order decides, not the view's name ("external"
 * came first alphabetically; test_exposure_lab failed on it in CI). */
static void test_same_second_run_order(void **state)
{
	(void)state;
	json_t *rows = json_array();
	json_array_append_new(rows, row("198.18.1.14", 445, "external", 40, 2, "SMB_EXPOSED_PUBLIC",
					"critical"));
	json_array_append_new(rows, row("198.18.1.14", 445, "internal", 40, 1, "SMB_EXPOSED", "info"));
	json_array_append_new(rows, row("198.18.1.14", 445, "sensor", 40, 0, NULL, NULL));
	json_t *t = exposure_fold(rows);
	json_t *v = json_object_get(json_array_get(json_object_get(t, "hosts"), 0), "views");
	const char *names[] = {"internal", "external", "sensor"}; /* runs, then the name */
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(v, i), "view")),
				    names[i]);
	json_decref(t);
	json_decref(rows);
}

/* Same severity on two ports: the lower port's finding, whatever the row order. */
static void test_worst_tie_lower_port(void **state)
{
	(void)state;
	for (int order = 0; order < 2; order++) {
		json_t *rows = json_array();
		json_t *a = row("198.18.1.4", 8445, "internal", 1, 1, "NULL_SESSION", "high");
		json_t *b = row("198.18.1.4", 445, "internal", 1, 1, "SMB1_ENABLED", "high");
		json_array_append_new(rows, order ? a : b);
		json_array_append_new(rows, order ? b : a);
		json_t *t = exposure_fold(rows);
		json_t *w = json_object_get(
			json_array_get(json_object_get(json_array_get(json_object_get(t, "hosts"), 0),
						       "views"),
				       0),
			"worst");
		assert_string_equal(json_string_value(json_object_get(w, "id")), "SMB1_ENABLED");
		assert_int_equal(json_integer_value(json_object_get(w, "port")), 445);
		json_decref(t);
		json_decref(rows);
	}
}

static void test_empty_and_ranks(void **state)
{
	(void)state;
	json_t *rows = json_array();
	char *s = fold_text(rows);
	assert_string_equal(s, "{\"hosts\":[]}");
	free(s);
	json_decref(rows);
	assert_int_equal(exposure_severity_rank("critical"), 4);
	assert_int_equal(exposure_severity_rank("high"), 3);
	assert_int_equal(exposure_severity_rank("info"), 0);
	assert_int_equal(exposure_severity_rank("bogus"), 0);
	assert_int_equal(exposure_severity_rank(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_worst_tie_lower_port),
		cmocka_unit_test(test_same_second_run_order),
		cmocka_unit_test(test_empty_and_ranks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
