/* test_metrics.c - the Prometheus exposition writer (monitor/prom.c), the
 * metrics behind /metrics (monitor/metrics.c) and the --metrics-listen
 * address rules (monitor/metrics_http.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/metrics.h"
#include "monitor/metrics_http.h"
#include "monitor/prom.h"

/* what the statements wrote to f, as a string the caller frees */
#define CAPTURE(out, ...)                                            \
	do {                                                          \
		size_t len_ = 0;                                      \
		FILE *f = open_memstream(&(out), &len_);              \
		assert_non_null(f);                                   \
		__VA_ARGS__;                                          \
		assert_int_equal(fclose(f), 0);                       \
	} while (0)

static void test_family_and_sample(void **state)
{
	(void)state;
	char *s = NULL;
	CAPTURE(s, {
		prom_family(f, "smbwatch_x_total", "counter", "a \\ b\nc");
		struct prom_label l[2] = {{"id", "A"}, {"v", "B"}};
		prom_sample(f, "smbwatch_x_total", l, 2, 3);
		prom_sample(f, "smbwatch_x_total", NULL, 0, 0.25);
	});
	assert_string_equal(s, "# HELP smbwatch_x_total a \\\\ b\\nc\n"
			       "# TYPE smbwatch_x_total counter\n"
			       "smbwatch_x_total{id=\"A\",v=\"B\"} 3\n"
			       "smbwatch_x_total 0.25\n");
	free(s);
}

/* a hostile string in a label value stays one quoted label */
static void test_label_escaping(void **state)
{
	(void)state;
	char *s = NULL;
	CAPTURE(s, {
		struct prom_label l = {"view", "a\"b\\c\nd\x01\xff"};
		prom_sample(f, "m", &l, 1, 1);
	});
	assert_string_equal(s, "m{view=\"a\\\"b\\\\c\\nd??\"} 1\n");
	free(s);
}

static void test_special_values(void **state)
{
	(void)state;
	char *s = NULL;
	CAPTURE(s, {
		prom_sample(f, "m", NULL, 0, NAN);
		prom_sample(f, "m", NULL, 0, INFINITY);
		prom_sample(f, "m", NULL, 0, -INFINITY);
		prom_sample(f, "m", NULL, 0, 1796437618);
		prom_sample(f, "m", NULL, 0, -2);
	});
	assert_string_equal(s, "m NaN\nm +Inf\nm -Inf\nm 1796437618\nm -2\n");
	free(s);
}

static void add_finding(struct svc_record *r, const char *id, enum severity sev)
{
	struct rec_finding *fd = &r->findings[r->n_findings++];
	snprintf(fd->id, sizeof fd->id, "%s", id);
	fd->severity = sev;
}

static void svc(struct svc_record *r, const char *ip, const char *view)
{
	record_init(r);
	record_set_str(r->ip, sizeof r->ip, ip);
	r->port = 445;
	record_set_str(r->view, sizeof r->view, view);
}

static char *render(struct metrics *m)
{
	char *s = NULL;
	CAPTURE(s, assert_int_equal(metrics_write(m, f), 0));
	return s;
}

static void test_monitor_metrics(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(METRICS_MONITOR);
	assert_non_null(m);
	const char *kinds[] = {"stdout", "webhook"};
	metrics_set_sinks(m, kinds, 2);

	/* before any run: no run time, every event kind at 0 */
	char *s = render(m);
	assert_null(strstr(s, "smbwatch_last_run_timestamp_seconds "));
	assert_non_null(strstr(s, "smbwatch_events_total{kind=\"new\"} 0\n"));
	assert_non_null(strstr(s, "smbwatch_events_total{kind=\"check_recovered\"} 0\n"));
	assert_non_null(strstr(s, "# TYPE smbwatch_services gauge\n"));
	assert_null(strstr(s, "smbwatch_sensor_alerts_total"));
	free(s);

	struct svc_record *r = malloc(sizeof *r);
	assert_non_null(r);
	metrics_run_begin(m);
	svc(r, "198.18.1.10", "");
	add_finding(r, "SMB1_ENABLED", SEV_HIGH);
	add_finding(r, "SIGNING_NOT_REQUIRED", SEV_MEDIUM);
	metrics_run_service(m, r, "internal");
	svc(r, "198.18.1.12", "");
	add_finding(r, "SIGNING_NOT_REQUIRED", SEV_MEDIUM);
	metrics_run_service(m, r, "internal");
	svc(r, "198.18.1.13", "");
	metrics_run_service(m, r, "internal");
	svc(r, "198.18.1.14", "dmz"); /* the record's own view wins */
	metrics_run_service(m, r, "internal");
	metrics_run_end(m, true, 1796437618, 2.5);
	metrics_event(m, "new");
	metrics_event(m, "new");
	metrics_event(m, "finding_opened");
	metrics_sink_failure(m, 1);
	metrics_sink_failure(m, 7); /* no such sink: ignored */

	s = render(m);
	assert_non_null(strstr(s, "smbwatch_services{view=\"internal\",severity=\"high\"} 1\n"));
	assert_non_null(strstr(s, "smbwatch_services{view=\"internal\",severity=\"medium\"} 1\n"));
	assert_non_null(strstr(s, "smbwatch_services{view=\"internal\",severity=\"none\"} 1\n"));
	assert_non_null(strstr(s, "smbwatch_services{view=\"dmz\",severity=\"none\"} 1\n"));
	assert_non_null(
		strstr(s, "smbwatch_findings_open{id=\"SIGNING_NOT_REQUIRED\",severity=\"medium\"} 2\n"));
	assert_non_null(strstr(s, "smbwatch_findings_open{id=\"SMB1_ENABLED\",severity=\"high\"} 1\n"));
	assert_non_null(strstr(s, "smbwatch_last_run_timestamp_seconds 1796437618\n"));
	assert_non_null(strstr(s, "smbwatch_last_run_duration_seconds 2.5\n"));
	assert_non_null(strstr(s, "smbwatch_runs_total{result=\"complete\"} 1\n"));
	assert_non_null(strstr(s, "smbwatch_events_total{kind=\"new\"} 2\n"));
	assert_non_null(strstr(s, "smbwatch_events_total{kind=\"finding_opened\"} 1\n"));
	assert_non_null(strstr(s, "smbwatch_sink_failures_total{sink=\"stdout\",position=\"0\"} 0\n"));
	assert_non_null(strstr(s, "smbwatch_sink_failures_total{sink=\"webhook\",position=\"1\"} 1\n"));
	free(s);

	/* an interrupted run leaves the last complete run's gauges alone */
	metrics_run_begin(m);
	svc(r, "198.18.1.10", "");
	metrics_run_service(m, r, "internal");
	metrics_run_end(m, false, 1796437700, 1);
	metrics_run_failed(m);
	s = render(m);
	assert_non_null(strstr(s, "smbwatch_services{view=\"internal\",severity=\"high\"} 1\n"));
	assert_non_null(strstr(s, "smbwatch_last_run_timestamp_seconds 1796437618\n"));
	assert_non_null(strstr(s, "smbwatch_runs_total{result=\"interrupted\"} 1\n"));
	assert_non_null(strstr(s, "smbwatch_runs_total{result=\"failed\"} 1\n"));
	free(s);

	/* the next complete run replaces them: one service left */
	metrics_run_begin(m);
	svc(r, "198.18.1.13", "");
	metrics_run_service(m, r, "internal");
	metrics_run_end(m, true, 1796437800, 1);
	s = render(m);
	assert_null(strstr(s, "severity=\"high\""));
	assert_null(strstr(s, "smbwatch_findings_open{"));
	assert_non_null(strstr(s, "smbwatch_services{view=\"internal\",severity=\"none\"} 1\n"));
	assert_non_null(strstr(s, "smbwatch_last_run_timestamp_seconds 1796437800\n"));
	free(s);
	free(r);
	metrics_free(m);
}

static void test_sensor_metrics(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(METRICS_SENSOR);
	assert_non_null(m);
	metrics_sensor_alert(m, "SMB_SCAN", "medium");
	metrics_sensor_alert(m, "SMB_SCAN", "medium");
	metrics_sensor_alert(m, "SMB_SCAN", "info"); /* approved scanner */
	metrics_sensor_alert(m, "MS17_010_EXPLOIT", "critical");
	char *s = render(m);
	assert_non_null(strstr(s, "# TYPE smbwatch_sensor_alerts_total counter\n"));
	assert_non_null(strstr(s, "smbwatch_sensor_alerts_total{id=\"SMB_SCAN\",severity=\"medium\"} 2\n"));
	assert_non_null(strstr(s, "smbwatch_sensor_alerts_total{id=\"SMB_SCAN\",severity=\"info\"} 1\n"));
	assert_non_null(
		strstr(s, "smbwatch_sensor_alerts_total{id=\"MS17_010_EXPLOIT\",severity=\"critical\"} 1\n"));
	assert_null(strstr(s, "smbwatch_services"));
	free(s);
	metrics_free(m);
}

/* more distinct keys than the table holds end in one "other" entry */
static void test_bounded_keys(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(METRICS_SENSOR);
	assert_non_null(m);
	char id[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof id, "ID_%d", i);
		metrics_sensor_alert(m, id, "low");
	}
	char *s = render(m);
	assert_non_null(strstr(s, "smbwatch_sensor_alerts_total{id=\"ID_0\",severity=\"low\"} 1\n"));
	assert_non_null(strstr(s, "smbwatch_sensor_alerts_total{id=\"other\",severity=\"\"} 745\n"));
	assert_null(strstr(s, "ID_999\""));
	free(s);
	metrics_free(m);
}

static void test_listen_parse(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	char err[256];
	assert_int_equal(metrics_listen_parse("127.0.0.1:9466", false, &ss, err, sizeof err), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(metrics_listen_parse("127.8.9.10:1", false, &ss, err, sizeof err), 0);
	assert_int_equal(metrics_listen_parse("[::1]:9466", false, &ss, err, sizeof err), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(metrics_listen_parse("localhost:9466", false, &ss, err, sizeof err), 0);
	assert_int_equal(metrics_listen_parse(":9466", false, &ss, err, sizeof err), 0);
	assert_int_equal(metrics_listen_parse("9466", false, &ss, err, sizeof err), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	/* not loopback: refused unless allowed */
	assert_int_equal(metrics_listen_parse("0.0.0.0:9466", false, &ss, err, sizeof err), -1);
	assert_non_null(strstr(err, "--metrics-allow-remote"));
	assert_int_equal(metrics_listen_parse("198.18.0.1:9466", false, &ss, err, sizeof err), -1);
	assert_int_equal(metrics_listen_parse("[::]:9466", false, &ss, err, sizeof err), -1);
	assert_int_equal(metrics_listen_parse("0.0.0.0:9466", true, &ss, err, sizeof err), 0);
	assert_int_equal(metrics_listen_parse("[2001:2::1]:9466", true, &ss, err, sizeof err), 0);
	/* malformed */
	assert_int_equal(metrics_listen_parse("127.0.0.1:0", false, &ss, err, sizeof err), -1);
	assert_int_equal(metrics_listen_parse("127.0.0.1:65536", false, &ss, err, sizeof err), -1);
	assert_int_equal(metrics_listen_parse("127.0.0.1:", false, &ss, err, sizeof err), -1);
	assert_int_equal(metrics_listen_parse("[::1]9466", false, &ss, err, sizeof err), -1);
	assert_int_equal(metrics_listen_parse("example.org:9466", true, &ss, err, sizeof err), -1);
	assert_non_null(strstr(err, "IP address"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_sample), cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_special_values),	  cmocka_unit_test(test_monitor_metrics),
		cmocka_unit_test(test_sensor_metrics),	  cmocka_unit_test(test_bounded_keys),
		cmocka_unit_test(test_listen_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
