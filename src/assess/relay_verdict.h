/* relay_verdict.h - is this service an NTLM relay target? (exposure-facts.md
 * 1): signing not required, NTLM accepted, the session not forced to
 * encrypt. One answer for the RELAY_TARGET finding, the record's JSON and
 * the relay list (--relay-list). */
#ifndef SMBW_ASSESS_RELAY_VERDICT_H
#define SMBW_ASSESS_RELAY_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "record/record.h"

enum relay_ntlm {
	RELAY_NTLM_UNKNOWN = 0,
	RELAY_NTLM_REFUSED, /* not in mechTypes and no CHALLENGE, or no CHALLENGE */
	RELAY_NTLM_OFFERED, /* a CHALLENGE came back (or NTLMSSP listed): only an
			     * AUTHENTICATE with a real account could tell more */
};

enum relay_encryption {
	RELAY_ENC_UNKNOWN = 0,
	RELAY_ENC_NOT_REQUIRED,
	RELAY_ENC_REQUIRED,
};

struct relay_verdict {
	bool target;
	bool signing_not_required;
	enum relay_ntlm ntlm;
	enum relay_encryption encryption;
	char why[200]; /* the evidence, one line */
};

void relay_verdict_of(const struct svc_record *rec, struct relay_verdict *v);
/* Was the 2.0.2/2.1-only anonymous client refused with ACCESS_DENIED (at
 * SESSION_SETUP, or at IPC$ where the 3.x client got in)? */
enum tri relay_legacy_refused(const struct svc_record *rec);
/* "offered", "not_offered", NULL when unknown */
const char *relay_ntlm_name(enum relay_ntlm n);
/* "required", "not_required", NULL when unknown */
const char *relay_encryption_name(enum relay_encryption e);

#endif
