/* test_html_report.c - the HTML report (--format html, src/report/html.c)
 * and the escaping it relies on (html_escape, json_script_dump in
 * src/report/escape.c): strings an attacker-run server sends as names, OS
 * strings, share comments and evidence come out as text, never as markup,
 * and the page's own structure (worst host first, counts, charts' data,
 * self-contained) is what it promises. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "record/record.h"
#include "report/escape.h"
#include "report/report.h"
#include "record_fixture.h"

/* The payloads a hostile server puts in its strings. */
static const char *const payloads[] = {
	"<script>alert(1)</script>",
	"\"><img src=x onerror=alert(1)>",
	"</style>",
	"</script>",
};
#define N_PAYLOADS (sizeof payloads / sizeof payloads[0])

static char *html_of(const char *s)
{
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	assert_non_null(f);
	html_escape(f, s);
	fclose(f);
	return mem;
}

static void test_html_escape(void **state)
{
	(void)state;
	char *s = html_of("<script>a&b\"c'd</script>");
	assert_string_equal(s, "&lt;script&gt;a&amp;b&quot;c&#39;d&lt;/script&gt;");
	free(s);
	s = html_of("\"><img src=x onerror=alert(1)>");
	assert_string_equal(s, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
	free(s);
	/* tab, LF, CR kept; other controls and non-UTF-8 bytes become U+FFFD */
	s = html_of("t\tl\nc\r\x01\x1b\x7f\xff\xc3(caf\xc3\xa9");
	assert_string_equal(s, "t\tl\nc\r\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			       "\xef\xbf\xbd(caf\xc3\xa9");
	free(s);
	s = html_of(NULL);
	assert_string_equal(s, "");
	free(s);
	/* nothing that opens or closes markup survives */
	for (size_t i = 0; i < N_PAYLOADS; i++) {
		s = html_of(payloads[i]);
		assert_null(strpbrk(s, "<>\"'"));
		free(s);
	}
}

static void test_json_script_dump(void **state)
{
	(void)state;
	const char *hostile = "</script><!--&\xe2\x80\xa8\xe2\x80\xa9<script>x";
	json_t *j = json_pack("{s:s,s:[s]}", "a", hostile, "b", "</SCRIPT>");
	assert_non_null(j);
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	assert_non_null(f);
	assert_int_equal(json_script_dump(f, j), 0);
	fclose(f);
	/* none of < > & and no raw U+2028/2029: the text cannot end <script> */
	assert_null(strpbrk(mem, "<>&"));
	assert_null(strstr(mem, "\xe2\x80\xa8"));
	assert_null(strstr(mem, "\xe2\x80\xa9"));
	assert_non_null(strstr(mem, "\\u003c/script\\u003e"));
	/* and it is the same JSON */
	json_error_t err;
	json_t *back = json_loads(mem, 0, &err);
	assert_non_null(back);
	assert_true(json_equal(j, back));
	assert_string_equal(json_string_value(json_object_get(back, "a")), hostile);
	json_decref(back);
	json_decref(j);
	free(mem);
}

static char *run_html_trend(const struct svc_record *const *recs, size_t n,
			    const struct report_trend_point *trend, size_t n_trend)
{
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	assert_non_null(f);
	int fmt = report_format_parse("html");
	assert_true(fmt >= 0);
	struct report *r = report_new((enum report_format)fmt, f);
	assert_non_null(r);
	struct report_run run = {.args = "smbwatch scan", .ports = "445", .view = "lab",
				 .start = T_UNIX, .trend = trend, .n_trend = n_trend};
	report_set_run(r, &run);
	for (size_t i = 0; i < n; i++)
		report_service(r, recs[i]);
	struct scan_summary sum = {.targets = 4, .open = 3, .closed = 1, .services = 3};
	report_finish(r, &sum);
	report_free(r);
	fclose(f);
	return mem;
}

static char *run_html(const struct svc_record *const *recs, size_t n)
{
	return run_html_trend(recs, n, NULL, 0);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* every name, OS string, share name and comment and evidence set to s */
static void fill_with(struct svc_record *r, const char *s)
{
	fill(r);
	record_set_str(r->ntlm.netbios_computer, REC_STR, s);
	record_set_str(r->ntlm.netbios_domain, REC_STR, s);
	record_set_str(r->ntlm.dns_computer, REC_STR, s);
	record_set_str(r->ntlm.dns_domain, REC_STR, s);
	record_set_str(r->smb1.native_os, REC_STR, s);
	record_set_str(r->smb1.native_lanman, REC_STR, s);
	record_set_str(r->smb1.server_name, REC_STR, s);
	record_set_str(r->shares[1].name, sizeof r->shares[1].name, s);
	record_set_str(r->shares[1].comment, REC_STR, s);
	record_set_str(r->findings[0].evidence, sizeof r->findings[0].evidence, s);
	record_add_error(r, "shares", "%s", s);
}

static void test_html_writer_hostile(void **state)
{
	(void)state;
	static struct svc_record recs[N_PAYLOADS];
	const struct svc_record *p[N_PAYLOADS];
	for (size_t i = 0; i < N_PAYLOADS; i++) {
		fill_with(&recs[i], payloads[i]);
		snprintf(recs[i].ip, sizeof recs[i].ip, "198.18.1.%zu", 10 + i);
		p[i] = &recs[i];
	}
	char *s = run_html(p, N_PAYLOADS);
	/* no payload raw anywhere */
	for (size_t i = 0; i < N_PAYLOADS; i++)
		if (i < 2) /* the two whole payloads */
			assert_null(strstr(s, payloads[i]));
	assert_null(strstr(s, "<img"));
	/* </style> and </script> only where the page itself closes them: one
	 * style element, three scripts (chart data, Chart.js, report.js) */
	assert_int_equal(count(s, "</style>"), 1);
	assert_int_equal(count(s, "</script>"), 3);
	assert_int_equal(count(s, "<script"), 3);
	/* the page has no markup in its strings: after the style, every '<'
	 * opens a tag we write; spot-check the strings arrived, escaped
	 * (positive control: the payloads are in the page, as text) */
	assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(s, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(s, "<td>&lt;/style&gt;</td>"));
	assert_non_null(strstr(s, "<td>&lt;/script&gt;</td>"));
	/* each field reached the page: NetBIOS name (hosts table and details),
	 * native OS (details), share comment, evidence */
	assert_true(count(s, "&lt;/style&gt;") >= 8);
	assert_non_null(strstr(s, "<dt>SMB1 native OS</dt><dd>&lt;/style&gt;</dd>"));
	assert_non_null(strstr(s, "<dt>DNS name</dt><dd>&lt;script&gt;alert(1)&lt;/script&gt;</dd>"));
	free(s);
}

static void test_html_writer_sample(void **state)
{
	(void)state;
	static struct svc_record a, b, c;
	fill(&a); /* 198.18.1.10: one high finding */
	fill(&b); /* 198.18.1.9: a critical one, on 139 and 445 */
	record_set_str(b.ip, sizeof b.ip, "198.18.1.9");
	record_set_str(b.ntlm.netbios_computer, REC_STR, "WORST");
	b.findings[0].severity = SEV_CRITICAL;
	record_set_str(b.findings[0].id, sizeof b.findings[0].id, "MS17_010");
	c = b;
	c.port = 139;
	c.netbios = true;
	c.n_findings = 0;
	const struct svc_record *recs[] = {&a, &c, &b};
	char *s = run_html(recs, 3);
	assert_true(strncmp(s, "<!DOCTYPE html>", 15) == 0);
	/* self-contained: no fetch allowed, no external link or source */
	assert_non_null(strstr(s, "content=\"default-src 'none'; script-src 'sha256-"));
	assert_null(strstr(s, "href=\"http"));
	assert_null(strstr(s, "src=\"http"));
	assert_null(strstr(s, "<link"));
	/* summary: 2 hosts, 3 services, 2 findings (1 critical, 1 high) */
	assert_non_null(strstr(s, "<span class=\"n\">2</span><span class=\"l\">hosts</span>"));
	assert_non_null(strstr(s, "<span class=\"n\">3</span><span class=\"l\">SMB services</span>"));
	assert_non_null(strstr(s, "<span class=\"n\">2</span><span class=\"l\">findings</span>"));
	assert_non_null(strstr(s, "<div class=\"card sev-critical\"><span class=\"n\">1</span>"));
	/* the worst host first, in the hosts table and in the details */
	const char *w = strstr(s, "<a href=\"#host-1\">198.18.1.9</a>");
	assert_non_null(w);
	assert_non_null(strstr(s, "<a href=\"#host-2\">198.18.1.10</a>"));
	assert_non_null(strstr(s, "<article class=\"host\" id=\"host-1\">\n<h3>198.18.1.9 &mdash; WORST"));
	/* the worst host's ports, joined */
	assert_non_null(strstr(w, "<td>139, 445</td>"));
	assert_non_null(strstr(s, "CVE-2017-0143"));
	/* findings by id, worst first, each fix written once and linked from
	 * the hosts */
	const char *ms = strstr(s, "<tr id=\"fix-MS17_010\"><td class=\"sev-critical\">Critical</td>");
	const char *s1 = strstr(s, "<tr id=\"fix-SMB1_ENABLED\"><td class=\"sev-high\">High</td>");
	assert_non_null(ms);
	assert_non_null(s1);
	assert_true(ms < s1);
	assert_int_equal(count(s, "<td>Disable SMBv1</td>"), 2);
	assert_int_equal(count(s, "<a class=\"fid\" href=\"#fix-MS17_010\">MS17_010</a>"), 1);
	assert_int_equal(count(s, "<a class=\"fid\" href=\"#fix-SMB1_ENABLED\">SMB1_ENABLED</a>"), 1);
	/* the charts' data: severity Critical..Info, dialects, SMB1, signing */
	assert_non_null(strstr(s, "\"severity\":{\"labels\":[\"Critical\",\"High\",\"Medium\","
				  "\"Low\",\"Info\"],\"counts\":[1,1,0,0,0]}"));
	assert_non_null(strstr(s, "\"smb1\":{\"labels\":[\"enabled\",\"disabled\",\"unknown\"],"
				  "\"counts\":[3,0,0]}"));
	assert_non_null(strstr(s, "\"counts\":[0,0,0,0,0,3,0]")); /* all 3.1.1 */
	/* sortable tables and their filter boxes */
	assert_int_equal(count(s, "class=\"filter-input\""), 2);
	assert_non_null(strstr(s, "<table id=\"hosts-table\" class=\"sortable\">"));
	assert_non_null(strstr(s, "@media print"));
	assert_non_null(strstr(s, "Chart.js v4.5.1"));
	free(s);
}

/* A /24 of old Samba-like hosts with every finding assess.c gives them,
 * three shares each: the report stays under 1 MB (the bound). */
static void test_html_writer_slash24_size(void **state)
{
	(void)state;
	static struct svc_record recs[254];
	const struct svc_record *p[254];
	for (size_t i = 0; i < 254; i++) {
		fill(&recs[i]);
		snprintf(recs[i].ip, sizeof recs[i].ip, "198.18.7.%zu", i + 1);
		snprintf(recs[i].ntlm.netbios_computer, REC_STR, "HOST-%03zu", i + 1);
		recs[i].smb2.signing = SIGN_DISABLED;
		recs[i].auth.guest = TRI_YES;
		recs[i].n_shares = 3;
		record_set_str(recs[i].shares[2].name, sizeof recs[i].shares[2].name, "scans");
		record_set_str(recs[i].shares[2].type, sizeof recs[i].shares[2].type, "disk");
		record_set_str(recs[i].shares[2].comment, REC_STR, "Scanner drop folder, 3rd floor");
		recs[i].shares[2].anonymous_read = TRI_YES;
		recs[i].n_findings = 0;
		assess_record(&recs[i]);
		p[i] = &recs[i];
	}
	assert_true(recs[0].n_findings >= 4);
	char *s = run_html(p, 254);
	size_t len = strlen(s);
	print_message("# a /24 of %u findings per host: %zu bytes\n", recs[0].n_findings, len);
	if (getenv("HTML_REPORT_DUMP")) {
		FILE *d = fopen(getenv("HTML_REPORT_DUMP"), "w");
		if (d) {
			fputs(s, d);
			fclose(d);
		}
	}
	assert_true(len < 1024 * 1024);
	assert_non_null(strstr(s, "HOST-254"));
	free(s);
}

/* Findings over time: only with earlier runs; their counts, then this run's. */
static void test_html_writer_trend(void **state)
{
	(void)state;
	static struct svc_record a;
	fill(&a); /* one high finding */
	const struct svc_record *recs[] = {&a};
	char *s = run_html(recs, 1);
	assert_null(strstr(s, "<canvas id=\"chart-trend\">"));
	assert_null(strstr(s, "\"trend\""));
	free(s);
	struct report_trend_point pts[2] = {
		{.at = T_UNIX - 7200, .sev = {[SEV_HIGH] = 3, [SEV_INFO] = 1}},
		{.at = T_UNIX - 3600, .sev = {[SEV_CRITICAL] = 1, [SEV_HIGH] = 2}},
	};
	s = run_html_trend(recs, 1, pts, 2);
	assert_int_equal(count(s, "<canvas id=\"chart-trend\">"), 1);
	assert_non_null(strstr(s, "\"trend\":{\"labels\":[\"2023-11-14 20:13\",\"2023-11-14 21:13\","
				  "\"2023-11-14 22:13\"],\"series\":[[0,1,0],[3,2,1],[0,0,0],[0,0,0],"
				  "[1,0,0]]}"));
	free(s);
}

static void test_html_writer_empty(void **state)
{
	(void)state;
	char *s = run_html(NULL, 0);
	assert_non_null(strstr(s, "<p>No SMB service was found.</p>"));
	assert_non_null(strstr(s, "</html>\n"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_json_script_dump),
		cmocka_unit_test(test_html_writer_hostile),
		cmocka_unit_test(test_html_writer_sample),
		cmocka_unit_test(test_html_writer_slash24_size),
		cmocka_unit_test(test_html_writer_trend),
		cmocka_unit_test(test_html_writer_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
