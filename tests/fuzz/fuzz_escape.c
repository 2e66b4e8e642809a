/* fuzz_escape.c - the XML, JSON and HTML escaping of strings off the wire
 * (src/report/escape.c), and the export writers around it: whatever bytes a
 * server sends as a name or comment, the XML has only characters XML allows
 * (valid UTF-8, no control byte), the JSON string exists and is UTF-8, the
 * HTML text has no markup character and is UTF-8, the JSON for a <script>
 * has no < > & and parses back to the same string, and the HTML report
 * closes its <script> and <style> elements only where it opens them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/record.h"
#include "report/escape.h"
#include "report/report.h"

static void check_xml_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x20 && *p != '\n')
			abort();
		size_t n = utf8_seq_len(p);
		if (n == 0)
			abort();
		p += n;
	}
}

/* tab, LF and CR allowed; otherwise well-formed UTF-8 without controls */
static void check_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
			abort();
		size_t n = utf8_seq_len(p);
		if (n == 0)
			abort();
		p += n;
	}
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strcasestr(hay, needle); p; p = strcasestr(p + 1, needle))
		n++;
	return n;
}

static void run_writer(enum report_format fmt, const struct svc_record *r)
{
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	if (!f)
		return;
	struct report *rep = report_new(fmt, f);
	if (rep) {
		report_service(rep, r);
		report_finish(rep, NULL);
		report_free(rep);
	}
	fclose(f);
	if (fmt == REPORT_NMAP_XML && mem)
		check_xml_chars(mem);
	if (fmt == REPORT_HTML && mem) {
		check_utf8(mem);
		if (count(mem, "</script") != 3 || count(mem, "</style") != 1 || strstr(mem, "<img"))
			abort();
	}
	free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[REC_STR];
	size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
	memcpy(s, data, n);
	s[n] = '\0';

	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	if (!f)
		return 0;
	xml_escape(f, s);
	fclose(f);
	check_xml_chars(mem);
	if (strchr(mem, '<') || strchr(mem, '"') || strchr(mem, '\n'))
		abort();
	free(mem);

	mem = NULL;
	f = open_memstream(&mem, &sz);
	if (!f)
		return 0;
	html_escape(f, s);
	fclose(f);
	check_utf8(mem);
	if (strpbrk(mem, "<>\"'"))
		abort();
	free(mem);

	json_t *j = json_string_lossy(s);
	if (!j)
		abort();
	mem = NULL;
	f = open_memstream(&mem, &sz);
	if (!f)
		return 0;
	json_t *arr = json_pack("[O]", j);
	if (!arr || json_script_dump(f, arr) != 0)
		abort();
	fclose(f);
	if (strpbrk(mem, "<>&") || strstr(mem, "\xe2\x80\xa8") || strstr(mem, "\xe2\x80\xa9"))
		abort();
	json_t *back = json_loads(mem, 0, NULL);
	if (!back || !json_equal(back, arr))
		abort();
	json_decref(back);
	json_decref(arr);
	free(mem);
	json_decref(j);

	static struct svc_record r;
	record_init(&r);
	record_set_str(r.ip, sizeof r.ip, "198.18.1.10");
	r.port = 445;
	r.smb2.present = true;
	r.ntlm.present = true;
	record_set_str(r.ntlm.netbios_computer, REC_STR, s);
	record_set_str(r.smb1.native_os, REC_STR, s);
	r.has_shares = true;
	r.n_shares = 1;
	record_set_str(r.shares[0].name, sizeof r.shares[0].name, s);
	record_set_str(r.shares[0].comment, REC_STR, s);
	r.n_findings = 1;
	record_set_str(r.findings[0].id, sizeof r.findings[0].id, "SMB_EXPOSED");
	record_set_str(r.findings[0].evidence, sizeof r.findings[0].evidence, s);
	run_writer(REPORT_NMAP_XML, &r);
	run_writer(REPORT_DEFECTDOJO, &r);
	run_writer(REPORT_ECS, &r);
	run_writer(REPORT_HTML, &r);
	return 0;
}
