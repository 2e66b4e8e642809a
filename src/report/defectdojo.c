/* defectdojo.c - DefectDojo's "Generic Findings Import" JSON: one document
 * {"findings":[...]} written at the end of the run, one finding per
 * (finding id, service). unique_id_from_tool is "ID/ADDRESS/PORT"
 * ("POLICY_VIOLATION/RULE/ADDRESS/PORT" for a broken policy rule), the same
 * on every run, so a re-import closes what was fixed instead of adding
 * duplicates. Strings from the network go through json_string_lossy(). */
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/report_int.h"

struct dd_state {
	FILE *out;
	json_t *findings;
};

/* DefectDojo's severity words */
static const char *dd_severity(enum severity s)
{
	switch (s) {
	case SEV_CRITICAL: return "Critical";
	case SEV_HIGH: return "High";
	case SEV_MEDIUM: return "Medium";
	case SEV_LOW: return "Low";
	default: return "Info";
	}
}

/* Markdown: the evidence, then what the service is. */
static char *description(const struct svc_record *r, const struct rec_finding *fd)
{
	char *mem = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&mem, &sz);
	if (!f)
		return NULL;
	fprintf(f, "%s\n\n", fd->title ? fd->title : fd->id);
	if (fd->evidence[0])
		fprintf(f, "**Evidence:** %s\n\n", fd->evidence);
	fprintf(f, "**Service:** %s port %u/%s (%s), seen from view %s", r->ip, (unsigned)r->port,
		report_proto(r),
		r->over_quic ? "SMB over QUIC" : r->udp ? "NetBIOS name service" : r->netbios ? "NetBIOS session service" : "SMB over TCP",
		r->view);
	const char *name = report_host_name(r), *dom = report_domain(r);
	if (name[0])
		fprintf(f, "\n\n**NetBIOS name:** %s", name);
	if (dom[0])
		fprintf(f, "\n\n**Domain:** %s", dom);
	fclose(f);
	return mem;
}

static void *dd_open(FILE *out)
{
	struct dd_state *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->out = out;
	s->findings = json_array();
	if (!s->findings) {
		free(s);
		return NULL;
	}
	return s;
}

static void dd_service(void *st, const struct svc_record *r)
{
	struct dd_state *s = st;
	char date[40];
	unix_to_rfc3339(r->scanned_at, date, sizeof date);
	date[10] = '\0'; /* YYYY-MM-DD */
	for (unsigned i = 0; i < r->n_findings && i < REC_MAX_FINDINGS; i++) {
		const struct rec_finding *fd = &r->findings[i];
		/* a service may break several policy rules: the rule tells them apart */
		char uid[sizeof fd->id + sizeof fd->rule + sizeof r->ip + 16];
		snprintf(uid, sizeof uid, "%s%s%s/%s/%u", fd->id, fd->rule[0] ? "/" : "", fd->rule,
			 r->ip, (unsigned)r->port);
		char *desc = description(r, fd);
		const char *cve = report_finding_cve(fd->id);
		const char *ref = report_finding_reference(fd->id);
		json_t *o = json_object();
		json_object_set_new(o, "title", json_string_lossy(fd->title ? fd->title : fd->id));
		json_object_set_new(o, "severity", json_string(dd_severity(fd->severity)));
		json_object_set_new(o, "description", json_string_lossy(desc ? desc : ""));
		json_object_set_new(o, "mitigation",
				    json_string_lossy(fd->remediation ? fd->remediation : ""));
		json_object_set_new(o, "references", json_string(ref ? ref : ""));
		json_object_set_new(o, "unique_id_from_tool", json_string_lossy(uid));
		json_object_set_new(o, "vuln_id_from_tool", json_string_lossy(fd->id));
		if (cve)
			json_object_set_new(o, "cve", json_string(cve));
		json_object_set_new(o, "date", json_string(date));
		json_t *ep = json_object();
		json_object_set_new(ep, "host", json_string_lossy(r->ip));
		json_object_set_new(ep, "port", json_integer(r->port));
		json_object_set_new(ep, "protocol", json_string("smb"));
		json_object_set_new(o, "endpoints", json_pack("[o]", ep));
		json_object_set_new(o, "active", json_true());
		json_object_set_new(o, "verified", json_false());
		json_object_set_new(o, "static_finding", json_false());
		json_object_set_new(o, "dynamic_finding", json_true());
		json_array_append_new(s->findings, o);
		free(desc);
	}
}

static void dd_finish(void *st, const struct scan_summary *sum)
{
	(void)sum;
	struct dd_state *s = st;
	json_t *doc = json_pack("{sO}", "findings", s->findings);
	if (doc) {
		json_dumpf(doc, s->out, JSON_INDENT(1));
		fputc('\n', s->out);
		json_decref(doc);
	}
	fflush(s->out);
}

static void dd_close(void *st)
{
	struct dd_state *s = st;
	json_decref(s->findings);
	free(s);
}

const struct report_ops report_defectdojo_ops = {
	.name = "defectdojo",
	.open = dd_open,
	.service = dd_service,
	.finish = dd_finish,
	.close = dd_close,
};
