/* smb2.c - SMB2/3 header, NEGOTIATE and SESSION_SETUP codecs; see smb2.h. */
#include "wire/smb2.h"

#include <string.h>

#include "wire/ntstatus.h"

const uint16_t smb2_dialects[SMB2_N_DIALECTS] = {
	SMB2_DIALECT_202, SMB2_DIALECT_210, SMB2_DIALECT_300, SMB2_DIALECT_302, SMB2_DIALECT_311,
};

/* Dialects we are willing to put in one request (MS-SMB2 2.2.3 has no
 * limit; five are defined plus the wildcard). */
#define SMB2_MAX_REQ_DIALECTS 16
/* MS-SMB2 2.2.3.1.1: SHA-512 salt we send is 32 bytes */
#define SMB2_SALT_LEN 32
#define SMB2_FLAGS_ASYNC 0x00000002u

static const uint8_t smb2_magic[4] = {0xFE, 'S', 'M', 'B'};

enum smb_magic smb_magic_of(const struct rd *msg)
{
	struct rd r = *msg; /* a copy: msg does not move */
	uint8_t m[4];

	if (!rd_bytes(&r, m, sizeof m) || m[1] != 'S' || m[2] != 'M' || m[3] != 'B')
		return SMB_MAGIC_NONE;
	switch (m[0]) {
	case 0xFF: return SMB_MAGIC_SMB1;
	case 0xFE: return SMB_MAGIC_SMB2;
	case 0xFD: return SMB_MAGIC_TRANSFORM;
	case 0xFC: return SMB_MAGIC_COMPRESSED;
	default: return SMB_MAGIC_NONE;
	}
}

int smb2_header_decode(struct rd *msg, struct smb2_header *h)
{
	uint8_t magic[4];
	uint32_t reserved;

	memset(h, 0, sizeof *h);
	if (!rd_bytes(msg, magic, sizeof magic))
		return msg->err;
	if (memcmp(magic, smb2_magic, sizeof magic) != 0) {
		rd_fail(msg, WIRE_MALFORMED);
		return WIRE_MALFORMED;
	}
	/* MS-SMB2 2.2.1: StructureSize MUST be 64 */
	if (!rd_expect_u16le(msg, 64) || !rd_u16le(msg, &h->credit_charge) ||
	    !rd_u32le(msg, &h->status) || !rd_u16le(msg, &h->command) ||
	    !rd_u16le(msg, &h->credits) || !rd_u32le(msg, &h->flags) ||
	    !rd_u32le(msg, &h->next_command) || !rd_u64le(msg, &h->message_id))
		return msg->err;
	/* MS-SMB2 2.2.1.1 / 2.2.1.2: async header has AsyncId(8) where the
	 * sync one has Reserved(4) + TreeId(4); keep the low half either way */
	if (h->flags & SMB2_FLAGS_ASYNC) {
		if (!rd_u32le(msg, &h->tree_id) || !rd_u32le(msg, &reserved))
			return msg->err;
	} else {
		if (!rd_u32le(msg, &reserved) || !rd_u32le(msg, &h->tree_id))
			return msg->err;
	}
	if (!rd_u64le(msg, &h->session_id) ||
	    !rd_bytes(msg, h->signature, sizeof h->signature))
		return msg->err;
	return WIRE_OK;
}

int smb2_header_encode(struct wr *w, uint16_t command, uint64_t message_id,
		       uint64_t session_id, uint32_t tree_id, uint16_t credits)
{
	/* MS-SMB2 2.2.1.2 sync header. CreditCharge 0 is valid for every
	 * dialect (2.0.2 requires it; later ones treat 0 as 1). */
	if (!wr_bytes(w, smb2_magic, sizeof smb2_magic) || !wr_u16le(w, 64) ||
	    !wr_u16le(w, 0) || !wr_u32le(w, 0) || !wr_u16le(w, command) ||
	    !wr_u16le(w, credits) || !wr_u32le(w, 0) || !wr_u32le(w, 0) ||
	    !wr_u64le(w, message_id) || !wr_u32le(w, 0xFEFF) || !wr_u32le(w, tree_id) ||
	    !wr_u64le(w, session_id) || !wr_zeros(w, 16))
		return w->err;
	return WIRE_OK;
}

/* One negotiate context (MS-SMB2 2.2.3.1): type, DataLength, Reserved, then
 * data. `data_at` gets the data start so the caller can patch the length. */
static bool ctx_begin(struct wr *w, uint16_t type, size_t *len_at)
{
	return wr_u16le(w, type) && wr_hole(w, 2, len_at) && wr_u32le(w, 0);
}

static bool ctx_end(struct wr *w, size_t len_at)
{
	if (w->err)
		return false;
	size_t n = w->len - (len_at + 6);
	return wr_patch_u16le(w, len_at, (uint16_t)n);
}

static bool u16_list(struct wr *w, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!wr_u16le(w, v[i]))
			return false;
	return true;
}

/* The four 3.1.1 contexts we always send. Offering everything makes the
 * server disclose its choice (ENCRYPTION answers with one cipher) or its
 * supported set (COMPRESSION, MS-SMB2 3.3.5.2.5.3). */
static int smb2_contexts_encode(struct wr *w, size_t base, const uint8_t salt[32])
{
	static const uint16_t ciphers[] = {0x0002, 0x0001, 0x0004, 0x0003};
	static const uint16_t compr[] = {0x0001, 0x0002, 0x0003, 0x0004, 0x0005};
	static const uint16_t signing[] = {0x0002, 0x0001, 0x0000};
	size_t at;

	/* 2.2.3.1.1 PREAUTH_INTEGRITY: 1 hash (SHA-512), 32-byte salt */
	if (!ctx_begin(w, SMB2_CTX_PREAUTH, &at) || !wr_u16le(w, 1) ||
	    !wr_u16le(w, SMB2_SALT_LEN) || !wr_u16le(w, 0x0001) ||
	    !wr_bytes(w, salt, SMB2_SALT_LEN) || !ctx_end(w, at))
		return w->err;
	/* 2.2.3.1.2 ENCRYPTION: subsequent contexts start 8-byte aligned
	 * (offsets from the SMB2 header) */
	if (!wr_align(w, base, 8) || !ctx_begin(w, SMB2_CTX_ENCRYPTION, &at) ||
	    !wr_u16le(w, 4) || !u16_list(w, ciphers, 4) || !ctx_end(w, at))
		return w->err;
	/* 2.2.3.1.3 COMPRESSION: count, Padding, Flags (0: not chained) */
	if (!wr_align(w, base, 8) || !ctx_begin(w, SMB2_CTX_COMPRESSION, &at) ||
	    !wr_u16le(w, 5) || !wr_u16le(w, 0) || !wr_u32le(w, 0) ||
	    !u16_list(w, compr, 5) || !ctx_end(w, at))
		return w->err;
	/* 2.2.3.1.7 SIGNING */
	if (!wr_align(w, base, 8) || !ctx_begin(w, SMB2_CTX_SIGNING, &at) ||
	    !wr_u16le(w, 3) || !u16_list(w, signing, 3) || !ctx_end(w, at))
		return w->err;
	return WIRE_OK;
}

int smb2_negotiate_req_encode(struct wr *w, const struct smb2_negotiate_req *req,
			      uint64_t message_id)
{
	size_t base = w->len; /* offsets in the body count from here */
	size_t ctx_off_at = 0;
	bool has_311 = false;
	int rc;

	if (req->n_dialects == 0 || !req->dialects)
		return WIRE_MALFORMED;
	if (req->n_dialects > SMB2_MAX_REQ_DIALECTS)
		return WIRE_TOO_LARGE;
	for (unsigned i = 0; i < req->n_dialects; i++)
		if (req->dialects[i] == SMB2_DIALECT_311)
			has_311 = true;

	rc = smb2_header_encode(w, SMB2_CMD_NEGOTIATE, message_id, 0, 0, 1);
	if (rc < 0)
		return rc;
	/* MS-SMB2 2.2.3: StructureSize 36 */
	if (!wr_u16le(w, 36) || !wr_u16le(w, (uint16_t)req->n_dialects) ||
	    !wr_u16le(w, req->security_mode) || !wr_u16le(w, 0) ||
	    !wr_u32le(w, req->capabilities) ||
	    !wr_bytes(w, req->client_guid, sizeof req->client_guid))
		return w->err;
	if (has_311) {
		/* NegotiateContextOffset (patched), Count 4, Reserved2 */
		if (!wr_hole(w, 4, &ctx_off_at) || !wr_u16le(w, 4) || !wr_u16le(w, 0))
			return w->err;
	} else {
		/* ClientStartTime: MUST be 0 (2.2.3) */
		if (!wr_u64le(w, 0))
			return w->err;
	}
	if (!u16_list(w, req->dialects, req->n_dialects))
		return w->err;
	if (!has_311)
		return WIRE_OK;

	/* 2.2.3: the first context is 8-byte aligned from the header start */
	if (!wr_align(w, base, 8) || !wr_patch_u32le(w, ctx_off_at, (uint32_t)(w->len - base)))
		return w->err;
	return smb2_contexts_encode(w, base, req->salt);
}

/* Append a list of u16 ids from d, keeping at most WIRE_MAX_ALGS. All
 * `count` ids must lie in the context's data window. */
static bool alg_list(struct rd *d, uint16_t count, uint16_t *dst, unsigned *n)
{
	for (unsigned i = 0; i < count; i++) {
		uint16_t v;
		if (!rd_u16le(d, &v))
			return false;
		if (*n < WIRE_MAX_ALGS)
			dst[(*n)++] = v;
	}
	return true;
}

/* Decode one negotiate context's data (MS-SMB2 2.2.4.1.x). Unknown types
 * are skipped. */
static int neg_ctx_decode(uint16_t type, struct rd *d, struct smb2_negotiate_resp *out)
{
	uint16_t count = 0, salt_len = 0, pad;

	switch (type) {
	case SMB2_CTX_PREAUTH:
		/* 2.2.3.1.1: HashAlgorithmCount, SaltLength, ids, salt */
		if (!rd_u16le(d, &count) || !rd_u16le(d, &salt_len) ||
		    !alg_list(d, count, out->preauth, &out->n_preauth) || !rd_skip(d, salt_len))
			break;
		return WIRE_OK;
	case SMB2_CTX_ENCRYPTION:
		/* 2.2.3.1.2: CipherCount, ids */
		if (!rd_u16le(d, &count) || !alg_list(d, count, out->ciphers, &out->n_ciphers))
			break;
		return WIRE_OK;
	case SMB2_CTX_COMPRESSION:
		/* 2.2.3.1.3: count, Padding, Flags, ids */
		out->has_compression_ctx = true;
		if (!rd_u16le(d, &count) || !rd_u16le(d, &pad) ||
		    !rd_u32le(d, &out->compression_flags) ||
		    !alg_list(d, count, out->compression, &out->n_compression))
			break;
		return WIRE_OK;
	case SMB2_CTX_SIGNING:
		/* 2.2.3.1.7: SigningAlgorithmCount, ids */
		if (!rd_u16le(d, &count) || !alg_list(d, count, out->signing, &out->n_signing))
			break;
		return WIRE_OK;
	default:
		return WIRE_OK;
	}
	/* a count that runs past DataLength contradicts the context header */
	return WIRE_MALFORMED;
}

/* Walk NegotiateContextCount contexts starting at ctx_off (from the SMB2
 * header, MS-SMB2 2.2.4); each is 8-byte aligned relative to the header. */
static int neg_ctx_list_decode(struct rd *msg, uint32_t ctx_off, uint16_t count,
			       struct smb2_negotiate_resp *out)
{
	struct rd all, probe;

	if (count > WIRE_MAX_NEG_CONTEXTS)
		return WIRE_TOO_LARGE;
	if (count == 0)
		return WIRE_OK;
	/* a window from the header start, so rd_align counts from there */
	if (!rd_at(msg, 0, msg->len, &all) || !rd_at(msg, ctx_off, 0, &probe))
		return msg->err;
	/* 2.2.4: NegotiateContextOffset MUST be 8-byte aligned and lie
	 * after the fixed response */
	if (ctx_off % 8 != 0 || ctx_off < SMB2_HDR_LEN + 64)
		return WIRE_MALFORMED;
	if (!rd_skip(&all, ctx_off))
		return all.err;
	for (unsigned i = 0; i < count; i++) {
		uint16_t type, data_len;
		uint32_t reserved;
		struct rd data;
		int rc;

		if (i > 0 && !rd_align(&all, 8))
			return all.err;
		if (!rd_u16le(&all, &type) || !rd_u16le(&all, &data_len) ||
		    !rd_u32le(&all, &reserved) || !rd_sub(&all, data_len, &data))
			return all.err;
		out->n_contexts++;
		rc = neg_ctx_decode(type, &data, out);
		if (rc < 0)
			return rc;
	}
	return WIRE_OK;
}

int smb2_negotiate_resp_decode(struct rd *msg, struct smb2_negotiate_resp *out)
{
	uint16_t ctx_count, sec_off, sec_len;
	uint32_t ctx_off;
	int rc;

	memset(out, 0, sizeof *out);
	rc = smb2_header_decode(msg, &out->hdr);
	if (rc < 0)
		return rc;
	/* a reflected request (echo server) or a request sent to us is not a
	 * response: MS-SMB2 2.2.1.2 SMB2_FLAGS_SERVER_TO_REDIR */
	if (out->hdr.command != SMB2_CMD_NEGOTIATE || !(out->hdr.flags & SMB2_FLAGS_SERVER_TO_REDIR))
		return WIRE_MALFORMED;
	if (out->hdr.status != 0)
		return WIRE_OK; /* error body (2.2.2); caller reads hdr.status */

	/* MS-SMB2 2.2.4: StructureSize MUST be 65 */
	if (!rd_expect_u16le(msg, 65) || !rd_u16le(msg, &out->security_mode) ||
	    !rd_u16le(msg, &out->dialect) || !rd_u16le(msg, &ctx_count) ||
	    !rd_bytes(msg, out->server_guid, sizeof out->server_guid) ||
	    !rd_u32le(msg, &out->capabilities) || !rd_u32le(msg, &out->max_transact) ||
	    !rd_u32le(msg, &out->max_read) || !rd_u32le(msg, &out->max_write) ||
	    !rd_u64le(msg, &out->system_time) || !rd_u64le(msg, &out->server_start_time) ||
	    !rd_u16le(msg, &sec_off) || !rd_u16le(msg, &sec_len) || !rd_u32le(msg, &ctx_off))
		return msg->err;
	/* SecurityBufferOffset is from the header start: the window's start */
	if (!rd_at(msg, sec_off, sec_len, &out->security_blob))
		return msg->err;
	/* 2.2.4: NegotiateContextOffset/Count are only meaningful for 3.1.1;
	 * other dialects put Reserved/Reserved2 there */
	if (out->dialect != SMB2_DIALECT_311)
		return WIRE_OK;
	return neg_ctx_list_decode(msg, ctx_off, ctx_count, out);
}

int smb2_session_setup_req_encode(struct wr *w, uint64_t message_id, uint64_t session_id,
				  const uint8_t *blob, uint16_t blob_len)
{
	int rc = smb2_header_encode(w, SMB2_CMD_SESSION_SETUP, message_id, session_id, 0, 1);
	if (rc < 0)
		return rc;
	/* MS-SMB2 2.2.5: StructureSize 25, Flags 0, SecurityMode signing
	 * enabled, Capabilities 0, Channel 0, buffer right after the 24
	 * fixed bytes (offset 88 from the header), PreviousSessionId 0 */
	if (!wr_u16le(w, 25) || !wr_u8(w, 0) || !wr_u8(w, SMB2_SECMODE_SIGNING_ENABLED) ||
	    !wr_u32le(w, 0) || !wr_u32le(w, 0) || !wr_u16le(w, SMB2_HDR_LEN + 24) ||
	    !wr_u16le(w, blob_len) || !wr_u64le(w, 0) || !wr_bytes(w, blob, blob_len))
		return w->err;
	return WIRE_OK;
}

int smb2_session_setup_resp_decode(struct rd *msg, struct smb2_session_setup_resp *out)
{
	uint16_t sec_off, sec_len;
	int rc;

	memset(out, 0, sizeof *out);
	rc = smb2_header_decode(msg, &out->hdr);
	if (rc < 0)
		return rc;
	if (out->hdr.command != SMB2_CMD_SESSION_SETUP ||
	    !(out->hdr.flags & SMB2_FLAGS_SERVER_TO_REDIR))
		return WIRE_MALFORMED;
	/* MS-SMB2 3.3.4.4: any status but success and MORE_PROCESSING comes
	 * with the 2.2.2 error body; nothing more to read */
	if (out->hdr.status != 0 && out->hdr.status != STATUS_MORE_PROCESSING_REQUIRED)
		return WIRE_OK;
	/* MS-SMB2 2.2.6: StructureSize MUST be 9 */
	if (!rd_expect_u16le(msg, 9) || !rd_u16le(msg, &out->session_flags) ||
	    !rd_u16le(msg, &sec_off) || !rd_u16le(msg, &sec_len) ||
	    !rd_at(msg, sec_off, sec_len, &out->security_blob))
		return msg->err;
	return WIRE_OK;
}

const char *smb2_dialect_name(uint16_t dialect)
{
	switch (dialect) {
	case SMB2_DIALECT_202: return "2.0.2";
	case SMB2_DIALECT_210: return "2.1";
	case SMB2_DIALECT_300: return "3.0";
	case SMB2_DIALECT_302: return "3.0.2";
	case SMB2_DIALECT_311: return "3.1.1";
	/* MS-SMB2 2.2.4: the answer to an SMB1 multi-protocol NEGOTIATE
	 * that offered "SMB 2.???": the client must negotiate again */
	case SMB2_DIALECT_WILDCARD: return "2.x (multi-protocol)";
	default: return NULL;
	}
}

const char *smb2_cipher_name(uint16_t id)
{
	/* MS-SMB2 2.2.3.1.2 */
	switch (id) {
	case 0x0001: return "AES-128-CCM";
	case 0x0002: return "AES-128-GCM";
	case 0x0003: return "AES-256-CCM";
	case 0x0004: return "AES-256-GCM";
	default: return NULL;
	}
}

const char *smb2_compression_name(uint16_t id)
{
	/* MS-SMB2 2.2.3.1.3 */
	switch (id) {
	case 0x0000: return "NONE";
	case 0x0001: return "LZNT1";
	case 0x0002: return "LZ77";
	case 0x0003: return "LZ77+Huffman";
	case 0x0004: return "Pattern_V1";
	case 0x0005: return "LZ4";
	default: return NULL;
	}
}

const char *smb2_signing_alg_name(uint16_t id)
{
	/* MS-SMB2 2.2.3.1.7 */
	switch (id) {
	case 0x0000: return "HMAC-SHA256";
	case 0x0001: return "AES-CMAC";
	case 0x0002: return "AES-GMAC";
	default: return NULL;
	}
}

const char *smb2_hash_name(uint16_t id)
{
	/* MS-SMB2 2.2.3.1.1 */
	return id == 0x0001 ? "SHA-512" : NULL;
}
