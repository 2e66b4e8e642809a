/* ntlm_info.c - CHALLENGE fields into the record (shared by SMB1 and SMB2). */
#include "probe/ntlm_info.h"

#include "wire/ntlmssp.h"
#include "wire/spnego.h"

int ntlm_info_from_blob(struct svc_record *rec, const struct rd *blob)
{
	struct rd b = *blob, token, raw;
	struct ntlm_challenge ch;
	int rc = spnego_token_decode(&b, &token);
	if (rc != WIRE_OK) {
		/* not DER we understand: fall back to the NTLMSSP signature */
		rc = ntlmssp_find(blob, &token);
		if (rc != WIRE_OK) {
			record_add_error(rec, "ntlm", "no NTLMSSP challenge in security blob");
			return rc;
		}
	}
	raw = token;
	rc = ntlmssp_challenge_decode(&raw, &ch);
	if (rc != WIRE_OK) {
		record_add_error(rec, "ntlm", "challenge: %s", wire_strerror(rc));
		return rc;
	}
	struct rec_ntlm *n = &rec->ntlm;
	n->present = true;
	record_set_str(n->netbios_computer, sizeof n->netbios_computer, ch.nb_computer);
	record_set_str(n->netbios_domain, sizeof n->netbios_domain, ch.nb_domain);
	record_set_str(n->dns_computer, sizeof n->dns_computer, ch.dns_computer);
	record_set_str(n->dns_domain, sizeof n->dns_domain, ch.dns_domain);
	record_set_str(n->dns_tree, sizeof n->dns_tree, ch.dns_tree);
	n->has_version = ch.has_version;
	n->os_major = ch.os_major;
	n->os_minor = ch.os_minor;
	n->os_build = ch.os_build;
	n->ntlm_revision = ch.ntlm_revision;
	return WIRE_OK;
}

int ntlm_negotiate_blob(struct wr *out)
{
	uint8_t ntlm[128];
	struct wr wn;
	wr_init(&wn, ntlm, sizeof ntlm);
	int rc = ntlmssp_negotiate_encode(&wn, NTLMSSP_NEGOTIATE_FLAGS_DEFAULT);
	if (rc < 0)
		return rc;
	return spnego_init_encode(out, wn.p, wn.len);
}

int ntlm_authenticate_blob(struct wr *out, const char *user)
{
	uint8_t ntlm[512];
	struct wr wn;
	wr_init(&wn, ntlm, sizeof ntlm);
	int rc = ntlmssp_authenticate_encode(&wn, NTLMSSP_NEGOTIATE_FLAGS_DEFAULT, user,
					     user ? "" : NULL, "SMBWATCH");
	if (rc < 0)
		return rc;
	return spnego_resp_encode(out, wn.p, wn.len);
}
