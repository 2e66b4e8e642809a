/* csv.c - one row per service under a fixed header (RFC 4180: fields with
 * a comma, quote, CR or LF are quoted, quotes doubled, rows end in CRLF).
 * Unknown values are empty fields. Between the fingerprint's columns and
 * the findings, one column per fact of each check, in the check table's
 * order (check/check.h): a new check brings its columns with it. */
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "report/report_int.h"

struct csv_state {
	FILE *out;
};

static const char csv_fingerprint_header[] =
	"ip,port,transport,netbios_computer,netbios_domain,os_version,smb1,smb1_signing,"
	"smb2_dialects,smb2_signing,server_guid";

static void *csv_open(FILE *out)
{
	struct csv_state *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->out = out;
	fputs(csv_fingerprint_header, out);
	for (unsigned i = 0; i < RCHK_N; i++)
		CHECK_FOR_EACH_FACT(all_checks[i], fa)
			fprintf(out, ",%s", fa->key);
	fputs(",findings\r\n", out);
	return s;
}

/* One field, with a leading comma unless first. Names come from the
 * remote server: a value starting with = + - @ would be run as a formula
 * by spreadsheet programs, so such values get a leading apostrophe
 * (OWASP "CSV injection"). */
static void csv_field(FILE *f, const char *v, bool first, bool untrusted)
{
	if (!first)
		fputc(',', f);
	if (!v)
		v = "";
	bool defang = untrusted && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' ||
				    v[0] == '\t' || v[0] == '\r');
	bool quote = defang || strpbrk(v, ",\"\r\n") != NULL;
	if (!quote) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	if (defang)
		fputc('\'', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

static const char *tri_str(enum tri t)
{
	return t == TRI_UNKNOWN ? "" : t == TRI_YES ? "true" : "false";
}

/* A check's value: true/false, vulnerable/not_vulnerable as in the JSON,
 * text (from the server: defanged), or empty when unknown. */
static void csv_check_value(FILE *f, const struct svc_record *rec, const struct check_fact *fa)
{
	struct check_value v = {0};
	fa->get(rec, &v);
	switch (v.kind) {
	case CV_TRI:
		csv_field(f, tri_str(v.tri), false, false);
		break;
	case CV_VULN:
		csv_field(f, vuln_name(v.vuln), false, false);
		break;
	case CV_TEXT:
		csv_field(f, v.text, false, true);
		break;
	case CV_UNKNOWN:
		csv_field(f, "", false, false);
		break;
	}
}

static void csv_service(void *st, const struct svc_record *rec)
{
	struct csv_state *s = st;
	FILE *f = s->out;
	char buf[REC_STR];
	const char *ntlm_name = rec->ntlm.present ? rec->ntlm.netbios_computer : "";
	const char *ntlm_dom = rec->ntlm.present ? rec->ntlm.netbios_domain : "";

	csv_field(f, rec->ip, true, false);
	snprintf(buf, sizeof buf, "%u", (unsigned)rec->port);
	csv_field(f, buf, false, false);
	csv_field(f, report_transport(rec), false, false);
	csv_field(f, ntlm_name, false, true);
	csv_field(f, ntlm_dom, false, true);
	record_os_version(rec, buf, sizeof buf);
	csv_field(f, buf, false, false);
	csv_field(f, tri_str(rec->smb1.enabled), false, false);
	csv_field(f, signing_name(rec->smb1.signing), false, false);
	report_dialects(rec, " ", buf, sizeof buf);
	csv_field(f, rec->smb2.present ? buf : "", false, false);
	csv_field(f, rec->smb2.present ? signing_name(rec->smb2.signing) : "", false, false);
	buf[0] = '\0';
	for (int i = 0; rec->smb2.present && i < 16; i++) {
		if (rec->smb2.server_guid[i]) {
			guid_to_string(rec->smb2.server_guid, buf, sizeof buf);
			break;
		}
	}
	csv_field(f, buf, false, false);
	for (unsigned i = 0; i < RCHK_N; i++)
		CHECK_FOR_EACH_FACT(all_checks[i], fa)
			csv_check_value(f, rec, fa);
	/* finding ids joined by spaces: ids are [A-Z0-9_], never need quoting */
	char ids[REC_MAX_FINDINGS * 33] = "";
	size_t len = 0;
	for (unsigned i = 0; i < rec->n_findings && i < REC_MAX_FINDINGS; i++) {
		int w = snprintf(ids + len, sizeof ids - len, "%s%s", i ? " " : "",
				 rec->findings[i].id);
		if (w < 0 || (size_t)w >= sizeof ids - len)
			break;
		len += (size_t)w;
	}
	csv_field(f, ids, false, false);
	fputs("\r\n", f);
	fflush(f);
}

static void csv_finish(void *st, const struct scan_summary *sum)
{
	(void)sum;
	fflush(((struct csv_state *)st)->out);
}

static void csv_close(void *st)
{
	free(st);
}

const struct report_ops report_csv_ops = {
	.name = "csv",
	.open = csv_open,
	.service = csv_service,
	.finish = csv_finish,
	.close = csv_close,
};
