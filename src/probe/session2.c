/* session2.c - shared SMB2 negotiate + NTLMSSP logon; see session2.h. */
#include "probe/session2.h"

#include <stdio.h>
#include <string.h>

#include "probe/ntlm_info.h"
#include "probe/smb_client.h"
#include "wire/smb2.h"

uint64_t sess2_next_mid(struct sess2 *s)
{
	return s->rc.message_id++;
}

void sess2_unc(const struct probe_ctx *ctx, const char *share, char *out, size_t outsz)
{
	snprintf(out, outsz, "\\\\%s\\%s", ctx->rec->ip, share);
}

int sess2_start(struct sess2 *s, struct probe_ctx *ctx, const char *user, struct wr *out)
{
	memset(s, 0, sizeof *s);
	s->user = user;
	int rc = smbw_negotiate2_encode(ctx, smb2_dialects, SMB2_N_DIALECTS, sess2_next_mid(s), out);
	return rc < 0 ? rc : PROBE_SEND;
}

static int leg_encode(struct sess2 *s, bool first, struct wr *out);

int sess2_resume(struct sess2 *s, struct probe_ctx *ctx, const char *user, struct wr *out)
{
	memset(s, 0, sizeof *s);
	s->negotiated = true;
	s->rc.message_id = ctx->link2_mid;
	return sess2_relogon(s, user, out);
}

static int leg_encode(struct sess2 *s, bool first, struct wr *out)
{
	uint8_t blob[640];
	struct wr wb;
	wr_init(&wb, blob, sizeof blob);
	int rc = first ? ntlm_negotiate_blob(&wb) : ntlm_authenticate_blob(&wb, s->user);
	if (rc < 0)
		return rc;
	return smb2_session_setup_req_encode(out, sess2_next_mid(s), s->rc.session_id, wb.p,
					     (uint16_t)wb.len);
}

int sess2_relogon(struct sess2 *s, const char *user, struct wr *out)
{
	s->user = user;
	s->rc.session_id = 0;
	s->rc.tree_id = 0;
	s->status = 0;
	s->session_flags = 0;
	s->challenged = false;
	s->step = SESS2_NTLM_NEGOTIATE;
	int rc = leg_encode(s, true, out);
	return rc < 0 ? rc : PROBE_SEND;
}

int sess2_on_frame(struct sess2 *s, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	(void)ctx;
	if (smb_magic_of(msg) != SMB_MAGIC_SMB2)
		return WIRE_UNSUPPORTED;
	int rc;
	if (s->step == SESS2_NEGOTIATE) {
		struct smb2_negotiate_resp n;
		rc = smb2_negotiate_resp_decode(msg, &n);
		if (rc < 0)
			return rc;
		s->status = n.hdr.status;
		if (n.hdr.status != 0) {
			s->step = SESS2_FAILED;
			return PROBE_DONE;
		}
		s->negotiated = true;
		s->step = SESS2_NTLM_NEGOTIATE;
		rc = leg_encode(s, true, out);
		return rc < 0 ? rc : PROBE_SEND;
	}
	struct smb2_session_setup_resp ss;
	rc = smb2_session_setup_resp_decode(msg, &ss);
	if (rc < 0)
		return rc;
	s->status = ss.hdr.status;
	if (s->step == SESS2_NTLM_NEGOTIATE) {
		if (ss.hdr.status != STATUS_MORE_PROCESSING_REQUIRED) {
			s->step = SESS2_FAILED;
			return PROBE_DONE;
		}
		s->rc.session_id = ss.hdr.session_id;
		s->challenged = true;
		s->step = SESS2_NTLM_AUTH;
		rc = leg_encode(s, false, out);
		return rc < 0 ? rc : PROBE_SEND;
	}
	if (ss.hdr.status != 0) {
		s->step = SESS2_FAILED;
		return PROBE_DONE;
	}
	s->session_flags = ss.session_flags;
	s->step = SESS2_READY;
	return PROBE_DONE;
}
