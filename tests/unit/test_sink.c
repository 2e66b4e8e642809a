/* test_sink.c - sink specs, the HMAC signature (RFC 4231 test vectors), and
 * the file and exec sinks with their retry loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monitor/sink.h"

static void test_parse(void **state)
{
	(void)state;
	struct sink s;
	char err[256];
	assert_int_equal(sink_parse("stdout", &s, err, sizeof err), 0);
	assert_string_equal(s.ops->prefix, "stdout");
	assert_int_equal(sink_parse("file:/tmp/x.jsonl", &s, err, sizeof err), 0);
	assert_string_equal(s.arg, "/tmp/x.jsonl");
	assert_int_equal(sink_parse("webhook:http://127.0.0.1:9/", &s, err, sizeof err), 0);
	assert_true(s.ops->retry);
	assert_int_equal(s.retries, 3);
	assert_int_equal(sink_parse("exec:logger -t x", &s, err, sizeof err), 0);
	assert_string_equal(s.arg, "logger -t x");
	assert_int_equal(sink_parse("file:", &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(sink_parse("stdoutx", &s, err, sizeof err), -1);
	assert_int_equal(sink_parse("email:a@b", &s, err, sizeof err), -1);
	assert_int_equal(sink_parse("webhook:ftp://x", &s, err, sizeof err), 0);
	assert_int_equal(sink_open(&s, err, sizeof err), -1);
	assert_non_null(strstr(err, "http:// or https://"));
}

static void test_hmac(void **state)
{
	(void)state;
	char out[65];
	/* RFC 4231 test case 2 */
	sink_hmac_hex("Jefe", "what do ya want for nothing?", 28, out);
	assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_file_and_exec(void **state)
{
	(void)state;
	char dir[] = "/tmp/smbw-sink-test.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char spec[256], path[200], err[256];
	struct sink s;
	snprintf(path, sizeof path, "%s/ev.jsonl", dir);
	snprintf(spec, sizeof spec, "file:%s", path);
	assert_int_equal(sink_parse(spec, &s, err, sizeof err), 0);
	assert_int_equal(sink_open(&s, err, sizeof err), 0);
	assert_int_equal(sink_deliver(&s, "{\"event\":\"new\"}", "new"), 0);
	sink_close(&s);
	FILE *f = fopen(path, "r");
	char line[64] = "";
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	assert_string_equal(line, "{\"event\":\"new\"}\n");

	/* exec: stdin carries the event, SMBWATCH_EVENT its name */
	snprintf(spec, sizeof spec, "exec:cat > %s/x; echo $SMBWATCH_EVENT >> %s/x", dir, dir);
	assert_int_equal(sink_parse(spec, &s, err, sizeof err), 0);
	assert_int_equal(sink_deliver(&s, "{}", "gone"), 0);
	snprintf(path, sizeof path, "%s/x", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	char all[64] = "";
	size_t n = fread(all, 1, sizeof all - 1, f);
	all[n] = '\0';
	fclose(f);
	assert_string_equal(all, "{}\ngone\n");

	/* a failing command is retried, then given up */
	snprintf(spec, sizeof spec, "exec:echo . >> %s/tries; exit 3", dir);
	assert_int_equal(sink_parse(spec, &s, err, sizeof err), 0);
	s.retries = 2;
	s.backoff_ms = 1;
	assert_int_equal(sink_deliver(&s, "{}", "new"), -1);
	snprintf(path, sizeof path, "%s/tries", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(all, 1, sizeof all - 1, f);
	fclose(f);
	assert_int_equal(n, 6); /* three attempts */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Issue 15: a syslog socket that is not there is a failed delivery (kept
 * and retried), never a silent drop as syslog(3) does; a listening socket
 * gets the RFC 3164 framed event. */
static void test_syslog_socket(void **state)
{
	(void)state;
	char path[64], spec[80], err[256];
	struct sink s;
	snprintf(path, sizeof path, "/tmp/smbw-sink-log.%d", (int)getpid());
	snprintf(spec, sizeof spec, "syslog:%s", path);
	unlink(path);
	assert_int_equal(sink_parse(spec, &s, err, sizeof err), 0);
	s.retries = 0;
	assert_int_equal(sink_open(&s, err, sizeof err), 0);
	assert_int_equal(sink_deliver(&s, "{\"event\":\"new\"}", "new"), -1);
	/* positive control: the same sink once the socket listens */
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(sink_deliver(&s, "{\"event\":\"new\"}", "new"), 0);
	char got[256];
	ssize_t n = recv(fd, got, sizeof got - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	got[n] = '\0';
	assert_int_equal(strncmp(got, "<28>smbwatch[", 13), 0);
	assert_non_null(strstr(got, "]: {\"event\":\"new\"}"));
	sink_close(&s);
	close(fd);
	unlink(path);
	/* plain "syslog" is /dev/log by the same path: a failure when absent */
	assert_int_equal(sink_parse("syslog", &s, err, sizeof err), 0);
	s.retries = 0;
	assert_int_equal(sink_open(&s, err, sizeof err), 0);
	if (access("/dev/log", W_OK) != 0)
		assert_int_equal(sink_deliver(&s, "{}", "new"), -1);
	sink_close(&s);
}

/* ecs+SPEC: the same sink kind with the ECS encoding; the prefix stays in
 * the spec (the delivery log's key) and out of the argument */
static void test_parse_ecs(void **state)
{
	(void)state;
	struct sink s;
	char err[256];
	assert_int_equal(sink_parse("file:/tmp/x.jsonl", &s, err, sizeof err), 0);
	assert_int_equal(s.encoding, SINK_JSON);
	assert_int_equal(sink_parse("ecs+file:/tmp/x.jsonl", &s, err, sizeof err), 0);
	assert_int_equal(s.encoding, SINK_ECS);
	assert_string_equal(s.ops->prefix, "file:");
	assert_string_equal(s.arg, "/tmp/x.jsonl");
	assert_string_equal(s.spec, "ecs+file:/tmp/x.jsonl");
	assert_string_equal(sink_kind(&s), "file");
	assert_int_equal(sink_parse("ecs+stdout", &s, err, sizeof err), 0);
	assert_int_equal(s.encoding, SINK_ECS);
	assert_string_equal(sink_kind(&s), "stdout");
	assert_int_equal(sink_parse("ecs+webhook:http://127.0.0.1:9/", &s, err, sizeof err), 0);
	assert_string_equal(sink_kind(&s), "webhook");
	assert_string_equal(s.arg, "http://127.0.0.1:9/");
	/* the encoding alone is no sink */
	assert_int_equal(sink_parse("ecs+", &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "ecs+"));
	assert_int_equal(sink_parse("ecs+file:", &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(sink_parse("ecs", &s, err, sizeof err), -1);
	/* a parse after an ecs+ one starts from JSON again */
	assert_int_equal(sink_parse("stdout", &s, err, sizeof err), 0);
	assert_int_equal(s.encoding, SINK_JSON);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_ecs),
		cmocka_unit_test(test_hmac),
		cmocka_unit_test(test_file_and_exec),
		cmocka_unit_test(test_syslog_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
