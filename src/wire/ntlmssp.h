/* ntlmssp.h - NTLMSSP NEGOTIATE / CHALLENGE / anonymous AUTHENTICATE
 * (MS-NLMP 2.2.1.1, 2.2.1.2, 2.2.1.3, 2.2.2.1, 2.2.2.10). */
#ifndef SMBW_WIRE_NTLMSSP_H
#define SMBW_WIRE_NTLMSSP_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/buf.h"
#include "wire/limits.h"

/* UNICODE|REQUEST_TARGET|SIGN|NTLM|ALWAYS_SIGN|EXTENDED_SESSIONSECURITY|
 * TARGET_INFO|VERSION|128|KEY_EXCH|56: so servers that honour the client's
 * VERSION bit (Samba) return their VERSION. */
#define NTLMSSP_NEGOTIATE_FLAGS_DEFAULT 0xE2888215u
#define NTLMSSP_FLAG_VERSION 0x02000000u
#define NTLMSSP_FLAG_ANONYMOUS 0x00000800u

/* Write a NEGOTIATE message (no domain/workstation, VERSION zeroed). */
int ntlmssp_negotiate_encode(struct wr *w, uint32_t flags);

struct ntlm_challenge {
	uint32_t flags;
	uint8_t server_challenge[8];
	char target_name[WIRE_MAX_STR];
	bool has_version;          /* VERSION field present (flag set, room for it) */
	uint8_t os_major, os_minor;
	uint16_t os_build;
	uint8_t ntlm_revision;
	char nb_computer[WIRE_MAX_STR];
	char nb_domain[WIRE_MAX_STR];
	char dns_computer[WIRE_MAX_STR];
	char dns_domain[WIRE_MAX_STR];
	char dns_tree[WIRE_MAX_STR];
	bool has_timestamp;
	uint64_t timestamp;        /* FILETIME from MsvAvTimestamp */
};

/* Decode a CHALLENGE message (the raw NTLMSSP bytes, starting "NTLMSSP\0").
 * Every AV pair length is bounded by the TargetInfo window; at most
 * WIRE_MAX_AV_PAIRS pairs are walked. */
int ntlmssp_challenge_decode(struct rd *msg, struct ntlm_challenge *out);

/* Locate an NTLMSSP message inside a blob (SPNEGO or raw) by its signature:
 * *out is a view from the signature to the end of the blob. Returns
 * WIRE_OK or WIRE_UNSUPPORTED when no signature is found. Used as a
 * fallback when the DER parse fails. */
int ntlmssp_find(const struct rd *blob, struct rd *out);

/* Anonymous AUTHENTICATE (MS-NLMP 3.2.5.1.2 / 3.1.5.1.2: empty user, empty
 * NT response, LM response a single zero byte), or, when user is not NULL,
 * a "guest probe" AUTHENTICATE with that user name and empty password.
 * workstation may be NULL. */
int ntlmssp_authenticate_encode(struct wr *w, uint32_t flags, const char *user,
				const char *domain, const char *workstation);

#endif
