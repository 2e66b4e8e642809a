/* negotiate.c - SMB2 probes: the full NEGOTIATE (all dialects, 3.1.1
 * contexts) followed by an anonymous SESSION_SETUP leg that returns the
 * NTLMSSP CHALLENGE; and the single-set dialect probe used to list every
 * dialect the server supports. */
#include <string.h>

#include "check/check.h"
#include "probe/ntlm_info.h"
#include "probe/probe.h"
#include "probe/relay.h"
#include "probe/smb_client.h"
#include "wire/smb2.h"

struct smb2_state {
	int step; /* 0: negotiate sent, 1: session setup sent */
};

static int smb2_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	(void)st;
	int rc = smbw_negotiate2_encode(ctx, smb2_dialects, SMB2_N_DIALECTS, 0, out);
	return rc < 0 ? rc : PROBE_SEND;
}

static void copy_negotiate(struct svc_record *rec, const struct smb2_negotiate_resp *n)
{
	struct rec_smb2 *s = &rec->smb2;
	s->present = true;
	s->signing = (n->security_mode & SMB2_SECMODE_SIGNING_REQUIRED) ? SIGN_REQUIRED
		     : (n->security_mode & SMB2_SECMODE_SIGNING_ENABLED)  ? SIGN_ENABLED
									  : SIGN_DISABLED;
	memcpy(s->server_guid, n->server_guid, 16);
	s->capabilities = n->capabilities;
	s->max_read = n->max_read;
	s->max_write = n->max_write;
	s->max_transact = n->max_transact;
	s->system_time = n->system_time;
	s->boot_time = n->server_start_time;
	if (n->dialect == SMB2_DIALECT_311) {
		s->has_contexts = true;
		s->n_preauth = n->n_preauth < REC_MAX_ALGS ? n->n_preauth : REC_MAX_ALGS;
		memcpy(s->preauth, n->preauth, s->n_preauth * sizeof s->preauth[0]);
		s->n_ciphers = n->n_ciphers < REC_MAX_ALGS ? n->n_ciphers : REC_MAX_ALGS;
		memcpy(s->ciphers, n->ciphers, s->n_ciphers * sizeof s->ciphers[0]);
		s->n_compression = n->n_compression < REC_MAX_ALGS ? n->n_compression : REC_MAX_ALGS;
		memcpy(s->compression, n->compression, s->n_compression * sizeof s->compression[0]);
		s->n_signing_algs = n->n_signing < REC_MAX_ALGS ? n->n_signing : REC_MAX_ALGS;
		memcpy(s->signing_algs, n->signing, s->n_signing_algs * sizeof s->signing_algs[0]);
	}
}

static int session_setup_encode(struct wr *out)
{
	uint8_t blob[256];
	struct wr wb;
	wr_init(&wb, blob, sizeof blob);
	int rc = ntlm_negotiate_blob(&wb);
	if (rc < 0)
		return rc;
	return smb2_session_setup_req_encode(out, 1, 0, wb.p, (uint16_t)wb.len);
}

static int smb2_on_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	struct smb2_state *s = st;
	struct svc_record *rec = ctx->rec;
	if (smb_magic_of(msg) != SMB_MAGIC_SMB2) {
		if (smb_magic_of(msg) == SMB_MAGIC_SMB1) {
			ctx->smb_answer = true; /* an SMB1-only stack answering in SMB1 */
			record_add_error(rec, "smb2", "SMB2 NEGOTIATE answered in SMB1: no SMB2");
		}
		return WIRE_UNSUPPORTED;
	}
	if (s->step == 0) {
		struct smb2_negotiate_resp n;
		int rc = smb2_negotiate_resp_decode(msg, &n);
		if (rc < 0) {
			record_add_error(rec, "smb2", "negotiate response: %s", wire_strerror(rc));
			return rc;
		}
		ctx->smb_answer = true;
		if (n.hdr.status != 0) {
			record_add_error(rec, "smb2", "negotiate refused: status 0x%08X", n.hdr.status);
			return PROBE_DONE;
		}
		if (n.dialect == SMB2_DIALECT_WILDCARD || !smb2_dialect_name(n.dialect)) {
			record_add_error(rec, "smb2", "negotiate chose unexpected dialect 0x%04X",
					 n.dialect);
			return PROBE_DONE;
		}
		copy_negotiate(rec, &n);
		relay_note_mechtypes(rec, &n.security_blob);
		record_add_dialect(rec, n.dialect);
		ctx->smb2_max = n.dialect;
		/* the link the null session, guest and shares ride on
		 * (service.c): messages 0 and 1 are this module's */
		ctx->link2_ok = true;
		ctx->link2_mid = 2;
		s->step = 1;
		int wrc = session_setup_encode(out);
		return wrc < 0 ? wrc : PROBE_SEND;
	}
	struct smb2_session_setup_resp ss;
	int rc = smb2_session_setup_resp_decode(msg, &ss);
	if (rc < 0) {
		record_add_error(rec, "ntlm", "session setup response: %s", wire_strerror(rc));
		return rc;
	}
	relay_note_challenge(rec, ss.hdr.status == STATUS_MORE_PROCESSING_REQUIRED, ss.hdr.status);
	if (ss.hdr.status != STATUS_MORE_PROCESSING_REQUIRED) {
		record_add_error(rec, "ntlm", "session setup refused: status 0x%08X", ss.hdr.status);
		return PROBE_DONE;
	}
	ntlm_info_from_blob(rec, &ss.security_blob);
	return PROBE_DONE;
}

static void smb2_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	struct smb2_state *s = st;
	if (why == PROBE_END_TIMEOUT && s->step == 1)
		record_add_error(ctx->rec, "ntlm", "no answer to session setup");
}

const struct probe_ops probe_smb2_negotiate = {
	.name = "smb2",
	.help = "SMB2/3 NEGOTIATE (all dialects, 3.1.1 contexts) and NTLMSSP host info",
	.state_size = sizeof(struct smb2_state),
	.start = smb2_start,
	.on_frame = smb2_on_frame,
	.finish = smb2_finish,
};

/* --- one negotiate offering ctx->offer; the server picks the highest it
 * supports, so repeating with "everything below the last answer" lists
 * every supported dialect, holes included, in (supported + 1) connections
 * at most. */

static int dialect_resume(void *st, struct probe_ctx *ctx, struct wr *out)
{
	memset(st, 0, sizeof(struct relay_legacy));
	ctx->chosen = 0;
	int rc = smbw_negotiate2_encode(ctx, ctx->offer, ctx->n_offer, ctx->probe_mid++, out);
	return rc < 0 ? rc : PROBE_SEND;
}

static int dialect_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	ctx->probe_mid = 0;
	return dialect_resume(st, ctx, out);
}

static int dialect_on_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	struct relay_legacy *legacy = st;
	if (legacy->active)
		return relay_legacy_step(legacy, ctx, msg, out);
	if (smb_magic_of(msg) != SMB_MAGIC_SMB2)
		return WIRE_UNSUPPORTED;
	struct smb2_negotiate_resp n;
	int rc = smb2_negotiate_resp_decode(msg, &n);
	if (rc < 0)
		return rc;
	if (n.hdr.status != 0)
		return PROBE_DONE; /* none of the offered dialects */
	for (unsigned i = 0; i < ctx->n_offer; i++)
		if (ctx->offer[i] == n.dialect)
			ctx->chosen = n.dialect;
	/* relay check: 2.0.2 alone accepted is the client that cannot
	 * encrypt; its logon goes on here rather than on a connection of
	 * its own (probe/relay.c) */
	if (ctx->chosen == SMB2_DIALECT_202 && (ctx->opts->checks & CHECK_BIT(RCHK_RELAY)) &&
	    !ctx->rec->relay.legacy_tried) {
		rc = relay_legacy_begin(legacy, ctx->probe_mid, out);
		return rc < 0 ? rc : PROBE_SEND;
	}
	return PROBE_DONE;
}

static void dialect_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	relay_legacy_end(st, ctx, why);
}

const struct probe_ops probe_dialect = {
	.name = "dialects",
	.help = "list every SMB2/3 dialect (one negotiate per supported dialect)",
	.state_size = sizeof(struct relay_legacy),
	.start = dialect_start,
	/* after a refused probe on the same connection (MS-SMB2 3.3.5.4: the
	 * connection is not negotiated yet, so another NEGOTIATE is taken) */
	.resume = dialect_resume,
	.on_frame = dialect_on_frame,
	.finish = dialect_finish,
};
