/* smb1.c - is SMBv1 enabled? An SMB1 NEGOTIATE offering only "NT LM 0.12"
 * on its own connection (a server that speaks both would answer a
 * multi-protocol negotiate in SMB2 and hide SMB1). The verdict rests on the
 * dialect the server chose, not on "it answered in SMB1": Samba with SMB1
 * off answers in SMB1 with DialectIndex 0xFFFF; Windows resets. When SMB1
 * is on, an extended-security SESSION_SETUP leg yields NativeOS/LanMan and
 * the NTLMSSP CHALLENGE. (smb-facts.md 1.4, MS-CIFS 2.2.4.52) */
#include <string.h>

#include "probe/ntlm_info.h"
#include "probe/probe.h"
#include "probe/relay.h"
#include "probe/smb_client.h"
#include "wire/smb1.h"
#include "wire/smb2.h"



struct smb1_state {
	int step; /* 0: negotiate sent, 1: session setup sent */
	bool extended;
};

static int smb1_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	(void)st;
	(void)ctx;
	static const char *const dialects[] = {"NT LM 0.12"};
	int rc = smb1_negotiate_req_encode(out, dialects, 1, SMBW_SMB1_FLAGS2_EXT);
	return rc < 0 ? rc : PROBE_SEND;
}

static enum signing smb1_signing(uint8_t mode)
{
	if (mode & SMB1_SECMODE_SIGN_REQUIRED)
		return SIGN_REQUIRED;
	if (mode & SMB1_SECMODE_SIGN_ENABLED)
		return SIGN_ENABLED;
	return SIGN_DISABLED;
}

static int session_setup_encode(struct wr *out)
{
	uint8_t blob[256];
	struct wr wb;
	wr_init(&wb, blob, sizeof blob);
	int rc = ntlm_negotiate_blob(&wb);
	if (rc < 0)
		return rc;
	return smb1_session_setup_ext_req_encode(out, 0, 1, wb.p, (uint16_t)wb.len, SMBW_SMB1_CAPS);
}

static int on_negotiate(struct smb1_state *s, struct probe_ctx *ctx, struct rd *msg,
			struct wr *out)
{
	struct svc_record *rec = ctx->rec;
	struct smb1_negotiate_resp n;
	int rc = smb1_negotiate_resp_decode(msg, &n);
	if (rc < 0) {
		record_add_error(rec, "smb1", "negotiate response: %s", wire_strerror(rc));
		return rc;
	}
	if (!(n.hdr.flags & SMB1_FLAGS_REPLY) || n.hdr.command != SMB1_CMD_NEGOTIATE) {
		/* our own request reflected back (an echo service), not a server */
		return WIRE_MALFORMED;
	}
	ctx->smb_answer = true;
	ctx->smb1_answer = true;
	if (n.hdr.status != 0 || n.dialect_index != 0 || n.word_count != 17) {
		rec->smb1.enabled = TRI_NO; /* e.g. 0xFFFF: no dialect chosen */
		return PROBE_DONE;
	}
	struct rec_smb1 *m = &rec->smb1;
	m->enabled = TRI_YES;
	/* the link the SMB1 checks ride on (service.c) */
	ctx->link1_ok = true;
	ctx->link1_ext = n.extended_security;
	record_set_str(m->dialect, sizeof m->dialect, "NT LM 0.12");
	m->signing = smb1_signing(n.security_mode);
	m->has_security_mode = true; /* share-level, plaintext: assess.c */
	m->security_mode = n.security_mode;
	m->has_capabilities = true;
	m->capabilities = n.capabilities;
	if (!n.extended_security) {
		record_set_str(m->domain, sizeof m->domain, n.domain);
		record_set_str(m->server_name, sizeof m->server_name, n.server_name);
		return PROBE_DONE; /* no NTLMSSP without extended security */
	}
	s->extended = true;
	s->step = 1;
	rc = session_setup_encode(out);
	return rc < 0 ? rc : PROBE_SEND;
}

static int smb1_on_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	struct smb1_state *s = st;
	struct svc_record *rec = ctx->rec;
	enum smb_magic magic = smb_magic_of(msg);
	if (magic == SMB_MAGIC_SMB2) {
		/* SMB2 answer to an SMB1-only negotiate: it speaks SMB, not SMB1 */
		ctx->smb_answer = true;
		rec->smb1.enabled = TRI_NO;
		return PROBE_DONE;
	}
	if (magic != SMB_MAGIC_SMB1)
		return WIRE_MALFORMED;
	if (s->step == 0)
		return on_negotiate(s, ctx, msg, out);

	struct smb1_session_setup_resp ss;
	int rc = smb1_session_setup_resp_decode(msg, &ss);
	if (rc < 0) {
		record_add_error(rec, "smb1", "session setup response: %s", wire_strerror(rc));
		return rc;
	}
	struct rec_smb1 *m = &rec->smb1;
	record_set_str(m->native_os, sizeof m->native_os, ss.native_os);
	record_set_str(m->native_lanman, sizeof m->native_lanman, ss.native_lanman);
	if (ss.primary_domain[0])
		record_set_str(m->domain, sizeof m->domain, ss.primary_domain);
	if (ss.hdr.status == STATUS_MORE_PROCESSING_REQUIRED)
		relay_note_challenge(rec, true, 0); /* NTLM answered over SMB1 */
	if (ss.hdr.status == STATUS_MORE_PROCESSING_REQUIRED && !rec->ntlm.present &&
	    rd_left(&ss.security_blob) > 0)
		ntlm_info_from_blob(rec, &ss.security_blob);
	return PROBE_DONE;
}

static void smb1_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	struct smb1_state *s = st;
	(void)s;
	/* A reset or close with no SMB1 reply is what Windows does with SMB1
	 * off; the orchestrator turns it into "disabled" only once some other
	 * conversation proved the port speaks SMB. A timeout stays unknown. */
	(void)ctx;
	(void)why;
}

const struct probe_ops probe_smb1_negotiate = {
	.name = "smb1",
	.help = "SMB1-only NEGOTIATE (is SMBv1 enabled?), SMB1 signing, NativeOS",
	.state_size = sizeof(struct smb1_state),
	.start = smb1_start,
	.on_frame = smb1_on_frame,
	.finish = smb1_finish,
};
