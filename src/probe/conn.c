/* conn.c - one probe module over one connection; see conn.h. */
#include "probe/conn.h"

#include <stdlib.h>
#include <string.h>

#include "wire/dcerpc.h"
#include "wire/limits.h"
#include "wire/nbss.h"

/* Largest request we build (negotiate with contexts, session setups). */
#define CONV_OUT_MAX 4096

struct conv {
	struct engine *e;
	struct econn *ec;
	const struct probe_ops *ops;
	struct probe_ctx *ctx;
	conv_done_fn done;
	void (*connected_fn)(void *ud);
	void *ud;
	void *state;
	char called[17];
	bool netbios;
	bool dcerpc;         /* raw DCE/RPC over TCP (port 135): no NBSS framing */
	conv_framer_fn framer; /* another protocol's own framing (conv_set_framer) */
	bool nbss_ok;        /* session established (or not needed) */
	bool finished;       /* finish() called */
	bool keep;           /* conv_set_keep: PROBE_DONE keeps the connection */
	bool keep_pending;   /* PROBE_DONE seen: go idle once the frame is handled */
	bool idle;           /* kept, between modules: done() already called */
	bool dead;           /* the peer ended it while idle */
	bool gone;           /* ... and its econn is closed: only memory left */
	bool released;       /* the owner gave it up (conv_release) */
	struct conv_result res;
	uint8_t *in;         /* reassembly buffer, grown up to WIRE_MAX_FRAME + 4 */
	size_t in_len, in_cap;
};

static void conv_finish(struct conv *c, enum probe_end why)
{
	if (c->finished)
		return;
	c->finished = true;
	c->res.end = why;
	c->ops->finish(c->state, c->ctx, why);
}

static void conv_end(struct conv *c, enum probe_end why)
{
	conv_finish(c, why);
	econn_close(c->ec);
}

/* Frame the SMB message in body[0..n) with the 4-byte header and send it. */
static bool conv_send(struct conv *c, const uint8_t *body, size_t n, bool rpc)
{
	uint8_t frame[CONV_OUT_MAX + 4];
	struct wr w;
	size_t at;
	wr_init(&w, frame, sizeof frame);
	if (c->dcerpc || c->framer) {
		/* a DCE/RPC PDU frames itself (its frag_length), as do the
		 * protocols of conv_set_framer */
		if (!wr_bytes(&w, body, n))
			return false;
	} else if (nbss_message_begin(&w, &at) != WIRE_OK || !wr_bytes(&w, body, n) ||
		   nbss_message_end(&w, at) != WIRE_OK) {
		return false;
	}
	if (econn_write(c->ec, frame, w.len) != 0)
		return false;
	unsigned wait = c->ctx->opts->read_timeout_ms;
	if (rpc && c->ctx->opts->rpc_timeout_ms > wait)
		wait = c->ctx->opts->rpc_timeout_ms;
	econn_set_read_timeout(c->ec, wait);
	return true;
}

static void conv_step(struct conv *c, int rc, struct wr *out)
{
	if (rc == PROBE_SEND || rc == PROBE_SEND_RPC) {
		if (!conv_send(c, out->p, out->len, rc == PROBE_SEND_RPC))
			conv_end(c, PROBE_END_ABORTED);
	} else if (rc == PROBE_DONE && c->keep) {
		conv_finish(c, PROBE_END_DONE);
		c->keep_pending = true; /* on_data goes idle after this frame */
	} else if (rc == PROBE_DONE) {
		conv_end(c, PROBE_END_DONE);
	} else if (rc < 0) {
		conv_end(c, PROBE_END_PROTOCOL);
	}
}

static void conv_begin_module(struct conv *c)
{
	uint8_t buf[CONV_OUT_MAX];
	struct wr out;
	wr_init(&out, buf, sizeof buf);
	c->nbss_ok = true;
	int rc = c->ops->start(c->state, c->ctx, &out);
	if (rc == PROBE_WAIT) /* the server speaks first (SSH): wait for it */
		econn_set_read_timeout(c->ec, c->ctx->opts->read_timeout_ms);
	conv_step(c, rc, &out);
}

static void go_idle(struct conv *c);

static void on_connected(struct econn *ec, enum econn_outcome o, void *ud)
{
	struct conv *c = ud;
	c->res.connect = o;
	if (o != ECONN_OK) {
		c->res.uv_err = econn_uv_error(ec);
		conv_finish(c, PROBE_END_ABORTED);
		return;
	}
	if (c->connected_fn)
		c->connected_fn(c->ud);
	if (!c->netbios) {
		conv_begin_module(c);
		if (c->keep_pending)
			go_idle(c);
		return;
	}
	/* RFC 1002 4.3.2: SESSION REQUEST before any SMB on the NetBIOS service */
	uint8_t buf[128];
	struct wr w;
	wr_init(&w, buf, sizeof buf);
	if (nbss_session_request_encode(&w, c->called, 0x20, "SMBWATCH", 0x00) != WIRE_OK ||
	    econn_write(c->ec, buf, w.len) != 0) {
		conv_end(c, PROBE_END_ABORTED);
		return;
	}
	econn_set_read_timeout(c->ec, c->ctx->opts->read_timeout_ms);
}

/* The module is done and the connection kept: wait for conv_resume. */
static void go_idle(struct conv *c)
{
	c->keep_pending = false;
	c->idle = true;
	c->in_len = 0; /* nothing was asked: whatever is left is stray */
	econn_clear_read_timeout(c->ec);
	c->res.kept = c;
	c->done(&c->res, c->ud);
}

/* Handle one whole frame; false when the conversation ended. */
static bool on_frame(struct conv *c, const struct nbss_frame *f)
{
	if (f->type == NBSS_KEEPALIVE)
		return true;
	c->res.answered = true;
	if (!c->nbss_ok) {
		if (f->type == NBSS_POSITIVE) {
			conv_begin_module(c);
			return !c->finished;
		}
		if (f->type == NBSS_NEGATIVE) {
			c->res.nbss_negative = true;
			c->res.nbss_error = f->neg_error;
		}
		conv_end(c, PROBE_END_PROTOCOL);
		return false;
	}
	if (f->type != NBSS_MESSAGE) {
		conv_end(c, PROBE_END_PROTOCOL);
		return false;
	}
	uint8_t buf[CONV_OUT_MAX];
	struct wr out;
	struct rd msg = f->payload;
	wr_init(&out, buf, sizeof buf);
	probe_ctx_record(c->ctx); /* the service spoke: now it gets a record */
	conv_step(c, c->ops->on_frame(c->state, c->ctx, &msg, &out), &out);
	return !c->finished;
}

/* One whole DCE/RPC PDU at the start of p, as an NBSS message frame (so
 * that on_frame handles both transports). */
static int dcerpc_frame(const uint8_t *p, size_t n, struct nbss_frame *f)
{
	size_t len;
	int rc = dcerpc_frame_len(p, n, &len);
	if (rc != WIRE_OK)
		return rc;
	if (len > n)
		return WIRE_TRUNCATED;
	memset(f, 0, sizeof *f);
	f->type = NBSS_MESSAGE;
	f->frame_len = len;
	rd_init(&f->payload, p, len);
	return WIRE_OK;
}

/* One whole frame by the conversation's own framer, as an NBSS message. */
static int framed(conv_framer_fn fn, const uint8_t *p, size_t n, struct nbss_frame *f)
{
	size_t len;
	int rc = fn(p, n, &len);
	if (rc != WIRE_OK)
		return rc;
	if (len > n)
		return WIRE_TRUNCATED;
	memset(f, 0, sizeof *f);
	f->type = NBSS_MESSAGE;
	f->frame_len = len;
	rd_init(&f->payload, p, len);
	return WIRE_OK;
}

static void on_data(struct econn *ec, const uint8_t *p, size_t n, void *ud)
{
	struct conv *c = ud;
	(void)ec;
	if (c->finished)
		return; /* also while idle: nothing is asked, a stray frame is dropped */
	const size_t cap = WIRE_MAX_FRAME + 4;
	if (n > cap - c->in_len) {
		conv_end(c, PROBE_END_PROTOCOL); /* more than one frame can hold */
		return;
	}
	if (c->in_len + n > c->in_cap) {
		/* most answers are a few hundred bytes: grow on demand */
		size_t want = c->in_cap ? c->in_cap : 4096;
		while (want < c->in_len + n)
			want *= 2;
		if (want > cap)
			want = cap;
		uint8_t *in = realloc(c->in, want);
		if (!in)
			abort();
		c->in = in;
		c->in_cap = want;
	}
	memcpy(c->in + c->in_len, p, n);
	c->in_len += n;
	while (!c->finished) {
		struct nbss_frame f;
		int rc = c->framer   ? framed(c->framer, c->in, c->in_len, &f)
			 : c->dcerpc ? dcerpc_frame(c->in, c->in_len, &f)
				     : nbss_frame_decode(c->in, c->in_len, &f);
		if (rc == WIRE_TRUNCATED)
			return;
		if (rc != WIRE_OK) {
			conv_end(c, PROBE_END_PROTOCOL);
			return;
		}
		size_t used = f.frame_len;
		bool more = on_frame(c, &f);
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		if (!more)
			break;
	}
	if (c->keep_pending)
		go_idle(c);
}

static void on_ended(struct econn *ec, enum econn_outcome o, void *ud)
{
	struct conv *c = ud;
	(void)ec;
	if (c->idle) {
		c->dead = true; /* the peer closed the kept link: resume says gone */
		return;
	}
	enum probe_end why = PROBE_END_ABORTED;
	if (o == ECONN_TIMEOUT)
		why = PROBE_END_TIMEOUT;
	else if (o == ECONN_EOF)
		why = PROBE_END_CLOSED;
	else if (o == ECONN_RESET)
		why = PROBE_END_RESET;
	conv_finish(c, why);
}

static void on_closed(struct econn *ec, void *ud)
{
	struct conv *c = ud;
	(void)ec;
	if (c->idle && !c->released) {
		c->gone = true; /* the owner still holds it: freed by conv_release */
		c->dead = true;
		return;
	}
	if (!c->idle) {
		conv_finish(c, PROBE_END_ABORTED);
		c->done(&c->res, c->ud);
	}
	free(c->in);
	free(c->state);
	free(c);
}

static const struct econn_cb conv_cb = {
	.connected = on_connected,
	.data = on_data,
	.ended = on_ended,
	.closed = on_closed,
};

/* a module's zeroed state (one byte when it keeps none) */
static void *new_state(const struct probe_ops *ops)
{
	void *st = calloc(1, ops->state_size ? ops->state_size : 1);
	if (!st)
		abort();
	return st;
}

struct conv *conv_start(struct engine *e, const struct sockaddr *sa, const char *called_name,
			const struct probe_ops *ops, struct probe_ctx *ctx, conv_done_fn done,
			void *ud)
{
	struct conv *c = calloc(1, sizeof *c);
	if (!c)
		abort();
	c->state = new_state(ops);
	c->e = e;
	c->ops = ops;
	c->ctx = ctx;
	c->done = done;
	c->ud = ud;
	c->res.connect = ECONN_ERROR;
	if (called_name) {
		c->netbios = true;
		record_set_str(c->called, sizeof c->called, called_name);
	}
	c->ec = econn_open(e, sa, &conv_cb, c);
	return c;
}

void conv_set_connect_timeout(struct conv *c, unsigned ms)
{
	if (!c->finished)
		econn_set_connect_timeout(c->ec, ms);
}

void conv_set_dcerpc(struct conv *c)
{
	c->dcerpc = true;
	c->netbios = false;
}

void conv_set_framer(struct conv *c, conv_framer_fn fn)
{
	c->framer = fn;
	c->netbios = false;
}

void conv_set_connected_cb(struct conv *c, void (*fn)(void *ud))
{
	c->connected_fn = fn;
}

void conv_abort(struct conv *c)
{
	conv_finish(c, PROBE_END_ABORTED);
	econn_close(c->ec);
}

void conv_set_keep(struct conv *c)
{
	c->keep = true;
}

enum conv_resume_result conv_resume(struct conv *c, const struct probe_ops *ops,
				    conv_done_fn done, void *ud)
{
	if (!c->idle || c->dead || c->gone || !ops->resume)
		return CONV_GONE;
	free(c->state);
	c->state = new_state(ops);
	c->ops = ops;
	c->done = done;
	c->ud = ud;
	c->idle = false;
	c->finished = false;
	c->res.end = PROBE_END_DONE;
	c->res.answered = false;
	c->res.kept = NULL;
	uint8_t buf[CONV_OUT_MAX];
	struct wr out;
	wr_init(&out, buf, sizeof buf);
	int rc = ops->resume(c->state, c->ctx, &out);
	if (rc == PROBE_DONE) {
		conv_finish(c, PROBE_END_DONE);
		c->idle = true;
		c->res.kept = c;
		return CONV_FINISHED;
	}
	conv_step(c, rc, &out);
	return CONV_RESUMED;
}

void conv_release(struct conv *c)
{
	c->released = true;
	if (c->gone) {
		free(c->in);
		free(c->state);
		free(c);
		return;
	}
	econn_close(c->ec); /* on_closed frees it */
}
