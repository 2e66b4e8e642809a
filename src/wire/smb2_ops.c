/* smb2_ops.c - SMB2 TREE_CONNECT, CREATE, CLOSE, READ, WRITE, IOCTL and
 * QUERY_DIRECTORY codecs (MS-SMB2 2.2.9-2.2.34); see smb2_ops.h. */
#include "wire/smb2_ops.h"

#include <string.h>

#include "wire/limits.h"

#ifndef SMB2_CMD_CREATE
#endif
/* MS-SMB2 2.2.31: Flags SMB2_0_IOCTL_IS_FSCTL */
#define SMB2_IOCTL_IS_FSCTL 0x00000001u
/* MS-SMB2 2.2.33 */
#define SMB2_FILE_NAMES_INFORMATION 0x0C
#define SMB2_RESTART_SCANS 0x01
/* MS-SMB2 2.2.13: ImpersonationLevel Impersonation */
#define SMB2_IMPERSONATION 2
/* Credits asked for per request: one in flight at a time. */
#define SMB2_OPS_CREDITS 1
/* Longest path or name we send, in characters. */
#define SMB2_MAX_NAME 512

static int hdr(struct wr *w, uint16_t cmd, const struct smb2_req_ctx *c)
{
	return smb2_header_encode(w, cmd, c->message_id, c->session_id, c->tree_id,
				  SMB2_OPS_CREDITS);
}

/* Start decoding a response: the message becomes the window m (so offsets
 * in the body are relative to the header, MS-SMB2 2.2.1), the
 * header is checked for the command and SERVER_TO_REDIR. *body is false
 * when the status is an error carrying the error body (2.2.2). ok_status
 * is a non-zero status whose body is the normal one (or 0 for none). */
static int resp_begin(struct rd *msg, struct rd *m, struct smb2_header *h, uint16_t cmd,
		      uint32_t ok_status, bool *body)
{
	struct rd peek = *msg;
	size_t n;
	int rc;

	*body = false;
	/* MS-SMB2 2.2.1: in a compound answer NextCommand is the offset of the
	 * next header; this message ends there (and msg moves on to it) */
	rc = smb2_header_decode(&peek, h);
	if (rc < 0) {
		rd_fail(msg, rc);
		return rc;
	}
	n = rd_left(msg);
	if (h->next_command) {
		if (h->next_command < SMB2_HDR_LEN || h->next_command > n) {
			rd_fail(msg, WIRE_MALFORMED);
			return WIRE_MALFORMED;
		}
		n = h->next_command;
	}
	if (!rd_sub(msg, n, m) || !rd_skip(m, SMB2_HDR_LEN))
		return msg->err ? msg->err : m->err;
	if (h->command != cmd || !(h->flags & SMB2_FLAGS_SERVER_TO_REDIR))
		return WIRE_MALFORMED;
	if (h->status == 0 || (ok_status && h->status == ok_status)) {
		*body = true;
		return WIRE_OK;
	}
	/* MS-SMB2 2.2.2 ERROR response: StructureSize 9, ErrorContextCount,
	 * Reserved, ByteCount, ErrorData (servers send >= 1 byte even when
	 * ByteCount is 0, 3.3.4.4); we only need the status */
	if (!rd_expect_u16le(m, 9))
		return m->err;
	return WIRE_OK;
}

static int name_len(const char *s, size_t *bytes)
{
	size_t n = strlen(s);
	if (n > SMB2_MAX_NAME)
		return WIRE_TOO_LARGE;
	*bytes = n * 2;
	return WIRE_OK;
}

int smb2_tree_connect_req_encode(struct wr *w, const struct smb2_req_ctx *c, const char *path)
{
	size_t plen;
	int rc;

	if (!path)
		return WIRE_MALFORMED;
	rc = name_len(path, &plen);
	if (rc < 0)
		return rc;
	rc = hdr(w, SMB2_CMD_TREE_CONNECT, c);
	if (rc < 0)
		return rc;
	/* MS-SMB2 2.2.9: StructureSize 9, Flags, PathOffset (64 + 8),
	 * PathLength in bytes, then the UTF-16LE path */
	if (!wr_u16le(w, 9) || !wr_u16le(w, 0) || !wr_u16le(w, SMB2_HDR_LEN + 8) ||
	    !wr_u16le(w, (uint16_t)plen) || !wr_utf16le_ascii(w, path))
		return w->err;
	return WIRE_OK;
}

int smb2_tree_connect_resp_decode(struct rd *msg, struct smb2_tree_connect_resp *out)
{
	struct rd m;
	bool body;
	uint8_t reserved;
	int rc;

	memset(out, 0, sizeof *out);
	rc = resp_begin(msg, &m, &out->hdr, SMB2_CMD_TREE_CONNECT, 0, &body);
	if (rc < 0 || !body)
		return rc;
	/* MS-SMB2 2.2.10: StructureSize 16 */
	if (!rd_expect_u16le(&m, 16) || !rd_u8(&m, &out->share_type) || !rd_u8(&m, &reserved) ||
	    !rd_u32le(&m, &out->share_flags) || !rd_u32le(&m, &out->capabilities) ||
	    !rd_u32le(&m, &out->maximal_access))
		return m.err;
	return WIRE_OK;
}

int smb2_create_req_encode(struct wr *w, const struct smb2_req_ctx *c,
			   const struct smb2_create_req *req)
{
	size_t nlen;
	int rc;

	if (!req || !req->name)
		return WIRE_MALFORMED;
	rc = name_len(req->name, &nlen);
	if (rc < 0)
		return rc;
	rc = hdr(w, SMB2_CMD_CREATE, c);
	if (rc < 0)
		return rc;
	/* MS-SMB2 2.2.13: StructureSize 57, SecurityFlags 0, oplock none,
	 * ImpersonationLevel, SmbCreateFlags 0, Reserved 0, access, attributes,
	 * share access, disposition, options, NameOffset (64 + 56), NameLength,
	 * no create contexts */
	if (!wr_u16le(w, 57) || !wr_u8(w, 0) || !wr_u8(w, 0) || !wr_u32le(w, SMB2_IMPERSONATION) ||
	    !wr_u64le(w, 0) || !wr_u64le(w, 0) || !wr_u32le(w, req->desired_access) ||
	    !wr_u32le(w, req->file_attributes) || !wr_u32le(w, req->share_access) ||
	    !wr_u32le(w, req->create_disposition) || !wr_u32le(w, req->create_options) ||
	    !wr_u16le(w, SMB2_HDR_LEN + 56) || !wr_u16le(w, (uint16_t)nlen) || !wr_u32le(w, 0) ||
	    !wr_u32le(w, 0) || !wr_utf16le_ascii(w, req->name))
		return w->err;
	/* 2.2.13: the Buffer is at least one byte even for an empty name */
	if (nlen == 0 && !wr_u8(w, 0))
		return w->err;
	return WIRE_OK;
}

int smb2_create_resp_decode(struct rd *msg, struct smb2_create_resp *out)
{
	struct rd m, ctx;
	bool body;
	uint32_t ctx_off, ctx_len;
	int rc;

	memset(out, 0, sizeof *out);
	rc = resp_begin(msg, &m, &out->hdr, SMB2_CMD_CREATE, 0, &body);
	if (rc < 0 || !body)
		return rc;
	/* MS-SMB2 2.2.14: StructureSize 89, OplockLevel, Flags, CreateAction,
	 * four FILETIMEs, AllocationSize, EndofFile, FileAttributes,
	 * Reserved2, FileId, CreateContextsOffset, CreateContextsLength */
	if (!rd_expect_u16le(&m, 89) || !rd_skip(&m, 1 + 1 + 4 + 4 * 8 + 8 + 8) ||
	    !rd_u32le(&m, &out->file_attributes) || !rd_skip(&m, 4) ||
	    !rd_bytes(&m, out->file_id, sizeof out->file_id) || !rd_u32le(&m, &ctx_off) ||
	    !rd_u32le(&m, &ctx_len))
		return m.err;
	/* contexts are not decoded, but their range must lie in the message */
	if (ctx_len && !rd_at(&m, ctx_off, ctx_len, &ctx))
		return m.err;
	return WIRE_OK;
}

int smb2_close_req_encode(struct wr *w, const struct smb2_req_ctx *c, const uint8_t file_id[16])
{
	int rc = hdr(w, SMB2_CMD_CLOSE, c);
	if (rc < 0)
		return rc;
	/* MS-SMB2 2.2.15: StructureSize 24, Flags 0 (no attributes back), Reserved */
	if (!wr_u16le(w, 24) || !wr_u16le(w, 0) || !wr_u32le(w, 0) || !wr_bytes(w, file_id, 16))
		return w->err;
	return WIRE_OK;
}

int smb2_write_req_encode(struct wr *w, const struct smb2_req_ctx *c, const uint8_t file_id[16],
			  uint64_t offset, const uint8_t *data, uint32_t len)
{
	int rc;

	if (!data && len)
		return WIRE_MALFORMED;
	rc = hdr(w, SMB2_CMD_WRITE, c);
	if (rc < 0)
		return rc;
	/* MS-SMB2 2.2.21: StructureSize 49, DataOffset (64 + 48), Length,
	 * Offset, FileId, Channel 0, RemainingBytes 0, no channel info, Flags 0 */
	if (!wr_u16le(w, 49) || !wr_u16le(w, SMB2_HDR_LEN + 48) || !wr_u32le(w, len) ||
	    !wr_u64le(w, offset) || !wr_bytes(w, file_id, 16) || !wr_u32le(w, 0) ||
	    !wr_u32le(w, 0) || !wr_u16le(w, 0) || !wr_u16le(w, 0) || !wr_u32le(w, 0) ||
	    !wr_bytes(w, data, len))
		return w->err;
	if (len == 0 && !wr_u8(w, 0))
		return w->err;
	return WIRE_OK;
}

int smb2_write_resp_decode(struct rd *msg, struct smb2_write_resp *out)
{
	struct rd m;
	bool body;
	int rc;

	memset(out, 0, sizeof *out);
	rc = resp_begin(msg, &m, &out->hdr, SMB2_CMD_WRITE, 0, &body);
	if (rc < 0 || !body)
		return rc;
	/* MS-SMB2 2.2.22: StructureSize 17, Reserved, Count, Remaining,
	 * WriteChannelInfoOffset, WriteChannelInfoLength */
	if (!rd_expect_u16le(&m, 17) || !rd_skip(&m, 2) || !rd_u32le(&m, &out->count) ||
	    !rd_skip(&m, 4 + 2 + 2))
		return m.err;
	return WIRE_OK;
}

int smb2_read_req_encode(struct wr *w, const struct smb2_req_ctx *c, const uint8_t file_id[16],
			 uint64_t offset, uint32_t length)
{
	int rc = hdr(w, SMB2_CMD_READ, c);
	if (rc < 0)
		return rc;
	/* MS-SMB2 2.2.19: StructureSize 49, Padding 0x50 (where we want the
	 * data: right after the 16-byte response body), Flags 0, Length,
	 * Offset, FileId, MinimumCount 0, Channel 0, RemainingBytes 0, no
	 * channel info, one Buffer byte */
	if (!wr_u16le(w, 49) || !wr_u8(w, 0x50) || !wr_u8(w, 0) || !wr_u32le(w, length) ||
	    !wr_u64le(w, offset) || !wr_bytes(w, file_id, 16) || !wr_u32le(w, 0) ||
	    !wr_u32le(w, 0) || !wr_u32le(w, 0) || !wr_u16le(w, 0) || !wr_u16le(w, 0) ||
	    !wr_u8(w, 0))
		return w->err;
	return WIRE_OK;
}

int smb2_read_resp_decode(struct rd *msg, struct smb2_read_resp *out)
{
	struct rd m;
	bool body;
	uint8_t off, reserved;
	uint32_t len;
	int rc;

	memset(out, 0, sizeof *out);
	rd_init(&out->data, NULL, 0);
	rc = resp_begin(msg, &m, &out->hdr, SMB2_CMD_READ, STATUS_BUFFER_OVERFLOW, &body);
	if (rc < 0 || !body)
		return rc;
	/* MS-SMB2 2.2.20: StructureSize 17, DataOffset (u8, from the header),
	 * Reserved, DataLength, DataRemaining, Reserved2 */
	if (!rd_expect_u16le(&m, 17) || !rd_u8(&m, &off) || !rd_u8(&m, &reserved) ||
	    !rd_u32le(&m, &len) || !rd_skip(&m, 4 + 4))
		return m.err;
	if (len == 0)
		return WIRE_OK;
	if (len > WIRE_MAX_FRAME)
		return WIRE_TOO_LARGE;
	if (!rd_at(&m, off, len, &out->data))
		return m.err;
	return WIRE_OK;
}

int smb2_ioctl_transceive_req_encode(struct wr *w, const struct smb2_req_ctx *c,
				     const uint8_t file_id[16], const uint8_t *in, uint32_t in_len,
				     uint32_t max_out)
{
	int rc;

	if (!in && in_len)
		return WIRE_MALFORMED;
	rc = hdr(w, SMB2_CMD_IOCTL, c);
	if (rc < 0)
		return rc;
	/* MS-SMB2 2.2.31: StructureSize 57, Reserved, CtlCode, FileId,
	 * InputOffset (64 + 56), InputCount, MaxInputResponse 0, OutputOffset
	 * 0, OutputCount 0, MaxOutputResponse, Flags IS_FSCTL, Reserved2 */
	if (!wr_u16le(w, 57) || !wr_u16le(w, 0) || !wr_u32le(w, FSCTL_PIPE_TRANSCEIVE) ||
	    !wr_bytes(w, file_id, 16) || !wr_u32le(w, SMB2_HDR_LEN + 56) || !wr_u32le(w, in_len) ||
	    !wr_u32le(w, 0) || !wr_u32le(w, 0) || !wr_u32le(w, 0) || !wr_u32le(w, max_out) ||
	    !wr_u32le(w, SMB2_IOCTL_IS_FSCTL) || !wr_u32le(w, 0) || !wr_bytes(w, in, in_len))
		return w->err;
	if (in_len == 0 && !wr_u8(w, 0))
		return w->err;
	return WIRE_OK;
}

int smb2_ioctl_resp_decode(struct rd *msg, struct smb2_ioctl_resp *out)
{
	struct rd m, input;
	bool body;
	uint8_t file_id[16];
	uint32_t in_off, in_len, out_off, out_len, flags;
	int rc;

	memset(out, 0, sizeof *out);
	rd_init(&out->output, NULL, 0);
	rc = resp_begin(msg, &m, &out->hdr, SMB2_CMD_IOCTL, STATUS_BUFFER_OVERFLOW, &body);
	if (rc < 0 || !body)
		return rc;
	/* MS-SMB2 2.2.32: StructureSize 49, Reserved, CtlCode, FileId,
	 * InputOffset, InputCount, OutputOffset, OutputCount, Flags, Reserved2;
	 * offsets are from the start of the SMB2 header */
	if (!rd_expect_u16le(&m, 49) || !rd_skip(&m, 2) || !rd_u32le(&m, &out->ctl_code) ||
	    !rd_bytes(&m, file_id, sizeof file_id) || !rd_u32le(&m, &in_off) ||
	    !rd_u32le(&m, &in_len) || !rd_u32le(&m, &out_off) || !rd_u32le(&m, &out_len) ||
	    !rd_u32le(&m, &flags) || !rd_skip(&m, 4))
		return m.err;
	if (in_len > WIRE_MAX_FRAME || out_len > WIRE_MAX_FRAME)
		return WIRE_TOO_LARGE;
	if ((in_len && !rd_at(&m, in_off, in_len, &input)) ||
	    (out_len && !rd_at(&m, out_off, out_len, &out->output)))
		return m.err;
	return WIRE_OK;
}

int smb2_query_directory_req_encode(struct wr *w, const struct smb2_req_ctx *c,
				    const uint8_t file_id[16], uint32_t out_len)
{
	int rc = hdr(w, SMB2_CMD_QUERY_DIRECTORY, c);
	if (rc < 0)
		return rc;
	/* MS-SMB2 2.2.33: StructureSize 33, FileInformationClass, Flags,
	 * FileIndex 0, FileId, FileNameOffset (64 + 32), FileNameLength,
	 * OutputBufferLength, then the pattern "*" */
	if (!wr_u16le(w, 33) || !wr_u8(w, SMB2_FILE_NAMES_INFORMATION) ||
	    !wr_u8(w, SMB2_RESTART_SCANS) || !wr_u32le(w, 0) || !wr_bytes(w, file_id, 16) ||
	    !wr_u16le(w, SMB2_HDR_LEN + 32) || !wr_u16le(w, 2) || !wr_u32le(w, out_len) ||
	    !wr_utf16le_ascii(w, "*"))
		return w->err;
	return WIRE_OK;
}

/* Walk the NextEntryOffset chain every FILE_*_INFORMATION class shares
 * (MS-FSCC 2.4: NextEntryOffset is the first field; 0 ends the list). */
static int dir_walk(struct rd *d, unsigned *n)
{
	size_t pos = 0;
	struct rd e;
	uint32_t next;

	*n = 0;
	while (*n < WIRE_MAX_DIR_ENTRIES) {
		if (!rd_at(d, pos, 4, &e) || !rd_u32le(&e, &next))
			return d->err;
		(*n)++;
		if (next == 0)
			return WIRE_OK;
		/* an entry is at least its fixed part; a smaller step (or one
		 * past the end) would loop or leave the buffer */
		if (next < 12 || next > d->len - pos)
			return WIRE_MALFORMED;
		pos += next;
	}
	return WIRE_OK; /* counted up to the cap; the rest is not walked */
}

int smb2_query_directory_resp_decode(struct rd *msg, struct smb2_query_directory_resp *out)
{
	struct rd m;
	bool body;
	uint16_t off;
	uint32_t len;
	int rc;

	memset(out, 0, sizeof *out);
	rd_init(&out->data, NULL, 0);
	rc = resp_begin(msg, &m, &out->hdr, SMB2_CMD_QUERY_DIRECTORY, 0, &body);
	if (rc < 0 || !body)
		return rc;
	/* MS-SMB2 2.2.34: StructureSize 9, OutputBufferOffset,
	 * OutputBufferLength */
	if (!rd_expect_u16le(&m, 9) || !rd_u16le(&m, &off) || !rd_u32le(&m, &len))
		return m.err;
	if (len == 0)
		return WIRE_OK;
	if (len > WIRE_MAX_FRAME)
		return WIRE_TOO_LARGE;
	if (!rd_at(&m, off, len, &out->data))
		return m.err;
	return dir_walk(&out->data, &out->n_entries);
}
