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
#include "report/ecs_fields.h"
#include "report/escape.h"
#include "report/report_int.h"

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

/* The fields every scan event has: time, ecs, event, destination, network,
 * observer (report/ecs_fields.h). */
static json_t *base_event(const struct svc_record *r, const char *kind, const char *category)
{
	char ts[40];
	unix_to_rfc3339(r->scanned_at, ts, sizeof ts);
	json_t *e = ecs_event_new(ts, kind, category, "info", "smbwatch.scan");
	ecs_set_destination(e, r->ip, r->port);
	ecs_set_network(e, report_proto(r), r->over_quic ? "smb-over-quic" : r->udp ? "netbios-ns" : r->netbios ? "netbios-ssn" : "smb");
	ecs_set_observer(e, "scanner");
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

static void ecs_service(void *st, const struct svc_record *r)
{
	struct ecs_state *s = st;
	const char *view = r->view[0] ? r->view : s->view;

	json_t *e = base_event(r, "state", "network");
	char msg[REC_STR + 96];
	snprintf(msg, sizeof msg, "SMB service %s:%u, %u finding%s", r->ip, (unsigned)r->port,
		 r->n_findings, r->n_findings == 1 ? "" : "s");
	json_object_set_new(e, "message", json_string_lossy(msg));
	json_t *sw = ecs_sub(e, "smbwatch");
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
		ecs_set_vulnerability(e, fd->id, severity_name(fd->severity), desc ? desc : title);
		ecs_set_rule(e, fd->id, title);
		json_t *swf = ecs_sub(ecs_sub(e, "smbwatch"), "finding");
		json_object_set_new(swf, "id", json_string(fd->id));
		json_object_set_new(swf, "severity", json_string(severity_name(fd->severity)));
		json_object_set_new(swf, "evidence", json_string_lossy(fd->evidence));
		if (fd->remediation)
			json_object_set_new(swf, "remediation", json_string(fd->remediation));
		json_object_set_new(ecs_sub(e, "smbwatch"), "view", json_string_lossy(view));
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
