/* smbghost.c - CVE-2020-0796 verdict; the rules are in smbghost.h. */
#include "assess/smbghost.h"

#include "wire/smb2.h"

enum vuln smbghost_verdict(const struct svc_record *rec)
{
	const struct rec_smb2 *s = &rec->smb2;
	if (!s->present)
		return VULN_UNKNOWN;
	if (!record_has_dialect(rec, SMB2_DIALECT_311))
		return s->dialects_complete ? VULN_NOT_VULNERABLE : VULN_UNKNOWN;
	bool compression = false;
	for (unsigned i = 0; i < s->n_compression; i++)
		if (s->compression[i] != 0x0000) /* NONE */
			compression = true;
	const struct rec_ntlm *n = &rec->ntlm;
	if (!n->has_version)
		return compression ? VULN_UNKNOWN : VULN_NOT_VULNERABLE;
	bool affected_build = n->os_major == 10 && n->os_minor == 0 &&
			      (n->os_build == 18362 || n->os_build == 18363);
	return affected_build && compression ? VULN_VULNERABLE : VULN_NOT_VULNERABLE;
}
