/* smb1_checks.c - checks over an SMB1 anonymous session: null session
 * (IPC$), the MS17-010 safe check, the DoublePulsar knock, and the share
 * list when SMB2 could not give it. Nothing here exploits anything: the
 * MS17-010 probe is a PeekNamedPipe on FID 0 whose error code differs
 * between patched and unpatched servers; the DoublePulsar probe is the
 * implant's own "ping". (smb-facts.md 6; MS-CIFS 2.2.4.33) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/ntlm_info.h"
#include "probe/probe.h"
#include "probe/smb_client.h"
#include "probe/share_access.h"
#include "probe/sharelist.h"
#include "wire/smb1.h"
#include "wire/smb1_ops.h"
#include "wire/smb2.h"

#define DOUBLEPULSAR_MID 65
#define DOUBLEPULSAR_ANSWER_MID (DOUBLEPULSAR_MID + 0x10)
#define PIPE_ACCESS 0x0002019Fu

enum step {
	S_NEGOTIATE = 0,
	S_LOGON_BASIC,   /* non-extended anonymous SESSION_SETUP */
	S_LOGON_NTLM1,   /* extended: NTLMSSP NEGOTIATE */
	S_LOGON_NTLM2,   /* extended: anonymous AUTHENTICATE */
	S_TREE_IPC,
	S_PEEK,
	S_OPEN_PIPE,
	S_BIND,
	S_ENUM,
	S_SHARE_TREE, /* per disk share: can the anonymous session connect to it? */
	S_KNOCK, /* last: an implant-free server may drop the session after it */
};

struct smb1_checks_state {
	enum step step;
	struct smb1_req_ctx rc;
	uint16_t fid;
	uint16_t ipc_tid;
	unsigned share_idx;
};

static uint16_t next_mid(struct smb1_checks_state *s)
{
	return ++s->rc.mid;
}

static int anon1_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	(void)ctx;
	struct smb1_checks_state *s = st;
	static const char *const dialects[] = {"NT LM 0.12"};
	s->rc.pid = 0xFEFF;
	/* no extended security: lets the one-leg anonymous logon through */
	int rc = smb1_negotiate_req_encode(
		out, dialects, 1, SMB1_FLAGS2_UNICODE | SMB1_FLAGS2_NT_STATUS | SMB1_FLAGS2_LONG_NAMES);
	return rc < 0 ? rc : PROBE_SEND;
}

static int ntlm_leg(struct smb1_checks_state *s, bool first, struct wr *out)
{
	uint8_t blob[640];
	struct wr wb;
	wr_init(&wb, blob, sizeof blob);
	int rc = first ? ntlm_negotiate_blob(&wb) : ntlm_authenticate_blob(&wb, NULL);
	if (rc < 0)
		return rc;
	rc = smb1_session_setup_ext_req_encode(out, s->rc.uid, next_mid(s), wb.p,
					       (uint16_t)wb.len, SMBW_SMB1_CAPS);
	return rc < 0 ? rc : PROBE_SEND;
}

static int tree_ipc(struct smb1_checks_state *s, struct probe_ctx *ctx, struct wr *out)
{
	char unc[96];
	snprintf(unc, sizeof unc, "\\\\%s\\IPC$", ctx->rec->ip);
	s->step = S_TREE_IPC;
	next_mid(s);
	int rc = smb1_tree_connect_req_encode(out, &s->rc, unc);
	return rc < 0 ? rc : PROBE_SEND;
}

/* Next disk share whose read access is unknown; false when none is left. */
static bool next_disk_share(struct smb1_checks_state *s, const struct svc_record *rec)
{
	for (; s->share_idx < rec->n_shares; s->share_idx++) {
		const struct rec_share *sh = &rec->shares[s->share_idx];
		if (strcmp(sh->type, "disk") == 0 && sh->anonymous_read == TRI_UNKNOWN)
			return true;
	}
	return false;
}

static int share_tree(struct smb1_checks_state *s, struct probe_ctx *ctx, struct wr *out)
{
	char unc[160];
	snprintf(unc, sizeof unc, "\\\\%s\\%s", ctx->rec->ip,
		 ctx->rec->shares[s->share_idx].name);
	s->step = S_SHARE_TREE;
	next_mid(s);
	struct smb1_req_ctx c = s->rc;
	c.tid = 0;
	int rc = smb1_tree_connect_req_encode(out, &c, unc);
	return rc < 0 ? rc : PROBE_SEND;
}

/* After IPC$: the checks that were asked for, in a fixed order. */
static int next_check(struct smb1_checks_state *s, struct probe_ctx *ctx, struct wr *out)
{
	unsigned checks = ctx->opts->checks;
	int rc;
	if (s->step < S_PEEK && (checks & CHECK_MS17_010)) {
		/* TRANS PEEK_NMPIPE on FID 0 (smb-facts.md 6.2) */
		static const uint16_t setup[2] = {TRANS_PEEK_NMPIPE, 0};
		s->step = S_PEEK;
		next_mid(s);
		rc = smb1_trans_req_encode(out, &s->rc, setup, 2, NULL, 0, 0xFFFF, 0xFFFF);
		return rc < 0 ? rc : PROBE_SEND;
	}
	if (s->step < S_OPEN_PIPE && (checks & CHECK_SHARES) && !ctx->rec->has_shares) {
		s->step = S_OPEN_PIPE;
		next_mid(s);
		rc = smb1_nt_create_req_encode(out, &s->rc, "\\srvsvc", PIPE_ACCESS, 3, 1, 0);
		return rc < 0 ? rc : PROBE_SEND_RPC;
	}
	if (s->step < S_SHARE_TREE && (checks & CHECK_SHARES) && next_disk_share(s, ctx->rec))
		return share_tree(s, ctx, out);
	if (s->step < S_KNOCK && (checks & CHECK_DOUBLEPULSAR)) {
		s->step = S_KNOCK;
		struct smb1_req_ctx k = s->rc;
		k.tid = s->ipc_tid;
		k.mid = DOUBLEPULSAR_MID;
		rc = smb1_trans2_doublepulsar_req_encode(out, &k);
		return rc < 0 ? rc : PROBE_SEND;
	}
	return PROBE_DONE;
}

static int pipe_call(struct smb1_checks_state *s, const uint8_t *data, size_t n, struct wr *out)
{
	uint16_t setup[2] = {TRANS_TRANSACT_NMPIPE, s->fid};
	next_mid(s);
	int rc = smb1_trans_req_encode(out, &s->rc, setup, 2, data, (uint16_t)n, 0, 4280);
	return rc < 0 ? rc : PROBE_SEND_RPC;
}

static int on_logon(struct smb1_checks_state *s, struct probe_ctx *ctx, struct rd *msg,
		    struct wr *out)
{
	struct svc_record *rec = ctx->rec;
	struct smb1_session_setup_resp ss;
	int rc = smb1_session_setup_resp_decode(msg, &ss);
	if (rc < 0)
		return rc;
	if (s->step == S_LOGON_NTLM1) {
		if (ss.hdr.status != STATUS_MORE_PROCESSING_REQUIRED)
			goto refused;
		s->rc.uid = ss.hdr.uid;
		s->step = S_LOGON_NTLM2;
		return ntlm_leg(s, false, out);
	}
	if (ss.hdr.status != 0)
		goto refused;
	s->rc.uid = ss.hdr.uid;
	if (rec->auth.anonymous_logon == TRI_UNKNOWN)
		rec->auth.anonymous_logon = TRI_YES;
	if (ss.native_os[0] && !rec->smb1.native_os[0])
		record_set_str(rec->smb1.native_os, sizeof rec->smb1.native_os, ss.native_os);
	if (ss.native_lanman[0] && !rec->smb1.native_lanman[0])
		record_set_str(rec->smb1.native_lanman, sizeof rec->smb1.native_lanman,
			       ss.native_lanman);
	return tree_ipc(s, ctx, out);
refused:
	if (rec->auth.anonymous_logon == TRI_UNKNOWN)
		rec->auth.anonymous_logon = TRI_NO;
	if (rec->auth.null_session == TRI_UNKNOWN)
		rec->auth.null_session = TRI_NO;
	char st[48];
	smb1_status_text(&ss.hdr, st, sizeof st);
	record_add_error(rec, "ms17_010", "anonymous SMB1 logon refused (%s): no verdict", st);
	return PROBE_DONE;
}

static int anon1_on_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	struct smb1_checks_state *s = st;
	struct svc_record *rec = ctx->rec;
	int rc;
	if (smb_magic_of(msg) != SMB_MAGIC_SMB1)
		return WIRE_UNSUPPORTED;
	switch (s->step) {
	case S_NEGOTIATE: {
		struct smb1_negotiate_resp n;
		rc = smb1_negotiate_resp_decode(msg, &n);
		if (rc < 0)
			return rc;
		if (n.hdr.status != 0 || n.dialect_index != 0 || n.word_count != 17)
			return PROBE_DONE;
		if (n.extended_security) {
			s->step = S_LOGON_NTLM1;
			return ntlm_leg(s, true, out);
		}
		s->step = S_LOGON_BASIC;
		next_mid(s);
		rc = smb1_session_setup_anon_req_encode(out, &s->rc);
		return rc < 0 ? rc : PROBE_SEND;
	}
	case S_LOGON_BASIC:
	case S_LOGON_NTLM1:
	case S_LOGON_NTLM2:
		return on_logon(s, ctx, msg, out);
	case S_TREE_IPC: {
		struct smb1_tree_connect_resp t;
		rc = smb1_tree_connect_resp_decode(msg, &t);
		if (rc < 0)
			return rc;
		if (t.hdr.status != 0) {
			if (rec->auth.null_session == TRI_UNKNOWN)
				rec->auth.null_session = TRI_NO;
			char why[48];
			smb1_status_text(&t.hdr, why, sizeof why);
			record_add_error(rec, "ms17_010", "anonymous IPC$ refused (%s): no verdict",
					 why);
			return PROBE_DONE;
		}
		if (rec->auth.null_session == TRI_UNKNOWN)
			rec->auth.null_session = TRI_YES;
		s->rc.tid = s->ipc_tid = t.hdr.tid;
		return next_check(s, ctx, out);
	}
	case S_PEEK: {
		struct smb1_trans_resp t;
		rc = smb1_trans_resp_decode(msg, &t);
		if (rc < 0)
			return rc;
		if (t.hdr.command != SMB1_CMD_TRANSACTION) {
			record_add_error(rec, "ms17_010", "unexpected answer to PeekNamedPipe");
		} else if (t.hdr.status == STATUS_INSUFF_SERVER_RESOURCES) {
			rec->ms17_010 = VULN_VULNERABLE;
		} else if (t.hdr.status == STATUS_ACCESS_DENIED ||
			   t.hdr.status == STATUS_INVALID_HANDLE) {
			rec->ms17_010 = VULN_NOT_VULNERABLE;
		} else {
			char why[48];
			smb1_status_text(&t.hdr, why, sizeof why);
			record_add_error(rec, "ms17_010", "PeekNamedPipe answered %s: no verdict", why);
		}
		return next_check(s, ctx, out);
	}
	case S_SHARE_TREE: {
		/* SMB1 read access = the anonymous session may connect to the share
		 * (nmap's definition); over SMB2 we list the root as well */
		struct smb1_tree_connect_resp t;
		rc = smb1_tree_connect_resp_decode(msg, &t);
		if (rc < 0)
			return rc;
		rec->shares[s->share_idx].anonymous_read = t.hdr.status == 0 ? TRI_YES : TRI_NO;
		if (t.hdr.status == 0 && t.has_max_access)
			share_access_note(&rec->shares[s->share_idx], t.max_access);
		s->share_idx++;
		if (next_disk_share(s, rec))
			return share_tree(s, ctx, out);
		return next_check(s, ctx, out);
	}
	case S_KNOCK: {
		struct smb1_header h;
		struct rd m = *msg;
		rc = smb1_header_decode(&m, &h);
		if (rc < 0)
			return rc;
		/* the implant answers with multiplex id + 0x10 (smb-facts.md 6.4) */
		rec->doublepulsar =
			h.mid == DOUBLEPULSAR_ANSWER_MID ? VULN_VULNERABLE : VULN_NOT_VULNERABLE;
		return next_check(s, ctx, out);
	}
	case S_OPEN_PIPE: {
		struct smb1_nt_create_resp c;
		rc = smb1_nt_create_resp_decode(msg, &c);
		if (rc < 0)
			return rc;
		if (c.hdr.status != 0) {
			record_add_error(rec, "shares", "cannot open \\srvsvc over SMB1 (0x%08X)",
					 c.hdr.status);
			return next_check(s, ctx, out);
		}
		s->fid = c.fid;
		uint8_t bind[128];
		struct wr wb;
		wr_init(&wb, bind, sizeof bind);
		rc = sharelist_bind_encode(&wb);
		if (rc < 0)
			return rc;
		s->step = S_BIND;
		return pipe_call(s, wb.p, wb.len, out);
	}
	case S_BIND: {
		struct smb1_trans_resp t;
		rc = smb1_trans_resp_decode(msg, &t);
		if (rc < 0)
			return rc;
		if (t.hdr.status != 0 || !sharelist_bind_ok(&t.data)) {
			record_add_error(rec, "shares", "SRVSVC bind over SMB1 refused (0x%08X)",
					 t.hdr.status);
			s->step = S_ENUM;
			return next_check(s, ctx, out);
		}
		uint8_t req[400];
		struct wr wq;
		wr_init(&wq, req, sizeof req);
		rc = sharelist_request_encode(&wq, rec->ip);
		if (rc < 0)
			return rc;
		s->step = S_ENUM;
		return pipe_call(s, wq.p, wq.len, out);
	}
	case S_ENUM: {
		struct smb1_trans_resp t;
		rc = smb1_trans_resp_decode(msg, &t);
		if (rc < 0)
			return rc;
		if (t.hdr.status != 0) {
			record_add_error(rec, "shares", "NetShareEnumAll over SMB1: 0x%08X",
					 t.hdr.status);
			return next_check(s, ctx, out);
		}
		const uint8_t *p;
		size_t n = rd_left(&t.data);
		if (!rd_view(&t.data, n, &p))
			return t.data.err;
		struct srvsvc_share_enum_resp *e = malloc(sizeof *e);
		if (!e)
			abort();
		sharelist_store(rec, p, n, e);
		free(e);
		return next_check(s, ctx, out);
	}
	}
	return PROBE_DONE;
}

static void anon1_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	struct smb1_checks_state *s = st;
	if (why == PROBE_END_DONE)
		return;
	if (s->step == S_KNOCK && (why == PROBE_END_RESET || why == PROBE_END_CLOSED))
		ctx->rec->doublepulsar = VULN_NOT_VULNERABLE;
	else
		record_add_error(ctx->rec, "smb1", "SMB1 checks ended early (%s)", probe_end_name(why));
}

const struct probe_ops probe_anon1 = {
	.name = "smb1-checks",
	.help = "SMB1 null session and IPC$, MS17-010 safe check, DoublePulsar knock, shares",
	.state_size = sizeof(struct smb1_checks_state),
	.start = anon1_start,
	.on_frame = anon1_on_frame,
	.finish = anon1_finish,
};
