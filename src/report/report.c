/* report.c - dispatch to the output writers, and the display helpers
 * they share. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "assess/findings.h"
#include "report/report_int.h"

struct report {
	const struct report_ops *ops;
	void *st;
};

/* Indexed by enum report_format. */
static const struct report_ops *const writers[] = {
	[REPORT_TEXT] = &report_text_ops,
	[REPORT_LINE] = &report_line_ops,
	[REPORT_JSONL] = &report_jsonl_ops,
	[REPORT_CSV] = &report_csv_ops,
	[REPORT_NMAP_XML] = &report_nmapxml_ops,
	[REPORT_DEFECTDOJO] = &report_defectdojo_ops,
	[REPORT_ECS] = &report_ecs_ops,
	[REPORT_HTML] = &report_html_ops,
	[REPORT_RELAY] = &report_relay_ops,
};

const char report_format_names[] = "text, line, jsonl, csv, nmap-xml, defectdojo, ecs, html, relay";

#define N_WRITERS (sizeof(writers) / sizeof(writers[0]))

int report_format_parse(const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < N_WRITERS; i++)
		if (strcmp(s, writers[i]->name) == 0)
			return (int)i;
	return -1;
}

struct report *report_new(enum report_format fmt, FILE *out)
{
	if ((unsigned)fmt >= N_WRITERS)
		return NULL;
	struct report *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->ops = writers[fmt];
	r->st = r->ops->open(out);
	if (!r->st) {
		free(r);
		return NULL;
	}
	return r;
}

void report_set_run(struct report *r, const struct report_run *run)
{
	if (r->ops->run)
		r->ops->run(r->st, run);
}

void report_service(struct report *r, const struct svc_record *rec)
{
	r->ops->service(r->st, rec);
}

void report_finish(struct report *r, const struct scan_summary *sum)
{
	r->ops->finish(r->st, sum);
}

void report_free(struct report *r)
{
	if (!r)
		return;
	r->ops->close(r->st);
	free(r);
}

void summary_services_text(const struct scan_summary *sum, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%llu SMB service%s", (unsigned long long)sum->services,
			 sum->services == 1 ? "" : "s");
	if (sum->other_services && n > 0 && (size_t)n < outsz)
		snprintf(out + n, outsz - (size_t)n, " and %llu other service%s",
			 (unsigned long long)sum->other_services, sum->other_services == 1 ? "" : "s");
}

void summary_add_error(struct scan_summary *sum, const char *why)
{
	unsigned i = 0;
	while (i < sum->n_reasons && strcmp(sum->reasons[i].why, why) != 0)
		i++;
	if (i == sum->n_reasons) {
		if (i == SUMMARY_MAX_REASONS) {
			sum->other_errors++;
			return;
		}
		snprintf(sum->reasons[i].why, sizeof sum->reasons[i].why, "%s", why);
		sum->n_reasons++;
	}
	sum->reasons[i].n++;
}

void report_targets_line(FILE *f, const struct scan_summary *sum, const char *prefix)
{
	fprintf(f, "%sTargets: %llu tried: %llu open, %llu closed, %llu filtered, %llu error%s\n",
		prefix, (unsigned long long)sum->targets, (unsigned long long)sum->open,
		(unsigned long long)sum->closed, (unsigned long long)sum->filtered,
		(unsigned long long)sum->errors, sum->errors == 1 ? "" : "s");
	uint64_t found = sum->services + sum->other_services;
	if (sum->connections && found)
		fprintf(f, "%sCost: %llu connection%s to the %llu service%s found (%.1f each), %llu retr%s\n",
			prefix, (unsigned long long)sum->connections, sum->connections == 1 ? "" : "s",
			(unsigned long long)found, found == 1 ? "" : "s",
			(double)sum->connections / (double)found, (unsigned long long)sum->conn_retries,
			sum->conn_retries == 1 ? "y" : "ies");
	if (sum->n_reasons == 0)
		return;
	fprintf(f, "%sErrors:", prefix);
	for (unsigned i = 0; i < sum->n_reasons; i++)
		fprintf(f, "%s %llu %s", i ? ";" : "", (unsigned long long)sum->reasons[i].n,
			sum->reasons[i].why);
	if (sum->other_errors)
		fprintf(f, "; %llu other", (unsigned long long)sum->other_errors);
	fputs(" (-v: each target)\n", f);
}

void report_clean(const char *s, char *out, size_t outsz)
{
	size_t i = 0;
	if (outsz == 0)
		return;
	for (; s && s[i] && i < outsz - 1; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[i] = '\0';
}

const char *report_host_name(const struct svc_record *r)
{
	if (r->ntlm.present && r->ntlm.netbios_computer[0])
		return r->ntlm.netbios_computer;
	if (r->smb1.server_name[0] || !r->nbns.present)
		return r->smb1.server_name;
	for (unsigned i = 0; i < r->nbns.n_names; i++)
		if (r->nbns.names[i].suffix == 0x00 && !r->nbns.names[i].group)
			return r->nbns.names[i].name;
	return "";
}

const char *report_proto(const struct svc_record *r)
{
	return r->udp || r->over_quic ? "udp" : "tcp";
}

const char *report_transport(const struct svc_record *r)
{
	return r->over_quic ? "quic" : r->udp ? "udp" : r->netbios ? "netbios" : "direct";
}

const char *report_domain(const struct svc_record *r)
{
	if (r->ntlm.present && r->ntlm.netbios_domain[0])
		return r->ntlm.netbios_domain;
	return r->smb1.domain;
}

void report_windows_version(const struct svc_record *r, const char *build_word, char *out,
			    size_t outsz)
{
	if (outsz == 0)
		return;
	out[0] = '\0';
	if (!r->ntlm.present || !r->ntlm.has_version)
		return;
	snprintf(out, outsz, "Windows %u.%u %s %u", (unsigned)r->ntlm.os_major,
		 (unsigned)r->ntlm.os_minor, build_word, (unsigned)r->ntlm.os_build);
}

void report_dialects(const struct svc_record *r, const char *sep, char *out, size_t outsz)
{
	size_t len = 0;
	if (outsz == 0)
		return;
	out[0] = '\0';
	for (unsigned i = 0; i < r->smb2.n_dialects && i < REC_MAX_DIALECTS; i++) {
		const char *n = rec_dialect_name(r->smb2.dialects[i]);
		char hex[8];
		if (!n) {
			snprintf(hex, sizeof hex, "0x%04x", (unsigned)r->smb2.dialects[i]);
			n = hex;
		}
		int w = snprintf(out + len, outsz - len, "%s%s", i ? sep : "", n);
		if (w < 0 || (size_t)w >= outsz - len)
			break;
		len += (size_t)w;
	}
}

enum signing report_signing(const struct svc_record *r)
{
	if (r->smb2.present && r->smb2.signing != SIGN_UNKNOWN)
		return r->smb2.signing;
	return r->smb1.signing;
}

/* A finding's CVE and reference page come from the one finding table
 * (assess/findings.c); ids read back from a store may be unknown here. */
const char *report_finding_cve(const char *id)
{
	const struct finding_info *f = finding_info_by_name(id);
	return f ? f->cve : NULL;
}

const char *report_finding_reference(const char *id)
{
	const struct finding_info *f = finding_info_by_name(id);
	return f ? f->reference : NULL;
}
