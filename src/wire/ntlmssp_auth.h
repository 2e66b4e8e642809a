/* ntlmssp_auth.h - NTLMSSP AUTHENTICATE decoder (MS-NLMP 2.2.1.3), for the
 * passive sensor: who logged on, and was it anonymous. Kept apart from
 * ntlmssp.c (the active codecs) so the two can change independently. */
#ifndef SMBW_WIRE_NTLMSSP_AUTH_H
#define SMBW_WIRE_NTLMSSP_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/buf.h"
#include "wire/limits.h"

#define NTLMSSP_TYPE_NEGOTIATE 1u
#define NTLMSSP_TYPE_CHALLENGE 2u
#define NTLMSSP_TYPE_AUTHENTICATE 3u

struct ntlm_authenticate {
	uint32_t flags;
	uint16_t lm_len;   /* LmChallengeResponse length */
	uint16_t nt_len;   /* NtChallengeResponse length */
	char user[WIRE_MAX_STR];
	char domain[WIRE_MAX_STR];
	char workstation[WIRE_MAX_STR];
	/* MS-NLMP 3.2.5.1.2 / 3.3.5.1.2: an anonymous AUTHENTICATE carries an
	 * empty user name and an empty NT response (LM: empty or one zero
	 * byte); the ANONYMOUS flag is set by some clients but not all. */
	bool anonymous;
};

/* The message type (1, 2, 3) of raw NTLMSSP bytes starting "NTLMSSP\0";
 * WIRE_MALFORMED on a bad signature, WIRE_TRUNCATED when cut short. The
 * reader does not move. */
int ntlmssp_message_type(const struct rd *msg, uint32_t *type);

/* Decode an AUTHENTICATE message (raw NTLMSSP bytes starting "NTLMSSP\0").
 * Each (len, maxlen, offset) field is opened as a child window of msg, so
 * an offset outside the message is WIRE_MALFORMED; names are converted
 * (UTF-16LE when NEGOTIATE_UNICODE is set, else OEM) and cut at
 * WIRE_MAX_STR. WIRE_UNSUPPORTED for another message type. out is
 * cleared on entry. */
int ntlmssp_authenticate_decode(struct rd *msg, struct ntlm_authenticate *out);

#endif
