/* relay_verdict.c - see relay_verdict.h. */
#include "assess/relay_verdict.h"

#include <stdio.h>
#include <string.h>

#include "wire/ntstatus.h"


static enum signing signing_of(const struct svc_record *r)
{
	if (r->smb2.present && r->smb2.signing != SIGN_UNKNOWN)
		return r->smb2.signing;
	return r->smb1.signing;
}

static enum relay_ntlm ntlm_of(const struct rec_relay *r)
{
	if (r->ntlm_challenge == TRI_YES)
		return RELAY_NTLM_OFFERED;
	if (r->ntlm_challenge == TRI_NO)
		return RELAY_NTLM_REFUSED;
	/* no CHALLENGE leg seen (SMB1-only hosts): the mechanism list decides */
	if (r->ntlm_offered == TRI_YES)
		return RELAY_NTLM_OFFERED;
	if (r->ntlm_offered == TRI_NO)
		return RELAY_NTLM_REFUSED;
	return RELAY_NTLM_UNKNOWN;
}

enum tri relay_legacy_refused(const struct svc_record *rec)
{
	const struct rec_relay *r = &rec->relay;
	if (!r->legacy_tried)
		return TRI_UNKNOWN;
	if (r->legacy_status == 0)
		return TRI_NO;
	/* at TREE_CONNECT only a refusal the 3.x client did not get counts;
	 * other statuses (LOGON_FAILURE...) say nothing about encryption */
	if (r->legacy_status == STATUS_ACCESS_DENIED &&
	    (!r->legacy_at_tree || rec->auth.null_session == TRI_YES))
		return TRI_YES;
	return TRI_UNKNOWN;
}

static enum relay_encryption encryption_of(const struct svc_record *rec, const char **how)
{
	const struct rec_relay *r = &rec->relay;
	*how = "";
	if (r->session_encrypt == TRI_YES) {
		*how = "session flags ENCRYPT_DATA";
		return RELAY_ENC_REQUIRED;
	}
	enum tri legacy = relay_legacy_refused(rec);
	if (legacy == TRI_YES) {
		/* Samba refuses anonymous and guest sessions outright when
		 * encryption is required; a 3.x logon that got through means
		 * the refusal was the dialect's */
		if (rec->auth.anonymous_logon == TRI_YES) {
			*how = r->legacy_smb1 ? "SMB1 client refused, 3.x accepted"
					      : "2.0.2/2.1-only client refused, 3.x accepted";
			return RELAY_ENC_REQUIRED;
		}
		if (r->anon_refused_status == STATUS_ACCESS_DENIED) {
			*how = "anonymous logon refused with STATUS_ACCESS_DENIED on every dialect";
			return RELAY_ENC_REQUIRED;
		}
	}
	if (legacy == TRI_NO) {
		*how = r->legacy_smb1 ? "SMB1 client accepted" : "2.0.2/2.1-only client accepted";
		return RELAY_ENC_NOT_REQUIRED;
	}
	if (r->session_encrypt == TRI_NO) {
		*how = "no ENCRYPT_DATA on the anonymous/guest session";
		return RELAY_ENC_NOT_REQUIRED;
	}
	if (rec->smb1.enabled == TRI_YES && !rec->smb2.present) {
		*how = "SMB1 only: no encryption";
		return RELAY_ENC_NOT_REQUIRED;
	}
	return RELAY_ENC_UNKNOWN;
}

void relay_verdict_of(const struct svc_record *rec, struct relay_verdict *v)
{
	const char *how;
	memset(v, 0, sizeof *v);
	enum signing sg = signing_of(rec);
	v->signing_not_required = sg == SIGN_DISABLED || sg == SIGN_ENABLED;
	v->ntlm = ntlm_of(&rec->relay);
	v->encryption = encryption_of(rec, &how);
	/* unknown NTLM or encryption does not exclude: what is known to stop a
	 * relay does (as NetExec, which looks at signing alone) */
	v->target = v->signing_not_required && v->ntlm != RELAY_NTLM_REFUSED &&
		    v->encryption != RELAY_ENC_REQUIRED;
	snprintf(v->why, sizeof v->why, "signing %s; NTLM %s; encryption %s%s%s%s",
		 sg == SIGN_UNKNOWN ? "unknown" : signing_name(sg),
		 v->ntlm == RELAY_NTLM_OFFERED
			 ? (rec->relay.ntlm_challenge == TRI_YES ? "offered (CHALLENGE returned)"
								 : "offered (in mechTypes)")
		 : v->ntlm == RELAY_NTLM_REFUSED ? "not offered"
						 : "unknown",
		 v->encryption == RELAY_ENC_REQUIRED	   ? "required"
		 : v->encryption == RELAY_ENC_NOT_REQUIRED ? "not required"
							   : "unknown",
		 how[0] ? " (" : "", how, how[0] ? ")" : "");
}

const char *relay_ntlm_name(enum relay_ntlm n)
{
	return n == RELAY_NTLM_OFFERED ? "offered" : n == RELAY_NTLM_REFUSED ? "not_offered" : NULL;
}

const char *relay_encryption_name(enum relay_encryption e)
{
	return e == RELAY_ENC_REQUIRED ? "required" : e == RELAY_ENC_NOT_REQUIRED ? "not_required" : NULL;
}
