/* test_report.c - the text, line, csv and jsonl writers on sample
 * records (exact output), format names, and the progress line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/json.h"
#include "record/record.h"
#include "report/progress.h"
#include "report/report.h"
#include "record_fixture.h"

/* A second host: SMB2 only, signing required, two findings. */
static void fill_dc(struct svc_record *r, const char *ip, uint16_t port)
{
	record_init(r);
	record_set_str(r->ip, sizeof r->ip, ip);
	r->port = port;
	r->smb1.enabled = TRI_NO;
	r->smb2.present = true;
	record_add_dialect(r, 0x0210);
	record_add_dialect(r, 0x0311);
	r->smb2.signing = SIGN_REQUIRED;
	r->ntlm.present = true;
	record_set_str(r->ntlm.netbios_computer, REC_STR, "DC1");
	record_set_str(r->ntlm.netbios_domain, REC_STR, "CORP");
	r->ntlm.has_version = true;
	r->ntlm.os_major = 10;
	r->ntlm.os_build = 17763;
	r->n_findings = 2;
	record_set_str(r->findings[0].id, sizeof r->findings[0].id, "SMB_EXPOSED");
	r->findings[0].severity = SEV_INFO;
	r->findings[0].title = "SMB is reachable";
	record_set_str(r->findings[1].id, sizeof r->findings[1].id, "NO_ENCRYPTION");
	r->findings[1].severity = SEV_LOW;
	r->findings[1].title = "No SMB encryption offered";
}

/* Run writer fmt over n records and return everything it printed. */
static char *run(enum report_format fmt, const struct svc_record *const *recs, size_t n,
		 const struct scan_summary *sum)
{
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	assert_non_null(f);
	struct report *r = report_new(fmt, f);
	assert_non_null(r);
	for (size_t i = 0; i < n; i++)
		report_service(r, recs[i]);
	report_finish(r, sum);
	report_free(r);
	fclose(f);
	return mem;
}

static struct svc_record rec_a, rec_b, rec_c;

static void test_format_parse(void **state)
{
	(void)state;
	assert_int_equal(report_format_parse("text"), REPORT_TEXT);
	assert_int_equal(report_format_parse("line"), REPORT_LINE);
	assert_int_equal(report_format_parse("jsonl"), REPORT_JSONL);
	assert_int_equal(report_format_parse("csv"), REPORT_CSV);
	assert_int_equal(report_format_parse("nmap-xml"), REPORT_NMAP_XML);
	assert_int_equal(report_format_parse("defectdojo"), REPORT_DEFECTDOJO);
	assert_int_equal(report_format_parse("ecs"), REPORT_ECS);
	assert_int_equal(report_format_parse("json"), -1);
	assert_int_equal(report_format_parse(""), -1);
	assert_int_equal(report_format_parse(NULL), -1);
	assert_null(report_new((enum report_format)42, stdout));
}

static const char want_text[] =
	"198.18.1.2  (DC1, domain CORP, Windows 10 1809 / Server 2019 (10.0.17763))\n"
	"  139/tcp   netbios  SMB1 no\n"
	"                     SMB2 2.1 3.1.1 (signing required)\n"
	"  findings: [info] SMB_EXPOSED: SMB is reachable\n"
	"            [low] NO_ENCRYPTION: No SMB encryption offered\n"
	"  445/tcp   direct   SMB1 no\n"
	"                     SMB2 2.1 3.1.1 (signing required)\n"
	"  findings: [info] SMB_EXPOSED: SMB is reachable\n"
	"            [low] NO_ENCRYPTION: No SMB encryption offered\n"
	"\n"
	"198.18.1.10  (LAB-SMB1, domain LAB, Samba 4.17.12-Debian)\n"
	"  445/tcp   direct   SMB1 yes (NT LM 0.12, signing enabled)\n"
	"                     native os Windows 6.1, lanman Samba 4.17.12-Debian\n"
	"                     SMB2 2.0.2 2.1 3.0 3.0.2 3.1.1 (signing enabled)\n"
	"                     guid 03020100-0504-0706-0809-0a0b0c0d0e0f,\n"
	"                       time 2023-11-14T22:13:20Z\n"
	"                     capabilities DFS LEASING LARGE_MTU\n"
	"                     ciphers AES-128-GCM AES-128-CCM, signing algorithms\n"
	"                       AES-CMAC 0x0009\n"
	"                     dns lab-smb1.lab.test, dns domain lab.test\n"
	"                     anonymous logon yes, null session yes\n"
	"                     shares IPC$, public (anonymous read)\n"
	"                     MS17-010 not vulnerable\n"
	"                     error guest: session setup: STATUS_LOGON_FAILURE\n"
	"  findings: [high] SMB1_ENABLED: SMBv1 is enabled\n"
	"\n"
	"Summary: 3 SMB services on 2 hosts in 1.2 s\n"
	"Targets: 6 tried: 3 open, 2 closed, 1 filtered, 0 errors\n"
	"Findings: 1 high, 2 low, 2 info\n"
	"Worst hosts:\n"
	"  198.18.1.10      1 high\n"
	"  198.18.1.2       2 low, 2 info\n"
	"What to do:\n"
	"  SMB1_ENABLED (1 service): Disable SMBv1\n";

static const char want_line[] =
	"SMB  198.18.1.10      445    LAB-SMB1         [*] Windows 6.1 Build 0 (name:LAB-SMB1) (domain:LAB) (dialects:2.0.2-3.1.1) (signing:False) (SMBv1:True) (null_session:True)\n"
	"SMB  198.18.1.2       445    DC1              [*] Windows 10.0 Build 17763 (name:DC1) (domain:CORP) (dialects:2.1,3.1.1) (signing:True) (SMBv1:False)\n"
	"SMB  198.18.1.2       139    DC1              [*] Windows 10.0 Build 17763 (name:DC1) (domain:CORP) (dialects:2.1,3.1.1) (signing:True) (SMBv1:False)\n";

static const char want_csv[] =
	/* the check columns come from the check table, in its order */
	"ip,port,transport,netbios_computer,netbios_domain,os_version,smb1,smb1_signing,smb2_dialects,smb2_signing,server_guid,"
	"anonymous_logon,null_session,guest,shares,ms17_010,cve_2020_0796,doublepulsar,relay_target,epm_interfaces,coercion_surface,rpc_role,nbns_names,nbns_mac,quic,quic_cert,mgmt,mgmt_smb_on_host,findings\r\n"
	"198.18.1.10,445,direct,LAB-SMB1,LAB,6.1.0,true,enabled,2.0.2 2.1 3.0 3.0.2 3.1.1,enabled,03020100-0504-0706-0809-0a0b0c0d0e0f,"
	"true,true,,IPC$ public(read),not_vulnerable,,,,,,,,,,,,,SMB1_ENABLED\r\n"
	"198.18.1.2,445,direct,DC1,CORP,10.0.17763,false,,2.1 3.1.1,required,,,,,,,,,,,,,,,,,,,SMB_EXPOSED NO_ENCRYPTION\r\n"
	"198.18.1.2,139,netbios,DC1,CORP,10.0.17763,false,,2.1 3.1.1,required,,,,,,,,,,,,,,,,,,,SMB_EXPOSED NO_ENCRYPTION\r\n";

static void sample(void)
{
	fill(&rec_a);
	fill_dc(&rec_b, "198.18.1.2", 445);
	fill_dc(&rec_c, "198.18.1.2", 139);
	rec_c.netbios = true;
}

static const struct scan_summary sample_sum = {
	.targets = 6, .open = 3, .closed = 2, .filtered = 1, .services = 3, .seconds = 1.25};

static void test_text(void **state)
{
	(void)state;
	sample();
	const struct svc_record *recs[] = { &rec_a, &rec_b, &rec_c };
	char *s = run(REPORT_TEXT, recs, 3, &sample_sum);
	assert_string_equal(s, want_text);
	/* every line fits 80 columns */
	for (char *l = s; *l;) {
		size_t n = strcspn(l, "\n");
		assert_in_range(n, 0, 80);
		l += n + (l[n] ? 1 : 0);
	}
	free(s);
	/* completion order does not change the report */
	const struct svc_record *rev[] = { &rec_c, &rec_a, &rec_b };
	s = run(REPORT_TEXT, rev, 3, &sample_sum);
	assert_string_equal(s, want_text);
	free(s);
}

static void test_text_empty(void **state)
{
	(void)state;
	struct scan_summary sum = {.targets = 256, .closed = 250, .filtered = 6, .seconds = 3.0};
	char *s = run(REPORT_TEXT, NULL, 0, &sum);
	assert_string_equal(s, "No SMB services found.\n\n"
			       "Summary: 0 SMB services on 0 hosts in 3.0 s\n"
			       "Targets: 256 tried: 0 open, 250 closed, 6 filtered, 0 errors\n");
	free(s);
}

/* 135 and U:137 records are services, not SMB services: the summary counts
 * them apart (the policy's "no SMB answered" reads the SMB count only). */
static void test_summary_other_services(void **state)
{
	(void)state;
	char b[96];
	struct scan_summary sum = {.services = 1};
	summary_services_text(&sum, b, sizeof b);
	assert_string_equal(b, "1 SMB service");
	sum.other_services = 2;
	summary_services_text(&sum, b, sizeof b);
	assert_string_equal(b, "1 SMB service and 2 other services");
	sum = (struct scan_summary){.other_services = 1};
	summary_services_text(&sum, b, sizeof b);
	assert_string_equal(b, "0 SMB services and 1 other service");
	/* the cost line: what the services found cost their servers */
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	struct scan_summary c = {.targets = 4, .open = 3, .closed = 1, .services = 2,
				 .other_services = 1, .connections = 10, .conn_retries = 1};
	report_targets_line(f, &c, "> ");
	c.connections = 0; /* nothing counted: no line */
	report_targets_line(f, &c, "> ");
	fclose(f);
	assert_string_equal(mem, "> Targets: 4 tried: 3 open, 1 closed, 0 filtered, 0 errors\n"
				 "> Cost: 10 connections to the 3 services found (3.3 each), 1 retry\n"
				 "> Targets: 4 tried: 3 open, 1 closed, 0 filtered, 0 errors\n");
	free(mem);
	char small[8]; /* cut, never overrun */
	summary_services_text(&sum, small, sizeof small);
	assert_string_equal(small, "0 SMB s");
}

static void test_line(void **state)
{
	(void)state;
	sample();
	const struct svc_record *recs[] = { &rec_a, &rec_b, &rec_c };
	char *s = run(REPORT_LINE, recs, 3, &sample_sum);
	assert_string_equal(s, want_line);
	free(s);
}

static void test_csv(void **state)
{
	(void)state;
	sample();
	const struct svc_record *recs[] = { &rec_a, &rec_b, &rec_c };
	char *s = run(REPORT_CSV, recs, 3, &sample_sum);
	assert_string_equal(s, want_csv);
	free(s);
}

static void test_csv_quoting(void **state)
{
	(void)state;
	static struct svc_record r;
	record_init(&r);
	record_set_str(r.ip, sizeof r.ip, "127.0.0.1");
	r.port = 8445;
	r.ntlm.present = true;
	/* formula injection from a hostile server, and RFC 4180 quoting */
	record_set_str(r.ntlm.netbios_computer, REC_STR, "=HYPERLINK(\"x\")");
	record_set_str(r.ntlm.netbios_domain, REC_STR, "A,B\r\nC");
	/* a share name is the server's too, in a check's column */
	r.has_shares = true;
	r.n_shares = 1;
	record_set_str(r.shares[0].name, sizeof r.shares[0].name, "=cmd");
	const struct svc_record *recs[] = { &r };
	char *s = run(REPORT_CSV, recs, 1, NULL);
	const char *row = strchr(s, '\n') + 1;
	assert_string_equal(row, "127.0.0.1,8445,direct,\"'=HYPERLINK(\"\"x\"\")\",\"A,B\r\nC\","
				 ",,,,,,,,,\"'=cmd\",,,,,,,,,,,,,,\r\n");
	free(s);
}

static void test_jsonl(void **state)
{
	(void)state;
	sample();
	const struct svc_record *recs[] = { &rec_a, &rec_b, &rec_c };
	char *s = run(REPORT_JSONL, recs, 3, &sample_sum);
	const char *head = "{\"type\":\"service\",\"ip\":\"198.18.1.10\",\"port\":445,";
	assert_true(strncmp(s, head, strlen(head)) == 0);
	/* three lines, each a compact object equal to record_to_json */
	const struct svc_record *order[] = { &rec_a, &rec_b, &rec_c };
	char *line = s;
	for (int i = 0; i < 3; i++) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		json_t *o = record_to_json(order[i]);
		char *want = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		assert_string_equal(line, want);
		free(want);
		line = nl + 1;
	}
	assert_string_equal(line, "");
	free(s);
}

static void test_hostile_strings_on_terminal(void **state)
{
	(void)state;
	static struct svc_record r;
	record_init(&r);
	record_set_str(r.ip, sizeof r.ip, "127.0.0.1");
	r.port = 445;
	r.smb2.present = true;
	r.ntlm.present = true;
	record_set_str(r.ntlm.netbios_computer, REC_STR, "\x1b[2JEVIL\r");
	const struct svc_record *recs[] = { &r };
	char *s = run(REPORT_LINE, recs, 1, NULL);
	assert_null(strchr(s, '\x1b'));
	assert_non_null(strstr(s, "(name:?[2JEVIL?)"));
	free(s);
	s = run(REPORT_TEXT, recs, 1, NULL);
	assert_null(strchr(s, '\x1b'));
	assert_null(strchr(s, '\r'));
	assert_non_null(strstr(s, "127.0.0.1  (?[2JEVIL?)\n"));
	free(s);
}

static char *progress_run(bool enabled, void (*steps)(struct progress *))
{
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	assert_non_null(f);
	struct progress *p = progress_new(f, 1000);
	assert_non_null(p);
	if (enabled)
		progress_set_enabled(p, true);
	steps(p);
	progress_free(p);
	fclose(f);
	return mem;
}

static void steps_basic(struct progress *p)
{
	progress_update(p, 0, 0, 5, 100.0);
	progress_update(p, 100, 1, 5, 100.1);   /* within 0.25 s: not drawn */
	progress_update(p, 250, 2, 8, 100.5);   /* 500/s, 750 left: 1.5 s */
	progress_update(p, 1000, 3, 0, 100.6);  /* done: always drawn */
}

static void test_progress(void **state)
{
	(void)state;
	char *s = progress_run(true, steps_basic);
	assert_string_equal(s, "\r[0/1000] found 0  rate 0/s  inflight 5  ETA --:--\033[K"
			       "\r[250/1000] found 2  rate 500/s  inflight 8  ETA 00:02\033[K"
			       "\r[1000/1000] found 3  rate 1667/s  inflight 0  ETA 00:00\033[K"
			       "\r\033[K");
	free(s);
	/* a memstream is not a terminal: nothing at all */
	s = progress_run(false, steps_basic);
	assert_string_equal(s, "");
	free(s);
	/* NULL is accepted everywhere */
	progress_update(NULL, 1, 1, 1, 1.0);
	progress_set_enabled(NULL, true);
	progress_free(NULL);
}

static void steps_hours(struct progress *p)
{
	progress_update(p, 0, 0, 0, 0.0);
	progress_update(p, 1, 0, 0, 10.0); /* 0.1/s, 999 left: 9990 s */
}

static void test_progress_hours(void **state)
{
	(void)state;
	char *s = progress_run(true, steps_hours);
	assert_non_null(strstr(s, "rate 0/s  inflight 0  ETA 2:46:30\033[K"));
	free(s);
}

/* nothing left is 0 s left, even when nothing finished lately (the final
 * --stats-every line); an unknown rate with work left stays unknown */
static void test_progress_eta(void **state)
{
	(void)state;
	assert_true(progress_eta(1000, 1000, 0.0) == 0.0);
	assert_true(progress_eta(1200, 1000, 0.0) == 0.0);
	assert_true(progress_eta(999, 1000, 0.0) < 0);
	assert_true(progress_eta(500, 1000, 250.0) == 2.0);
}

/* 100/s for 10 s, then 1000/s: the rate shown is the last 5 s (1000/s, as
 * the ETA), not the average since the start (~400/s) */
static void steps_speedup(struct progress *p)
{
	uint64_t done = 0;
	for (int i = 0; i <= 40; i++) /* 0.0 .. 10.0 s */
		progress_update(p, done += (i ? 25 : 0), 0, 1, i * 0.25);
	for (int i = 1; i <= 24; i++) /* 10.25 .. 16.0 s */
		progress_update(p, done += 250, 0, 1, 10.0 + i * 0.25);
}

static void test_progress_current_rate(void **state)
{
	(void)state;
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	assert_non_null(f);
	struct progress *p = progress_new(f, 100000);
	progress_set_enabled(p, true);
	steps_speedup(p);
	fflush(f);
	/* the last line: 7000 done at 16 s, 93000 left at 1000/s = 1:33 */
	const char *last = strrchr(mem, '\r');
	assert_non_null(last);
	assert_string_equal(last,
			    "\r[7000/100000] found 0  rate 1000/s  inflight 1  ETA 01:33\033[K");
	progress_free(p);
	fclose(f);
	free(mem);
}

/* Issue 15: errors are explained (counts by reason) and counted in
 * singular or plural as they come. */
static void test_errors_by_reason(void **state)
{
	(void)state;
	struct scan_summary sum = {.targets = 5, .closed = 2, .errors = 3};
	summary_add_error(&sum, "connect: network is unreachable");
	summary_add_error(&sum, "connect: host is unreachable");
	summary_add_error(&sum, "connect: network is unreachable");
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	report_targets_line(f, &sum, "smbwatch: ");
	fclose(f);
	assert_string_equal(mem, "smbwatch: Targets: 5 tried: 0 open, 2 closed, 0 filtered, 3 errors\n"
				 "smbwatch: Errors: 2 connect: network is unreachable; 1 connect: "
				 "host is unreachable (-v: each target)\n");
	free(mem);
	/* one error: singular; no reason table: no Errors line */
	struct scan_summary one = {.targets = 1, .errors = 1};
	f = open_memstream(&mem, &sz);
	report_targets_line(f, &one, "");
	fclose(f);
	assert_string_equal(mem, "Targets: 1 tried: 0 open, 0 closed, 0 filtered, 1 error\n");
	free(mem);
	/* more reasons than the table holds: the rest are "other" */
	struct scan_summary many = {0};
	for (int i = 0; i < SUMMARY_MAX_REASONS + 3; i++) {
		char why[32];
		snprintf(why, sizeof why, "reason %d", i);
		summary_add_error(&many, why);
	}
	assert_int_equal(many.n_reasons, SUMMARY_MAX_REASONS);
	assert_int_equal(many.other_errors, 3);
}

/* Issue 15: an implant found is "INFECTED" in text as in the line format,
 * never "DoublePulsar VULNERABLE". */
static void test_doublepulsar_words(void **state)
{
	(void)state;
	sample();
	rec_a.doublepulsar = VULN_VULNERABLE;
	rec_a.ms17_010 = VULN_VULNERABLE;
	const struct svc_record *recs[] = {&rec_a};
	char *t = run(REPORT_TEXT, recs, 1, &sample_sum);
	char *l = run(REPORT_LINE, recs, 1, &sample_sum);
	assert_non_null(strstr(t, "DoublePulsar INFECTED"));
	assert_null(strstr(t, "DoublePulsar VULNERABLE"));
	assert_non_null(strstr(t, "MS17-010 VULNERABLE"));
	assert_non_null(strstr(l, "(DoublePulsar:INFECTED)"));
	free(t);
	free(l);
	rec_a.doublepulsar = VULN_NOT_VULNERABLE;
	t = run(REPORT_TEXT, recs, 1, &sample_sum);
	assert_non_null(strstr(t, "DoublePulsar not infected"));
	free(t);
	sample();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_errors_by_reason),
		cmocka_unit_test(test_doublepulsar_words),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_empty),
		cmocka_unit_test(test_summary_other_services),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_hostile_strings_on_terminal),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_progress_hours),
		cmocka_unit_test(test_progress_eta),
		cmocka_unit_test(test_progress_current_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
