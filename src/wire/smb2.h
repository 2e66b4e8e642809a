/* smb2.h - SMB2/3 header, NEGOTIATE (with negotiate contexts) and
 * SESSION_SETUP codecs (MS-SMB2 2.2.1, 2.2.3, 2.2.4, 2.2.5, 2.2.6). */
#ifndef SMBW_WIRE_SMB2_H
#define SMBW_WIRE_SMB2_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/buf.h"
#include "wire/limits.h"

#define SMB2_HDR_LEN 64
/* MS-SMB2 2.2.1: the commands, defined once (probe/, sensor/, wire/) */
#define SMB2_CMD_NEGOTIATE 0x0000
#define SMB2_CMD_SESSION_SETUP 0x0001
#define SMB2_CMD_LOGOFF 0x0002
#define SMB2_CMD_TREE_CONNECT 0x0003
#define SMB2_CMD_TREE_DISCONNECT 0x0004
#define SMB2_CMD_CREATE 0x0005
#define SMB2_CMD_CLOSE 0x0006
#define SMB2_CMD_READ 0x0008
#define SMB2_CMD_WRITE 0x0009
#define SMB2_CMD_IOCTL 0x000B
#define SMB2_CMD_QUERY_DIRECTORY 0x000E

#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define SMB2_FLAGS_SIGNED 0x00000008u

#define SMB2_SECMODE_SIGNING_ENABLED 0x0001
#define SMB2_SECMODE_SIGNING_REQUIRED 0x0002

#define SMB2_DIALECT_202 0x0202
#define SMB2_DIALECT_210 0x0210
#define SMB2_DIALECT_300 0x0300
#define SMB2_DIALECT_302 0x0302
#define SMB2_DIALECT_311 0x0311
#define SMB2_DIALECT_WILDCARD 0x02FF
/* The dialects smbwatch speaks, ascending: what a full negotiate offers
 * and the ladder the dialect probes walk. */
#define SMB2_N_DIALECTS 5
extern const uint16_t smb2_dialects[SMB2_N_DIALECTS];

#define SMB2_CTX_PREAUTH 0x0001
#define SMB2_CTX_ENCRYPTION 0x0002
#define SMB2_CTX_COMPRESSION 0x0003
#define SMB2_CTX_NETNAME 0x0005
#define SMB2_CTX_TRANSPORT 0x0006
#define SMB2_CTX_RDMA 0x0007
#define SMB2_CTX_SIGNING 0x0008

#define SMB2_SESSION_FLAG_IS_GUEST 0x0001
#define SMB2_SESSION_FLAG_IS_NULL 0x0002
#define SMB2_SESSION_FLAG_ENCRYPT 0x0004

/* Which magic a message starts with. */
enum smb_magic {
	SMB_MAGIC_NONE = 0,
	SMB_MAGIC_SMB1,        /* FF 'SMB' */
	SMB_MAGIC_SMB2,        /* FE 'SMB' */
	SMB_MAGIC_TRANSFORM,   /* FD 'SMB' (encrypted) */
	SMB_MAGIC_COMPRESSED,  /* FC 'SMB' */
};
/* Classify the first 4 bytes of an NBSS payload (does not move msg). */
enum smb_magic smb_magic_of(const struct rd *msg);

struct smb2_header {
	uint16_t credit_charge;
	uint32_t status;
	uint16_t command;
	uint16_t credits;
	uint32_t flags;
	uint32_t next_command;
	uint64_t message_id;
	uint32_t tree_id;   /* sync header; async id low half otherwise */
	uint64_t session_id;
	uint8_t signature[16];
};

/* Decode the 64-byte header at the start of msg and leave msg after it.
 * WIRE_MALFORMED unless magic FE 'SMB' and StructureSize 64. */
int smb2_header_decode(struct rd *msg, struct smb2_header *h);
/* Request header (sync, unsigned). */
int smb2_header_encode(struct wr *w, uint16_t command, uint64_t message_id,
		       uint64_t session_id, uint32_t tree_id, uint16_t credits);

/* What our NEGOTIATE request offers. dialects[] in any order; when it
 * includes 0x0311 the request carries PREAUTH (SHA-512, random salt),
 * ENCRYPTION (all four ciphers), COMPRESSION (all algorithms, so the server
 * discloses what it supports) and SIGNING (all algorithms) contexts. */
struct smb2_negotiate_req {
	const uint16_t *dialects;
	unsigned n_dialects;
	uint16_t security_mode;  /* SMB2_SECMODE_* */
	uint32_t capabilities;
	uint8_t client_guid[16];
	uint8_t salt[32];
};
/* Writes a whole SMB2 message (header + body), no NBSS header. */
int smb2_negotiate_req_encode(struct wr *w, const struct smb2_negotiate_req *req,
			      uint64_t message_id);

struct smb2_negotiate_resp {
	struct smb2_header hdr;
	uint16_t security_mode;
	uint16_t dialect;
	uint8_t server_guid[16];
	uint32_t capabilities;
	uint32_t max_transact, max_read, max_write;
	uint64_t system_time;       /* FILETIME */
	uint64_t server_start_time; /* FILETIME, 0 when not reported */
	struct rd security_blob;    /* SPNEGO NegTokenInit, may be empty */
	/* Negotiate contexts (3.1.1 only); counts are capped at WIRE_MAX_ALGS. */
	unsigned n_contexts;        /* contexts seen (all types) */
	unsigned n_preauth;
	uint16_t preauth[WIRE_MAX_ALGS];
	unsigned n_ciphers;
	uint16_t ciphers[WIRE_MAX_ALGS];
	bool has_compression_ctx;
	unsigned n_compression;
	uint16_t compression[WIRE_MAX_ALGS];
	uint32_t compression_flags;
	unsigned n_signing;
	uint16_t signing[WIRE_MAX_ALGS];
};

/* Decode a NEGOTIATE response (whole SMB2 message). A non-zero header status
 * is not a decode error: only hdr is filled and WIRE_OK is returned with
 * out->dialect 0 (callers look at hdr.status). Errors: WIRE_MALFORMED for
 * StructureSize != 65, a missing SERVER_TO_REDIR flag, or an offset outside
 * the message; WIRE_TRUNCATED when cut short. Unknown context types are
 * skipped. */
int smb2_negotiate_resp_decode(struct rd *msg, struct smb2_negotiate_resp *out);

/* SESSION_SETUP request carrying a security blob (SPNEGO). */
int smb2_session_setup_req_encode(struct wr *w, uint64_t message_id, uint64_t session_id,
				  const uint8_t *blob, uint16_t blob_len);

struct smb2_session_setup_resp {
	struct smb2_header hdr;   /* hdr.status: 0, MORE_PROCESSING_REQUIRED, or an error */
	uint16_t session_flags;
	struct rd security_blob;
};
/* Decode a SESSION_SETUP response. An error status with the 9-byte error
 * body (MS-SMB2 2.2.2) returns WIRE_OK with only hdr set. */
int smb2_session_setup_resp_decode(struct rd *msg, struct smb2_session_setup_resp *out);

/* Names for dialects, ciphers etc. (static strings; "0xNNNN" never
 * returned: unknown values give NULL). */
/* "2.0.2", ..., "3.1.1", "2.x (multi-protocol)" for 0x02FF; NULL if unknown */
const char *smb2_dialect_name(uint16_t dialect);
const char *smb2_cipher_name(uint16_t id);            /* "AES-128-CCM", ... */
const char *smb2_compression_name(uint16_t id);       /* "NONE","LZNT1","LZ77","LZ77+Huffman","Pattern_V1","LZ4" */
const char *smb2_signing_alg_name(uint16_t id);       /* "HMAC-SHA256","AES-CMAC","AES-GMAC" */
const char *smb2_hash_name(uint16_t id);              /* "SHA-512" */

#endif
