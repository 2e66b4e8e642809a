/* smb1_ops.c - SMB1 SESSION_SETUP_ANDX (anonymous, non-extended),
 * TREE_CONNECT_ANDX, NT_CREATE_ANDX, TRANSACTION, the TRANSACTION2
 * DoublePulsar knock and FIND_FIRST2, READ_ANDX (MS-CIFS 2.2.4.33, .42,
 * .46, .53, .55, .64, 2.2.6.2); see smb1_ops.h. */
#include "wire/smb1_ops.h"

#include <string.h>

#include "wire/limits.h"
#include "wire/ntstatus.h"

#define SMB1_FLAGS2_REQ (SMB1_FLAGS2_UNICODE | SMB1_FLAGS2_NT_STATUS | SMB1_FLAGS2_LONG_NAMES)
/* MS-CIFS 2.2.4.53.1 Capabilities: UNICODE, LARGE_FILES, NT_SMBS, STATUS32 */
#define SMB1_ANON_CAPS 0x0000005Cu
/* MS-CIFS 2.2.4.53.1: what we can receive; the common client value */
#define SMB1_MAX_BUFFER 16644
#define SMB1_MAX_MPX 2
/* MS-CIFS 2.2.4.64.1: ImpersonationLevel SECURITY_IMPERSONATION */
#define SMB1_IMPERSONATION 2
/* offset of the PID field in the header (MS-CIFS 2.2.3.1) */
#define SMB1_HDR_PID_AT 26
/* STATUS_BUFFER_OVERFLOW: a pipe transaction with more data waiting */
/* Longest path or name we send, in characters. */
#define SMB1_MAX_NAME 512
/* smb-facts.md 6.4: the Timeout value DoublePulsar knocks with */
#define DOUBLEPULSAR_TIMEOUT 0x00A4D9A6u

/* Request header, then the context's PID when one is given. *base gets
 * the header start: string alignment counts from there (MS-CIFS 2.2.3.1). */
static int hdr(struct wr *w, uint8_t cmd, uint16_t flags2, const struct smb1_req_ctx *c,
	       size_t *base)
{
	int rc;

	*base = w->len;
	rc = smb1_header_encode(w, cmd, flags2, c->tid, c->uid, c->mid);
	if (rc < 0)
		return rc;
	if (c->pid && !wr_patch_u16le(w, *base + SMB1_HDR_PID_AT, c->pid))
		return w->err;
	return WIRE_OK;
}

/* ByteCount hole; bytes_end() patches it with what was written since. */
static bool bytes_begin(struct wr *w, size_t *bc_at)
{
	return wr_hole(w, 2, bc_at);
}

static int bytes_end(struct wr *w, size_t bc_at)
{
	if (w->err)
		return w->err;
	size_t n = w->len - (bc_at + 2);
	if (n > UINT16_MAX)
		return WIRE_TOO_LARGE;
	if (!wr_patch_u16le(w, bc_at, (uint16_t)n))
		return w->err;
	return WIRE_OK;
}

static int check_name(const char *s)
{
	if (!s)
		return WIRE_MALFORMED;
	return strlen(s) > SMB1_MAX_NAME ? WIRE_TOO_LARGE : WIRE_OK;
}

int smb1_session_setup_anon_req_encode(struct wr *w, const struct smb1_req_ctx *c)
{
	size_t base, bc_at;
	int rc = hdr(w, SMB1_CMD_SESSION_SETUP_ANDX, SMB1_FLAGS2_REQ, c, &base);
	if (rc < 0)
		return rc;
	/* MS-CIFS 2.2.4.53.1, WordCount 13: no AndX, MaxBufferSize,
	 * MaxMpxCount, VcNumber 0, SessionKey 0, OEMPasswordLen 1,
	 * UnicodePasswordLen 0, Reserved, Capabilities */
	if (!wr_u8(w, 13) || !wr_u8(w, 0xFF) || !wr_u8(w, 0) || !wr_u16le(w, 0) ||
	    !wr_u16le(w, SMB1_MAX_BUFFER) || !wr_u16le(w, SMB1_MAX_MPX) || !wr_u16le(w, 0) ||
	    !wr_u32le(w, 0) || !wr_u16le(w, 1) || !wr_u16le(w, 0) || !wr_u32le(w, 0) ||
	    !wr_u32le(w, SMB1_ANON_CAPS) || !bytes_begin(w, &bc_at))
		return w->err;
	/* OEMPassword "\0" (the anonymous logon, smb-facts 5.1), then the
	 * Unicode strings aligned to 2: AccountName, PrimaryDomain, NativeOS,
	 * NativeLanMan, all empty */
	if (!wr_u8(w, 0) || !wr_align(w, base, 2) || !wr_zeros(w, 4 * 2))
		return w->err;
	return bytes_end(w, bc_at);
}

int smb1_tree_connect_req_encode(struct wr *w, const struct smb1_req_ctx *c, const char *path)
{
	size_t base, bc_at;
	int rc = check_name(path);
	if (rc < 0)
		return rc;
	rc = hdr(w, SMB1_CMD_TREE_CONNECT_ANDX, SMB1_FLAGS2_REQ, c, &base);
	if (rc < 0)
		return rc;
	/* MS-CIFS 2.2.4.55.1, WordCount 4: no AndX, Flags
	 * EXTENDED_RESPONSE (MS-SMB 2.2.4.7.1: the answer carries the
	 * session's maximal access), PasswordLength 1 (user-level security:
	 * the password is one NUL byte) */
	if (!wr_u8(w, 4) || !wr_u8(w, 0xFF) || !wr_u8(w, 0) || !wr_u16le(w, 0) ||
	    !wr_u16le(w, SMB1_TREE_CONNECT_EXTENDED_RESPONSE) || !wr_u16le(w, 1) ||
	    !bytes_begin(w, &bc_at))
		return w->err;
	/* Password, pad to 2, Path (Unicode, NUL), Service (always OEM):
	 * "?????" matches any share type */
	if (!wr_u8(w, 0) || !wr_align(w, base, 2) || !wr_utf16le_ascii(w, path) ||
	    !wr_u16le(w, 0) || !wr_bytes(w, "?????", 6))
		return w->err;
	return bytes_end(w, bc_at);
}

/* Start decoding a response: m is the message window (header-relative
 * offsets), words/bytes the parameter and data blocks (MS-CIFS 2.2.3.2,
 * 2.2.3.3). The command must match one of cmd_a/cmd_b and carry the reply
 * flag; a reflected request is not an answer. */
static int resp_begin(struct rd *msg, struct rd *m, struct smb1_header *h, uint8_t cmd_a,
		      uint8_t cmd_b, uint8_t *wct, struct rd *words, struct rd *bytes)
{
	uint16_t bcc;
	int rc;

	rd_init(words, NULL, 0);
	rd_init(bytes, NULL, 0);
	*wct = 0;
	if (!rd_sub(msg, rd_left(msg), m))
		return msg->err;
	rc = smb1_header_decode(m, h);
	if (rc < 0)
		return rc;
	if ((h->command != cmd_a && h->command != cmd_b) || !(h->flags & SMB1_FLAGS_REPLY))
		return WIRE_MALFORMED;
	if (!rd_u8(m, wct) || !rd_sub(m, 2u * *wct, words) || !rd_u16le(m, &bcc) ||
	    !rd_sub(m, bcc, bytes))
		return m->err;
	return WIRE_OK;
}

int smb1_tree_connect_resp_decode(struct rd *msg, struct smb1_tree_connect_resp *out)
{
	struct rd m, words, bytes, scan;
	uint8_t wct, c;
	size_t n = 0;
	const uint8_t *p;
	int rc;

	memset(out, 0, sizeof *out);
	rc = resp_begin(msg, &m, &out->hdr, SMB1_CMD_TREE_CONNECT_ANDX, SMB1_CMD_TREE_CONNECT_ANDX,
			&wct, &words, &bytes);
	if (rc < 0)
		return rc;
	if (wct == 0 && out->hdr.status != 0)
		return WIRE_OK; /* error reply: only hdr */
	/* MS-CIFS 2.2.4.55.2: WordCount 3; MS-SMB 2.2.4.7.2: 7 with the
	 * extended response (maximal access rights) */
	if (wct != 3 && wct != 7)
		return WIRE_MALFORMED;
	if (wct == 7) {
		/* AndX(4), OptionalSupport(2), MaximalShareAccessRights(4),
		 * GuestMaximalShareAccessRights(4) */
		struct rd w = words;
		if (!rd_skip(&w, 6) || !rd_u32le(&w, &out->max_access) ||
		    !rd_u32le(&w, &out->guest_max_access))
			return w.err;
		out->has_max_access = true;
	}
	/* Service: NUL-terminated OEM string at the start of the bytes */
	scan = bytes;
	while (rd_u8(&scan, &c) && c != 0)
		n++;
	if (!rd_view(&bytes, n, &p))
		return bytes.err;
	return wire_oem_to_utf8(p, n, out->service, sizeof out->service);
}

int smb1_nt_create_req_encode(struct wr *w, const struct smb1_req_ctx *c, const char *name,
			      uint32_t desired_access, uint32_t share_access, uint32_t disposition,
			      uint32_t create_options)
{
	size_t base, bc_at;
	int rc = check_name(name);
	if (rc < 0)
		return rc;
	rc = hdr(w, SMB1_CMD_NT_CREATE_ANDX, SMB1_FLAGS2_REQ, c, &base);
	if (rc < 0)
		return rc;
	/* MS-CIFS 2.2.4.64.1, WordCount 24: no AndX, Reserved, NameLength
	 * (bytes, with the terminator), Flags 0, RootDirectoryFID 0,
	 * DesiredAccess, AllocationSize 0, ExtFileAttributes 0, ShareAccess,
	 * CreateDisposition, CreateOptions, ImpersonationLevel, SecurityFlags */
	uint16_t name_bytes = (uint16_t)((strlen(name) + 1) * 2);
	if (!wr_u8(w, 24) || !wr_u8(w, 0xFF) || !wr_u8(w, 0) || !wr_u16le(w, 0) || !wr_u8(w, 0) ||
	    !wr_u16le(w, name_bytes) || !wr_u32le(w, 0) || !wr_u32le(w, 0) ||
	    !wr_u32le(w, desired_access) || !wr_u64le(w, 0) || !wr_u32le(w, 0) ||
	    !wr_u32le(w, share_access) || !wr_u32le(w, disposition) ||
	    !wr_u32le(w, create_options) || !wr_u32le(w, SMB1_IMPERSONATION) || !wr_u8(w, 0) ||
	    !bytes_begin(w, &bc_at))
		return w->err;
	/* Pad to 2, then the Unicode FileName with its NUL */
	if (!wr_align(w, base, 2) || !wr_utf16le_ascii(w, name) || !wr_u16le(w, 0))
		return w->err;
	return bytes_end(w, bc_at);
}

int smb1_nt_create_resp_decode(struct rd *msg, struct smb1_nt_create_resp *out)
{
	struct rd m, words, bytes;
	uint8_t wct;
	int rc;

	memset(out, 0, sizeof *out);
	rc = resp_begin(msg, &m, &out->hdr, SMB1_CMD_NT_CREATE_ANDX, SMB1_CMD_NT_CREATE_ANDX, &wct,
			&words, &bytes);
	if (rc < 0)
		return rc;
	if (wct == 0 && out->hdr.status != 0)
		return WIRE_OK;
	/* MS-CIFS 2.2.4.64.2: WordCount 34 (0x22); MS-SMB 2.2.4.9.2: 42
	 * (0x2A) for the extended response. AndX block, OplockLevel, FID. */
	if (wct != 34 && wct != 42)
		return WIRE_MALFORMED;
	if (!rd_skip(&words, 4 + 1) || !rd_u16le(&words, &out->fid))
		return words.err;
	return WIRE_OK;
}

int smb1_trans_req_encode(struct wr *w, const struct smb1_req_ctx *c, const uint16_t *setup,
			  unsigned n_setup, const uint8_t *data, uint16_t data_len,
			  uint16_t max_param, uint16_t max_data)
{
	size_t base, bc_at, off_at;
	int rc;

	if ((!setup && n_setup) || (!data && data_len))
		return WIRE_MALFORMED;
	if (n_setup > WIRE_MAX_TRANS_SETUP)
		return WIRE_TOO_LARGE;
	/* The pipe name goes out as OEM, so no FLAGS2_UNICODE here: nmap,
	 * MSF and WannaCry send this exact layout (smb-facts 6.2) */
	rc = hdr(w, SMB1_CMD_TRANSACTION, SMB1_FLAGS2_NT_STATUS | SMB1_FLAGS2_LONG_NAMES, c, &base);
	if (rc < 0)
		return rc;
	/* MS-CIFS 2.2.4.33.1, WordCount 14 + SetupCount: TotalParameterCount 0,
	 * TotalDataCount, MaxParameterCount, MaxDataCount, MaxSetupCount 0,
	 * Reserved1, Flags 0, Timeout 0, Reserved2, ParameterCount 0,
	 * ParameterOffset, DataCount, DataOffset, SetupCount, Reserved3, Setup */
	if (!wr_u8(w, (uint8_t)(14 + n_setup)) || !wr_u16le(w, 0) || !wr_u16le(w, data_len) ||
	    !wr_u16le(w, max_param) || !wr_u16le(w, max_data) || !wr_u8(w, 0) || !wr_u8(w, 0) ||
	    !wr_u16le(w, 0) || !wr_u32le(w, 0) || !wr_u16le(w, 0) || !wr_u16le(w, 0) ||
	    !wr_hole(w, 2, &off_at) || !wr_u16le(w, data_len) || !wr_hole(w, 2, &off_at) ||
	    !wr_u8(w, (uint8_t)n_setup) || !wr_u8(w, 0))
		return w->err;
	for (unsigned i = 0; i < n_setup; i++)
		if (!wr_u16le(w, setup[i]))
			return w->err;
	/* Bytes: Name "\PIPE\" NUL; Pad1/Pad2 align data to 4 from the header
	 * (a SHOULD in 2.2.4.33.1) only when data follows, so an empty
	 * transaction keeps the 0x4A offsets every scanner sends */
	if (!bytes_begin(w, &bc_at) || !wr_bytes(w, "\\PIPE\\", 7))
		return w->err;
	if (data_len && !wr_align(w, base, 4))
		return w->err;
	size_t at = w->len - base;
	if (at > UINT16_MAX)
		return WIRE_TOO_LARGE;
	/* ParameterOffset (no parameters) and DataOffset both point here */
	if (!wr_patch_u16le(w, off_at - 4, (uint16_t)at) || !wr_patch_u16le(w, off_at, (uint16_t)at) ||
	    !wr_bytes(w, data, data_len))
		return w->err;
	return bytes_end(w, bc_at);
}

int smb1_trans_resp_decode(struct rd *msg, struct smb1_trans_resp *out)
{
	struct rd m, words, bytes;
	uint8_t wct, setup_count, reserved;
	uint16_t total_param, total_data, pcount, poff, pdisp, dcount, doff, ddisp;
	int rc;

	memset(out, 0, sizeof *out);
	rd_init(&out->params, NULL, 0);
	rd_init(&out->data, NULL, 0);
	/* MS-CIFS 2.2.4.46.2: the TRANSACTION2 response has the same layout */
	rc = resp_begin(msg, &m, &out->hdr, SMB1_CMD_TRANSACTION, SMB1_CMD_TRANSACTION2, &wct,
			&words, &bytes);
	if (rc < 0)
		return rc;
	/* error replies (the MS17-010 answer, the DoublePulsar reply) and the
	 * interim response (2.2.4.33.2) carry no words */
	if (wct == 0)
		return WIRE_OK;
	if (out->hdr.status != 0 && out->hdr.status != STATUS_BUFFER_OVERFLOW)
		return WIRE_OK;
	/* MS-CIFS 2.2.4.33.2: WordCount 10 + SetupCount */
	if (!rd_u16le(&words, &total_param) || !rd_u16le(&words, &total_data) ||
	    !rd_skip(&words, 2) || !rd_u16le(&words, &pcount) || !rd_u16le(&words, &poff) ||
	    !rd_u16le(&words, &pdisp) || !rd_u16le(&words, &dcount) || !rd_u16le(&words, &doff) ||
	    !rd_u16le(&words, &ddisp) || !rd_u8(&words, &setup_count) || !rd_u8(&words, &reserved))
		return words.err == WIRE_TRUNCATED ? WIRE_MALFORMED : words.err;
	if (wct != 10 + setup_count)
		return WIRE_MALFORMED;
	/* offsets count from the start of the SMB header */
	if (!rd_at(&m, poff, pcount, &out->params) || !rd_at(&m, doff, dcount, &out->data))
		return m.err;
	return WIRE_OK;
}

int smb1_trans2_doublepulsar_req_encode(struct wr *w, const struct smb1_req_ctx *c)
{
	size_t base, bc_at;
	int rc = hdr(w, SMB1_CMD_TRANSACTION2, SMB1_FLAGS2_REQ, c, &base);
	if (rc < 0)
		return rc;
	/* MS-CIFS 2.2.4.46.1, WordCount 15 (14 + 1 setup word), with the
	 * values of smb-facts 6.4: TotalParameterCount 12, TotalDataCount 0,
	 * MaxParameterCount 1, MaxDataCount 0, MaxSetupCount 0, Flags 0,
	 * Timeout 0x00A4D9A6, ParameterCount 12, ParameterOffset 66,
	 * DataCount 0, DataOffset 78, SetupCount 1, Setup SESSION_SETUP */
	if (!wr_u8(w, 15) || !wr_u16le(w, 12) || !wr_u16le(w, 0) || !wr_u16le(w, 1) ||
	    !wr_u16le(w, 0) || !wr_u8(w, 0) || !wr_u8(w, 0) || !wr_u16le(w, 0) ||
	    !wr_u32le(w, DOUBLEPULSAR_TIMEOUT) || !wr_u16le(w, 0) || !wr_u16le(w, 12) ||
	    !wr_u16le(w, 66) || !wr_u16le(w, 0) || !wr_u16le(w, 78) || !wr_u8(w, 1) ||
	    !wr_u8(w, 0) || !wr_u16le(w, TRANS2_SESSION_SETUP) || !bytes_begin(w, &bc_at))
		return w->err;
	/* Bytes: one pad byte (65 -> 66), then 12 zero parameter bytes */
	if (!wr_u8(w, 0) || !wr_zeros(w, 12))
		return w->err;
	return bytes_end(w, bc_at);
}

/* MS-CIFS 2.2.6.2.1: SMB_FILE_ATTRIBUTE_HIDDEN|SYSTEM|DIRECTORY, what
 * clients search with; Flags CLOSE_AFTER_REQUEST|CLOSE_AT_EOS (no search
 * handle left open); InformationLevel SMB_FIND_FILE_BOTH_DIRECTORY_INFO */
#define FIND_ATTRIBUTES 0x0016
#define FIND_FLAGS 0x0003
#define FIND_LEVEL 0x0104
#define FIND_COUNT 16

int smb1_find_first2_req_encode(struct wr *w, const struct smb1_req_ctx *c, const char *pattern,
				uint16_t max_data)
{
	size_t base, bc_at, poff_at, doff_at, pcount_at, tpcount_at;
	int rc = check_name(pattern);
	if (rc < 0)
		return rc;
	rc = hdr(w, SMB1_CMD_TRANSACTION2, SMB1_FLAGS2_REQ, c, &base);
	if (rc < 0)
		return rc;
	/* MS-CIFS 2.2.4.46.1, WordCount 15: TotalParameterCount, TotalDataCount
	 * 0, MaxParameterCount, MaxDataCount, MaxSetupCount 0, Reserved1,
	 * Flags 0, Timeout 0, Reserved2, ParameterCount, ParameterOffset,
	 * DataCount 0, DataOffset, SetupCount 1, Reserved3, Setup FIND_FIRST2 */
	if (!wr_u8(w, 15) || !wr_hole(w, 2, &tpcount_at) || !wr_u16le(w, 0) ||
	    !wr_u16le(w, 10) || !wr_u16le(w, max_data) || !wr_u8(w, 0) || !wr_u8(w, 0) ||
	    !wr_u16le(w, 0) || !wr_u32le(w, 0) || !wr_u16le(w, 0) || !wr_hole(w, 2, &pcount_at) ||
	    !wr_hole(w, 2, &poff_at) || !wr_u16le(w, 0) || !wr_hole(w, 2, &doff_at) ||
	    !wr_u8(w, 1) || !wr_u8(w, 0) || !wr_u16le(w, TRANS2_FIND_FIRST2) ||
	    !bytes_begin(w, &bc_at))
		return w->err;
	/* Bytes: Name (a Unicode NUL, 16-bit aligned), Pad1 to 4, then the
	 * parameters: SearchAttributes, SearchCount, Flags, InformationLevel,
	 * SearchStorageType, FileName (Unicode, NUL) */
	if (!wr_align(w, base, 2) || !wr_u16le(w, 0) || !wr_align(w, base, 4))
		return w->err;
	size_t params_at = w->len;
	if (!wr_u16le(w, FIND_ATTRIBUTES) || !wr_u16le(w, FIND_COUNT) || !wr_u16le(w, FIND_FLAGS) ||
	    !wr_u16le(w, FIND_LEVEL) || !wr_u32le(w, 0) || !wr_utf16le_ascii(w, pattern) ||
	    !wr_u16le(w, 0))
		return w->err;
	size_t pcount = w->len - params_at, poff = params_at - base, doff = w->len - base;
	if (doff > UINT16_MAX)
		return WIRE_TOO_LARGE;
	if (!wr_patch_u16le(w, tpcount_at, (uint16_t)pcount) ||
	    !wr_patch_u16le(w, pcount_at, (uint16_t)pcount) ||
	    !wr_patch_u16le(w, poff_at, (uint16_t)poff) || !wr_patch_u16le(w, doff_at, (uint16_t)doff))
		return w->err;
	return bytes_end(w, bc_at);
}

int smb1_read_andx_req_encode(struct wr *w, const struct smb1_req_ctx *c, uint16_t fid,
			      uint16_t max_count)
{
	size_t base, bc_at;
	int rc = hdr(w, SMB1_CMD_READ_ANDX, SMB1_FLAGS2_REQ, c, &base);
	if (rc < 0)
		return rc;
	/* MS-CIFS 2.2.4.42.1, WordCount 12: no AndX, FID, Offset 0,
	 * MaxCountOfBytesToReturn, MinCountOfBytesToReturn, Timeout 0,
	 * Remaining 0, OffsetHigh 0; no bytes */
	if (!wr_u8(w, 12) || !wr_u8(w, 0xFF) || !wr_u8(w, 0) || !wr_u16le(w, 0) ||
	    !wr_u16le(w, fid) || !wr_u32le(w, 0) || !wr_u16le(w, max_count) ||
	    !wr_u16le(w, max_count) || !wr_u32le(w, 0) || !wr_u16le(w, 0) || !wr_u32le(w, 0) ||
	    !bytes_begin(w, &bc_at))
		return w->err;
	return bytes_end(w, bc_at);
}

int smb1_read_andx_resp_decode(struct rd *msg, struct smb1_read_andx_resp *out)
{
	struct rd m, words, bytes;
	uint8_t wct;
	uint16_t dlen, doff;
	int rc;

	memset(out, 0, sizeof *out);
	rd_init(&out->data, NULL, 0);
	rc = resp_begin(msg, &m, &out->hdr, SMB1_CMD_READ_ANDX, SMB1_CMD_READ_ANDX, &wct, &words,
			&bytes);
	if (rc < 0)
		return rc;
	if (out->hdr.status != 0 && out->hdr.status != STATUS_BUFFER_OVERFLOW)
		return WIRE_OK; /* an error answer: the status is all there is */
	/* MS-CIFS 2.2.4.42.2, WordCount 12: AndX block, Available,
	 * DataCompactionMode, Reserved1, DataLength, DataOffset, Reserved2 */
	if (wct != 12)
		return WIRE_MALFORMED;
	if (!rd_skip(&words, 4 + 2 + 2 + 2) || !rd_u16le(&words, &dlen) || !rd_u16le(&words, &doff))
		return words.err;
	/* the offset counts from the start of the SMB header */
	if (!rd_at(&m, doff, dlen, &out->data))
		return m.err;
	return WIRE_OK;
}
