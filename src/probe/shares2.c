/* shares2.c - checks over an SMB2 session: anonymous (null) logon and IPC$,
 * or a guest logon with a random non-existent user; then the share list
 * through SRVSVC NetShareEnumAll on \srvsvc (IOCTL pipe transceive), and for
 * each disk share whether its root can be listed. Read-only: nothing is
 * created, written or deleted. (detection-facts.md 2; MS-SRVS 3.1.4.8) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "probe/probe.h"
#include "probe/relay.h"
#include "probe/share_access.h"
#include "probe/session2.h"
#include "probe/smb_client.h"
#include "probe/sharelist.h"

/* MS-SMB2 2.2.13.1: what we ask for on the pipe and on a share root. */
#define PIPE_ACCESS 0x0012019Fu      /* generic read/write on a pipe, as smbclient */
#define DIR_LIST_ACCESS 0x00100081u  /* FILE_LIST_DIRECTORY|READ_ATTRIBUTES|SYNCHRONIZE */
#define SHARE_RW 0x00000003u
#define FILE_OPEN 1u
#define FILE_DIRECTORY_FILE 1u
#define MAX_SHARE_CHECKS 32
#define RPC_BUF_MAX 65536

enum step {
	S_SESSION = 0,
	S_TREE_IPC,
	S_OPEN_PIPE,
	S_BIND,
	S_ENUM,
	S_ENUM_READ,
	S_SHARE_TREE,
	S_SHARE_OPEN,
	S_SHARE_LIST,
};

struct shares2_state {
	struct sess2 sess;
	enum step step;
	bool guest;
	bool then_guest; /* anonymous first, then the guest logon on this connection */
	bool relogon;    /* this guest logon is the connection's second session */
	char user[24];
	uint8_t pipe_id[16];
	uint8_t dir_id[16];
	unsigned share_idx;
	uint32_t ipc_tree;
	size_t rpc_len;
	uint8_t *rpc; /* RPC answer being gathered, RPC_BUF_MAX at most; heap so
		       * that a check in flight costs little until it needs it */
};

static int tree_connect(struct shares2_state *s, struct probe_ctx *ctx, const char *share,
			struct wr *out)
{
	char unc[160];
	sess2_unc(ctx, share, unc, sizeof unc);
	s->sess.rc.tree_id = 0;
	struct smb2_req_ctx rc = s->sess.rc;
	rc.message_id = sess2_next_mid(&s->sess);
	int r = smb2_tree_connect_req_encode(out, &rc, unc);
	return r < 0 ? r : PROBE_SEND;
}

static int create(struct shares2_state *s, const char *name, uint32_t access, uint32_t options,
		  struct wr *out)
{
	struct smb2_req_ctx rc = s->sess.rc;
	rc.message_id = sess2_next_mid(&s->sess);
	struct smb2_create_req req = {
		.name = name,
		.desired_access = access,
		.share_access = SHARE_RW,
		.create_disposition = FILE_OPEN,
		.create_options = options,
	};
	int r = smb2_create_req_encode(out, &rc, &req);
	return r < 0 ? r : PROBE_SEND;
}

static int transceive(struct shares2_state *s, const uint8_t *in, size_t n, struct wr *out)
{
	struct smb2_req_ctx rc = s->sess.rc;
	rc.message_id = sess2_next_mid(&s->sess);
	int r = smb2_ioctl_transceive_req_encode(out, &rc, s->pipe_id, in, (uint32_t)n, 4280);
	return r < 0 ? r : PROBE_SEND_RPC;
}

/* Next disk share to check, or PROBE_DONE when none is left. */
static int next_share(struct shares2_state *s, struct probe_ctx *ctx, struct wr *out)
{
	struct svc_record *rec = ctx->rec;
	while (s->share_idx < rec->n_shares && s->share_idx < MAX_SHARE_CHECKS) {
		struct rec_share *sh = &rec->shares[s->share_idx];
		if (strcmp(sh->type, "disk") == 0) {
			s->step = S_SHARE_TREE;
			return tree_connect(s, ctx, sh->name, out);
		}
		s->share_idx++;
	}
	return PROBE_DONE;
}

static void share_result(struct shares2_state *s, struct probe_ctx *ctx, enum tri t)
{
	struct rec_share *sh = &ctx->rec->shares[s->share_idx];
	if (sh->anonymous_read != TRI_YES)
		sh->anonymous_read = t;
	s->share_idx++;
}

static int on_enum_stub(struct shares2_state *s, struct probe_ctx *ctx, struct wr *out)
{
	struct srvsvc_share_enum_resp *e = malloc(sizeof *e);
	if (!e)
		abort();
	bool ok = sharelist_store(ctx->rec, s->rpc, s->rpc_len, e);
	free(e);
	if (!ok)
		return PROBE_DONE;
	s->share_idx = 0;
	return next_share(s, ctx, out);
}

static int after_session(struct shares2_state *s, struct probe_ctx *ctx, struct wr *out)
{
	struct svc_record *rec = ctx->rec;
	relay_note_session(rec, &s->sess);
	if (s->guest) {
		/* a server that will not open a second session on a connection
		 * has not said anything about guests: a connection of its own
		 * decides (service.c runs the guest check when still unknown) */
		if (s->relogon && !s->sess.challenged)
			return PROBE_DONE;
		/* a random user can only be accepted through guest mapping */
		rec->auth.guest = s->sess.step == SESS2_READY ? TRI_YES : TRI_NO;
		if (s->sess.step != SESS2_READY || !(ctx->opts->checks & CHECK_SHARES) ||
		    rec->has_shares)
			return PROBE_DONE;
	} else {
		rec->auth.anonymous_logon = s->sess.step == SESS2_READY ? TRI_YES : TRI_NO;
		if (s->sess.step != SESS2_READY) {
			rec->auth.null_session = TRI_NO;
			return PROBE_DONE;
		}
	}
	s->step = S_TREE_IPC;
	return tree_connect(s, ctx, "IPC$", out);
}

static int shares2_step(struct shares2_state *s, struct probe_ctx *ctx, struct rd *msg,
			struct wr *out)
{
	struct svc_record *rec = ctx->rec;
	int rc;
	if (s->step == S_SESSION) {
		rc = sess2_on_frame(&s->sess, ctx, msg, out);
		if (rc != PROBE_DONE)
			return rc;
		return after_session(s, ctx, out);
	}
	if (smb_magic_of(msg) != SMB_MAGIC_SMB2)
		return WIRE_UNSUPPORTED;
	struct smb2_header peek;
	struct rd m = *msg;
	rc = smb2_header_decode(&m, &peek);
	if (rc < 0)
		return rc;
	if (peek.status == STATUS_PENDING)
		return PROBE_WAIT; /* interim async answer (MS-SMB2 3.3.4.2): the real one follows */
	switch (s->step) {
	case S_TREE_IPC: {
		struct smb2_tree_connect_resp t;
		rc = smb2_tree_connect_resp_decode(msg, &t);
		if (rc < 0)
			return rc;
		if (!s->guest)
			rec->auth.null_session = t.hdr.status == 0 ? TRI_YES : TRI_NO;
		if (t.hdr.status != 0 || !(ctx->opts->checks & CHECK_SHARES) || rec->has_shares)
			return PROBE_DONE;
		s->ipc_tree = t.hdr.tree_id;
		s->sess.rc.tree_id = t.hdr.tree_id;
		s->step = S_OPEN_PIPE;
		rc = create(s, "srvsvc", PIPE_ACCESS, 0, out);
		return rc == PROBE_SEND ? PROBE_SEND_RPC : rc;
	}
	case S_OPEN_PIPE: {
		struct smb2_create_resp c;
		rc = smb2_create_resp_decode(msg, &c);
		if (rc < 0)
			return rc;
		if (c.hdr.status != 0) {
			record_add_error(rec, "shares", "cannot open \\srvsvc: status 0x%08X",
					 c.hdr.status);
			return PROBE_DONE;
		}
		memcpy(s->pipe_id, c.file_id, 16);
		uint8_t bind[128];
		struct wr wb;
		wr_init(&wb, bind, sizeof bind);
		rc = sharelist_bind_encode(&wb);
		if (rc < 0)
			return rc;
		s->step = S_BIND;
		return transceive(s, wb.p, wb.len, out);
	}
	case S_BIND: {
		struct smb2_ioctl_resp io;
		rc = smb2_ioctl_resp_decode(msg, &io);
		if (rc < 0)
			return rc;
		if (io.hdr.status != 0 || !sharelist_bind_ok(&io.output)) {
			record_add_error(rec, "shares", "SRVSVC bind refused (status 0x%08X)",
					 io.hdr.status);
			return PROBE_DONE;
		}
		uint8_t req[400];
		struct wr wq;
		wr_init(&wq, req, sizeof req);
		rc = sharelist_request_encode(&wq, rec->ip);
		if (rc < 0)
			return rc;
		s->step = S_ENUM;
		s->rpc_len = 0;
		return transceive(s, wq.p, wq.len, out);
	}
	case S_ENUM:
	case S_ENUM_READ: {
		uint32_t status;
		struct rd data;
		if (s->step == S_ENUM) {
			struct smb2_ioctl_resp io;
			rc = smb2_ioctl_resp_decode(msg, &io);
			if (rc < 0)
				return rc;
			status = io.hdr.status;
			data = io.output;
		} else {
			struct smb2_read_resp rr;
			rc = smb2_read_resp_decode(msg, &rr);
			if (rc < 0)
				return rc;
			status = rr.hdr.status;
			data = rr.data;
		}
		if (status != 0 && status != STATUS_BUFFER_OVERFLOW) {
			record_add_error(rec, "shares", "NetShareEnumAll: status 0x%08X", status);
			return PROBE_DONE;
		}
		size_t n = rd_left(&data);
		if (n > RPC_BUF_MAX - s->rpc_len) {
			record_add_error(rec, "shares", "share list larger than %u bytes",
					 (unsigned)RPC_BUF_MAX);
			return PROBE_DONE;
		}
		if (!s->rpc) {
			s->rpc = malloc(RPC_BUF_MAX);
			if (!s->rpc)
				abort();
		}
		if (!rd_bytes(&data, s->rpc + s->rpc_len, n))
			return data.err;
		s->rpc_len += n;
		if (status == STATUS_BUFFER_OVERFLOW) {
			/* the rest of the PDU waits in the pipe (MS-SMB2 3.3.4.4) */
			struct smb2_req_ctx r2 = s->sess.rc;
			r2.message_id = sess2_next_mid(&s->sess);
			s->step = S_ENUM_READ;
			rc = smb2_read_req_encode(out, &r2, s->pipe_id, 0, 4280);
			return rc < 0 ? rc : PROBE_SEND_RPC;
		}
		return on_enum_stub(s, ctx, out);
	}
	case S_SHARE_TREE: {
		struct smb2_tree_connect_resp t;
		rc = smb2_tree_connect_resp_decode(msg, &t);
		if (rc < 0)
			return rc;
		if (t.hdr.status != 0) {
			share_result(s, ctx, TRI_NO);
			return next_share(s, ctx, out);
		}
		share_access_note(&rec->shares[s->share_idx], t.maximal_access);
		s->sess.rc.tree_id = t.hdr.tree_id;
		s->step = S_SHARE_OPEN;
		return create(s, "", DIR_LIST_ACCESS, FILE_DIRECTORY_FILE, out);
	}
	case S_SHARE_OPEN: {
		struct smb2_create_resp c;
		rc = smb2_create_resp_decode(msg, &c);
		if (rc < 0)
			return rc;
		if (c.hdr.status != 0) {
			share_result(s, ctx, TRI_NO);
			return next_share(s, ctx, out);
		}
		memcpy(s->dir_id, c.file_id, 16);
		struct smb2_req_ctx r2 = s->sess.rc;
		r2.message_id = sess2_next_mid(&s->sess);
		s->step = S_SHARE_LIST;
		rc = smb2_query_directory_req_encode(out, &r2, s->dir_id, 4096);
		return rc < 0 ? rc : PROBE_SEND;
	}
	case S_SHARE_LIST: {
		struct smb2_query_directory_resp q;
		rc = smb2_query_directory_resp_decode(msg, &q);
		if (rc < 0)
			return rc;
		/* an empty share answers NO_MORE_FILES: still listable */
		bool ok = q.hdr.status == 0 || q.hdr.status == STATUS_NO_MORE_FILES;
		share_result(s, ctx, ok ? TRI_YES : TRI_NO);
		return next_share(s, ctx, out);
	}
	default:
		return PROBE_DONE;
	}
}

/* A user that cannot exist: only "map to guest = bad user" accepts it. */
static void pick_guest_user(struct shares2_state *s)
{
	uint8_t r[4] = {0};
	if (getrandom(r, sizeof r, 0) < 0)
		memset(r, 0x42, sizeof r);
	snprintf(s->user, sizeof s->user, "smbw%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
	s->guest = true;
}

static int shares2_on_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	struct shares2_state *s = st;
	int rc = shares2_step(s, ctx, msg, out);
	if (rc == PROBE_DONE && s->then_guest && s->sess.negotiated) {
		/* the guest logon as a second session here: one connection (for
		 * Samba, one fork) fewer per host */
		s->then_guest = false;
		s->relogon = true;
		s->step = S_SESSION;
		free(s->rpc);
		s->rpc = NULL;
		s->rpc_len = 0;
		pick_guest_user(s);
		return sess2_relogon(&s->sess, s->user, out);
	}
	return rc;
}

static int anon2_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	struct shares2_state *s = st;
	int rc = sess2_start(&s->sess, ctx, NULL, out);
	s->then_guest = (ctx->opts->checks & CHECK_AUTH) != 0;
	return rc;
}

static int guest2_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	struct shares2_state *s = st;
	pick_guest_user(s);
	return sess2_start(&s->sess, ctx, s->user, out);
}

static void shares2_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	struct shares2_state *s = st;
	free(s->rpc);
	s->rpc = NULL;
	if (why == PROBE_END_DONE)
		return;
	if (s->relogon && s->step == S_SESSION)
		return; /* guest still unknown: it gets a connection of its own */
	if (s->step == S_SESSION && s->sess.step < SESS2_READY)
		record_add_error(ctx->rec, s->guest ? "guest" : "auth", "logon ended early (%s)",
				 probe_end_name(why));
	else if (s->step != S_SESSION)
		record_add_error(ctx->rec, "shares", "share checks ended early (%s)",
				 probe_end_name(why));
}

const struct probe_ops probe_anon2 = {
	.name = "auth",
	.help = "SMB2 anonymous (null) logon, IPC$, share list and anonymous read per share; "
		"then (with auth) the guest logon as a second session",
	.state_size = sizeof(struct shares2_state),
	.start = anon2_start,
	.on_frame = shares2_on_frame,
	.finish = shares2_finish,
};

const struct probe_ops probe_guest2 = {
	.name = "guest",
	.help = "SMB2 logon as a random non-existent user (guest mapping), then shares",
	.state_size = sizeof(struct shares2_state),
	.start = guest2_start,
	.on_frame = shares2_on_frame,
	.finish = shares2_finish,
};
