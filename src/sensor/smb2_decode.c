/* smb2_decode.c - SMB2/3 messages to sensor events (MS-SMB2 2.2). Walks
 * compounded requests (NextCommand) and decodes NEGOTIATE, SESSION_SETUP,
 * TREE_CONNECT and CREATE; every other command is reported with its
 * header only (enough for the signing check). */
#include <string.h>

#include "sensor/smb_stream.h"
#include "wire/smb2.h"

#define SMB2_CMD_CREATE 0x0005
#define SMB2_FLAGS_SIGNED 0x00000008u
/* Compounds longer than this are not something a client sends. */
#define SMB2_MAX_COMPOUND 32

static void utf16_at(struct rd *m, uint16_t off, uint16_t len, char *out, size_t outsz)
{
	struct rd c;
	out[0] = '\0';
	if (len && rd_at(m, off, len, &c))
		wire_utf16le_to_utf8(c.p, c.len, out, outsz);
}

static void negotiate(struct smb_event *ev, struct rd *m)
{
	ev->what = SMB_W_NEGOTIATE;
	if (!ev->reply) {
		/* MS-SMB2 2.2.3: StructureSize(2) DialectCount(2) */
		uint16_t ss, n;
		if (rd_u16le(m, &ss) && rd_u16le(m, &n))
			ev->n_dialects = n;
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
}

static void session_setup(struct smb_event *ev, struct rd *m)
{
	ev->what = SMB_W_SESSION;
	if (ev->reply) {
		uint16_t ss, flags;
		/* MS-SMB2 2.2.6: StructureSize(2) SessionFlags(2) */
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
