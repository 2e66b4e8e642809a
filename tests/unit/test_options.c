/* test_options.c - scan option parsing: every bad input is refused with a
 * message naming it, before anything is sent; defaults are what --help says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "check/check.h"
#include "cli/options.h"
#include "net/resume.h"

static int parse(const char *line, struct scan_cli *cli, char *err, size_t errsz)
{
	static char buf[1024];
	static char *argv[64];
	int argc = 0;
	snprintf(buf, sizeof buf, "%s", line);
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t && argc < 63;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	return options_parse_scan(argc, argv, cli, err, errsz);
}

static void test_durations(void **state)
{
	(void)state;
	assert_int_equal(options_parse_duration_ms("500ms"), 500);
	assert_int_equal(options_parse_duration_ms("2s"), 2000);
	assert_int_equal(options_parse_duration_ms("1.5"), 1500);
	assert_int_equal(options_parse_duration_ms("1m"), 60000);
	assert_int_equal(options_parse_duration_ms("fast"), -1);
	assert_int_equal(options_parse_duration_ms("-1s"), -1);
	assert_int_equal(options_parse_duration_ms("2h"), -1);
}

static void test_checks(void **state)
{
	(void)state;
	unsigned c;
	char err[200];
	assert_int_equal(check_parse_list("auth,shares", &c, err, sizeof err), 0);
	/* "auth" is the auth check and selects guest too, as it always did */
	assert_int_equal(c, CHECK_BIT(RCHK_AUTH) | CHECK_BIT(RCHK_GUEST) | CHECK_BIT(RCHK_SHARES));
	assert_int_equal(check_parse_list("all", &c, err, sizeof err), 0);
	assert_int_equal(c, CHECK_ALL);
	assert_int_equal(check_parse_list("none", &c, err, sizeof err), 0);
	assert_int_equal(c, 0);
	assert_int_equal(check_parse_list("auth,bogus", &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "'bogus'"));
}

static void test_defaults(void **state)
{
	(void)state;
	struct scan_cli cli;
	char err[300];
	assert_int_equal(parse("scan 198.18.1.0/24", &cli, err, sizeof err), 0);
	assert_int_equal(cli.ports.n, 2);
	assert_int_equal(cli.ports.ports[0], 445);
	assert_int_equal(cli.ports.ports[1], 139);
	assert_int_equal(targets_count(cli.targets), 256);
	assert_int_equal(cli.sopts.checks, CHECK_ALL);
	assert_int_equal(cli.sopts.retries, 1);
	assert_false(cli.sopts.dialects_each);
	assert_int_equal(cli.rate, 0);
	assert_false(cli.rate_given); /* the adaptive default (net/pace.h) */
	assert_int_equal(cli.format, REPORT_TEXT);
	assert_string_equal(cli.sopts.view, "internal");
	assert_int_equal(cli.shard_k, 1);
	assert_int_equal(cli.shard_n, 1);
	assert_int_equal(cli.fail_on, -1);
	assert_true(cli.max_inflight >= 1);
	options_scan_free(&cli);
}

static void test_options_set(void **state)
{
	(void)state;
	struct scan_cli cli;
	char err[300];
	assert_int_equal(parse("scan -p 1-3,8445 --format jsonl --view external --rate 0 "
			       "--timeout 3s --read-timeout 500ms --retries 2 --seed 7 --shard 2/3 --dialects each "
			       "--checks auth --fail-on high --exclude 198.18.1.1 198.18.1.0/30",
			       &cli, err, sizeof err),
			 0);
	assert_int_equal(cli.ports.n, 4);
	assert_int_equal(cli.format, REPORT_JSONL);
	assert_string_equal(cli.sopts.view, "external");
	assert_int_equal(cli.rate, 0);
	assert_true(cli.rate_given); /* --rate 0: no cap, not the adaptive default */
	assert_int_equal(cli.sopts.deadline_ms, 3000);
	assert_int_equal(cli.sopts.read_timeout_ms, 500);
	assert_int_equal(cli.sopts.retries, 2);
	assert_true(cli.sopts.dialects_each);
	assert_int_equal(cli.seed, 7);
	assert_int_equal(cli.shard_k, 2);
	assert_int_equal(cli.shard_n, 3);
	assert_int_equal(cli.sopts.checks, CHECK_BIT(RCHK_AUTH) | CHECK_BIT(RCHK_GUEST));
	assert_int_equal(cli.fail_on, SEV_HIGH);
	assert_int_equal(targets_count(cli.targets), 3);
	options_scan_free(&cli);
}

/* --surface: the default scan has no UDP port; full adds 135 and U:137 to -p */
static void test_surface(void **state)
{
	(void)state;
	struct scan_cli cli;
	char err[300];
	assert_int_equal(parse("scan 198.18.1.1", &cli, err, sizeof err), 0);
	assert_false(ports_has_udp(&cli.ports));
	options_scan_free(&cli);
	assert_int_equal(parse("scan --surface default 198.18.1.1", &cli, err, sizeof err), 0);
	assert_string_equal(cli.ports_text, "445,139");
	options_scan_free(&cli);
	assert_int_equal(parse("scan --surface full 198.18.1.1", &cli, err, sizeof err), 0);
	assert_string_equal(cli.ports_text, "445,139,T:135,U:137,T:3389,T:5985,T:5986,T:22");
	assert_int_equal(cli.ports.n, 8);
	assert_int_equal(cli.ports.ports[4], 3389);
	assert_false(ports_is_udp(&cli.ports, 4));
	assert_int_equal(cli.ports.ports[6], 5986); /* WinRM over HTTPS */
	assert_false(ports_is_udp(&cli.ports, 6));
	assert_false(cli.mgmt_named); /* --surface adds them: only beside SMB */
	assert_int_equal(cli.ports.ports[2], 135);
	assert_false(ports_is_udp(&cli.ports, 2));
	assert_int_equal(cli.ports.ports[3], 137);
	assert_true(ports_is_udp(&cli.ports, 3));
	assert_false(ports_is_udp(&cli.ports, 0));
	options_scan_free(&cli);
	assert_int_equal(parse("scan -p 8445 --surface full 198.18.1.1", &cli, err, sizeof err), 0);
	assert_string_equal(cli.ports_text, "8445,T:135,U:137,T:3389,T:5985,T:5986,T:22");
	options_scan_free(&cli);
	/* -p naming a management port asks for it on every host */
	assert_int_equal(parse("scan -p 445,3389 198.18.1.1", &cli, err, sizeof err), 0);
	assert_true(cli.mgmt_named);
	options_scan_free(&cli);
	assert_int_equal(parse("scan -p 445,5986 198.18.1.1", &cli, err, sizeof err), 0);
	assert_true(cli.mgmt_named);
	options_scan_free(&cli);
	assert_int_equal(parse("scan -p 445,U:22 198.18.1.1", &cli, err, sizeof err), 0);
	assert_false(cli.mgmt_named); /* UDP 22 is no SSH */
	options_scan_free(&cli);
	/* a U: in -p does not turn 135 into UDP: full names its protocols */
	assert_int_equal(parse("scan -p U:138 --surface full 198.18.1.1", &cli, err, sizeof err), 0);
	assert_string_equal(cli.ports_text, "U:138,T:135,U:137,T:3389,T:5985,T:5986,T:22");
	assert_false(ports_is_udp(&cli.ports, 1));
	options_scan_free(&cli);
}

static void refused(const char *line, const char *needle)
{
	struct scan_cli cli;
	char err[300] = "";
	assert_int_equal(parse(line, &cli, err, sizeof err), -1);
	if (!strstr(err, needle))
		fail_msg("'%s': error '%s' does not name '%s'", line, err, needle);
	assert_null(strchr(err, '\n')); /* one line */
	options_scan_free(&cli);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("scan 198.18.1.0/33", "198.18.1.0/33");
	refused("scan 198.18.1.300", "198.18.1.300");
	refused("scan -p 70000 198.18.1.1", "70000");
	refused("scan -p 0 198.18.1.1", "'0'");
	refused("scan --surface most 198.18.1.1", "default, full");
	refused("scan --syn -p U:137 198.18.1.1", "UDP");
	refused("scan --format xml 198.18.1.1", "xml");
	refused("scan --timeout soon 198.18.1.1", "soon");
	refused("scan --shard 4/3 198.18.1.1", "4/3");
	refused("scan --retries 99 198.18.1.1", "99");
	refused("scan --dialects some 198.18.1.1", "some");
	refused("scan --fail-on severe 198.18.1.1", "severe");
	refused("scan --bogus 198.18.1.1", "--bogus");
	refused("scan -iL /nonexistent/hosts.txt", "/nonexistent/hosts.txt");
	refused("scan", "no targets");
	refused("scan --exclude 198.18.1.0/24 198.18.1.0/24", "no targets left");
	refused("scan 198.18.0.0/15", "--force-large");
	refused("scan 2001:2::/111", "--force-large");
	/* 2^128 addresses, not the saturated 18446744073709551615 */
	refused("scan ::/0", "more than 2^64 addresses");
}

/* nmap's -oX FILE and -oA BASE (getopt alone would read -oX as -o X) */
static void test_nmap_outputs(void **state)
{
	(void)state;
	struct scan_cli cli;
	char err[256];
	assert_int_equal(parse("scan -oX lab.xml -o out.txt --format jsonl 198.18.1.10", &cli, err,
			       sizeof err), 0);
	assert_string_equal(cli.output, "out.txt");
	assert_int_equal(cli.format, REPORT_JSONL);
	assert_int_equal(cli.n_files, 1);
	assert_int_equal(cli.files[0].format, REPORT_NMAP_XML);
	assert_string_equal(cli.files[0].path, "lab.xml");
	options_scan_free(&cli);

	assert_int_equal(parse("scan -oA runs/lab 198.18.1.10", &cli, err, sizeof err), 0);
	assert_null(cli.output);
	assert_int_equal(cli.format, REPORT_TEXT);
	assert_int_equal(cli.n_files, 3);
	assert_int_equal(cli.files[0].format, REPORT_TEXT);
	assert_string_equal(cli.files[0].path, "runs/lab.txt");
	assert_int_equal(cli.files[1].format, REPORT_JSONL);
	assert_string_equal(cli.files[1].path, "runs/lab.jsonl");
	assert_int_equal(cli.files[2].format, REPORT_NMAP_XML);
	assert_string_equal(cli.files[2].path, "runs/lab.xml");
	options_scan_free(&cli);

	assert_int_equal(parse("scan --format nmap-xml 198.18.1.10", &cli, err, sizeof err), 0);
	assert_int_equal(cli.format, REPORT_NMAP_XML);
	assert_int_equal(cli.n_files, 0);
	options_scan_free(&cli);

	assert_int_equal(parse("scan -oA a -oA b -oX c 198.18.1.10", &cli, err, sizeof err), -1);
	assert_string_equal(err, "too many -oX/-oA/--relay-list outputs (at most 6 files)");
	options_scan_free(&cli);
}

static void test_force_large(void **state)
{
	(void)state;
	struct scan_cli cli;
	char err[300];
	assert_int_equal(parse("scan --force-large 198.18.0.0/15", &cli, err, sizeof err), 0);
	assert_int_equal(targets_count(cli.targets), 131072);
	options_scan_free(&cli);
}

/* Issue 15, CLI traps: nmap's -oX/-oN/-oG/-oA/-oS are refused with the
 * spelling that works here, never read as "-o X" with the file name after
 * them taken for a target. */
static void test_nmap_output_refused(void **state)
{
	(void)state;
	/* -oX and -oA work (test_nmap_outputs); the others are refused */
	refused("scan 198.18.1.0/24 -oN out.txt", "-oN is nmap's");
	refused("scan -oG out.gnmap 198.18.1.1", "--format line -o FILE");
	refused("scan -oS x 198.18.1.1", "-oS is nmap's");
	/* positive control: -o FILE and -oFILE still write a report */
	struct scan_cli cli;
	char err[300];
	assert_int_equal(parse("scan -o out.xml 198.18.1.1", &cli, err, sizeof err), 0);
	assert_string_equal(cli.output, "out.xml");
	assert_int_equal(targets_count(cli.targets), 1);
	options_scan_free(&cli);
	assert_int_equal(parse("scan -oreport.txt 198.18.1.1", &cli, err, sizeof err), 0);
	assert_string_equal(cli.output, "report.txt");
	options_scan_free(&cli);
}

/* An existing file where a target belongs is a forgotten -iL. */
static void test_file_target_refused(void **state)
{
	(void)state;
	char path[64], line[160];
	snprintf(path, sizeof path, "/tmp/smbw-opt-%d.xml", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("198.18.1.1\n", f);
	fclose(f);
	snprintf(line, sizeof line, "scan 198.18.1.2 %s", path);
	refused(line, "did you mean -iL");
	/* positive control: the same file through -iL is read */
	struct scan_cli cli;
	char err[300];
	snprintf(line, sizeof line, "scan -iL %s", path);
	assert_int_equal(parse(line, &cli, err, sizeof err), 0);
	assert_int_equal(targets_count(cli.targets), 1);
	options_scan_free(&cli);
	unlink(path);
}

/* The error names the option itself, not the word before it. */
static void test_unknown_option_named(void **state)
{
	(void)state;
	refused("scan -sV 198.18.1.1", "unknown option '-sV'");
	refused("scan 198.18.1.1 -Pn", "unknown option '-Pn'");
	refused("scan --no-db -Pn 198.18.1.1", "unknown option '-Pn'");
	refused("scan 198.18.1.1 -x", "unknown option '-x'");
	refused("scan 198.18.1.1 --bogus=1", "unknown option '--bogus'");
	refused("scan 198.18.1.1 -p", "option '-p' needs a value");
	refused("scan 198.18.1.1 --db", "option '--db' needs a value");
	/* and where it was: the monitor maps this index back to a config line */
	struct scan_cli cli;
	char err[300];
	assert_int_equal(parse("scan 198.18.1.1 --rate=fast 198.18.1.2", &cli, err, sizeof err), -1);
	assert_int_equal(cli.failed_at, 2);
	options_scan_free(&cli);
	assert_int_equal(parse("scan 198.18.1.1 198.18.1.300", &cli, err, sizeof err), -1);
	assert_int_equal(cli.failed_at, 2);
	options_scan_free(&cli);
}

/* Issue 15: an interrupted scan's resume file lists the positions above the
 * resume point that finished, so the resumed part neither scans nor counts
 * them again ("12 of 128 done" then "21 tried", then 128 more). */
static void test_resume_done_positions(void **state)
{
	(void)state;
	char path[64], err[300];
	snprintf(path, sizeof path, "/tmp/smbw-resume-%d", (int)getpid());
	char *argv[] = {"scan", "-p", "445", "198.18.1.0/27"};
	uint64_t done[] = {13, 14, 20};
	struct resume_state w = {.seed = 7, .shard_k = 1, .shard_n = 1, .position = 12,
				 .done = done, .n_done = 3, .argc = 4, .argv = argv};
	assert_int_equal(resume_write(path, &w), 0);
	struct resume_state r;
	assert_int_equal(resume_read(path, &r, err, sizeof err), 0);
	assert_int_equal(r.position, 12);
	assert_int_equal(r.n_done, 3);
	assert_int_equal(r.done[0], 13);
	assert_int_equal(r.done[2], 20);
	assert_int_equal(r.argc, 4);
	assert_string_equal(r.argv[3], "198.18.1.0/27");
	resume_free(&r);
	/* out of order, or below the resume point: not a file we wrote */
	static const char *const bad[] = {"done 14\ndone 13\n", "done 3\n"};
	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "version 1\nseed 7\nshard 1/1\nposition 12\n%s", bad[i]);
		fclose(f);
		assert_int_equal(resume_read(path, &r, err, sizeof err), -1);
		assert_non_null(strstr(err, "not understood"));
	}
	unlink(path);
}

/* Issue 22 section 5: --shard env:VAR/N reads the 0-based index a
 * Kubernetes Indexed Job sets (JOB_COMPLETION_INDEX) and makes it K = index+1. */
static void test_shard_from_env(void **state)
{
	(void)state;
	struct scan_cli cli;
	char err[300];
	assert_int_equal(setenv("SMBW_TEST_INDEX", "0", 1), 0);
	assert_int_equal(parse("scan --shard env:SMBW_TEST_INDEX/3 198.18.1.0/24", &cli, err, sizeof err), 0);
	assert_int_equal(cli.shard_k, 1);
	assert_int_equal(cli.shard_n, 3);
	options_scan_free(&cli);
	assert_int_equal(setenv("SMBW_TEST_INDEX", "2", 1), 0);
	assert_int_equal(parse("scan --shard env:SMBW_TEST_INDEX/3 198.18.1.0/24", &cli, err, sizeof err), 0);
	assert_int_equal(cli.shard_k, 3);
	assert_int_equal(cli.shard_n, 3);
	options_scan_free(&cli);

	/* the index is 0-based: N itself is one too many */
	assert_int_equal(setenv("SMBW_TEST_INDEX", "3", 1), 0);
	refused("scan --shard env:SMBW_TEST_INDEX/3 198.18.1.1", "SMBW_TEST_INDEX=3 is not below N=3");
	assert_int_equal(setenv("SMBW_TEST_INDEX", "two", 1), 0);
	refused("scan --shard env:SMBW_TEST_INDEX/3 198.18.1.1", "SMBW_TEST_INDEX='two' is not a 0-based index");
	assert_int_equal(setenv("SMBW_TEST_INDEX", "", 1), 0);
	refused("scan --shard env:SMBW_TEST_INDEX/3 198.18.1.1", "is not a 0-based index");
	assert_int_equal(setenv("SMBW_TEST_INDEX", "-1", 1), 0);
	refused("scan --shard env:SMBW_TEST_INDEX/3 198.18.1.1", "is not a 0-based index");
	assert_int_equal(unsetenv("SMBW_TEST_INDEX"), 0);
	refused("scan --shard env:SMBW_TEST_INDEX/3 198.18.1.1", "SMBW_TEST_INDEX is not set");
	/* malformed spellings name the form that works */
	refused("scan --shard env:SMBW_TEST_INDEX 198.18.1.1", "env:VAR/N");
	refused("scan --shard env:/3 198.18.1.1", "env:VAR/N");
	refused("scan --shard env:BAD-NAME/3 198.18.1.1", "env:VAR/N");
	refused("scan --shard env:X/0 198.18.1.1", "env:VAR/N");
	refused("scan --shard 0/3 198.18.1.1", "K/N");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),   cmocka_unit_test(test_checks),
		cmocka_unit_test(test_defaults),    cmocka_unit_test(test_options_set),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_surface),    cmocka_unit_test(test_force_large),
		cmocka_unit_test(test_nmap_outputs),
		cmocka_unit_test(test_nmap_output_refused),
		cmocka_unit_test(test_file_target_refused),
		cmocka_unit_test(test_unknown_option_named),
		cmocka_unit_test(test_resume_done_positions),
		cmocka_unit_test(test_shard_from_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
