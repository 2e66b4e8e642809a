/* engine.c - libuv TCP connections under a concurrency cap, a rate cap and
 * timeouts. See engine.h for the contract. */
#include "net/engine.h"
#include "net/rate_bucket.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Read buffer per callback. Frames are reassembled above us. */
#define ENGINE_READ_CHUNK 65536
/* at most 1/50 s of --rate at once */
#define ENGINE_BURST_MS 20

struct econn {
	uv_tcp_t tcp;
	uv_connect_t creq;
	uv_timer_t timer;
	struct engine *e;
	struct econn_cb cb;
	void *ud;
	struct sockaddr_storage sa;
	struct econn *next_pending;
	int open_handles;  /* handles not yet closed */
	bool started;      /* left the pending queue */
	bool connected;
	bool closing;      /* econn_close or an end: no more callbacks */
	unsigned connect_timeout_ms; /* 0: the engine's */
	int uv_err;        /* what ended the connect, for econn_uv_error() */
};

struct engine {
	uv_loop_t *loop;
	struct engine_opts opts;
	unsigned inflight; /* started and not yet freed */
	unsigned pending;  /* queued, not started */
	uint64_t attempts;
	struct econn *pending_head, *pending_tail;
	struct rate_bucket bucket; /* opts.rate; bursts of 1/50 s */
	uv_timer_t pump_timer;
	bool pump_armed;
	/* One read buffer for every connection: libuv calls alloc_cb and then
	 * read_cb at once, and data() consumes the bytes before returning, so
	 * nothing is kept per connection (memory stays flat at 10k in flight). */
	char rbuf[ENGINE_READ_CHUNK];
};

const char *econn_outcome_name(enum econn_outcome o)
{
	switch (o) {
	case ECONN_OK: return "ok";
	case ECONN_REFUSED: return "refused";
	case ECONN_TIMEOUT: return "timeout";
	case ECONN_RESET: return "reset";
	case ECONN_EOF: return "closed by peer";
	case ECONN_ERROR: return "error";
	case ECONN_CLOSED: return "closed";
	}
	return "?";
}

static enum econn_outcome outcome_of(int uverr)
{
	switch (uverr) {
	case 0: return ECONN_OK;
	case UV_ECONNREFUSED: return ECONN_REFUSED;
	case UV_ETIMEDOUT: return ECONN_TIMEOUT;
	case UV_ECONNRESET:
	case UV_EPIPE: return ECONN_RESET;
	case UV_EOF: return ECONN_EOF;
	default: return ECONN_ERROR;
	}
}

static void engine_pump(struct engine *e);

static void pump_timer_cb(uv_timer_t *t)
{
	struct engine *e = t->data;
	e->pump_armed = false;
	engine_pump(e);
}

struct engine *engine_new(uv_loop_t *loop, const struct engine_opts *opts)
{
	struct engine *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->loop = loop;
	e->opts = *opts;
	if (e->opts.max_inflight == 0)
		e->opts.max_inflight = 1;
	if (e->opts.connect_timeout_ms == 0)
		e->opts.connect_timeout_ms = 1000;
	rate_bucket_init(&e->bucket, e->opts.rate, ENGINE_BURST_MS, uv_now(loop));
	uv_timer_init(loop, &e->pump_timer);
	e->pump_timer.data = e;
	uv_unref((uv_handle_t *)&e->pump_timer);
	return e;
}

static void pump_timer_closed(uv_handle_t *h)
{
	free(h->data);
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	/* the timer handle lives inside e: free e from its close callback */
	uv_close((uv_handle_t *)&e->pump_timer, pump_timer_closed);
}

uv_loop_t *engine_loop(struct engine *e)
{
	return e->loop;
}

unsigned engine_inflight(const struct engine *e)
{
	return e->inflight;
}

void engine_set_rate(struct engine *e, unsigned rate)
{
	e->opts.rate = rate;
	rate_bucket_set_rate(&e->bucket, rate, uv_now(e->loop));
}

unsigned engine_rate(const struct engine *e)
{
	return e->opts.rate;
}

void engine_set_connect_timeout(struct engine *e, unsigned ms)
{
	e->opts.connect_timeout_ms = ms ? ms : 1;
}

unsigned engine_pending(const struct engine *e)
{
	return e->pending;
}

uint64_t engine_attempts(const struct engine *e)
{
	return e->attempts;
}

static void handle_closed(uv_handle_t *h)
{
	struct econn *c = h->data;
	if (--c->open_handles > 0)
		return;
	struct engine *e = c->e;
	if (c->cb.closed)
		c->cb.closed(c, c->ud);
	free(c);
	e->inflight--;
	engine_pump(e);
}

/* Close both handles (if started) and report closed() once they are gone. */
static void econn_teardown(struct econn *c)
{
	if (c->open_handles == 0 || uv_is_closing((uv_handle_t *)&c->timer))
		return;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, handle_closed);
	if (c->connected)
		uv_tcp_close_reset(&c->tcp, handle_closed); /* no TIME_WAIT left behind */
	else
		uv_close((uv_handle_t *)&c->tcp, handle_closed);
}

static void end_with(struct econn *c, enum econn_outcome o)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->connected) {
		if (c->cb.ended)
			c->cb.ended(c, o, c->ud);
	} else if (c->cb.connected) {
		c->cb.connected(c, o, c->ud);
	}
	econn_teardown(c);
}

static void timer_cb(uv_timer_t *t)
{
	end_with(t->data, ECONN_TIMEOUT);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct econn *c = h->data;
	(void)suggested;
	buf->base = c->e->rbuf;
	buf->len = sizeof c->e->rbuf;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct econn *c = s->data;
	if (c->closing)
		return;
	if (n < 0) {
		end_with(c, outcome_of((int)n));
		return;
	}
	if (n > 0 && c->cb.data)
		c->cb.data(c, (const uint8_t *)buf->base, (size_t)n, c->ud);
}

static void connect_cb(uv_connect_t *req, int status)
{
	struct econn *c = req->data;
	if (c->closing)
		return;
	if (status != 0) {
		c->uv_err = status;
		end_with(c, outcome_of(status));
		return;
	}
	c->connected = true;
	uv_timer_stop(&c->timer);
	int rc = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
	if (rc != 0) {
		end_with(c, ECONN_ERROR);
		return;
	}
	if (c->cb.connected)
		c->cb.connected(c, ECONN_OK, c->ud);
}

/* Short SYN retry budget: our own connect timeout decides, not the
 * kernel's two-minute default; and an abortive close so finished
 * connections do not sit in TIME_WAIT. */
static void tune_socket(struct econn *c)
{
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0)
		return;
	int syncnt = 2;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof syncnt);
	(void)uv_tcp_nodelay(&c->tcp, 1);
}

static void econn_start(struct econn *c)
{
	struct engine *e = c->e;
	c->started = true;
	e->attempts++;
	uv_timer_init(e->loop, &c->timer);
	c->timer.data = c;
	c->open_handles = 1;
	int rc = uv_tcp_init_ex(e->loop, &c->tcp, c->sa.ss_family);
	if (rc != 0) {
		/* out of descriptors or the like: report it, close the timer */
		c->uv_err = rc;
		c->closing = true;
		if (c->cb.connected)
			c->cb.connected(c, ECONN_ERROR, c->ud);
		uv_close((uv_handle_t *)&c->timer, handle_closed);
		return;
	}
	c->tcp.data = c;
	c->open_handles = 2;
	tune_socket(c);
	c->creq.data = c;
	rc = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&c->sa, connect_cb);
	if (rc != 0) {
		c->uv_err = rc;
		end_with(c, outcome_of(rc));
		return;
	}
	uv_timer_start(&c->timer, timer_cb,
		       c->connect_timeout_ms ? c->connect_timeout_ms : e->opts.connect_timeout_ms, 0);
}

static void engine_pump(struct engine *e)
{
	while (e->pending_head && e->inflight < e->opts.max_inflight) {
		if (!rate_bucket_take(&e->bucket, uv_now(e->loop))) {
			if (!e->pump_armed) {
				uv_ref((uv_handle_t *)&e->pump_timer);
				uv_timer_start(&e->pump_timer, pump_timer_cb,
					       rate_bucket_wait_ms(&e->bucket), 0);
				e->pump_armed = true;
			}
			return;
		}
		struct econn *c = e->pending_head;
		e->pending_head = c->next_pending;
		if (!e->pending_head)
			e->pending_tail = NULL;
		e->pending--;
		e->inflight++;
		econn_start(c);
	}
	if (!e->pending_head)
		uv_unref((uv_handle_t *)&e->pump_timer);
}

struct econn *econn_open(struct engine *e, const struct sockaddr *sa, const struct econn_cb *cb,
			 void *ud)
{
	struct econn *c = calloc(1, sizeof *c);
	if (!c)
		abort(); /* out of memory: nothing a peer can cause */
	c->e = e;
	c->cb = *cb;
	c->ud = ud;
	memcpy(&c->sa, sa,
	       sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	if (e->pending_tail)
		e->pending_tail->next_pending = c;
	else
		e->pending_head = c;
	e->pending_tail = c;
	e->pending++;
	engine_pump(e);
	return c;
}

struct write_req {
	uv_write_t req;
	uv_buf_t buf;
	uint8_t data[];
};

static void write_cb(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct econn *c = req->data;
	free(w);
	if (status != 0 && status != UV_ECANCELED && c && !c->closing)
		end_with(c, outcome_of(status));
}

int econn_write(struct econn *c, const uint8_t *p, size_t n)
{
	if (c->closing || !c->connected)
		return UV_ENOTCONN;
	struct write_req *w = malloc(sizeof *w + n);
	if (!w)
		abort();
	memcpy(w->data, p, n);
	w->buf = uv_buf_init((char *)w->data, (unsigned)n);
	w->req.data = c;
	int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &w->buf, 1, write_cb);
	if (rc != 0)
		free(w);
	return rc;
}

void econn_set_connect_timeout(struct econn *c, unsigned ms)
{
	c->connect_timeout_ms = ms;
	if (c->started && !c->connected && !c->closing)
		uv_timer_start(&c->timer, timer_cb, ms, 0);
}

void econn_set_read_timeout(struct econn *c, unsigned ms)
{
	if (c->closing || !c->started)
		return;
	uv_timer_start(&c->timer, timer_cb, ms, 0);
}

void econn_clear_read_timeout(struct econn *c)
{
	if (c->closing || !c->started || !c->connected)
		return;
	uv_timer_stop(&c->timer);
}

int econn_uv_error(const struct econn *c)
{
	return c->uv_err;
}

void econn_close(struct econn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (!c->started) {
		/* still queued: unlink it and report closed at once */
		struct engine *e = c->e;
		struct econn **pp = &e->pending_head;
		struct econn *prev = NULL;
		while (*pp && *pp != c) {
			prev = *pp;
			pp = &(*pp)->next_pending;
		}
		if (*pp) {
			*pp = c->next_pending;
			if (e->pending_tail == c)
				e->pending_tail = prev;
			e->pending--;
		}
		if (c->cb.closed)
			c->cb.closed(c, c->ud);
		free(c);
		return;
	}
	econn_teardown(c);
}
