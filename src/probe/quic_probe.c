/* quic_probe.c - SMB over QUIC for one address; see quic_probe.h. */
#include "probe/quic_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "net/quic.h"
#include "net/cert_summary.h"
#include "probe/nbns_probe.h"
#include "probe/probe.h"
#include "probe/stream_frames.h"
#include "record/record.h"
#include "wire/nbss.h"

/* Largest request the SMB probe builds (as conn.c's). */
#define QP_OUT_MAX 4096

struct quic_probe {
	struct pacer_waiter wait; /* for the scan's UDP pacer, until the Initial goes */
	uv_loop_t *loop;
	struct sockaddr_storage sa;
	const struct scan_opts *opts;
	struct quic_conn *q;
	struct probe_ctx ctx;
	const struct probe_ops *ops;
	void *state;
	bool ops_started, ops_finished;
	struct stream_frames in;
	uv_timer_t timer; /* one SMB exchange's read timeout */
	bool reported;
	service_done_fn done;
	void *ud;
};

static void timer_closed(uv_handle_t *h)
{
	struct quic_probe *p = h->data;
	stream_frames_free(&p->in);
	free(p->state);
	free(p->ctx.rec);
	free(p);
}

/* Report once; the record (when any) is the context's. The connection is
 * gone or going (q NULL) before this runs. */
static void report(struct quic_probe *p, enum svc_outcome o, const char *why)
{
	if (p->reported)
		return;
	p->reported = true;
	uv_timer_stop(&p->timer);
	struct svc_record *rec = o == SVC_OPEN ? p->ctx.rec : NULL;
	if (rec) {
		rec->scanned_at = (int64_t)time(NULL);
		rec->cost.connections = 1; /* one QUIC connection, whatever it carried */
	}
	p->done(o, rec, why, p->ud);
	uv_close((uv_handle_t *)&p->timer, timer_closed);
}

static void ops_finish(struct quic_probe *p, enum probe_end why)
{
	if (!p->ops_started || p->ops_finished)
		return;
	p->ops_finished = true;
	p->ops->finish(p->state, &p->ctx, why);
	if (why != PROBE_END_DONE)
		record_add_error(probe_ctx_record(&p->ctx), "quic", "SMB over QUIC ended: %s",
				 probe_end_name(why));
}

/* The SMB part is over (or never started): close and report the record. */
static void conclude(struct quic_probe *p, enum probe_end why)
{
	ops_finish(p, why);
	if (p->q) {
		quic_close(p->q);
		p->q = NULL;
	}
	report(p, SVC_OPEN, NULL);
}

static void on_read_timeout(uv_timer_t *t)
{
	conclude(t->data, PROBE_END_TIMEOUT);
}

/* Frame one SMB message (the Direct TCP header) onto stream 0. */
static bool send_msg(struct quic_probe *p, const struct wr *body)
{
	uint8_t frame[QP_OUT_MAX + 4];
	struct wr w;
	size_t at;
	wr_init(&w, frame, sizeof frame);
	if (nbss_message_begin(&w, &at) != WIRE_OK || !wr_bytes(&w, body->p, body->len) ||
	    nbss_message_end(&w, at) != WIRE_OK || quic_stream_send(p->q, frame, w.len) != 0)
		return false;
	unsigned wait = p->opts->read_timeout_ms;
	uv_timer_start(&p->timer, on_read_timeout, wait, 0);
	return true;
}

static void step(struct quic_probe *p, int rc, const struct wr *out)
{
	if (rc == PROBE_SEND || rc == PROBE_SEND_RPC) {
		if (!send_msg(p, out))
			conclude(p, PROBE_END_ABORTED);
	} else if (rc == PROBE_DONE) {
		conclude(p, PROBE_END_DONE);
	} else if (rc < 0) {
		conclude(p, PROBE_END_PROTOCOL);
	}
}

static void on_handshake(struct quic_conn *q, const struct quic_peer *peer, void *ud)
{
	struct quic_probe *p = ud;
	(void)q;
	struct svc_record *rec = probe_ctx_record(&p->ctx);
	rec->over_quic = true;
	rec->quic.present = true;
	rec->quic.client_cert = peer->cert_requested;
	if (peer->cert)
		cert_summary(peer->cert, peer->cert_len, &rec->quic.cert);
	record_check_set(rec, RCHK_QUIC, RCHK_OK, NULL);
	if (strcmp(peer->alpn, "smb") != 0) {
		/* it finished the handshake without agreeing to "smb": QUIC, not SMB */
		rec->quic.alpn_refused = true;
		conclude(p, PROBE_END_DONE);
		return;
	}
	rec->quic.handshake = true;
	uint8_t buf[QP_OUT_MAX];
	struct wr out;
	wr_init(&out, buf, sizeof buf);
	p->ops_started = true;
	step(p, p->ops->start(p->state, &p->ctx, &out), &out);
}

static void on_stream_data(struct quic_conn *q, const uint8_t *data, size_t n, void *ud)
{
	struct quic_probe *p = ud;
	(void)q;
	if (p->reported || !p->ops_started || p->ops_finished)
		return;
	if (stream_frames_push(&p->in, data, n) != 0) {
		conclude(p, PROBE_END_PROTOCOL);
		return;
	}
	while (!p->reported) {
		struct rd msg;
		int rc = stream_frames_next(&p->in, &msg);
		if (rc == WIRE_TRUNCATED)
			return;
		if (rc != WIRE_OK) {
			conclude(p, PROBE_END_PROTOCOL);
			return;
		}
		uv_timer_stop(&p->timer);
		uint8_t buf[QP_OUT_MAX];
		struct wr out;
		wr_init(&out, buf, sizeof buf);
		step(p, p->ops->on_frame(p->state, &p->ctx, &msg, &out), &out);
	}
}

static void on_ended(struct quic_conn *q, enum quic_end why, uint64_t code, int err, void *ud)
{
	struct quic_probe *p = ud;
	(void)q;
	p->q = NULL; /* freed by quic.c after this returns */
	if (p->ctx.rec && p->ctx.rec->quic.present) { /* after the handshake */
		conclude(p, why == QUIC_END_PEER_CLOSE ? PROBE_END_CLOSED : PROBE_END_TIMEOUT);
		return;
	}
	if (why == QUIC_END_PEER_CLOSE || why == QUIC_END_TIMEOUT) {
		/* a QUIC server answered, and refused or stalled the handshake */
		struct svc_record *rec = probe_ctx_record(&p->ctx);
		rec->over_quic = true;
		rec->quic.present = true;
		rec->quic.alpn_refused = why == QUIC_END_PEER_CLOSE && code == QUIC_ERR_NO_APPLICATION_PROTOCOL;
		if (!rec->quic.alpn_refused)
			record_add_error(rec, "quic", "handshake ended: %s (error 0x%llx)",
					 quic_end_name(why), (unsigned long long)code);
		record_check_set(rec, RCHK_QUIC, RCHK_OK, NULL);
		report(p, SVC_OPEN, NULL);
	} else if (why == QUIC_END_SILENT) {
		report(p, SVC_FILTERED, NULL);
	} else if (why == QUIC_END_UNREACHABLE) {
		report(p, SVC_CLOSED, NULL);
	} else {
		char reason[80];
		snprintf(reason, sizeof reason, "quic: %s (%d)", quic_end_name(why), err);
		report(p, SVC_ERROR, reason);
	}
}

static const struct quic_cb probe_cb = {
	.handshake = on_handshake,
	.stream_data = on_stream_data,
	.ended = on_ended,
};

static void addr_text(const struct sockaddr *sa, char *ip, size_t ipsz, uint16_t *port)
{
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)ipsz);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, ip, (socklen_t)ipsz);
		*port = ntohs(s4->sin_port);
	}
}

/* The pacer's token came: the Initial goes. */
static void open_go(struct pacer_waiter *w)
{
	struct quic_probe *p = (struct quic_probe *)(void *)w; /* wait is the first member */
	int err = 0;
	/* silence for a read timeout = filtered; the idle timer outlasts the
	 * SMB exchanges, which have their own read timeout */
	p->q = quic_open(p->loop, (const struct sockaddr *)&p->sa, "smb", p->opts->read_timeout_ms,
			 p->opts->read_timeout_ms * 4, &probe_cb, p, &err);
	if (!p->q) {
		char reason[80];
		snprintf(reason, sizeof reason, "quic: %s",
			 err < 0 && err > -4096 ? uv_strerror(err) : "setup failed");
		report(p, SVC_ERROR, reason);
	}
}

void quic_probe_start(struct nbns_pacer *pacer, uv_loop_t *loop, const struct scan_opts *opts,
		      const struct sockaddr *sa, service_done_fn done, void *ud)
{
	struct quic_probe *p = calloc(1, sizeof *p);
	if (!p)
		abort();
	p->opts = opts;
	p->done = done;
	p->ud = ud;
	p->ops = &probe_smb2_negotiate;
	p->state = calloc(1, p->ops->state_size ? p->ops->state_size : 1);
	if (!p->state)
		abort();
	stream_frames_init(&p->in);
	addr_text(sa, p->ctx.ip, sizeof p->ctx.ip, &p->ctx.port);
	p->ctx.opts = opts;
	if (getrandom(p->ctx.client_guid, sizeof p->ctx.client_guid, 0) < 0 ||
	    getrandom(p->ctx.salt, sizeof p->ctx.salt, 0) < 0)
		memset(p->ctx.salt, 0x5A, sizeof p->ctx.salt); /* uniqueness is not security here */
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	p->loop = loop;
	memcpy(&p->sa, sa,
	       sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	p->wait.go = open_go;
	nbns_pacer_wait(pacer, &p->wait);
}
