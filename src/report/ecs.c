/* ecs.c - Elastic Common Schema events as JSON Lines (ECS 8.11), which
 * Filebeat / Elastic Agent ingest without a custom pipeline: per service one
 * event.kind "state" event (the whole service record under smbwatch.service),
 * then one "alert" per finding with vulnerability.* and rule.*. Every key is
 * an ECS 8.11 field (tests/data/ecs-fields-8.11.txt lists them with their
 * types) or sits under smbwatch.*. The scanner's own address is not known
 * to the report, so scan events have destination.* and no source.*. */
#include <stdlib.h>
#include <string.h>

#include "record/json.h"
#include "report/escape.h"
#include "report/report_int.h"

#define ECS_VERSION "8.11.0"

struct ecs_state {
	FILE *out;
	char view[32];
};

static void *ecs_open(FILE *out)
{
	struct ecs_state *s = calloc(1, sizeof *s);
	if (s)
		s->out = out;
	return s;
}

static void ecs_run(void *st, const struct report_run *run)
{
	struct ecs_state *s = st;
	record_set_str(s->view, sizeof s->view, run->view ? run->view : "");
}

/* {"name":..} under obj, created if absent */
static json_t *sub(json_t *obj, const char *name)
{
	json_t *o = json_object_get(obj, name);
	if (!o) {
		o = json_object();
		json_object_set_new(obj, name, o);
	}
	return o;
}

/* The fields every event has: time, ecs, event, destination, network,
 * observer. */
static json_t *base_event(const struct svc_record *r, const char *kind, const char *category)
{
	char ts[40];
	unix_to_rfc3339(r->scanned_at, ts, sizeof ts);
	json_t *e = json_object();
	json_object_set_new(e, "@timestamp", json_string(ts));
	json_object_set_new(sub(e, "ecs"), "version", json_string(ECS_VERSION));
	json_t *ev = sub(e, "event");
	json_object_set_new(ev, "kind", json_string(kind));
	json_object_set_new(ev, "category", json_pack("[s]", category));
	json_object_set_new(ev, "type", json_pack("[s]", "info"));
	json_object_set_new(ev, "dataset", json_string("smbwatch.scan"));
	json_object_set_new(ev, "module", json_string("smbwatch"));
	json_t *d = sub(e, "destination");
	json_object_set_new(d, "ip", json_string_lossy(r->ip));
	json_object_set_new(d, "address", json_string_lossy(r->ip));
	json_object_set_new(d, "port", json_integer(r->port));
	json_t *n = sub(e, "network");
	json_object_set_new(n, "transport", json_string("tcp"));
	json_object_set_new(n, "protocol", json_string(r->netbios ? "netbios-ssn" : "smb"));
	json_t *o = sub(e, "observer");
	json_object_set_new(o, "name", json_string("smbwatch"));
	json_object_set_new(o, "product", json_string("smbwatch"));
	json_object_set_new(o, "vendor", json_string("smbwatch"));
	json_object_set_new(o, "type", json_string("scanner"));
	json_object_set_new(o, "version", json_string(SMBW_VERSION));
	return e;
}

static void emit(FILE *out, json_t *e)
{
	char *line = json_dumps(e, JSON_COMPACT);
	json_decref(e);
	if (!line)
		return;
	fputs(line, out);
	fputc('\n', out);
	free(line);
}

/* ECS wants a capitalised severity word as the scanner says it */
static const char *ecs_severity(enum severity s)
{
	switch (s) {
	case SEV_CRITICAL: return "Critical";
	case SEV_HIGH: return "High";
	case SEV_MEDIUM: return "Medium";
	case SEV_LOW: return "Low";
	default: return "Info";
	}
}

static void ecs_service(void *st, const struct svc_record *r)
{
	struct ecs_state *s = st;
	const char *view = r->view[0] ? r->view : s->view;

	json_t *e = base_event(r, "state", "network");
	char msg[REC_STR + 96];
	snprintf(msg, sizeof msg, "SMB service %s:%u, %u finding%s", r->ip, (unsigned)r->port,
		 r->n_findings, r->n_findings == 1 ? "" : "s");
	json_object_set_new(e, "message", json_string_lossy(msg));
	json_t *sw = sub(e, "smbwatch");
	json_object_set_new(sw, "service", record_to_json(r));
	json_object_set_new(sw, "view", json_string_lossy(view));
	emit(s->out, e);

	for (unsigned i = 0; i < r->n_findings && i < REC_MAX_FINDINGS; i++) {
		const struct rec_finding *fd = &r->findings[i];
		e = base_event(r, "alert", "vulnerability");
		const char *title = fd->title ? fd->title : fd->id;
		char *desc = NULL;
		size_t dl = 0;
		FILE *f = open_memstream(&desc, &dl);
		if (f) {
			fprintf(f, "%s%s%s", title, fd->evidence[0] ? ": " : "", fd->evidence);
			fclose(f);
		}
		json_object_set_new(e, "message", json_string_lossy(desc ? desc : title));
		json_t *v = sub(e, "vulnerability");
		const char *cve = report_finding_cve(fd->id);
		const char *ref = report_finding_reference(fd->id);
		json_object_set_new(v, "id", json_string(cve ? cve : fd->id));
		if (cve)
			json_object_set_new(v, "enumeration", json_string("CVE"));
		if (ref)
			json_object_set_new(v, "reference", json_string(ref));
		json_object_set_new(v, "severity", json_string(ecs_severity(fd->severity)));
		json_object_set_new(v, "description", json_string_lossy(desc ? desc : title));
		json_object_set_new(v, "category", json_pack("[s]", "network"));
		json_object_set_new(sub(v, "scanner"), "vendor", json_string("smbwatch"));
		json_t *rule = sub(e, "rule");
		json_object_set_new(rule, "name", json_string(fd->id));
		json_object_set_new(rule, "description", json_string(title));
		json_t *swf = sub(sub(e, "smbwatch"), "finding");
		json_object_set_new(swf, "id", json_string(fd->id));
		json_object_set_new(swf, "severity", json_string(severity_name(fd->severity)));
		json_object_set_new(swf, "evidence", json_string_lossy(fd->evidence));
		if (fd->remediation)
			json_object_set_new(swf, "remediation", json_string(fd->remediation));
		json_object_set_new(sub(e, "smbwatch"), "view", json_string_lossy(view));
		free(desc);
		emit(s->out, e);
	}
	fflush(s->out);
}

static void ecs_finish(void *st, const struct scan_summary *sum)
{
	(void)sum;
	fflush(((struct ecs_state *)st)->out);
}

static void ecs_close(void *st)
{
	free(st);
}

const struct report_ops report_ecs_ops = {
	.name = "ecs",
	.open = ecs_open,
	.run = ecs_run,
	.service = ecs_service,
	.finish = ecs_finish,
	.close = ecs_close,
};
