/* sharewalk.c - the SRVSVC share list and the per-share listing check over
 * any SMB transport; see sharewalk.h. (MS-SRVS 3.1.4.8, detection-facts.md 2) */
#include "probe/sharewalk.h"

#include <stdlib.h>
#include <string.h>

#include "probe/share_access.h"
#include "probe/sharelist.h"
#include "wire/ntstatus.h"

/* The most disk shares checked per service, and the largest share list
 * answer gathered (servers send ~4 KiB fragments; 64 KiB is hundreds of
 * shares, past REC_MAX_SHARES). */
#define WALK_MAX_SHARE_CHECKS 32
#define WALK_RPC_MAX 65536

/* Pipe steps may wait for the server to start its RPC service. */
static int send_kind(enum walk_req req)
{
	return req == WALK_OPEN_PIPE || req == WALK_PIPE_CALL || req == WALK_PIPE_READ
		       ? PROBE_SEND_RPC
		       : PROBE_SEND;
}

static int ask(struct share_walk *w, enum walk_req req, const char *share, const uint8_t *data,
	       size_t n, struct wr *out)
{
	w->step = req;
	int rc = w->tp->request(w->t, req, share, data, n, out);
	return rc < 0 ? rc : send_kind(req);
}

/* The next disk share whose access is unknown, or PROBE_DONE. */
static int next_share(struct share_walk *w, struct probe_ctx *ctx, struct wr *out)
{
	struct svc_record *rec = ctx->rec;
	for (; w->share_idx < rec->n_shares && w->share_idx < WALK_MAX_SHARE_CHECKS;
	     w->share_idx++) {
		const struct rec_share *sh = &rec->shares[w->share_idx];
		if (strcmp(sh->type, "disk") == 0 && sh->anonymous_read == TRI_UNKNOWN)
			return ask(w, WALK_TREE, sh->name, NULL, 0, out);
	}
	return PROBE_DONE;
}

static int share_result(struct share_walk *w, struct probe_ctx *ctx, enum tri t, struct wr *out)
{
	ctx->rec->shares[w->share_idx++].anonymous_read = t;
	return next_share(w, ctx, out);
}

int walk_start(struct share_walk *w, const struct share_transport *tp, void *t,
	       struct probe_ctx *ctx, bool list, struct wr *out)
{
	w->tp = tp;
	w->t = t;
	w->share_idx = 0;
	w->rpc_len = 0;
	w->bound = false;
	if (list)
		return ask(w, WALK_OPEN_PIPE, NULL, NULL, 0, out);
	return next_share(w, ctx, out);
}

/* Gather one piece of the NetShareEnumAll answer; store it when whole. */
static int on_enum(struct share_walk *w, struct probe_ctx *ctx, const struct walk_answer *a,
		   struct wr *out)
{
	struct svc_record *rec = ctx->rec;
	if (a->status != 0 && a->status != STATUS_BUFFER_OVERFLOW) {
		record_add_error(rec, "shares", "NetShareEnumAll over %s: status 0x%08X",
				 w->tp->name, a->status);
		return PROBE_DONE;
	}
	struct rd data = a->data;
	size_t n = rd_left(&data);
	if (n > WALK_RPC_MAX - w->rpc_len) {
		record_add_error(rec, "shares", "share list larger than %u bytes",
				 (unsigned)WALK_RPC_MAX);
		return PROBE_DONE;
	}
	if (!w->rpc) {
		w->rpc = malloc(WALK_RPC_MAX);
		if (!w->rpc)
			abort();
	}
	if (!rd_bytes(&data, w->rpc + w->rpc_len, n))
		return data.err;
	w->rpc_len += n;
	if (a->status == STATUS_BUFFER_OVERFLOW) /* the rest waits in the pipe */
		return ask(w, WALK_PIPE_READ, NULL, NULL, 0, out);
	struct srvsvc_share_enum_resp *e = malloc(sizeof *e);
	if (!e)
		abort();
	bool ok = sharelist_store(rec, w->rpc, w->rpc_len, e);
	free(e);
	if (!ok)
		return PROBE_DONE;
	w->share_idx = 0;
	return next_share(w, ctx, out);
}

int walk_on_frame(struct share_walk *w, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	struct svc_record *rec = ctx->rec;
	struct walk_answer a;
	memset(&a, 0, sizeof a);
	rd_init(&a.data, NULL, 0);
	int rc = w->tp->answer(w->t, w->step, msg, &a);
	if (rc != WIRE_OK)
		return rc; /* <0, or PROBE_WAIT for an interim answer */
	switch (w->step) {
	case WALK_OPEN_PIPE: {
		if (a.status != 0) {
			record_add_error(rec, "shares", "cannot open \\srvsvc over %s: status 0x%08X",
					 w->tp->name, a.status);
			return PROBE_DONE;
		}
		uint8_t bind[128];
		struct wr wb;
		wr_init(&wb, bind, sizeof bind);
		rc = sharelist_bind_encode(&wb);
		if (rc < 0)
			return rc;
		return ask(w, WALK_PIPE_CALL, NULL, wb.p, wb.len, out);
	}
	case WALK_PIPE_CALL:
		if (!w->bound) {
			struct rd ack = a.data;
			if (a.status != 0 || !sharelist_bind_ok(&ack)) {
				record_add_error(rec, "shares",
						 "SRVSVC bind over %s refused (status 0x%08X)",
						 w->tp->name, a.status);
				return PROBE_DONE;
			}
			uint8_t req[400];
			struct wr wq;
			wr_init(&wq, req, sizeof req);
			rc = sharelist_request_encode(&wq, rec->ip);
			if (rc < 0)
				return rc;
			w->bound = true; /* the next answer on the pipe is the list */
			return ask(w, WALK_PIPE_CALL, NULL, wq.p, wq.len, out);
		}
		return on_enum(w, ctx, &a, out);
	case WALK_PIPE_READ:
		return on_enum(w, ctx, &a, out);
	case WALK_TREE:
		if (a.status != 0)
			return share_result(w, ctx, TRI_NO, out);
		if (a.has_max_access)
			share_access_note(&ctx->rec->shares[w->share_idx], a.max_access);
		return ask(w, WALK_OPEN_ROOT, NULL, NULL, 0, out);
	case WALK_OPEN_ROOT:
		if (a.status != 0)
			return share_result(w, ctx, TRI_NO, out);
		return ask(w, WALK_LIST_ROOT, NULL, NULL, 0, out);
	case WALK_LIST_ROOT:
		/* an empty root answers "no (more) files": still listed */
		return share_result(w, ctx,
				    a.status == 0 || a.status == STATUS_NO_MORE_FILES ||
						    a.status == STATUS_NO_SUCH_FILE
					    ? TRI_YES
					    : TRI_NO,
				    out);
	}
	return PROBE_DONE;
}

void walk_free(struct share_walk *w)
{
	free(w->rpc);
	w->rpc = NULL;
	w->rpc_len = 0;
}
