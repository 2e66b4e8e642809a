/* scan_trend.c - earlier runs' findings by severity (see scan_trend.h).
 * Reads each run's stored records through the store API, so both
 * backends answer alike. */
#include "cli/scan_trend.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"

struct run_ids {
	int64_t id[64];
	int64_t at[64];
	size_t n, max;
};

static int on_run(const struct store_run *run, void *ud)
{
	struct run_ids *r = ud;
	if (r->n >= r->max)
		return 1;
	r->id[r->n] = run->id;
	r->at[r->n] = run->started_at;
	r->n++;
	return 0;
}

static int on_service(const struct store_service *svc, void *ud)
{
	struct report_trend_point *p = ud;
	json_t *rec = json_loads(svc->record, 0, NULL);
	if (!rec)
		return 0;
	size_t i;
	json_t *fd;
	json_array_foreach(json_object_get(rec, "findings"), i, fd) {
		const char *name = json_string_value(json_object_get(fd, "severity"));
		int sev = name ? assess_severity_parse(name) : -1;
		if (sev >= 0 && sev <= SEV_CRITICAL)
			p->sev[sev]++;
	}
	json_decref(rec);
	return 0;
}

size_t scan_trend_load(struct store *st, const struct store_run *cur,
		       struct report_trend_point *out, size_t max)
{
	struct run_ids ids = {.max = max < 64 ? max : 64};
	if (!st || !cur || cur->id <= 0 || ids.max == 0)
		return 0;
	if (store_runs_list(st, cur->scope, cur->view, true, 0, cur->id, (unsigned)ids.max, on_run,
			    &ids) != 0)
		return 0;
	/* the list is newest first; the chart reads left to right */
	for (size_t k = 0; k < ids.n; k++) {
		struct report_trend_point *p = &out[ids.n - 1 - k];
		memset(p, 0, sizeof *p);
		p->at = ids.at[k];
		if (store_services_of_run(st, ids.id[k], on_service, p) != 0)
			return 0;
	}
	return ids.n;
}
