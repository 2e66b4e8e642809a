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
#include "check/check.h"
#include "probe/probe.h"
#include "probe/relay.h"
#include "probe/smb_client.h"
#include "probe/sharewalk.h"
#include "wire/ntstatus.h"
#include "wire/smb1.h"
#include "wire/smb1_ops.h"
#include "wire/smb2.h"

#define DOUBLEPULSAR_MID 65
#define DOUBLEPULSAR_ANSWER_MID (DOUBLEPULSAR_MID + 0x10)
#define PIPE_ACCESS 0x0002019Fu
/* FILE_LIST_DIRECTORY|FILE_READ_ATTRIBUTES|SYNCHRONIZE, as over SMB2 */
#define DIR_LIST_ACCESS 0x00100081u
#define SHARE_RW 3u
#define FILE_OPEN 1u
#define FILE_DIRECTORY_FILE 1u

enum step {
	S_NEGOTIATE = 0,
	S_LOGON_BASIC,   /* non-extended anonymous SESSION_SETUP */
	S_LOGON_NTLM1,   /* extended: NTLMSSP NEGOTIATE */
	S_LOGON_NTLM2,   /* extended: anonymous AUTHENTICATE */
	S_TREE_IPC,
	S_PEEK,
	S_WALK,  /* the share walk (probe/sharewalk.c): list, then each root */
	S_KNOCK, /* last: an implant-free server may drop the session after it */
};

struct smb1_checks_state {
	enum step step;
	struct smb1_req_ctx rc;
	uint16_t fid;       /* \srvsvc */
	uint16_t ipc_tid;
	uint16_t share_tid; /* the share the walk is in */
	struct probe_ctx *ctx;
	struct share_walk walk;
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

static int ntlm_leg(struct smb1_checks_state *s, bool first, struct wr *out);

/* On the SMB1 link (probe_smb1_negotiate's connection, which negotiated
 * extended security for its NTLMSSP leg): the anonymous logon as NTLMSSP,
 * else the one-leg anonymous logon. */
static int anon1_resume(void *st, struct probe_ctx *ctx, struct wr *out)
{
	struct smb1_checks_state *s = st;
	s->rc.pid = 0xFEFF;
	if (!ctx->link1_ok)
		return PROBE_DONE;
	if (ctx->link1_ext) {
		s->step = S_LOGON_NTLM1;
		return ntlm_leg(s, true, out);
	}
	s->step = S_LOGON_BASIC;
	next_mid(s);
	int rc = smb1_session_setup_anon_req_encode(out, &s->rc);
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

static int pipe_call(struct smb1_checks_state *s, const uint8_t *data, size_t n, struct wr *out);

/* The share walk's SMB1 transport: TransactNmPipe on \srvsvc (READ_ANDX
 * for the rest of an answer), a tree per share, NT_CREATE_ANDX and
 * FIND_FIRST2 on its root. Pipe requests run on IPC$ (s->rc), share
 * requests on share_tid, so the DoublePulsar knock after the walk is still
 * on IPC$. */
static int walk1_request(void *t, enum walk_req req, const char *share, const uint8_t *data,
			 size_t n, struct wr *out)
{
	struct smb1_checks_state *s = t;
	struct smb1_req_ctx c = s->rc;
	char unc[160];
	int rc;
	if (req == WALK_PIPE_CALL) {
		rc = pipe_call(s, data, n, out);
		return rc < 0 ? rc : WIRE_OK;
	}
	c.mid = next_mid(s);
	switch (req) {
	case WALK_OPEN_PIPE:
		rc = smb1_nt_create_req_encode(out, &c, "\\srvsvc", PIPE_ACCESS, SHARE_RW, FILE_OPEN, 0);
		break;
	case WALK_PIPE_READ:
		rc = smb1_read_andx_req_encode(out, &c, s->fid, 4280);
		break;
	case WALK_TREE:
		snprintf(unc, sizeof unc, "\\\\%s\\%s", s->ctx->rec->ip, share);
		c.tid = 0;
		rc = smb1_tree_connect_req_encode(out, &c, unc);
		break;
	case WALK_OPEN_ROOT:
		c.tid = s->share_tid;
		rc = smb1_nt_create_req_encode(out, &c, "", DIR_LIST_ACCESS, SHARE_RW, FILE_OPEN,
					       FILE_DIRECTORY_FILE);
		break;
	case WALK_LIST_ROOT:
		c.tid = s->share_tid;
		rc = smb1_find_first2_req_encode(out, &c, "\\*", 4096);
		break;
	default:
		return WIRE_MALFORMED;
	}
	return rc < 0 ? rc : WIRE_OK;
}

static int walk1_answer(void *t, enum walk_req req, struct rd *msg, struct walk_answer *a)
{
	struct smb1_checks_state *s = t;
	int rc = WIRE_OK;
	switch (req) {
	case WALK_OPEN_PIPE:
	case WALK_OPEN_ROOT: {
		struct smb1_nt_create_resp c = {0};
		rc = smb1_nt_create_resp_decode(msg, &c);
		a->status = c.hdr.status;
		if (rc == WIRE_OK && c.hdr.status == 0 && req == WALK_OPEN_PIPE)
			s->fid = c.fid;
		break;
	}
	case WALK_PIPE_CALL:
	case WALK_LIST_ROOT: { /* TRANSACTION, and TRANSACTION2 FIND_FIRST2 */
		struct smb1_trans_resp tr = {0};
		rc = smb1_trans_resp_decode(msg, &tr);
		a->status = tr.hdr.status;
		a->data = tr.data;
		break;
	}
	case WALK_PIPE_READ: {
		struct smb1_read_andx_resp ra = {0};
		rc = smb1_read_andx_resp_decode(msg, &ra);
		a->status = ra.hdr.status;
		a->data = ra.data;
		break;
	}
	case WALK_TREE: {
		struct smb1_tree_connect_resp tc = {0};
		rc = smb1_tree_connect_resp_decode(msg, &tc);
		a->status = tc.hdr.status;
		if (rc == WIRE_OK && tc.hdr.status == 0) {
			s->share_tid = tc.hdr.tid;
			a->has_max_access = tc.has_max_access; /* extended response only */
			a->max_access = tc.max_access;
		}
		break;
	}
	}
	return rc;
}

static const struct share_transport walk1 = {
	.name = "SMB1",
	.request = walk1_request,
	.answer = walk1_answer,
};

/* After IPC$: the checks that were asked for, in a fixed order. */
static int next_check(struct smb1_checks_state *s, struct probe_ctx *ctx, struct wr *out)
{
	unsigned wanted = ctx->opts->checks;
	int rc;
	if (s->step < S_PEEK && (wanted & CHECK_BIT(RCHK_MS17_010))) {
		/* TRANS PEEK_NMPIPE on FID 0 (smb-facts.md 6.2) */
		static const uint16_t setup[2] = {TRANS_PEEK_NMPIPE, 0};
		s->step = S_PEEK;
		next_mid(s);
		rc = smb1_trans_req_encode(out, &s->rc, setup, 2, NULL, 0, 0xFFFF, 0xFFFF);
		return rc < 0 ? rc : PROBE_SEND;
	}
	if (s->step < S_WALK && (wanted & CHECK_BIT(RCHK_SHARES))) {
		/* the list unless an SMB2 session gave it, then the roots whose
		 * access is still unknown */
		s->step = S_WALK;
		s->ctx = ctx;
		rc = walk_start(&s->walk, &walk1, s, ctx, !ctx->rec->has_shares, out);
		if (rc != PROBE_DONE)
			return rc;
	}
	if (s->step < S_KNOCK && (wanted & CHECK_BIT(RCHK_DOUBLEPULSAR))) {
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
	relay_note_smb1_client(ctx, ss.hdr.status, false);
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
		ctx->link1_ok = true; /* a fresh connection: the next SMB1 link */
		ctx->link1_ext = n.extended_security;
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
		relay_note_smb1_client(ctx, t.hdr.status, true);
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
	case S_WALK:
		rc = walk_on_frame(&s->walk, ctx, msg, out);
		return rc == PROBE_DONE ? next_check(s, ctx, out) : rc;
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
	}
	return PROBE_DONE;
}

static void anon1_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	struct smb1_checks_state *s = st;
	walk_free(&s->walk);
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
	.resume = anon1_resume,
	.on_frame = anon1_on_frame,
	.finish = anon1_finish,
};
