/* spnego.h - the minimal DER needed to wrap NTLMSSP in SPNEGO (RFC 4178)
 * and to unwrap the server's NegTokenResp. */
#ifndef SMBW_WIRE_SPNEGO_H
#define SMBW_WIRE_SPNEGO_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/buf.h"

/* GSS-API InitialContextToken: [APPLICATION 0] { OID 1.3.6.1.5.5.2,
 * NegTokenInit { mechTypes { NTLMSSP OID }, mechToken OCTET STRING } }. */
int spnego_init_encode(struct wr *w, const uint8_t *mech_token, size_t len);
/* NegTokenResp [1] { responseToken [2] OCTET STRING } (for AUTHENTICATE). */
int spnego_resp_encode(struct wr *w, const uint8_t *token, size_t len);

/* From a NegTokenResp ([1] SEQUENCE) or NegTokenInit (0x60 ...) pull the
 * mechToken/responseToken octet string as a view. WIRE_UNSUPPORTED when the
 * blob holds no token; WIRE_MALFORMED on bad DER (lengths beyond the
 * window, more than 4 length bytes, indefinite lengths). */
int spnego_token_decode(struct rd *blob, struct rd *token);

/* True when a NegTokenInit's mechTypes list contains the NTLMSSP OID
 * (1.3.6.1.4.1.311.2.2.10). Sets *has_ntlm; WIRE_* on bad DER. */
int spnego_init_has_ntlmssp(struct rd *blob, bool *has_ntlm);

#endif
