/* test_conn_chain.c - conversations chained on one kept connection
 * (probe/conn.c conv_set_keep / conv_resume / conv_release, issue 17), over
 * a real loopback TCP server in the same libuv loop: one connection carries
 * two modules; a kept connection the peer closed is reported gone (and
 * freed by release, no leak under ASan); a module with nothing to ask
 * finishes at once; without keep nothing is kept (the control). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <uv.h>

#include "net/engine.h"
#include "probe/conn.h"

/* --- the server: one NBSS frame back per whole frame in ("ok"), and with
 * close_after set it closes after that many answers */
struct server {
	uv_tcp_t tcp;
	int accepted;
	int frames_in;
	int close_after;
};

struct peer {
	uv_tcp_t tcp;
	struct server *srv;
	uint8_t buf[4096];
	size_t len;
	int answered;
};

static void peer_closed(uv_handle_t *h)
{
	free(h->data);
}

static void peer_alloc(uv_handle_t *h, size_t want, uv_buf_t *b)
{
	struct peer *p = h->data;
	(void)want;
	b->base = (char *)p->buf + p->len;
	b->len = sizeof p->buf - p->len;
}

static void peer_wrote(uv_write_t *w, int status)
{
	(void)status;
	free(w);
}

static void peer_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct peer *p = s->data;
	(void)b;
	if (n < 0) {
		uv_close((uv_handle_t *)&p->tcp, peer_closed);
		return;
	}
	p->len += (size_t)n;
	while (p->len >= 4) {
		size_t f = ((size_t)p->buf[1] << 16) | ((size_t)p->buf[2] << 8) | p->buf[3];
		if (p->len < 4 + f)
			break;
		memmove(p->buf, p->buf + 4 + f, p->len - 4 - f);
		p->len -= 4 + f;
		p->srv->frames_in++;
		static char answer[] = {0, 0, 0, 2, 'o', 'k'};
		uv_write_t *w = malloc(sizeof *w);
		uv_buf_t out = uv_buf_init(answer, sizeof answer);
		assert_non_null(w);
		uv_write(w, s, &out, 1, peer_wrote);
		if (p->srv->close_after && ++p->answered >= p->srv->close_after) {
			uv_close((uv_handle_t *)&p->tcp, peer_closed);
			return;
		}
	}
}

static void on_accept(uv_stream_t *ls, int status)
{
	struct server *srv = ls->data;
	assert_int_equal(status, 0);
	struct peer *p = calloc(1, sizeof *p);
	assert_non_null(p);
	p->srv = srv;
	uv_tcp_init(ls->loop, &p->tcp);
	p->tcp.data = p;
	assert_int_equal(uv_accept(ls, (uv_stream_t *)&p->tcp), 0);
	srv->accepted++;
	uv_read_start((uv_stream_t *)&p->tcp, peer_alloc, peer_read);
}

/* --- a module: sends one frame, done at the first answer */
static int finishes;
static enum probe_end last_end;

static int one_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	(void)st;
	(void)ctx;
	return wr_bytes(out, (const uint8_t *)"hi", 2) ? PROBE_SEND : -1;
}

static int one_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	(void)st;
	(void)ctx;
	(void)msg;
	(void)out;
	return PROBE_DONE;
}

static int nothing(void *st, struct probe_ctx *ctx, struct wr *out)
{
	(void)st;
	(void)ctx;
	(void)out;
	return PROBE_DONE;
}

static void one_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	(void)st;
	(void)ctx;
	finishes++;
	last_end = why;
}

static const struct probe_ops one = {
	.name = "one", .state_size = 1, .start = one_start, .resume = one_start,
	.on_frame = one_frame, .finish = one_finish,
};
static const struct probe_ops idle_ops = {
	.name = "idle", .state_size = 1, .start = one_start, .resume = nothing,
	.on_frame = one_frame, .finish = one_finish,
};

/* --- the harness */
struct fixture {
	uv_loop_t loop;
	struct engine *e;
	struct server srv;
	struct sockaddr_in sa;
	struct scan_opts opts;
	struct probe_ctx ctx;
	struct conv_result res[4];
	int n_done;
	bool stop;
};

static void on_done(const struct conv_result *res, void *ud)
{
	struct fixture *f = ud;
	assert_true(f->n_done < 4);
	f->res[f->n_done++] = *res;
	f->stop = true;
}

static void run_until_done(struct fixture *f)
{
	f->stop = false;
	for (int i = 0; i < 2000 && !f->stop; i++)
		uv_run(&f->loop, UV_RUN_ONCE);
	assert_true(f->stop);
}

/* loop turns until the peer's close has reached the idle connection */
static void settle(struct fixture *f)
{
	for (int i = 0; i < 200; i++) {
		uv_run(&f->loop, UV_RUN_NOWAIT);
		uv_sleep(2);
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	struct engine_opts eo = {.max_inflight = 8, .rate = 0, .connect_timeout_ms = 2000};
	f->e = engine_new(&f->loop, &eo);
	uv_tcp_init(&f->loop, &f->srv.tcp);
	f->srv.tcp.data = &f->srv;
	uv_ip4_addr("127.0.0.1", 0, &f->sa);
	assert_int_equal(uv_tcp_bind(&f->srv.tcp, (struct sockaddr *)&f->sa, 0), 0);
	int len = sizeof f->sa;
	uv_tcp_getsockname(&f->srv.tcp, (struct sockaddr *)&f->sa, &len);
	assert_int_equal(uv_listen((uv_stream_t *)&f->srv.tcp, 8, on_accept), 0);
	f->opts.read_timeout_ms = 2000;
	f->ctx.opts = &f->opts;
	strcpy(f->ctx.ip, "127.0.0.1");
	finishes = 0;
	*state = f;
	return 0;
}

static void walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, h->type == UV_TCP && h->data && h->data != arg ? peer_closed : NULL);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	/* the released connections finish closing (they use the engine) */
	for (int i = 0; i < 20; i++)
		uv_run(&f->loop, UV_RUN_NOWAIT);
	engine_free(f->e);
	uv_close((uv_handle_t *)&f->srv.tcp, NULL);
	uv_walk(&f->loop, walk_close, &f->srv);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	free(f->ctx.rec);
	free(f);
	return 0;
}

static void two_modules_one_connection(void **state)
{
	struct fixture *f = *state;
	struct conv *c = conv_start(f->e, (struct sockaddr *)&f->sa, NULL, &one, &f->ctx, on_done, f);
	conv_set_keep(c);
	run_until_done(f);
	assert_int_equal(f->res[0].end, PROBE_END_DONE);
	assert_ptr_equal(f->res[0].kept, c);
	assert_int_equal(conv_resume(c, &one, on_done, f), CONV_RESUMED);
	run_until_done(f);
	assert_int_equal(f->res[1].end, PROBE_END_DONE);
	assert_true(f->res[1].answered);
	assert_ptr_equal(f->res[1].kept, c);
	assert_int_equal(f->srv.accepted, 1); /* one connection */
	assert_int_equal(f->srv.frames_in, 2); /* two exchanges on it */
	assert_int_equal(finishes, 2);
	conv_release(c);
}

static void peer_closed_idle_link_is_gone(void **state)
{
	struct fixture *f = *state;
	f->srv.close_after = 1;
	struct conv *c = conv_start(f->e, (struct sockaddr *)&f->sa, NULL, &one, &f->ctx, on_done, f);
	conv_set_keep(c);
	run_until_done(f);
	assert_ptr_equal(f->res[0].kept, c);
	settle(f); /* the server's FIN reaches the idle connection */
	assert_int_equal(conv_resume(c, &one, on_done, f), CONV_GONE);
	assert_int_equal(f->n_done, 1); /* no done() for a module that never ran */
	conv_release(c);                /* frees it (ASan: no leak, no use after free) */
}

static void nothing_to_ask_finishes_at_once(void **state)
{
	struct fixture *f = *state;
	struct conv *c = conv_start(f->e, (struct sockaddr *)&f->sa, NULL, &one, &f->ctx, on_done, f);
	conv_set_keep(c);
	run_until_done(f);
	assert_int_equal(conv_resume(c, &idle_ops, on_done, f), CONV_FINISHED);
	assert_int_equal(finishes, 2);
	assert_int_equal(last_end, PROBE_END_DONE);
	assert_int_equal(f->n_done, 1);
	/* still kept: the next module rides it */
	assert_int_equal(conv_resume(c, &one, on_done, f), CONV_RESUMED);
	run_until_done(f);
	assert_int_equal(f->srv.accepted, 1);
	assert_int_equal(f->srv.frames_in, 2);
	conv_release(c);
}

static void without_keep_nothing_is_kept(void **state)
{
	struct fixture *f = *state;
	conv_start(f->e, (struct sockaddr *)&f->sa, NULL, &one, &f->ctx, on_done, f);
	run_until_done(f);
	assert_int_equal(f->res[0].end, PROBE_END_DONE);
	assert_null(f->res[0].kept);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(two_modules_one_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(peer_closed_idle_link_is_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(nothing_to_ask_finishes_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(without_keep_nothing_is_kept, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
