/* ntlm_info.h - fill the record's ntlm block from a session-setup blob. */
#ifndef SMBW_PROBE_NTLM_INFO_H
#define SMBW_PROBE_NTLM_INFO_H

#include "record/record.h"
#include "wire/buf.h"

/* The security blobs of an NTLMSSP logon, wrapped in SPNEGO, into out
 * (out is not reset). Leg 1: NEGOTIATE. Leg 2: AUTHENTICATE, anonymous when
 * user is NULL, else that user with an empty password. WIRE_* on failure. */
int ntlm_negotiate_blob(struct wr *out);
int ntlm_authenticate_blob(struct wr *out, const char *user);

/* blob: SPNEGO NegTokenResp/Init or raw NTLMSSP. Records an error on the
 * record when no CHALLENGE can be decoded. Returns 0 or a WIRE_* code. */
int ntlm_info_from_blob(struct svc_record *rec, const struct rd *blob);

#endif
