/* shares2.c - checks over an SMB2 session: anonymous (null) logon and IPC$,
 * or a guest logon with a random non-existent user; then the share list
 * through SRVSVC NetShareEnumAll on \srvsvc (IOCTL pipe transceive), and for
 * each disk share whether its root can be listed. Read-only: nothing is
 * created, written or deleted. (detection-facts.md 2; MS-SRVS 3.1.4.8) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "check/check.h"
#include "probe/probe.h"
#include "probe/relay.h"
#include "probe/session2.h"
#include "probe/smb_client.h"
#include "probe/sharewalk.h"
#include "wire/ntstatus.h"

/* MS-SMB2 2.2.13.1: what we ask for on the pipe and on a share root. */
#define PIPE_ACCESS 0x0012019Fu      /* generic read/write on a pipe, as smbclient */
#define DIR_LIST_ACCESS 0x00100081u  /* FILE_LIST_DIRECTORY|READ_ATTRIBUTES|SYNCHRONIZE */
#define SHARE_RW 0x00000003u
#define FILE_OPEN 1u
#define FILE_DIRECTORY_FILE 1u

enum step {
	S_SESSION = 0,
	S_TREE_IPC,
	S_WALK, /* the share walk (probe/sharewalk.c) over this session */
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
	uint32_t ipc_tree;
	struct probe_ctx *ctx; /* for the walk's requests (share UNC names) */
	struct share_walk walk;
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

/* The share walk's SMB2 transport: requests on this session, IOCTL pipe
 * transceive for DCE/RPC, READ for the rest of an answer. */
static int walk2_request(void *t, enum walk_req req, const char *share, const uint8_t *data,
			 size_t n, struct wr *out)
{
	struct shares2_state *s = t;
	struct smb2_req_ctx r2;
	int rc;
	switch (req) {
	case WALK_OPEN_PIPE:
		s->sess.rc.tree_id = s->ipc_tree;
		rc = create(s, "srvsvc", PIPE_ACCESS, 0, out);
		break;
	case WALK_PIPE_CALL:
		rc = transceive(s, data, n, out);
		break;
	case WALK_PIPE_READ:
		r2 = s->sess.rc;
		r2.message_id = sess2_next_mid(&s->sess);
		rc = smb2_read_req_encode(out, &r2, s->pipe_id, 0, 4280);
		break;
	case WALK_TREE:
		rc = tree_connect(s, s->ctx, share, out);
		break;
	case WALK_OPEN_ROOT:
		rc = create(s, "", DIR_LIST_ACCESS, FILE_DIRECTORY_FILE, out);
		break;
	case WALK_LIST_ROOT:
		r2 = s->sess.rc;
		r2.message_id = sess2_next_mid(&s->sess);
		rc = smb2_query_directory_req_encode(out, &r2, s->dir_id, 4096);
		break;
	default:
		return WIRE_MALFORMED;
	}
	return rc < 0 ? rc : WIRE_OK;
}

static int walk2_answer(void *t, enum walk_req req, struct rd *msg, struct walk_answer *a)
{
	struct shares2_state *s = t;
	int rc = WIRE_OK;
	switch (req) {
	case WALK_OPEN_PIPE:
	case WALK_OPEN_ROOT: {
		struct smb2_create_resp c = {0};
		rc = smb2_create_resp_decode(msg, &c);
		a->status = c.hdr.status;
		if (rc == WIRE_OK && c.hdr.status == 0)
			memcpy(req == WALK_OPEN_PIPE ? s->pipe_id : s->dir_id, c.file_id, 16);
		break;
	}
	case WALK_PIPE_CALL: {
		struct smb2_ioctl_resp io = {0};
		rc = smb2_ioctl_resp_decode(msg, &io);
		a->status = io.hdr.status;
		a->data = io.output;
		break;
	}
	case WALK_PIPE_READ: {
		struct smb2_read_resp rr = {0};
		rc = smb2_read_resp_decode(msg, &rr);
		a->status = rr.hdr.status;
		a->data = rr.data;
		break;
	}
	case WALK_TREE: {
		struct smb2_tree_connect_resp tc = {0};
		rc = smb2_tree_connect_resp_decode(msg, &tc);
		a->status = tc.hdr.status;
		if (rc == WIRE_OK && tc.hdr.status == 0) {
			s->sess.rc.tree_id = tc.hdr.tree_id;
			a->has_max_access = true; /* MS-SMB2 2.2.10 MaximalAccess */
			a->max_access = tc.maximal_access;
		}
		break;
	}
	case WALK_LIST_ROOT: {
		struct smb2_query_directory_resp q = {0};
		rc = smb2_query_directory_resp_decode(msg, &q);
		a->status = q.hdr.status;
		break;
	}
	}
	return rc;
}

static const struct share_transport walk2 = {
	.name = "SMB2",
	.request = walk2_request,
	.answer = walk2_answer,
};

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
		if (s->sess.step != SESS2_READY || !(ctx->opts->checks & CHECK_BIT(RCHK_SHARES)) ||
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
		if (t.hdr.status != 0 || !(ctx->opts->checks & CHECK_BIT(RCHK_SHARES)) || rec->has_shares)
			return PROBE_DONE;
		s->ipc_tree = t.hdr.tree_id;
		s->sess.rc.tree_id = t.hdr.tree_id;
		s->step = S_WALK;
		s->ctx = ctx;
		return walk_start(&s->walk, &walk2, s, ctx, true, out);
	}
	case S_WALK:
		return walk_on_frame(&s->walk, ctx, msg, out);
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
		walk_free(&s->walk);
		pick_guest_user(s);
		return sess2_relogon(&s->sess, s->user, out);
	}
	return rc;
}

static int anon2_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	struct shares2_state *s = st;
	int rc = sess2_start(&s->sess, ctx, NULL, out);
	s->then_guest = (ctx->opts->checks & CHECK_BIT(RCHK_GUEST)) != 0;
	return rc;
}

static int guest2_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	struct shares2_state *s = st;
	pick_guest_user(s);
	return sess2_start(&s->sess, ctx, s->user, out);
}

static int anon2_resume(void *st, struct probe_ctx *ctx, struct wr *out)
{
	struct shares2_state *s = st;
	int rc = sess2_resume(&s->sess, ctx, NULL, out);
	s->then_guest = (ctx->opts->checks & CHECK_BIT(RCHK_GUEST)) != 0;
	return rc;
}

static int guest2_resume(void *st, struct probe_ctx *ctx, struct wr *out)
{
	struct shares2_state *s = st;
	pick_guest_user(s);
	return sess2_resume(&s->sess, ctx, s->user, out);
}

static void shares2_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	struct shares2_state *s = st;
	walk_free(&s->walk);
	if (s->sess.negotiated) {
		/* what the next conversation on this connection starts from */
		ctx->link2_ok = true;
		ctx->link2_mid = s->sess.rc.message_id;
	}
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
	.resume = anon2_resume,
	.on_frame = shares2_on_frame,
	.finish = shares2_finish,
};

const struct probe_ops probe_guest2 = {
	.name = "guest",
	.help = "SMB2 logon as a random non-existent user (guest mapping), then shares",
	.state_size = sizeof(struct shares2_state),
	.start = guest2_start,
	.resume = guest2_resume,
	.on_frame = shares2_on_frame,
	.finish = shares2_finish,
};
