/* jsonl.c - JSON Lines writer: one compact object per service, flushed at
 * once so a consumer (jq, a pipe into a store) sees each service as soon
 * as it is done, and a killed scan leaves only whole lines behind. */
#include <stdlib.h>

#include "record/json.h"
#include "report/report_int.h"

struct jsonl_state {
	FILE *out;
};

static void *jsonl_open(FILE *out)
{
	struct jsonl_state *s = calloc(1, sizeof *s);
	if (s)
		s->out = out;
	return s;
}

static void jsonl_service(void *st, const struct svc_record *rec)
{
	struct jsonl_state *s = st;
	json_t *o = record_to_json(rec);
	char *line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!line)
		return;
	fputs(line, s->out);
	fputc('\n', s->out);
	fflush(s->out);
	free(line);
}

static void jsonl_finish(void *st, const struct scan_summary *sum)
{
	/* the summary is not a service: JSON Lines consumers key on
	 * "type", so streams stay homogeneous; `smbwatch scan` prints the
	 * summary on stderr */
	(void)sum;
	fflush(((struct jsonl_state *)st)->out);
}

static void jsonl_close(void *st)
{
	free(st);
}

const struct report_ops report_jsonl_ops = {
	.name = "jsonl",
	.open = jsonl_open,
	.service = jsonl_service,
	.finish = jsonl_finish,
	.close = jsonl_close,
};
