/* smb1.c - SMB1 header, NEGOTIATE and SESSION_SETUP_ANDX codecs; see smb1.h. */
#include "wire/smb1.h"

#include <stdio.h>
#include <string.h>

static const uint8_t smb1_magic[4] = {0xFF, 'S', 'M', 'B'};

/* MS-CIFS 2.2.4.52.1: dialect strings we are willing to send */
#define SMB1_MAX_DIALECTS 16
#define SMB1_MAX_DIALECT_LEN 64
/* MS-CIFS 2.2.3.1: PID we put in requests (Windows uses the same) */
#define SMB1_REQ_PID 0xFEFF
/* SMB_FLAGS_CANONICALIZED_PATHS | SMB_FLAGS_CASE_INSENSITIVE */
#define SMB1_REQ_FLAGS 0x18
#define SMB1_CAP_UNICODE 0x00000004u

int smb1_header_decode(struct rd *msg, struct smb1_header *h)
{
	uint8_t magic[4];

	memset(h, 0, sizeof *h);
	if (!rd_bytes(msg, magic, sizeof magic))
		return msg->err;
	if (memcmp(magic, smb1_magic, sizeof magic) != 0) {
		rd_fail(msg, WIRE_MALFORMED);
		return WIRE_MALFORMED;
	}
	/* MS-CIFS 2.2.3.1 */
	if (!rd_u8(msg, &h->command) || !rd_u32le(msg, &h->status) || !rd_u8(msg, &h->flags) ||
	    !rd_u16le(msg, &h->flags2) || !rd_u16le(msg, &h->pid_high) ||
	    !rd_bytes(msg, h->signature, sizeof h->signature) || !rd_skip(msg, 2) ||
	    !rd_u16le(msg, &h->tid) || !rd_u16le(msg, &h->pid_low) || !rd_u16le(msg, &h->uid) ||
	    !rd_u16le(msg, &h->mid))
		return msg->err;
	return WIRE_OK;
}

int smb1_header_encode(struct wr *w, uint8_t command, uint16_t flags2, uint16_t tid,
		       uint16_t uid, uint16_t mid)
{
	/* MS-CIFS 2.2.3.1; we always ask for 32-bit NT status codes */
	if (!wr_bytes(w, smb1_magic, sizeof smb1_magic) || !wr_u8(w, command) ||
	    !wr_u32le(w, 0) || !wr_u8(w, SMB1_REQ_FLAGS) ||
	    !wr_u16le(w, (uint16_t)(flags2 | SMB1_FLAGS2_NT_STATUS)) || !wr_u16le(w, 0) ||
	    !wr_zeros(w, 8) || !wr_u16le(w, 0) || !wr_u16le(w, tid) ||
	    !wr_u16le(w, SMB1_REQ_PID) || !wr_u16le(w, uid) || !wr_u16le(w, mid))
		return w->err;
	return WIRE_OK;
}

int smb1_negotiate_req_encode(struct wr *w, const char *const *dialects, unsigned n,
			      uint16_t flags2)
{
	size_t bc_at;
	int rc;

	if (n == 0 || !dialects)
		return WIRE_MALFORMED;
	if (n > SMB1_MAX_DIALECTS)
		return WIRE_TOO_LARGE;
	rc = smb1_header_encode(w, SMB1_CMD_NEGOTIATE, flags2, 0, 0, 0);
	if (rc < 0)
		return rc;
	/* MS-CIFS 2.2.4.52.1: WordCount 0; Bytes = { 0x02 "dialect" NUL }* */
	if (!wr_u8(w, 0) || !wr_hole(w, 2, &bc_at))
		return w->err;
	size_t start = w->len;
	for (unsigned i = 0; i < n; i++) {
		size_t len = strlen(dialects[i]);
		if (len > SMB1_MAX_DIALECT_LEN)
			return WIRE_TOO_LARGE;
		if (!wr_u8(w, 0x02) || !wr_bytes(w, dialects[i], len) || !wr_u8(w, 0))
			return w->err;
	}
	if (!wr_patch_u16le(w, bc_at, (uint16_t)(w->len - start)))
		return w->err;
	return WIRE_OK;
}

/* A NUL-terminated string at the reader's position (MS-CIFS 2.2.1.1
 * SMB_STRING). A missing terminator at the end of the window is tolerated
 * (some servers omit it); an empty window gives "". */
static int rd_cstring(struct rd *r, bool unicode, char *out, size_t outsz)
{
	struct rd scan = *r; /* a copy, to measure without consuming */
	size_t n = 0, unit = unicode ? 2 : 1;
	bool term = false;
	const uint8_t *p;

	out[0] = '\0';
	while (rd_left(&scan) >= unit) {
		uint16_t c16 = 0;
		uint8_t c8 = 0;
		if (unicode ? !rd_u16le(&scan, &c16) : !rd_u8(&scan, &c8))
			return scan.err;
		if (c16 == 0 && c8 == 0) {
			term = true;
			break;
		}
		n += unit;
	}
	if (!rd_view(r, n, &p) || (term && !rd_skip(r, unit)))
		return r->err;
	if (unicode)
		return wire_utf16le_to_utf8(p, n, out, outsz);
	return wire_oem_to_utf8(p, n, out, outsz);
}

void smb1_status_text(const struct smb1_header *h, char *out, size_t outsz)
{
	if (h->flags2 & SMB1_FLAGS2_NT_STATUS) {
		snprintf(out, outsz, "NT status 0x%08X", (unsigned)h->status);
		return;
	}
	/* MS-CIFS 2.2.2.4: the error classes */
	static const char *const classes[] = {NULL, "ERRDOS", "ERRSRV", "ERRHRD"};
	unsigned cls = h->status & 0xFF, code = h->status >> 16;
	if (cls < 4 && classes[cls])
		snprintf(out, outsz, "DOS error %s/0x%04X", classes[cls], code);
	else if (cls == 0xFF)
		snprintf(out, outsz, "DOS error ERRCMD/0x%04X", code);
	else
		snprintf(out, outsz, "DOS error class 0x%02X/0x%04X", cls, code);
}

/* ByteCount and the byte area that follows the words (MS-CIFS 2.2.3.3).
 * The child `bytes` starts at the SMB header (the message window start),
 * positioned at the first data byte, so rd_align() there counts from the
 * header as MS-CIFS 2.2.1.1 wants for Unicode strings. */
static int byte_area(struct rd *msg, struct rd *bytes)
{
	uint16_t bc;
	size_t start;

	rd_init(bytes, NULL, 0);
	if (!rd_u16le(msg, &bc))
		return msg->err;
	start = msg->len - rd_left(msg);
	if (!rd_skip(msg, bc) || !rd_at(msg, 0, start + bc, bytes) || !rd_skip(bytes, start))
		return msg->err ? msg->err : bytes->err;
	return WIRE_OK;
}

/* NT LM 0.12 response, WordCount 17 (MS-CIFS 2.2.4.52.2; MS-SMB 2.2.4.5.2
 * for the extended-security byte area). */
static int negotiate_nt_decode(struct rd *words, struct rd *msg,
			       struct smb1_negotiate_resp *out)
{
	struct rd bytes;
	uint16_t tz;
	int rc;

	if (!rd_u8(words, &out->security_mode) || !rd_u16le(words, &out->max_mpx) ||
	    !rd_u16le(words, &out->max_vcs) || !rd_u32le(words, &out->max_buffer) ||
	    !rd_u32le(words, &out->max_raw) || !rd_u32le(words, &out->session_key) ||
	    !rd_u32le(words, &out->capabilities) || !rd_u64le(words, &out->system_time) ||
	    !rd_u16le(words, &tz) || !rd_u8(words, &out->challenge_len))
		return words->err;
	out->timezone = (int16_t)tz;
	rc = byte_area(msg, &bytes);
	if (rc < 0)
		return rc;

	out->extended_security = out->capabilities & SMB1_CAP_EXTENDED_SECURITY;
	if (out->extended_security) {
		/* ServerGUID(16) then the SPNEGO blob filling the rest */
		if (!rd_bytes(&bytes, out->server_guid, sizeof out->server_guid) ||
		    !rd_sub(&bytes, rd_left(&bytes), &out->security_blob))
			return WIRE_MALFORMED;
		return WIRE_OK;
	}
	/* Challenge[ChallengeLength], DomainName, ServerName (either may be
	 * missing). MS-CIFS says Unicode iff FLAGS2_UNICODE; Samba sends them
	 * in Unicode when it announces CAP_UNICODE even without that flag.
	 * No alignment padding here (both Windows and Samba pack them). */
	if (!rd_skip(&bytes, out->challenge_len))
		return WIRE_MALFORMED;
	bool unicode = (out->hdr.flags2 & SMB1_FLAGS2_UNICODE) ||
		       (out->capabilities & SMB1_CAP_UNICODE);
	rc = rd_cstring(&bytes, unicode, out->domain, sizeof out->domain);
	if (rc < 0)
		return rc;
	return rd_cstring(&bytes, unicode, out->server_name, sizeof out->server_name);
}

/* LANMAN 2.1 and older, WordCount 13 (MS-CIFS 2.2.4.52.2, LM form): the
 * fields that have NT LM 0.12 counterparts; strings are OEM. */
static int negotiate_lm_decode(struct rd *words, struct rd *msg,
			       struct smb1_negotiate_resp *out)
{
	uint16_t secmode, maxbuf, raw_mode, time, date, tz, chal_len;
	struct rd bytes;
	int rc;

	if (!rd_u16le(words, &secmode) || !rd_u16le(words, &maxbuf) ||
	    !rd_u16le(words, &out->max_mpx) || !rd_u16le(words, &out->max_vcs) ||
	    !rd_u16le(words, &raw_mode) || !rd_u32le(words, &out->session_key) ||
	    !rd_u16le(words, &time) || !rd_u16le(words, &date) ||
	    !rd_u16le(words, &tz) || !rd_u16le(words, &chal_len))
		return words->err;
	out->timezone = (int16_t)tz;
	out->security_mode = (uint8_t)secmode;
	out->max_buffer = maxbuf;
	if (chal_len > 0xFF)
		return WIRE_MALFORMED;
	out->challenge_len = (uint8_t)chal_len;
	rc = byte_area(msg, &bytes);
	if (rc < 0)
		return rc;
	if (!rd_skip(&bytes, chal_len))
		return WIRE_MALFORMED;
	return rd_cstring(&bytes, false, out->domain, sizeof out->domain);
}

int smb1_negotiate_resp_decode(struct rd *msg, struct smb1_negotiate_resp *out)
{
	struct rd words;
	int rc;

	memset(out, 0, sizeof *out);
	rc = smb1_header_decode(msg, &out->hdr);
	if (rc < 0)
		return rc;
	/* a reflected request is not an answer */
	if (out->hdr.command != SMB1_CMD_NEGOTIATE || !(out->hdr.flags & SMB1_FLAGS_REPLY))
		return WIRE_MALFORMED;
	/* MS-CIFS 2.2.3.2: WordCount then 2*WordCount bytes of words */
	if (!rd_u8(msg, &out->word_count) || !rd_sub(msg, 2u * out->word_count, &words))
		return msg->err;
	if (out->word_count == 0) {
		/* error reply: no dialect chosen */
		out->dialect_index = SMB1_NO_DIALECT;
		return WIRE_OK;
	}
	if (!rd_u16le(&words, &out->dialect_index))
		return words.err;
	switch (out->word_count) {
	case 1:
		/* MS-CIFS 2.2.4.52.2: core protocol, or 0xFFFF = none chosen
		 * (Samba with SMB1 off); ByteCount 0 follows */
		return WIRE_OK;
	case 13:
		return negotiate_lm_decode(&words, msg, out);
	case 17:
		return negotiate_nt_decode(&words, msg, out);
	default:
		return WIRE_UNSUPPORTED;
	}
}

int smb1_session_setup_ext_req_encode(struct wr *w, uint16_t uid, uint16_t mid,
				      const uint8_t *blob, uint16_t blob_len,
				      uint32_t capabilities)
{
	size_t base = w->len, bc_at;
	int rc;

	rc = smb1_header_encode(w, SMB1_CMD_SESSION_SETUP_ANDX,
				SMB1_FLAGS2_UNICODE | SMB1_FLAGS2_EXTENDED_SECURITY |
					SMB1_FLAGS2_LONG_NAMES,
				0, uid, mid);
	if (rc < 0)
		return rc;
	/* MS-SMB 2.2.4.6.1: WordCount 12. VcNumber 1: 0 would ask the
	 * server to drop other sessions from this client (MS-CIFS 3.3.5.42) */
	if (!wr_u8(w, 12) || !wr_u8(w, 0xFF) || !wr_u8(w, 0) || !wr_u16le(w, 0) ||
	    !wr_u16le(w, 0xFFFF) || !wr_u16le(w, 2) || !wr_u16le(w, 1) || !wr_u32le(w, 0) ||
	    !wr_u16le(w, blob_len) || !wr_u32le(w, 0) ||
	    !wr_u32le(w, capabilities | SMB1_CAP_EXTENDED_SECURITY) || !wr_hole(w, 2, &bc_at))
		return w->err;
	size_t start = w->len;
	/* blob, then Unicode NativeOS/NativeLanMan aligned to 2 from the
	 * header start (MS-CIFS 2.2.1.1) */
	if (!wr_bytes(w, blob, blob_len) || !wr_align(w, base, 2) ||
	    !wr_utf16le_ascii(w, "smbwatch") || !wr_u16le(w, 0) ||
	    !wr_utf16le_ascii(w, "smbwatch") || !wr_u16le(w, 0))
		return w->err;
	if (w->len - start > 0xFFFF)
		return WIRE_TOO_LARGE;
	if (!wr_patch_u16le(w, bc_at, (uint16_t)(w->len - start)))
		return w->err;
	return WIRE_OK;
}

int smb1_session_setup_resp_decode(struct rd *msg, struct smb1_session_setup_resp *out)
{
	struct rd words, bytes;
	uint8_t andx_cmd, andx_res;
	uint16_t andx_off, blob_len = 0;
	int rc;

	memset(out, 0, sizeof *out);
	rc = smb1_header_decode(msg, &out->hdr);
	if (rc < 0)
		return rc;
	if (out->hdr.command != SMB1_CMD_SESSION_SETUP_ANDX || !(out->hdr.flags & SMB1_FLAGS_REPLY))
		return WIRE_MALFORMED;
	if (!rd_u8(msg, &out->word_count) || !rd_sub(msg, 2u * out->word_count, &words))
		return msg->err;
	if (out->word_count == 0)
		return WIRE_OK; /* error reply (MS-CIFS 2.2.4.53.2) */
	if (out->word_count != 3 && out->word_count != 4)
		return WIRE_UNSUPPORTED;
	/* MS-CIFS 2.2.4.53.2 / MS-SMB 2.2.4.6.2: AndX block, Action, and
	 * with extended security SecurityBlobLength */
	if (!rd_u8(&words, &andx_cmd) || !rd_u8(&words, &andx_res) ||
	    !rd_u16le(&words, &andx_off) || !rd_u16le(&words, &out->action) ||
	    (out->word_count == 4 && !rd_u16le(&words, &blob_len)))
		return words.err;
	rc = byte_area(msg, &bytes);
	if (rc < 0)
		return rc;
	/* the blob must fit the byte area ByteCount declared */
	if (!rd_sub(&bytes, blob_len, &out->security_blob))
		return WIRE_MALFORMED;

	bool unicode = out->hdr.flags2 & SMB1_FLAGS2_UNICODE;
	if (unicode && !rd_align(&bytes, 2))
		return bytes.err;
	/* NativeOS, NativeLanMan, PrimaryDomain: each may be missing */
	rc = rd_cstring(&bytes, unicode, out->native_os, sizeof out->native_os);
	if (rc == WIRE_OK)
		rc = rd_cstring(&bytes, unicode, out->native_lanman, sizeof out->native_lanman);
	if (rc == WIRE_OK)
		rc = rd_cstring(&bytes, unicode, out->primary_domain, sizeof out->primary_domain);
	return rc;
}
