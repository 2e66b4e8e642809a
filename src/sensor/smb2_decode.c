/* smb2_decode.c - SMB2/3 messages to sensor events (MS-SMB2 2.2). Walks
 * compounded requests (NextCommand) and decodes NEGOTIATE, SESSION_SETUP,
 * TREE_CONNECT and CREATE; every other command is reported with its
 * header only (enough for the signing check). */
#include <stdio.h>
#include <string.h>

#include "sensor/smb_stream.h"
#include "wire/smb2.h"
#include "wire/smb2_compress.h"

/* Compounds longer than this are not something a client sends. */
#define SMB2_MAX_COMPOUND 32

static void utf16_at(struct rd *m, uint16_t off, uint16_t len, char *out, size_t outsz)
{
	struct rd c;
	out[0] = '\0';
	if (len && rd_at(m, off, len, &c))
		wire_utf16le_to_utf8(c.p, c.len, out, outsz);
}

/* Append an algorithm name to ev->compression_algs ("LZNT1,LZ77"). */
static void add_alg_name(struct smb_event *ev, uint16_t id)
{
	const char *name = smb2_compression_name(id);
	size_t used = strlen(ev->compression_algs);
	snprintf(ev->compression_algs + used, sizeof ev->compression_algs - used, "%s%s",
		 used ? "," : "", name ? name : "?");
}

/* MS-SMB2 2.2.3: a 3.1.1 request's negotiate contexts; we only ask whether
 * one is SMB2_COMPRESSION_CAPABILITIES (2.2.3.1.3) and what it offers. */
static void negotiate_req_contexts(struct smb_event *ev, struct rd *m)
{
	uint32_t ctx_off;
	uint16_t count;
	struct rd b = *m;
	/* SecurityMode(2) Reserved(2) Capabilities(4) ClientGuid(16) */
	if (!rd_skip(&b, 2 + 2 + 4 + 16) || !rd_u32le(&b, &ctx_off) || !rd_u16le(&b, &count))
		return;
	struct rd whole = *m, ctxs;
	whole.off = 0;
	whole.err = 0;
	if (ctx_off < SMB2_HDR_LEN || !rd_at(&whole, ctx_off, whole.len - ctx_off, &ctxs))
		return;
	for (unsigned i = 0; i < count && i < 16; i++) {
		uint16_t type, len, n, alg;
		struct rd data;
		/* 2.2.3.1: ContextType(2) DataLength(2) Reserved(4) Data, 8-aligned */
		if ((i && !rd_align(&ctxs, 8)) || !rd_u16le(&ctxs, &type) || !rd_u16le(&ctxs, &len) ||
		    !rd_skip(&ctxs, 4) || !rd_sub(&ctxs, len, &data))
			return;
		if (type != SMB2_CTX_COMPRESSION)
			continue;
		ev->compression = true;
		/* CompressionAlgorithmCount(2) Padding(2) Flags(4) ids */
		if (!rd_u16le(&data, &n) || !rd_skip(&data, 6))
			continue;
		for (unsigned k = 0; k < n && k < 8 && rd_u16le(&data, &alg); k++)
			add_alg_name(ev, alg);
	}
}

static void negotiate(struct smb_event *ev, struct rd *m)
{
	ev->what = SMB_W_NEGOTIATE;
	if (!ev->reply) {
		/* MS-SMB2 2.2.3: StructureSize(2) DialectCount(2) */
		uint16_t ss, n;
		if (rd_u16le(m, &ss) && rd_u16le(m, &n)) {
			ev->n_dialects = n;
			negotiate_req_contexts(ev, m);
		}
		return;
	}
	struct smb2_negotiate_resp nr;
	struct rd whole = *m;
	whole.off = 0;
	whole.err = 0;
	if (smb2_negotiate_resp_decode(&whole, &nr) < 0 || nr.hdr.status != 0)
		return;
	ev->dialect = nr.dialect;
	const char *name = smb2_dialect_name(nr.dialect);
	if (name) {
		size_t k = strnlen(name, sizeof ev->dialect_name - 1);
		memcpy(ev->dialect_name, name, k);
		ev->dialect_name[k] = '\0';
	}
	ev->sign_enabled = (nr.security_mode & SMB2_SECMODE_SIGNING_ENABLED) != 0;
	ev->sign_required = (nr.security_mode & SMB2_SECMODE_SIGNING_REQUIRED) != 0;
	ev->max_size = nr.max_transact;
	if (nr.max_read > ev->max_size)
		ev->max_size = nr.max_read;
	if (nr.max_write > ev->max_size)
		ev->max_size = nr.max_write;
	/* MS-SMB2 3.3.5.4: the server lists the algorithms it will use; NONE
	 * alone means no compression */
	for (unsigned i = 0; i < nr.n_compression; i++) {
		if (nr.compression[i] == SMB2_COMPRESS_NONE)
			continue;
		ev->compression = true;
		add_alg_name(ev, nr.compression[i]);
	}
}

static void session_setup(struct smb_event *ev, struct rd *m)
{
	ev->what = SMB_W_SESSION;
	if (ev->reply) {
		uint16_t ss, flags;
		/* MS-SMB2 2.2.6: StructureSize(2) SessionFlags(2); read here
		 * rather than by smb2_session_setup_resp_decode, which also
		 * wants the security blob a snaplen-cut capture may not hold */
		if (ev->status == 0 && rd_u16le(m, &ss) && ss == 9 && rd_u16le(m, &flags)) {
			ev->guest = (flags & SMB2_SESSION_FLAG_IS_GUEST) != 0;
			ev->null_flag = (flags & SMB2_SESSION_FLAG_IS_NULL) != 0;
		}
		return;
	}
	/* MS-SMB2 2.2.5: SecurityBufferOffset is from the start of the header */
	uint16_t ss, off, len;
	struct rd blob;
	if (rd_u16le(m, &ss) && rd_skip(m, 10) && rd_u16le(m, &off) && rd_u16le(m, &len) &&
	    rd_at(m, off, len, &blob))
		smb_stream_auth_blob(ev, &blob);
}

static void tree_connect(struct smb_event *ev, struct rd *m)
{
	ev->what = SMB_W_TREE;
	uint16_t ss, off, len;
	uint8_t type;
	if (ev->reply) {
		/* MS-SMB2 2.2.10: StructureSize(2) ShareType(1) */
		if (ev->status == 0 && rd_u16le(m, &ss) && ss == 16 && rd_u8(m, &type))
			ev->is_ipc = type == 0x02;
		return;
	}
	/* MS-SMB2 2.2.9: StructureSize(2) Flags(2) PathOffset(2) PathLength(2) */
	if (rd_u16le(m, &ss) && rd_skip(m, 2) && rd_u16le(m, &off) && rd_u16le(m, &len))
		utf16_at(m, off, len, ev->path, sizeof ev->path);
}

static void create(struct smb_event *ev, struct rd *m)
{
	ev->what = SMB_W_CREATE;
	if (ev->reply)
		return;
	/* MS-SMB2 2.2.13: NameOffset/NameLength at body offset 44 */
	uint16_t off, len;
	if (rd_skip(m, 44) && rd_u16le(m, &off) && rd_u16le(m, &len))
		utf16_at(m, off, len, ev->path, sizeof ev->path);
}

void smb_stream_smb2(struct smb_stream *s, struct smb_event *ev, struct rd *msg)
{
	size_t pos = 0;
	struct smb_event base = *ev;

	for (int i = 0; i < SMB2_MAX_COMPOUND && pos < msg->len; i++) {
		struct smb2_header h;
		struct rd whole, m;
		/* MS-SMB2 2.2.1: NextCommand is the offset of the next header
		 * from the start of this one, 8-byte aligned */
		if (!rd_at(msg, pos, msg->len - pos, &whole))
			return;
		m = whole;
		*ev = base;
		ev->version = 2;
		if (smb2_header_decode(&m, &h) < 0) {
			ev->kind = SMB_EV_BAD_SMB2;
			s->fn(s->ctx, ev);
			return;
		}
		if (h.next_command >= SMB2_HDR_LEN && h.next_command < msg->len - pos)
			rd_init(&whole, whole.p, h.next_command);
		m.p = whole.p;
		m.len = whole.len < m.len ? whole.len : m.len;
		ev->msg = m;
		ev->cmd = h.command;
		ev->status = h.status;
		ev->reply = (h.flags & SMB2_FLAGS_SERVER_TO_REDIR) != 0;
		ev->mid = h.message_id;
		ev->uid = h.session_id;
		ev->tid = h.tree_id;
		ev->flags = h.flags;
		ev->is_signed = (h.flags & SMB2_FLAGS_SIGNED) != 0;
		switch (h.command) {
		case SMB2_CMD_NEGOTIATE: negotiate(ev, &m); break;
		case SMB2_CMD_SESSION_SETUP: session_setup(ev, &m); break;
		case SMB2_CMD_TREE_CONNECT: tree_connect(ev, &m); break;
		case SMB2_CMD_CREATE: create(ev, &m); break;
		default: break;
		}
		s->fn(s->ctx, ev);
		if (h.next_command == 0 || h.next_command < SMB2_HDR_LEN ||
		    h.next_command >= msg->len - pos)
			return;
		pos += h.next_command;
	}
}

void smb_stream_compressed(struct smb_stream *s, struct smb_event *ev, struct rd *msg)
{
	ev->version = 2;
	ev->cmd = 0xffff;
	ev->what = SMB_W_COMPRESSED;
	if (smb2_compress_hdr_decode(msg, &ev->comp) < 0) {
		ev->what = SMB_W_NONE; /* shorter than the header: nothing to judge */
	} else if (ev->frame_len > msg->len) {
		/* only the start of a longer frame is here (a peeked header):
		 * judge against what the frame declares, not what was kept */
		ev->comp.data_len = ev->frame_len - SMB2_COMPRESS_HDR_LEN;
		ev->comp.payload_overrun = false;
		ev->comp.sized = false; /* the data is not all here */
	}
	s->fn(s->ctx, ev);
}
