/* mgmt.c - the conversations of the management services and their
 * service; see mgmt.h. The wire is decoded in wire/rdp.c, wire/http.c and
 * wire/ssh.c; the verdicts (findings) are assess.c's. */
#include "probe/mgmt.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check/check.h"
#include "probe/conn.h"
#include "wire/http.h"
#include "wire/rdp.h"
#include "wire/ssh.h"

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
		return MGMT_WINRM;
	}
	return MGMT_NONE;
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

static int winrm_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	(void)st;
	(void)out;
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

static const struct probe_ops probe_winrm = {
	.name = "winrm",
	.help = "WinRM POST /wsman without credentials: the WWW-Authenticate schemes",
	.state_size = 1,
	.start = winrm_start,
	.on_frame = winrm_frame,
	.finish = mgmt_finish,
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
		else
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
		start_conv(s, &probe_winrm, http_head_len, first_done);
		break;
	case MGMT_SSH:
	case MGMT_NONE:
		start_conv(s, &probe_ssh, ssh_line_len, first_done);
		break;
	}
}
