/* test_exports.c - the formats other tools import (nmap-xml, defectdojo,
 * ecs) on the sample record, and the shared XML / JSON escaping they rely
 * on, with hostile strings from the network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/record.h"
#include "assess/assess.h"
#include "report/escape.h"
#include "report/report.h"
#include "record_fixture.h"

/* What an attacker-run server can put in its names and share comments. */
#define HOSTILE "<script>a&b\"c'd\x01\x1b\x7f\xff\xc3(</script>]]>"

static char *xml_of(const char *s)
{
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	assert_non_null(f);
	xml_escape(f, s);
	fclose(f);
	return mem;
}

static void test_utf8_seq_len(void **state)
{
	(void)state;
	assert_int_equal(utf8_seq_len((const unsigned char *)"a"), 1);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xc3\xa9"), 2);      /* é */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x82\xac"), 3);  /* € */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80"), 4);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\x80"), 0);          /* continuation */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xc0\xaf"), 0);      /* overlong */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe0\x80\xaf"), 0);  /* overlong */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xed\xa0\x80"), 0);  /* surrogate */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80"), 0); /* > U+10FFFF */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xef\xbf\xbf"), 0);  /* U+FFFF */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xc3"), 0);          /* cut by NUL */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x82"), 0);
}

static void test_xml_escape(void **state)
{
	(void)state;
	char *s = xml_of(HOSTILE);
	assert_string_equal(s, "&lt;script&gt;a&amp;b&quot;c&apos;d\\x01\\x1b\\x7f\\xff\\xc3(&lt;/"
			       "script&gt;]]&gt;");
	free(s);
	s = xml_of("tab\tlf\ncr\r caf\xc3\xa9");
	assert_string_equal(s, "tab&#x9;lf&#xa;cr&#xd; caf\xc3\xa9");
	free(s);
	s = xml_of(NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_json_string_lossy(void **state)
{
	(void)state;
	json_t *j = json_string_lossy(HOSTILE);
	assert_non_null(j);
	char *d = json_dumps(j, JSON_ENCODE_ANY);
	assert_string_equal(d, "\"<script>a&b\\\"c'd\\u0001\\u001B\x7f\xef\xbf\xbd\xef\xbf\xbd(</"
			       "script>]]>\"");
	free(d);
	json_decref(j);
	j = json_string_lossy("caf\xc3\xa9");
	assert_string_equal(json_string_value(j), "caf\xc3\xa9");
	json_decref(j);
}

static char *run(enum report_format fmt, const struct svc_record *const *recs, size_t n)
{
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	assert_non_null(f);
	struct report *r = report_new(fmt, f);
	assert_non_null(r);
	struct report_run run = {
		.args = "smbwatch scan --format x 198.18.1.0/24 \"<&>\"",
		.ports = "445,139",
		.view = "lab",
		.start = T_UNIX,
	};
	report_set_run(r, &run);
	for (size_t i = 0; i < n; i++)
		report_service(r, recs[i]);
	struct scan_summary sum = {.targets = 4, .open = 2, .closed = 1, .filtered = 1, .errors = 0,
				   .services = 2, .seconds = 1.5};
	report_finish(r, &sum);
	report_free(r);
	fclose(f);
	return mem;
}

/* The whole text is UTF-8 and has no control byte XML cannot carry. */
static void assert_xml_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x20)
			assert_true(*p == '\n');
		size_t n = utf8_seq_len(p);
		assert_true(n > 0);
		p += n;
	}
}

/* Valid against nmap's DTD, when the machine has xmllint and the DTD
 * (scripts/deps.sh installs both; the integration test requires them). */
static void assert_dtd_valid(const char *xml)
{
	if (access("/usr/bin/xmllint", X_OK) != 0 || access("/usr/share/nmap/nmap.dtd", R_OK) != 0) {
		print_message("# xmllint or nmap.dtd missing: DTD check skipped\n");
		return;
	}
	char path[] = "/tmp/test_exports_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(xml, f);
	fclose(f);
	char cmd[256];
	snprintf(cmd, sizeof cmd,
		 "xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd %s >/dev/null 2>&1", path);
	int rc = system(cmd);
	unlink(path);
	assert_int_equal(rc, 0);
}

static void test_nmapxml_sample(void **state)
{
	(void)state;
	static struct svc_record a, b;
	fill(&a);
	/* the same host on 139 over NetBIOS: one <host>, two ports */
	fill(&b);
	b.port = 139;
	b.netbios = true;
	b.n_findings = 0;
	const struct svc_record *recs[] = { &b, &a };
	char *s = run(REPORT_NMAP_XML, recs, 2);
	assert_xml_chars(s);
	assert_dtd_valid(s);
	assert_non_null(strstr(s, "<nmaprun scanner=\"nmap\" args=\"smbwatch scan --format x "
				  "198.18.1.0/24 &quot;&lt;&amp;&gt;&quot;\" start=\"1700000000\""));
	assert_non_null(strstr(s, "<scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"2\" "
				  "services=\"445,139\"/>"));
	/* one host, its two ports in order */
	assert_non_null(strstr(s, "<address addr=\"198.18.1.10\" addrtype=\"ipv4\"/>"));
	assert_null(strstr(strstr(s, "<address") + 1, "<address"));
	const char *p139 = strstr(s, "<port protocol=\"tcp\" portid=\"139\"><state state=\"open\"");
	const char *p445 = strstr(s, "<port protocol=\"tcp\" portid=\"445\"><state state=\"open\"");
	assert_non_null(p139);
	assert_non_null(p445);
	assert_true(p139 < p445);
	assert_non_null(strstr(p139, "<service name=\"netbios-ssn\" method=\"probed\" conf=\"10\""));
	assert_non_null(strstr(p445, "<service name=\"microsoft-ds\" method=\"probed\" conf=\"10\""));
	/* the finding as our own script, on its port */
	assert_non_null(strstr(p445, "<script id=\"smbwatch-smb1-enabled\" output=\"&#xa;  id: "
				     "SMB1_ENABLED&#xa;  severity: high&#xa;  title: SMBv1 is "
				     "enabled&#xa;  evidence: NT LM 0.12 accepted&#xa;  "
				     "remediation: Disable SMBv1\"><elem key=\"id\">SMB1_ENABLED</elem>\n"
				     "<elem key=\"severity\">high</elem>\n"));
	/* nmap's scripts with nmap's keys */
	assert_non_null(strstr(s, "<hostscript><script id=\"smb-protocols\" output=\"&#xa;  "
				  "dialects: &#xa;    NT LM 0.12 (SMBv1) [dangerous, but default]"
				  "&#xa;    202&#xa;    210&#xa;    300&#xa;    302&#xa;    311\">"
				  "<table key=\"dialects\">\n<elem>NT LM 0.12 (SMBv1) [dangerous, but "
				  "default]</elem>\n<elem>202</elem>\n"));
	assert_non_null(strstr(s, "<script id=\"smb2-security-mode\" output=\"&#xa;  311: &#xa;    "
				  "Message signing enabled but not required\"><table key=\"311\">\n"
				  "<elem>Message signing enabled but not required</elem>\n</table>\n"));
	assert_non_null(strstr(s, "<elem key=\"message_signing\">supported</elem>"));
	assert_non_null(strstr(s, "<script id=\"smb-os-discovery\""));
	assert_non_null(strstr(s, "<elem key=\"os\">Windows 6.1</elem>\n<elem key=\"lanmanager\">"
				  "Samba 4.17.12-Debian</elem>\n<elem key=\"server\">LAB-SMB1</elem>"));
	assert_non_null(strstr(s, "<elem key=\"domain_dns\">lab.test</elem>"));
	assert_non_null(strstr(s, "<table key=\"311\">\n<elem>Distributed File System</elem>\n"
				  "<elem>Leasing</elem>\n<elem>Multi-credit operations</elem>"));
	assert_non_null(strstr(s, "<script id=\"smb2-time\""));
	assert_non_null(strstr(s, "<elem key=\"date\">2023-11-14T22:13:20</elem>\n"
				  "<elem key=\"start_date\">N/A</elem>"));
	assert_non_null(strstr(s, "<script id=\"smb-vuln-ms17-010\""));
	assert_non_null(strstr(s, "<table key=\"CVE-2017-0143\">\n<elem key=\"title\">"));
	assert_non_null(strstr(s, "<elem key=\"state\">NOT VULNERABLE</elem>"));
	assert_null(strstr(s, "smb-double-pulsar-backdoor")); /* not checked: absent */
	assert_non_null(strstr(s, "<table key=\"\\\\198.18.1.10\\IPC$\">\n<elem key=\"Type\">"
				  "STYPE_IPC_HIDDEN</elem>\n<elem key=\"Comment\">IPC Service</elem>"));
	assert_non_null(strstr(s, "<elem key=\"Anonymous access\">READ</elem>"));
	assert_non_null(strstr(s, "<hosts up=\"1\" down=\"0\" total=\"1\"/>"));
	assert_non_null(strstr(s, "</runstats>\n</nmaprun>\n"));
	free(s);
}

static void test_nmapxml_vulnerable(void **state)
{
	(void)state;
	static struct svc_record a;
	fill(&a);
	a.ms17_010 = VULN_VULNERABLE;
	a.doublepulsar = VULN_VULNERABLE;
	const struct svc_record *recs[] = { &a };
	char *s = run(REPORT_NMAP_XML, recs, 1);
	assert_dtd_valid(s);
	assert_non_null(strstr(s, "<elem key=\"state\">VULNERABLE</elem>\n<table key=\"ids\">\n"
				  "<elem>CVE:CVE-2017-0143</elem>"));
	assert_non_null(strstr(s, "<script id=\"smb-double-pulsar-backdoor\""));
	free(s);
}

/* The endpoint mapper on 135 is nmap's msrpc, with its findings. */
static void test_nmapxml_epm(void **state)
{
	(void)state;
	static struct svc_record a;
	record_init(&a);
	record_set_str(a.ip, sizeof a.ip, "198.18.1.50");
	a.port = 135;
	a.epm.present = a.epm.complete = true;
	record_epm_iface(&a, "12345678-1234-abcd-ef00-0123456789ab", 1, 0);
	assess_record(&a);
	const struct svc_record *recs[] = { &a };
	char *s = run(REPORT_NMAP_XML, recs, 1);
	assert_dtd_valid(s);
	assert_non_null(strstr(s, "<service name=\"msrpc\" method=\"probed\" conf=\"10\""));
	assert_null(strstr(s, "microsoft-ds"));
	assert_non_null(strstr(s, "COERCION_SURFACE"));
	free(s);
}

/* A run that found nothing is still a valid nmap document. */
static void test_nmapxml_empty(void **state)
{
	(void)state;
	char *s = run(REPORT_NMAP_XML, NULL, 0);
	assert_dtd_valid(s);
	assert_null(strstr(s, "<host "));
	assert_non_null(strstr(s, "<hosts up=\"0\" down=\"0\" total=\"0\"/>"));
	free(s);
}

/* Every string an attacker's server controls, hostile, in one record. */
static void fill_hostile(struct svc_record *r)
{
	fill(r);
	record_set_str(r->ntlm.netbios_computer, REC_STR, HOSTILE);
	record_set_str(r->ntlm.netbios_domain, REC_STR, HOSTILE);
	record_set_str(r->ntlm.dns_computer, REC_STR, HOSTILE);
	record_set_str(r->ntlm.dns_domain, REC_STR, HOSTILE);
	record_set_str(r->smb1.native_os, REC_STR, HOSTILE);
	record_set_str(r->smb1.native_lanman, REC_STR, HOSTILE);
	record_set_str(r->shares[1].name, sizeof r->shares[1].name, HOSTILE);
	record_set_str(r->shares[1].comment, REC_STR, HOSTILE);
	record_set_str(r->findings[0].evidence, sizeof r->findings[0].evidence, HOSTILE);
}

static void test_nmapxml_hostile(void **state)
{
	(void)state;
	static struct svc_record a;
	fill_hostile(&a);
	const struct svc_record *recs[] = { &a };
	char *s = run(REPORT_NMAP_XML, recs, 1);
	assert_xml_chars(s);
	assert_dtd_valid(s);
	assert_null(strstr(s, "<script>"));
	assert_null(strstr(s, "]]>"));
	assert_non_null(strstr(s, "<elem key=\"server\">&lt;script&gt;a&amp;b&quot;c&apos;d\\x01"
				  "\\x1b\\x7f\\xff\\xc3(&lt;/script&gt;]]&gt;</elem>"));
	free(s);
}

/* the document run() printed, parsed */
static json_t *parse_doc(const char *s)
{
	json_error_t jerr;
	json_t *j = json_loads(s, 0, &jerr);
	if (!j)
		print_message("# json error: %s\n", jerr.text);
	assert_non_null(j);
	return j;
}

static void test_defectdojo_sample(void **state)
{
	(void)state;
	static struct svc_record a, b;
	fill(&a);
	a.ms17_010 = VULN_VULNERABLE;
	a.n_findings = 2;
	record_set_str(a.findings[1].id, sizeof a.findings[1].id, "MS17_010");
	a.findings[1].severity = SEV_CRITICAL;
	a.findings[1].title = "Vulnerable to MS17-010";
	a.findings[1].remediation = "Patch";
	/* the same service an hour later: the same unique id */
	b = a;
	b.scanned_at = T_UNIX + 3600;
	b.n_findings = 1;
	const struct svc_record *recs[] = { &a, &b };
	char *s = run(REPORT_DEFECTDOJO, recs, 2);
	json_t *doc = parse_doc(s);
	json_t *fs = json_object_get(doc, "findings");
	assert_int_equal(json_array_size(fs), 3);
	json_t *f = json_array_get(fs, 0);
	assert_string_equal(json_string_value(json_object_get(f, "title")), "SMBv1 is enabled");
	assert_string_equal(json_string_value(json_object_get(f, "severity")), "High");
	assert_string_equal(json_string_value(json_object_get(f, "description")),
			    "SMBv1 is enabled\n\n**Evidence:** NT LM 0.12 accepted\n\n**Service:** "
			    "198.18.1.10 port 445/tcp (SMB over TCP), seen from view lab\n\n"
			    "**NetBIOS name:** LAB-SMB1\n\n**Domain:** LAB");
	assert_string_equal(json_string_value(json_object_get(f, "mitigation")), "Disable SMBv1");
	assert_string_equal(json_string_value(json_object_get(f, "unique_id_from_tool")),
			    "SMB1_ENABLED/198.18.1.10/445");
	assert_string_equal(json_string_value(json_object_get(f, "vuln_id_from_tool")),
			    "SMB1_ENABLED");
	assert_string_equal(json_string_value(json_object_get(f, "date")), "2023-11-14");
	assert_null(json_object_get(f, "cve"));
	json_t *ep = json_array_get(json_object_get(f, "endpoints"), 0);
	assert_string_equal(json_string_value(json_object_get(ep, "host")), "198.18.1.10");
	assert_int_equal(json_integer_value(json_object_get(ep, "port")), 445);
	assert_true(json_is_true(json_object_get(f, "active")));
	assert_true(json_is_false(json_object_get(f, "static_finding")));
	assert_true(json_is_true(json_object_get(f, "dynamic_finding")));
	f = json_array_get(fs, 1);
	assert_string_equal(json_string_value(json_object_get(f, "severity")), "Critical");
	assert_string_equal(json_string_value(json_object_get(f, "cve")), "CVE-2017-0143");
	assert_non_null(strstr(json_string_value(json_object_get(f, "references")), "ms17-010"));
	/* stable across runs: time is not part of the id */
	assert_string_equal(json_string_value(json_object_get(json_array_get(fs, 2),
							      "unique_id_from_tool")),
			    "SMB1_ENABLED/198.18.1.10/445");
	assert_string_equal(json_string_value(json_object_get(json_array_get(fs, 2), "date")),
			    "2023-11-14");
	json_decref(doc);
	free(s);

	/* no finding: an empty list, still a document */
	static struct svc_record c;
	fill(&c);
	c.n_findings = 0;
	const struct svc_record *none[] = { &c };
	s = run(REPORT_DEFECTDOJO, none, 1);
	assert_string_equal(s, "{\n \"findings\": []\n}\n");
	free(s);
}

static void test_defectdojo_hostile(void **state)
{
	(void)state;
	static struct svc_record a;
	fill_hostile(&a);
	const struct svc_record *recs[] = { &a };
	char *s = run(REPORT_DEFECTDOJO, recs, 1);
	assert_null(strchr(s, '\x01'));
	assert_null(strchr(s, '\x1b'));
	json_t *doc = parse_doc(s); /* jansson refuses invalid UTF-8: it is valid */
	const char *d = json_string_value(
		json_object_get(json_array_get(json_object_get(doc, "findings"), 0), "description"));
	assert_non_null(strstr(d, "**Evidence:** <script>a&b\"c'd\x01\x1b\x7f\xef\xbf\xbd\xef\xbf\xbd("));
	json_decref(doc);
	free(s);
}

static void test_ecs_sample(void **state)
{
	(void)state;
	static struct svc_record a;
	fill(&a);
	const struct svc_record *recs[] = { &a };
	char *s = run(REPORT_ECS, recs, 1);
	char *nl = strchr(s, '\n');
	assert_non_null(nl);
	*nl = '\0';
	json_t *st = parse_doc(s);
	json_t *al = parse_doc(nl + 1);
	assert_string_equal(strchr(nl + 1, '\n'), "\n"); /* two lines */
	assert_string_equal(json_string_value(json_object_get(st, "@timestamp")),
			    "2023-11-14T22:13:20Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(st, "ecs"), "version")),
			    "8.11.0");
	json_t *ev = json_object_get(st, "event");
	assert_string_equal(json_string_value(json_object_get(ev, "kind")), "state");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "category"), 0)),
			    "network");
	assert_string_equal(json_string_value(json_object_get(ev, "dataset")), "smbwatch.scan");
	json_t *d = json_object_get(st, "destination");
	assert_string_equal(json_string_value(json_object_get(d, "ip")), "198.18.1.10");
	assert_int_equal(json_integer_value(json_object_get(d, "port")), 445);
	assert_string_equal(json_string_value(json_object_get(json_object_get(st, "observer"), "name")),
			    "smbwatch");
	json_t *svc = json_object_get(json_object_get(st, "smbwatch"), "service");
	assert_string_equal(json_string_value(json_object_get(svc, "ip")), "198.18.1.10");
	json_t *net = json_object_get(st, "network");
	assert_string_equal(json_string_value(json_object_get(net, "transport")), "tcp");
	assert_string_equal(json_string_value(json_object_get(net, "protocol")), "smb");

	ev = json_object_get(al, "event");
	assert_string_equal(json_string_value(json_object_get(ev, "kind")), "alert");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "category"), 0)),
			    "vulnerability");
	json_t *v = json_object_get(al, "vulnerability");
	assert_string_equal(json_string_value(json_object_get(v, "id")), "SMB1_ENABLED");
	assert_string_equal(json_string_value(json_object_get(v, "severity")), "High");
	assert_string_equal(json_string_value(json_object_get(v, "description")),
			    "SMBv1 is enabled: NT LM 0.12 accepted");
	assert_string_equal(json_string_value(json_object_get(json_object_get(al, "rule"), "name")),
			    "SMB1_ENABLED");
	json_decref(st);
	json_decref(al);
	free(s);
}

/* The name service's record is UDP, and ECS says so (it said tcp). */
static void test_ecs_udp_transport(void **state)
{
	(void)state;
	static struct svc_record a;
	record_init(&a);
	record_set_str(a.ip, sizeof a.ip, "198.18.1.60");
	a.port = 137;
	a.udp = true;
	const struct svc_record *recs[] = { &a };
	char *s = run(REPORT_ECS, recs, 1);
	char *nl = strchr(s, '\n');
	assert_non_null(nl);
	*nl = '\0';
	json_t *st = parse_doc(s);
	json_t *net = json_object_get(st, "network");
	assert_string_equal(json_string_value(json_object_get(net, "transport")), "udp");
	assert_string_equal(json_string_value(json_object_get(net, "protocol")), "netbios-ns");
	json_decref(st);
	free(s);
}

static void test_ecs_hostile(void **state)
{
	(void)state;
	static struct svc_record a;
	fill_hostile(&a);
	const struct svc_record *recs[] = { &a };
	char *s = run(REPORT_ECS, recs, 1);
	assert_null(strchr(s, '\x01'));
	assert_null(strchr(s, '\x1b'));
	/* two whole lines, each valid JSON (so valid UTF-8) */
	char *nl = strchr(s, '\n');
	assert_non_null(nl);
	*nl = '\0';
	json_decref(parse_doc(s));
	char *nl2 = strchr(nl + 1, '\n');
	assert_non_null(nl2);
	*nl2 = '\0';
	json_t *al = parse_doc(nl + 1);
	assert_non_null(strstr(json_string_value(json_object_get(al, "message")), "<script>a&b"));
	json_decref(al);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_seq_len),
		cmocka_unit_test(test_xml_escape),
		cmocka_unit_test(test_json_string_lossy),
		cmocka_unit_test(test_nmapxml_sample),
		cmocka_unit_test(test_nmapxml_vulnerable),
		cmocka_unit_test(test_nmapxml_epm),
		cmocka_unit_test(test_nmapxml_hostile),
		cmocka_unit_test(test_nmapxml_empty),
		cmocka_unit_test(test_defectdojo_sample),
		cmocka_unit_test(test_defectdojo_hostile),
		cmocka_unit_test(test_ecs_sample),
		cmocka_unit_test(test_ecs_udp_transport),
		cmocka_unit_test(test_ecs_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
