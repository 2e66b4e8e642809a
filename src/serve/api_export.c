/* api_export.c - GET /api/latest.xml and /api/latest.html: the latest
 * complete run (or ?run=ID) through the scan's own report writers
 * (report/: nmap XML, the HTML report), its stored records read back with
 * record_from_json. Sent as attachments: the HTML report is a document of
 * its own (inline style and script), not a page of this origin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/json_read.h"
#include "report/report.h"
#include "serve/api.h"

/* The writers keep every service until the end (nmap XML a whole record,
 * 36 kB, each): a larger run is refused rather than let one request take
 * gigabytes. A report of more hosts is no longer read by people anyway;
 * the inventory CSV streams any size. */
#define EXPORT_MAX_SERVICES 2000

struct export_ctx {
	struct report *rep;
	struct svc_record *rec; /* one, reused: a record is tens of kB */
	unsigned n;
};

static int export_service(const struct store_service *svc, void *ud)
{
	struct export_ctx *c = ud;
	if (++c->n > EXPORT_MAX_SERVICES)
		return 1;
	json_t *o = json_loads(svc->record, 0, NULL);
	if (o && record_from_json(o, svc->scanned_at, c->rec) == 0)
		report_service(c->rep, c->rec);
	record_release(c->rec); /* reused for the next: its interfaces go */
	json_decref(o);
	return 0;
}

static void export_run(const struct api_req *rq, struct api_reply *out, enum report_format fmt,
		       const char *type, const char *ext)
{
	long long id;
	if (api_arg_int(rq, "run", 0, 1, INT64_MAX, &id) != 0)
		return api_error(out, 400, "run: a run id");
	if (id == 0) {
		json_t *rows = api_rows(rq->st,
					"SELECT MAX(id) AS id FROM runs WHERE CAST(complete AS INTEGER) = 1",
					NULL, 0);
		if (!rows)
			return api_store_error(out, rq->st);
		id = json_integer_value(json_object_get(json_array_get(rows, 0), "id"));
		json_decref(rows);
	}
	struct store_run run;
	int rc = id ? store_run_get(rq->st, id, &run) : 1;
	if (rc < 0)
		return api_store_error(out, rq->st);
	if (rc > 0)
		return api_error(out, 404, "no such run (and no complete run to default to)");
	if (run.n_services > EXPORT_MAX_SERVICES) {
		char why[160];
		snprintf(why, sizeof why,
			 "run %lld has %llu services: reports are made here for at most %d"
			 " (the inventory CSV has any number)",
			 (long long)run.id, (unsigned long long)run.n_services, EXPORT_MAX_SERVICES);
		return api_error(out, 413, why);
	}
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	struct export_ctx c = {.rec = malloc(sizeof *c.rec)};
	if (!f || !c.rec || !(c.rep = report_new(fmt, f))) {
		if (f)
			fclose(f);
		free(body);
		free(c.rec);
		return api_error(out, 500, "out of memory");
	}
	char args[640];
	snprintf(args, sizeof args, "smbwatch scan %s (run %lld, from the store)", run.targets,
		 (long long)run.id);
	struct report_run rr = {.args = args, .ports = run.ports, .view = run.view,
				.start = run.started_at};
	report_set_run(c.rep, &rr);
	rc = store_services_of_run(rq->st, run.id, export_service, &c);
	struct scan_summary sum = {.targets = run.n_targets, .open = run.n_open,
				   .closed = run.n_closed, .filtered = run.n_filtered,
				   .errors = run.n_errors, .services = run.n_services,
				   .seconds = (double)(run.ended_at - run.started_at),
				   .interrupted = !run.complete};
	report_finish(c.rep, &sum);
	report_free(c.rep);
	free(c.rec);
	fclose(f);
	if (rc != 0) {
		free(body);
		return api_store_error(out, rq->st);
	}
	if (c.n > EXPORT_MAX_SERVICES) { /* n_services undercounted (a run never ended) */
		free(body);
		return api_error(out, 413, "too many services in this run for a report here");
	}
	out->code = 200;
	out->type = type;
	out->body = body;
	out->len = len;
	snprintf(out->filename, sizeof out->filename, "smbwatch-run-%lld.%s", (long long)run.id,
		 ext);
}

void api_latest_xml(const struct api_req *rq, struct api_reply *out)
{
	export_run(rq, out, REPORT_NMAP_XML, "application/xml; charset=utf-8", "xml");
}

void api_latest_html(const struct api_req *rq, struct api_reply *out)
{
	export_run(rq, out, REPORT_HTML, "text/html; charset=utf-8", "html");
}
