/* ntlm_info.h - fill the record's ntlm block from a session-setup blob. */
#ifndef SMBW_PROBE_NTLM_INFO_H
#define SMBW_PROBE_NTLM_INFO_H

#include "record/record.h"
#include "wire/buf.h"

/* blob: SPNEGO NegTokenResp/Init or raw NTLMSSP. Records an error on the
 * record when no CHALLENGE can be decoded. Returns 0 or a WIRE_* code. */
int ntlm_info_from_blob(struct svc_record *rec, const struct rd *blob);

#endif
