/* mgmt.c - the conversations of the management services and their
 * service; see mgmt.h. The wire is decoded in wire/rdp.c, wire/http.c and
 * wire/ssh.c; the verdicts (findings) are assess.c's. */
#include "probe/mgmt.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check/check.h"
#include "net/cert_summary.h"
#include "net/tls_client.h"
#include "probe/conn.h"
#include "wire/http.h"
#include "wire/rdp.h"
#include "wire/ssh.h"
#include "wire/tls.h"

/* lines a server may send before its SSH identification (RFC 4253 4.2) */
#define SSH_MAX_PRELUDE_LINES 8

enum rec_mgmt_service mgmt_service_of_port(uint16_t port)
{
	switch (port) {
	case MGMT_SSH_PORT:
		return MGMT_SSH;
	case MGMT_RDP_PORT:
		return MGMT_RDP;
	case MGMT_WINRM_PORT:
	case MGMT_WINRM_TLS_PORT:
		return MGMT_WINRM;
	}
	return MGMT_NONE;
}

bool mgmt_port_is_tls(uint16_t port)
{
	return port == MGMT_WINRM_TLS_PORT;
}

/* --- RDP: the X.224 Connection Request, with what it offers ------------- */

static int rdp_start(uint32_t requested, struct wr *out)
{
	int rc = rdp_conn_request_encode(out, requested);
	return rc == WIRE_OK ? PROBE_SEND : rc;
}

/* What the best security it will do: TLS and both CredSSP forms offered. */
static int rdp_offer_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	(void)st;
	(void)ctx;
	return rdp_start(RDP_PROTO_SSL | RDP_PROTO_HYBRID | RDP_PROTO_HYBRID_EX, out);
}

/* Standard RDP security alone: confirmed means no TLS and no NLA is
 * enough to reach the logon screen. */
static int rdp_standard_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	(void)st;
	(void)ctx;
	return rdp_start(RDP_PROTO_RDP, out);
}

static int rdp_decode(struct probe_ctx *ctx, struct rd *msg, struct rdp_cc *cc)
{
	int rc = rdp_conn_confirm_decode(msg, cc);
	if (rc != WIRE_OK)
		record_add_error(ctx->rec, "mgmt", "RDP connection confirm: %s", wire_strerror(rc));
	return rc;
}

static int rdp_offer_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	(void)st;
	(void)out;
	struct rdp_cc cc;
	int rc = rdp_decode(ctx, msg, &cc);
	if (rc != WIRE_OK)
		return rc;
	struct rec_mgmt *m = &ctx->rec->mgmt;
	m->service = MGMT_RDP;
	if (cc.kind == RDP_CC_NEG_FAILURE) {
		/* it wants what was not offered (RDSTLS alone): say so */
		const char *why = rdp_failure_name(cc.failure);
		snprintf(m->rdp_selected, sizeof m->rdp_selected, "refused");
		record_add_error(ctx->rec, "mgmt", "RDP refused TLS and NLA: %s (%u)",
				 why ? why : "unknown code", (unsigned)cc.failure);
		return PROBE_DONE;
	}
	const char *name = rdp_protocol_name(cc.selected);
	if (name)
		record_set_str(m->rdp_selected, sizeof m->rdp_selected, name);
	else
		snprintf(m->rdp_selected, sizeof m->rdp_selected, "0x%x", (unsigned)cc.selected);
	return PROBE_DONE;
}

static int rdp_standard_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	(void)st;
	(void)out;
	struct rdp_cc cc;
	int rc = rdp_decode(ctx, msg, &cc);
	if (rc != WIRE_OK)
		return rc;
	struct rec_mgmt *m = &ctx->rec->mgmt;
	m->service = MGMT_RDP;
	if (cc.kind == RDP_CC_NEG_FAILURE) {
		const char *why = rdp_failure_name(cc.failure);
		m->rdp_standard_security = TRI_NO;
		if (why)
			record_set_str(m->rdp_refusal, sizeof m->rdp_refusal, why);
		else
			snprintf(m->rdp_refusal, sizeof m->rdp_refusal, "code %u", (unsigned)cc.failure);
	} else {
		/* a confirm that picks anything but standard security when only
		 * it was asked for breaks the protocol: not a yes */
		m->rdp_standard_security = cc.selected == RDP_PROTO_RDP ? TRI_YES : TRI_NO;
	}
	return PROBE_DONE;
}

static void mgmt_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	(void)st;
	if (ctx->rec && why != PROBE_END_DONE && why != PROBE_END_PROTOCOL)
		record_add_error(ctx->rec, "mgmt", "%s", probe_end_name(why));
}

static const struct probe_ops probe_rdp_offer = {
	.name = "rdp",
	.help = "RDP X.224 Connection Request offering TLS and NLA: the protocol chosen",
	.state_size = 1,
	.start = rdp_offer_start,
	.on_frame = rdp_offer_frame,
	.finish = mgmt_finish,
};

static const struct probe_ops probe_rdp_standard = {
	.name = "rdp-standard",
	.help = "RDP X.224 Connection Request for standard RDP security alone",
	.state_size = 1,
	.start = rdp_standard_start,
	.on_frame = rdp_standard_frame,
	.finish = mgmt_finish,
};

/* --- WinRM: POST /wsman without credentials ----------------------------- */

static int winrm_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	(void)st;
	int rc = http_wsman_request_encode(out, ctx->ip, ctx->port);
	return rc == WIRE_OK ? PROBE_SEND : rc;
}

/* The head of WinRM's answer into the record (over TCP or inside TLS). */
static int winrm_head(struct probe_ctx *ctx, struct rd *msg)
{
	struct http_head h;
	int rc = http_head_decode(msg, &h);
	if (rc != WIRE_OK) {
		record_add_error(ctx->rec, "mgmt", "WinRM answer: %s", wire_strerror(rc));
		return rc;
	}
	struct rec_mgmt *m = &ctx->rec->mgmt;
	m->service = MGMT_WINRM;
	m->http_status = h.status;
	for (unsigned i = 0; i < h.n_schemes && m->n_schemes < REC_MAX_MGMT_SCHEMES; i++)
		record_set_str(m->schemes[m->n_schemes++], sizeof m->schemes[0], h.schemes[i]);
	record_set_str(m->http_server, sizeof m->http_server, h.server);
	return PROBE_DONE;
}

static int winrm_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	(void)st;
	(void)out;
	return winrm_head(ctx, msg);
}

static const struct probe_ops probe_winrm = {
	.name = "winrm",
	.help = "WinRM POST /wsman without credentials: the WWW-Authenticate schemes",
	.state_size = 1,
	.start = winrm_start,
	.on_frame = winrm_frame,
	.finish = mgmt_finish,
};

/* --- WinRM over HTTPS (5986): the same POST inside TLS -------------------- */

struct winrm_tls {
	struct tls_client *tls;
	bool handshake_done;
	size_t head_len;              /* decrypted answer bytes so far */
	uint8_t head[HTTP_HEAD_MAX];
};

/* The TLS records one by one; an answer that does not start like a TLS
 * record is handed over whole, so the probe can say what answered (a
 * plain-HTTP listener's "HTTP/1.1 400") rather than "malformed". */
static int tls_frame_len(const uint8_t *p, size_t n, size_t *len)
{
	int rc = tls_record_len(p, n, len);
	if (rc == WIRE_UNSUPPORTED) {
		*len = n;
		return WIRE_OK;
	}
	return rc;
}

/* What TLS wants sent, into out: PROBE_SEND, or PROBE_WAIT when nothing. */
static int tls_flush(struct winrm_tls *st, struct wr *out)
{
	size_t n;
	const uint8_t *p = tls_client_pending(st->tls, &n);
	if (!p)
		return PROBE_WAIT;
	if (!wr_bytes(out, p, n))
		return out->err;
	tls_client_consume(st->tls, n);
	return PROBE_SEND;
}

/* The handshake failed: a check failure with the reason, never a guess. */
static int tls_failed(struct probe_ctx *ctx, const char *why)
{
	record_add_error(ctx->rec, "mgmt", "TLS handshake: %s", why);
	record_check_set(ctx->rec, RCHK_MGMT, RCHK_FAILED, "TLS handshake failed");
	return WIRE_UNSUPPORTED;
}

static int winrm_tls_start(void *vst, struct probe_ctx *ctx, struct wr *out)
{
	struct winrm_tls *st = vst;
	(void)ctx;
	st->tls = tls_client_new(NULL); /* an address: no SNI */
	if (!st->tls || tls_client_handshake(st->tls) == TLS_STEP_FAILED)
		return WIRE_NOSPACE; /* GnuTLS could not start: a local error */
	return tls_flush(st, out) == PROBE_SEND ? PROBE_SEND : WIRE_NOSPACE;
}

/* Handshake over: the session and certificate into the record, then the
 * POST inside TLS. */
static int winrm_tls_post(struct winrm_tls *st, struct probe_ctx *ctx, struct wr *out)
{
	struct rec_mgmt *m = &ctx->rec->mgmt;
	/* a TLS listener on WinRM's HTTPS port: kept with its certificate even
	 * if the HTTP answer then fails to come */
	m->service = MGMT_WINRM;
	record_set_str(m->tls_version, sizeof m->tls_version, tls_client_version(st->tls));
	record_set_str(m->tls_cipher, sizeof m->tls_cipher, tls_client_cipher(st->tls));
	size_t len;
	const uint8_t *der = tls_client_peer_cert(st->tls, &len);
	if (der && cert_summary(der, len, &m->cert) != 0)
		record_add_error(ctx->rec, "mgmt", "TLS certificate: not an X.509 certificate");
	uint8_t req[512];
	struct wr w;
	wr_init(&w, req, sizeof req);
	int rc = http_wsman_request_encode(&w, ctx->ip, ctx->port);
	if (rc != WIRE_OK)
		return rc;
	if (tls_client_write(st->tls, req, w.len) != 0) {
		record_add_error(ctx->rec, "mgmt", "TLS: %s", tls_client_error(st->tls));
		return WIRE_UNSUPPORTED;
	}
	return tls_flush(st, out);
}

/* Decrypted bytes until the head of the answer is whole. */
static int winrm_tls_answer(struct winrm_tls *st, struct probe_ctx *ctx)
{
	for (;;) {
		if (st->head_len == sizeof st->head) {
			record_add_error(ctx->rec, "mgmt", "WinRM answer: %s",
					 wire_strerror(WIRE_TOO_LARGE));
			return WIRE_TOO_LARGE;
		}
		long n = tls_client_read(st->tls, st->head + st->head_len,
					 sizeof st->head - st->head_len);
		if (n < 0) {
			record_add_error(ctx->rec, "mgmt", "WinRM answer over TLS: %s",
					 tls_client_error(st->tls));
			return WIRE_TRUNCATED;
		}
		if (n == 0)
			return PROBE_WAIT; /* a ticket, or half a record: more to come */
		st->head_len += (size_t)n;
		size_t len;
		int rc = http_head_len(st->head, st->head_len, &len);
		if (rc == WIRE_OK) {
			struct rd head;
			rd_init(&head, st->head, len);
			return winrm_head(ctx, &head);
		}
		if (rc != WIRE_TRUNCATED) {
			record_add_error(ctx->rec, "mgmt", "WinRM answer: %s", wire_strerror(rc));
			return rc;
		}
	}
}

static int winrm_tls_frame(void *vst, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	struct winrm_tls *st = vst;
	size_t n = rd_left(msg), len;
	const uint8_t *p;
	if (!rd_view(msg, n, &p))
		return WIRE_TRUNCATED;
	if (tls_record_len(p, n, &len) == WIRE_UNSUPPORTED && st->handshake_done) {
		record_add_error(ctx->rec, "mgmt", "WinRM answer over TLS: not a TLS record");
		return WIRE_MALFORMED;
	}
	if (tls_record_len(p, n, &len) == WIRE_UNSUPPORTED) {
		char text[48], why[96];
		struct rd r;
		rd_init(&r, p, n);
		tls_not_tls_text(&r, text, sizeof text);
		snprintf(why, sizeof why, "the answer is not TLS (it begins \"%s\")", text);
		return tls_failed(ctx, why);
	}
	if (!tls_client_input(st->tls, p, n))
		return WIRE_TOO_LARGE;
	if (st->handshake_done)
		return winrm_tls_answer(st, ctx);
	switch (tls_client_handshake(st->tls)) {
	case TLS_STEP_FAILED:
		return tls_failed(ctx, tls_client_error(st->tls));
	case TLS_STEP_AGAIN:
		return tls_flush(st, out);
	case TLS_STEP_DONE:
		break;
	}
	st->handshake_done = true;
	return winrm_tls_post(st, ctx, out);
}

static void winrm_tls_finish(void *vst, struct probe_ctx *ctx, enum probe_end why)
{
	struct winrm_tls *st = vst;
	/* no answer to the ClientHello, or the handshake cut: say it was TLS's */
	if (ctx->rec && !st->handshake_done && why != PROBE_END_DONE && why != PROBE_END_PROTOCOL)
		tls_failed(ctx, probe_end_name(why));
	else
		mgmt_finish(st, ctx, why);
	tls_client_free(st->tls);
	st->tls = NULL;
}

static const struct probe_ops probe_winrm_tls = {
	.name = "winrm-tls",
	.help = "WinRM over HTTPS: TLS handshake (certificate kept, never verified), then POST "
		"/wsman without credentials",
	.state_size = sizeof(struct winrm_tls),
	.start = winrm_tls_start,
	.on_frame = winrm_tls_frame,
	.finish = winrm_tls_finish,
};

/* --- SSH: the server's identification line ------------------------------ */

struct ssh_state {
	unsigned lines;
};

static int ssh_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	(void)st;
	(void)ctx;
	(void)out;
	return PROBE_WAIT; /* the server speaks first */
}

static int ssh_frame(void *vst, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	struct ssh_state *st = vst;
	(void)out;
	struct ssh_ident id;
	int rc = ssh_ident_decode(msg, &id);
	if (rc == WIRE_UNSUPPORTED && ++st->lines < SSH_MAX_PRELUDE_LINES)
		return PROBE_WAIT; /* a line before the identification */
	if (rc != WIRE_OK) {
		record_add_error(ctx->rec, "mgmt", "SSH identification: %s", wire_strerror(rc));
		return rc;
	}
	struct rec_mgmt *m = &ctx->rec->mgmt;
	m->service = MGMT_SSH;
	record_set_str(m->ssh_proto, sizeof m->ssh_proto, id.proto);
	record_set_str(m->ssh_software, sizeof m->ssh_software, id.software);
	record_set_str(m->ssh_comments, sizeof m->ssh_comments, id.comments);
	return PROBE_DONE;
}

static const struct probe_ops probe_ssh = {
	.name = "ssh",
	.help = "SSH identification line (RFC 4253 4.2); nothing sent",
	.state_size = sizeof(struct ssh_state),
	.start = ssh_start,
	.on_frame = ssh_frame,
	.finish = mgmt_finish,
};

/* --- the service --------------------------------------------------------- */

struct mgmt_service {
	struct engine *e;
	struct sockaddr_storage sa;
	struct probe_ctx ctx;
	struct conv_result first;
	unsigned patient_connect_ms;
	uint16_t conns; /* the record's cost.connections */
	service_done_fn done;
	void *ud;
};

static void report(struct mgmt_service *s, const struct conv_result *res)
{
	char why[96];
	enum svc_outcome o = svc_outcome_of_connect(res, why, sizeof why);
	struct svc_record *rec = o == SVC_OPEN ? s->ctx.rec : NULL;
	if (rec) {
		rec->scanned_at = (int64_t)time(NULL);
		rec->cost.connections = s->conns;
		if (rec->mgmt.service != MGMT_NONE)
			record_check_set(rec, RCHK_MGMT, RCHK_OK, NULL);
		else if (rec->checks[RCHK_MGMT].status != RCHK_FAILED) /* unless the probe said why */
			record_check_set(rec, RCHK_MGMT, RCHK_FAILED, probe_end_name(res->end));
	}
	s->done(o, rec, o == SVC_ERROR ? why : NULL, s->ud);
	free(s->ctx.rec);
	free(s);
}

static struct conv *start_conv(struct mgmt_service *s, const struct probe_ops *ops,
			       conv_framer_fn framer, conv_done_fn done)
{
	struct conv *c = conv_start(s->e, (struct sockaddr *)&s->sa, NULL, ops, &s->ctx, done, s);
	s->conns++;
	conv_set_framer(c, framer);
	if (s->patient_connect_ms)
		conv_set_connect_timeout(c, s->patient_connect_ms);
	return c;
}

static void second_done(const struct conv_result *res, void *ud)
{
	struct mgmt_service *s = ud;
	(void)res;
	report(s, &s->first); /* the first connection says open or not */
}

static void first_done(const struct conv_result *res, void *ud)
{
	struct mgmt_service *s = ud;
	/* RDP spoke: ask again, for standard RDP security alone */
	if (res->connect == ECONN_OK && s->ctx.rec && s->ctx.rec->mgmt.service == MGMT_RDP) {
		s->first = *res;
		start_conv(s, &probe_rdp_standard, rdp_tpkt_frame_len, second_done);
		return;
	}
	report(s, res);
}

void mgmt_service_start(struct engine *e, const struct scan_opts *opts, const struct sockaddr *sa,
			unsigned patient_connect_ms, service_done_fn done, void *ud)
{
	struct mgmt_service *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->done = done;
	s->ud = ud;
	s->e = e;
	s->patient_connect_ms = patient_connect_ms;
	memcpy(&s->sa, sa,
	       sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	s->ctx.opts = opts;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, s->ctx.ip, sizeof s->ctx.ip);
		s->ctx.port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, s->ctx.ip, sizeof s->ctx.ip);
		s->ctx.port = ntohs(s4->sin_port);
	}
	switch (mgmt_service_of_port(s->ctx.port)) {
	case MGMT_RDP:
		start_conv(s, &probe_rdp_offer, rdp_tpkt_frame_len, first_done);
		break;
	case MGMT_WINRM:
		if (mgmt_port_is_tls(s->ctx.port))
			start_conv(s, &probe_winrm_tls, tls_frame_len, first_done);
		else
			start_conv(s, &probe_winrm, http_head_len, first_done);
		break;
	case MGMT_SSH:
	case MGMT_NONE:
		start_conv(s, &probe_ssh, ssh_line_len, first_done);
		break;
	}
}
