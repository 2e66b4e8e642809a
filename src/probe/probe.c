/* probe.c - what all probe modules share; see probe.h. (The checks they
 * answer are rows of check/checks.c.) */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"

const char *probe_end_name(enum probe_end why)
{
	switch (why) {
	case PROBE_END_DONE: return "done";
	case PROBE_END_TIMEOUT: return "timeout";
	case PROBE_END_CLOSED: return "closed by peer";
	case PROBE_END_RESET: return "reset";
	case PROBE_END_PROTOCOL: return "malformed answer";
	case PROBE_END_ABORTED: return "aborted";
	}
	return "?";
}

struct svc_record *probe_ctx_record(struct probe_ctx *ctx)
{
	if (ctx->rec)
		return ctx->rec;
	ctx->rec = malloc(sizeof *ctx->rec);
	if (!ctx->rec)
		abort();
	record_init(ctx->rec);
	record_set_str(ctx->rec->ip, sizeof ctx->rec->ip, ctx->ip);
	ctx->rec->port = ctx->port;
	ctx->rec->netbios = ctx->netbios;
	record_set_str(ctx->rec->view, sizeof ctx->rec->view, ctx->opts->view);
	return ctx->rec;
}
