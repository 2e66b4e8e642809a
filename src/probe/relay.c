/* relay.c - the relay check's observations and its one conversation of its
 * own; see relay.h. Nothing here authenticates as anyone: the logons are
 * the anonymous ones the other checks make (exposure-facts.md 1). */
#include "probe/relay.h"

#include "check/check.h"

#include <string.h>

#include "probe/smb_client.h"
#include "wire/smb2.h"
#include "wire/smb2_ops.h"
#include "wire/spnego.h"

void relay_note_mechtypes(struct svc_record *rec, const struct rd *security_blob)
{
	struct rd b = *security_blob;
	bool has_ntlm = false;
	if (rd_left(&b) == 0)
		return; /* no mechanism list: the CHALLENGE leg decides */
	int rc = spnego_init_has_ntlmssp(&b, &has_ntlm);
	if (rc == WIRE_OK)
		rec->relay.ntlm_offered = has_ntlm ? TRI_YES : TRI_NO;
	else if (rc != WIRE_UNSUPPORTED)
		record_add_error(rec, "relay", "negotiate security buffer: %s", wire_strerror(rc));
}

void relay_note_challenge(struct svc_record *rec, bool challenged, uint32_t status)
{
	if (challenged) {
		rec->relay.ntlm_challenge = TRI_YES;
		return;
	}
	if (rec->relay.ntlm_challenge != TRI_YES) {
		rec->relay.ntlm_challenge = TRI_NO;
		rec->relay.ntlm_refused_status = status;
	}
}

void relay_note_session(struct svc_record *rec, const struct sess2 *s)
{
	struct rec_relay *r = &rec->relay;
	if (s->step == SESS2_READY) {
		/* MS-SMB2 2.2.6: SMB2_SESSION_FLAG_ENCRYPT_DATA */
		if (s->session_flags & SMB2_SESSION_FLAG_ENCRYPT)
			r->session_encrypt = TRI_YES;
		else if (r->session_encrypt == TRI_UNKNOWN)
			r->session_encrypt = TRI_NO;
	} else if (s->step == SESS2_FAILED && s->challenged && r->anon_refused_status == 0) {
		r->anon_refused_status = s->status;
	}
}

void relay_note_smb1_client(struct probe_ctx *ctx, uint32_t status, bool at_tree)
{
	struct svc_record *rec = ctx->rec;
	struct rec_relay *r = &rec->relay;
	if (!(ctx->opts->checks & CHECK_BIT(RCHK_RELAY)) || !rec->smb2.present ||
	    (r->legacy_tried && !r->legacy_smb1))
		return;
	r->legacy_tried = true;
	r->legacy_smb1 = true;
	r->legacy_status = status;
	r->legacy_at_tree = at_tree;
}

/* --- a client that offers 2.0.2 and 2.1 only: a server that insists on
 * encryption (Samba "server smb encrypt = required", Windows
 * RejectUnencryptedAccess) refuses it at SESSION_SETUP or TREE_CONNECT
 * with STATUS_ACCESS_DENIED, because those dialects cannot encrypt. It
 * runs after the dialect probe's 2.0.2-alone negotiate on that connection
 * (no connection of its own), else as probe_relay_legacy. */

static const uint16_t legacy_dialects[] = {SMB2_DIALECT_202, SMB2_DIALECT_210};

int relay_legacy_begin(struct relay_legacy *s, uint64_t next_mid, struct wr *out)
{
	memset(s, 0, sizeof *s);
	s->active = true;
	s->sess.negotiated = true;
	s->sess.rc.message_id = next_mid;
	return sess2_relogon(&s->sess, NULL, out);
}

static void legacy_result(struct svc_record *rec, uint32_t status, bool at_tree)
{
	rec->relay.legacy_tried = true;
	rec->relay.legacy_status = status;
	rec->relay.legacy_at_tree = at_tree;
}

int relay_legacy_step(struct relay_legacy *s, struct probe_ctx *ctx, struct rd *msg,
		      struct wr *out)
{
	struct svc_record *rec = ctx->rec;
	if (!s->tree_sent) {
		int rc = sess2_on_frame(&s->sess, ctx, msg, out);
		if (rc != PROBE_DONE)
			return rc;
		if (!s->sess.negotiated)
			return PROBE_DONE; /* no 2.x dialect: nothing to learn here */
		if (s->sess.step != SESS2_READY) {
			legacy_result(rec, s->sess.status, false);
			return PROBE_DONE;
		}
		char unc[160];
		sess2_unc(ctx, "IPC$", unc, sizeof unc);
		struct smb2_req_ctx rc2 = s->sess.rc;
		rc2.message_id = sess2_next_mid(&s->sess);
		s->tree_sent = true;
		rc = smb2_tree_connect_req_encode(out, &rc2, unc);
		return rc < 0 ? rc : PROBE_SEND;
	}
	if (smb_magic_of(msg) != SMB_MAGIC_SMB2)
		return WIRE_UNSUPPORTED;
	struct smb2_tree_connect_resp t;
	int rc = smb2_tree_connect_resp_decode(msg, &t);
	if (rc < 0)
		return rc;
	if (t.hdr.status == STATUS_PENDING)
		return PROBE_WAIT;
	legacy_result(rec, t.hdr.status, true);
	return PROBE_DONE;
}

void relay_legacy_end(const struct relay_legacy *s, struct probe_ctx *ctx, enum probe_end why)
{
	if (s->active && why != PROBE_END_DONE && ctx->rec)
		record_add_error(ctx->rec, "relay", "2.x-only logon ended early (%s)",
				 probe_end_name(why));
}

static int legacy_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	struct relay_legacy *s = st;
	memset(s, 0, sizeof *s); /* anonymous, step SESS2_NEGOTIATE */
	s->active = true;
	int rc = smbw_negotiate2_encode(ctx, legacy_dialects, 2, sess2_next_mid(&s->sess), out);
	return rc < 0 ? rc : PROBE_SEND;
}

static int legacy_on_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	return relay_legacy_step(st, ctx, msg, out);
}

static void legacy_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	relay_legacy_end(st, ctx, why);
}

const struct probe_ops probe_relay_legacy = {
	.name = "relay",
	.help = "SMB 2.0.2/2.1-only anonymous logon and IPC$: refused when encryption is required",
	.state_size = sizeof(struct relay_legacy),
	.start = legacy_start,
	.on_frame = legacy_on_frame,
	.finish = legacy_finish,
};
