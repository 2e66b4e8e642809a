/* smb1.h - SMB1 (CIFS) header, NEGOTIATE and SESSION_SETUP_ANDX codecs
 * (MS-CIFS 2.2.3.1, 2.2.4.52, 2.2.4.53; MS-SMB 2.2.4.5, 2.2.4.6). */
#ifndef SMBW_WIRE_SMB1_H
#define SMBW_WIRE_SMB1_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/buf.h"
#include "wire/limits.h"

#define SMB1_HDR_LEN 32
#define SMB1_CMD_NEGOTIATE 0x72
#define SMB1_CMD_SESSION_SETUP_ANDX 0x73
#define SMB1_CMD_TREE_CONNECT_ANDX 0x75
#define SMB1_CMD_TRANSACTION 0x25
#define SMB1_CMD_TRANSACTION2 0x32
#define SMB1_CMD_TRANS_SECONDARY 0x26
#define SMB1_CMD_TRANS2_SECONDARY 0x33
#define SMB1_CMD_NT_TRANSACT 0xA0
#define SMB1_CMD_NT_TRANSACT_SECONDARY 0xA1
#define SMB1_CMD_NT_CREATE_ANDX 0xA2
#define SMB1_CMD_READ_ANDX 0x2E

#define SMB1_FLAGS_REPLY 0x80
#define SMB1_FLAGS2_UNICODE 0x8000
#define SMB1_FLAGS2_NT_STATUS 0x4000
#define SMB1_FLAGS2_EXTENDED_SECURITY 0x0800
#define SMB1_FLAGS2_SIGNATURE 0x0004
#define SMB1_FLAGS2_LONG_NAMES 0x0001

/* SecurityMode bits of the NEGOTIATE response (MS-CIFS 2.2.4.52.2). */
#define SMB1_SECMODE_USER 0x01
#define SMB1_SECMODE_ENCRYPT 0x02
#define SMB1_SECMODE_SIGN_ENABLED 0x04
#define SMB1_SECMODE_SIGN_REQUIRED 0x08

#define SMB1_CAP_EXTENDED_SECURITY 0x80000000u

/* TREE_CONNECT_ANDX request Flags (MS-SMB 2.2.4.7.1): ask for the extended
 * response, which carries the session's maximal access on the share. */
#define SMB1_TREE_CONNECT_EXTENDED_RESPONSE 0x0008u

/* DialectIndex a server sends when it supports none of the offered
 * dialects (Samba with SMB1 disabled does this, then closes). */
#define SMB1_NO_DIALECT 0xFFFF

struct smb1_header {
	uint8_t command;
	uint32_t status; /* NT status (we always set FLAGS2_NT_STATUS) */
	uint8_t flags;
	uint16_t flags2;
	uint8_t signature[8];
	uint16_t tid, pid_low, uid, mid;
	uint16_t pid_high;
};

/* Decode the 32-byte header at the start of msg (an NBSS payload) and leave
 * msg positioned after it. WIRE_MALFORMED unless the magic is FF 'SMB'. */
int smb1_header_decode(struct rd *msg, struct smb1_header *h);

/* The header's status as text: "NT status 0xC0000022" when FLAGS2_NT_STATUS
 * is set, else the DOS form the same four bytes hold (MS-CIFS 2.2.3.1:
 * ErrorClass, Reserved, ErrorCode), "DOS error ERRSRV/0x0002" - never a DOS
 * error shown as if it were an NT status. */
void smb1_status_text(const struct smb1_header *h, char *out, size_t outsz);

/* Header for a request; body follows. */
int smb1_header_encode(struct wr *w, uint8_t command, uint16_t flags2, uint16_t tid,
		       uint16_t uid, uint16_t mid);

/* NEGOTIATE request offering exactly the given dialect strings (e.g.
 * {"NT LM 0.12"}). Writes an SMB1 message (no NBSS header). */
int smb1_negotiate_req_encode(struct wr *w, const char *const *dialects, unsigned n,
			      uint16_t flags2);

struct smb1_negotiate_resp {
	struct smb1_header hdr;
	uint8_t word_count;
	uint16_t dialect_index; /* SMB1_NO_DIALECT when none chosen */
	/* The fields below are valid only when word_count == 17 (NT LM 0.12). */
	uint8_t security_mode;
	uint16_t max_mpx;
	uint16_t max_vcs;
	uint32_t max_buffer;
	uint32_t max_raw;
	uint32_t session_key;
	uint32_t capabilities;
	uint64_t system_time;  /* FILETIME */
	int16_t timezone;      /* minutes from UTC, as sent */
	uint8_t challenge_len;
	bool extended_security;    /* capabilities has CAP_EXTENDED_SECURITY */
	uint8_t server_guid[16];   /* extended security only */
	struct rd security_blob;   /* extended security only: SPNEGO, may be empty */
	char domain[WIRE_MAX_STR];      /* non-extended: DomainName, "" if absent */
	char server_name[WIRE_MAX_STR]; /* non-extended: ServerName, "" if absent */
};

/* Decode a NEGOTIATE response (whole SMB1 message). Tolerates the short
 * forms real servers send: WordCount 1 (DialectIndex only, e.g. 0xFFFF) and
 * missing trailing fields in the byte area. Strings honour FLAGS2_UNICODE. */
int smb1_negotiate_resp_decode(struct rd *msg, struct smb1_negotiate_resp *out);

/* SESSION_SETUP_ANDX request with extended security (WordCount 12) carrying
 * security_blob (SPNEGO or raw NTLMSSP), NativeOS/NativeLanMan strings in
 * Unicode. */
int smb1_session_setup_ext_req_encode(struct wr *w, uint16_t uid, uint16_t mid,
				      const uint8_t *blob, uint16_t blob_len,
				      uint32_t capabilities);

struct smb1_session_setup_resp {
	struct smb1_header hdr;
	uint8_t word_count;
	uint16_t action;          /* bit 0x0001: logged in as guest */
	struct rd security_blob;  /* WordCount 4 (extended) only */
	char native_os[WIRE_MAX_STR];
	char native_lanman[WIRE_MAX_STR];
	char primary_domain[WIRE_MAX_STR];
};

/* Decode a SESSION_SETUP_ANDX response: WordCount 4 (extended security) or 3
 * (basic), or 0 for an error reply (then only hdr is set). */
int smb1_session_setup_resp_decode(struct rd *msg, struct smb1_session_setup_resp *out);

#endif
