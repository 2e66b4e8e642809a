/* line.c - one compact line per service, in the shape NetExec users know:
 *   SMB  198.18.1.10      445    LAB-SMB1         [*] Windows 6.1 Build 0
 *   (name:LAB-SMB1) (domain:LAB) (dialects:2.0.2-3.1.1) (signing:False) (SMBv1:True)
 * (one line). "signing:True" means signing is *required*, as in NetExec,
 * because that is what decides relaying. Unknown facts are left out. */
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "report/report_int.h"

struct line_state {
	FILE *out;
};

static void *line_open(FILE *out)
{
	struct line_state *s = calloc(1, sizeof *s);
	if (s)
		s->out = out;
	return s;
}

/* Position of d in the ascending list of known dialects, or -1. */
static int dialect_rank(uint16_t d)
{
	static const uint16_t order[] = { 0x0202, 0x0210, 0x0300, 0x0302, 0x0311 };
	for (int i = 0; i < (int)(sizeof order / sizeof order[0]); i++)
		if (order[i] == d)
			return i;
	return -1;
}

/* "2.0.2-3.1.1" when the dialects form a run without gaps, else
 * "2.0.2,3.1.1". */
static void dialect_span(const struct svc_record *r, char *out, size_t outsz)
{
	const struct rec_smb2 *s = &r->smb2;
	unsigned n = s->n_dialects < REC_MAX_DIALECTS ? s->n_dialects : REC_MAX_DIALECTS;
	bool run = n > 1;
	for (unsigned i = 0; run && i < n; i++) {
		int rk = dialect_rank(s->dialects[i]);
		if (rk < 0 || (i > 0 && rk != dialect_rank(s->dialects[i - 1]) + 1))
			run = false;
	}
	if (run)
		snprintf(out, outsz, "%s-%s", rec_dialect_name(s->dialects[0]),
			 rec_dialect_name(s->dialects[n - 1]));
	else
		report_dialects(r, ",", out, outsz);
}

static const char *tf(enum tri t)
{
	return t == TRI_YES ? "True" : "False";
}

static void line_service(void *st, const struct svc_record *rec)
{
	struct line_state *s = st;
	FILE *f = s->out;
	char name[REC_STR], dom[REC_STR], os[REC_STR], buf[REC_STR];

	report_clean(report_host_name(rec), name, sizeof name);
	report_clean(report_domain(rec), dom, sizeof dom);
	report_windows_version(rec, "Build", buf, sizeof buf);
	report_clean(buf[0] ? buf : rec->smb1.native_os, os, sizeof os);

	fprintf(f, "%-4s %-15s  %-5u  %-15s  [*]", rec->udp ? "NBNS" : "SMB", rec->ip,
		(unsigned)rec->port, name[0] ? name : "-");
	if (os[0])
		fprintf(f, " %s", os);
	if (name[0])
		fprintf(f, " (name:%s)", name);
	if (dom[0])
		fprintf(f, " (domain:%s)", dom);
	if (rec->smb2.present && rec->smb2.n_dialects) {
		dialect_span(rec, buf, sizeof buf);
		fprintf(f, " (dialects:%s)", buf);
	}
	enum signing sg = report_signing(rec);
	if (sg != SIGN_UNKNOWN)
		fprintf(f, " (signing:%s)", sg == SIGN_REQUIRED ? "True" : "False");
	if (rec->smb1.enabled != TRI_UNKNOWN)
		fprintf(f, " (SMBv1:%s)", tf(rec->smb1.enabled));
	for (unsigned i = 0; i < RCHK_N; i++)
		if (all_checks[i]->to_line)
			all_checks[i]->to_line(rec, f);
	fputc('\n', f);
	fflush(f);
}

static void line_finish(void *st, const struct scan_summary *sum)
{
	(void)sum;
	fflush(((struct line_state *)st)->out);
}

static void line_close(void *st)
{
	free(st);
}

const struct report_ops report_line_ops = {
	.name = "line",
	.open = line_open,
	.service = line_service,
	.finish = line_finish,
	.close = line_close,
};
