/* smb1_decode.c - SMB1 messages to sensor events (MS-CIFS 2.2.4). Only the
 * fields the detectors use are decoded; a message cut short still yields
 * an event with what was read (the header at least), because exploit
 * traffic is exactly the traffic that breaks the rules. */
#include <string.h>

#include "sensor/smb_stream.h"
#include "wire/smb1.h"

#define SMB1_FLAGS2_SECURITY_SIGNATURE 0x0004
/* AndX chains longer than this are hostile (Zeek: SMB::max_andx_depth 10). */
#define SMB1_MAX_ANDX 4

/* One command block: WordCount, words, ByteCount, bytes (MS-CIFS 2.2.3.2).
 * The byte area is cut to what is present. */
struct smb1_block {
	uint8_t wc;
	struct rd words;
	struct rd bytes;
	size_t bytes_off; /* offset of the byte area in the message window */
};

static bool block_read(struct rd *r, size_t base, struct smb1_block *b)
{
	uint16_t bc;
	memset(b, 0, sizeof *b);
	if (!rd_u8(r, &b->wc) || !rd_sub(r, 2u * b->wc, &b->words))
		return false;
	if (!rd_u16le(r, &bc)) {
		rd_init(&b->bytes, NULL, 0);
		return true;
	}
	b->bytes_off = base + r->off;
	size_t n = bc < rd_left(r) ? bc : rd_left(r);
	return rd_sub(r, n, &b->bytes);
}

/* A string in the byte area: UTF-16LE aligned to 2 from the start of the
 * SMB header when FLAGS2_UNICODE is set (MS-CIFS 2.2.1.1), else OEM. */
static void block_string(struct smb1_block *b, bool unicode, char *out, size_t outsz)
{
	const uint8_t *p = b->bytes.p ? b->bytes.p + b->bytes.off : NULL;
	size_t left = rd_left(&b->bytes), n = 0;

	out[0] = '\0';
	if (unicode && ((b->bytes_off + b->bytes.off) & 1) && left) {
		rd_skip(&b->bytes, 1);
		p++;
		left--;
	}
	if (!p)
		return;
	if (unicode) {
		while (n + 1 < left && (p[n] || p[n + 1]))
			n += 2;
		wire_utf16le_to_utf8(p, n, out, outsz);
		rd_skip(&b->bytes, n + 2 <= left ? n + 2 : left);
	} else {
		while (n < left && p[n])
			n++;
		wire_oem_to_utf8(p, n, out, outsz);
		rd_skip(&b->bytes, n + 1 <= left ? n + 1 : left);
	}
}

static void negotiate(struct smb_stream *s, struct smb_event *ev, struct smb1_block *b)
{
	ev->what = SMB_W_NEGOTIATE;
	if (!ev->reply) {
		/* MS-CIFS 2.2.4.52.1: 0x02 "dialect" NUL, repeated */
		s->n_smb1_dialects = 0;
		uint8_t fmt;
		while (rd_u8(&b->bytes, &fmt) && fmt == 0x02) {
			char name[64];
			block_string(b, false, name, sizeof name);
			if (s->n_smb1_dialects < SMB_EV_MAX_DIALECTS) {
				char *dst = s->smb1_dialects[s->n_smb1_dialects++];
				size_t k = strnlen(name, sizeof s->smb1_dialects[0] - 1);
				memcpy(dst, name, k);
				dst[k] = '\0';
			}
			ev->n_dialects++;
		}
		return;
	}
	uint16_t idx;
	uint8_t secmode;
	if (b->wc == 0 || !rd_u16le(&b->words, &idx)) {
		ev->dialect = SMB1_NO_DIALECT;
		return;
	}
	ev->dialect = idx;
	if (idx != SMB1_NO_DIALECT && idx < s->n_smb1_dialects)
		memcpy(ev->dialect_name, s->smb1_dialects[idx], sizeof s->smb1_dialects[0]);
	else if (idx != SMB1_NO_DIALECT)
		memcpy(ev->dialect_name, "SMB1", 5);
	/* MS-CIFS 2.2.4.52.2: SecurityMode follows DialectIndex (NT LM 0.12) */
	if (b->wc == 17 && rd_u8(&b->words, &secmode)) {
		ev->sign_enabled = (secmode & SMB1_SECMODE_SIGN_ENABLED) != 0;
		ev->sign_required = (secmode & SMB1_SECMODE_SIGN_REQUIRED) != 0;
	}
}

static void session_setup(struct smb_event *ev, struct smb1_block *b)
{
	uint16_t blob_len, oem_len, uni_len, action;
	struct rd blob;

	ev->what = SMB_W_SESSION;
	if (ev->reply) {
		/* MS-CIFS 2.2.4.53.2: AndX(4) Action(2) */
		if (b->wc >= 3 && rd_skip(&b->words, 4) && rd_u16le(&b->words, &action))
			ev->guest = (action & 1) != 0;
		return;
	}
	if (b->wc == 12) {
		/* MS-SMB 2.2.4.6.1: extended security, SecurityBlobLength at word 7 */
		if (rd_skip(&b->words, 14) && rd_u16le(&b->words, &blob_len) &&
		    rd_sub(&b->bytes, blob_len < rd_left(&b->bytes) ? blob_len : rd_left(&b->bytes),
			   &blob))
			smb_stream_auth_blob(ev, &blob);
		return;
	}
	if (b->wc == 13) {
		/* MS-CIFS 2.2.4.53.1: OEM and Unicode passwords, then the account */
		if (!rd_skip(&b->words, 14) || !rd_u16le(&b->words, &oem_len) ||
		    !rd_u16le(&b->words, &uni_len) || !rd_skip(&b->bytes, oem_len) ||
		    !rd_skip(&b->bytes, uni_len))
			return;
		bool uni = (ev->flags2 & SMB1_FLAGS2_UNICODE) != 0;
		block_string(b, uni, ev->user, sizeof ev->user);
		block_string(b, uni, ev->domain, sizeof ev->domain);
		ev->has_auth = true;
		/* MS-CIFS 3.2.4.2.4: anonymous = empty account and passwords */
		ev->anonymous = ev->user[0] == '\0' && oem_len <= 1 && uni_len == 0;
		/* only both empty: one byte may be an empty plaintext password */
		ev->no_response = oem_len == 0 && uni_len == 0;
	}
}

static void tree_connect(struct smb_event *ev, struct smb1_block *b)
{
	uint16_t pwd_len;
	ev->what = SMB_W_TREE;
	if (ev->reply) {
		/* MS-CIFS 2.2.4.55.2: Service is an OEM string, "IPC" for pipes */
		char service[16];
		block_string(b, false, service, sizeof service);
		ev->is_ipc = strcmp(service, "IPC") == 0;
		return;
	}
	/* MS-CIFS 2.2.4.55.1: AndX(4) Flags(2) PasswordLength(2) */
	if (!rd_skip(&b->words, 6) || !rd_u16le(&b->words, &pwd_len) ||
	    !rd_skip(&b->bytes, pwd_len))
		return;
	block_string(b, (ev->flags2 & SMB1_FLAGS2_UNICODE) != 0, ev->path, sizeof ev->path);
}

static void nt_create(struct smb_event *ev, struct smb1_block *b)
{
	ev->what = SMB_W_CREATE;
	if (ev->reply || b->wc != 24)
		return;
	block_string(b, (ev->flags2 & SMB1_FLAGS2_UNICODE) != 0, ev->path, sizeof ev->path);
}

static void trans(struct smb_event *ev, struct smb1_block *b)
{
	uint16_t tp, td, pc, dc, u16;
	uint8_t sc;
	struct rd *w = &b->words;

	ev->what = SMB_W_TRANS;
	if (ev->reply)
		return;
	/* MS-CIFS 2.2.4.33.1 / 2.2.4.46.1 */
	if (!rd_u16le(w, &tp) || !rd_u16le(w, &td) || !rd_skip(w, 4 + 2 + 2) ||
	    !rd_u32le(w, &ev->timeout) || !rd_skip(w, 2) || !rd_u16le(w, &pc) ||
	    !rd_skip(w, 2) || !rd_u16le(w, &dc) || !rd_skip(w, 2) || !rd_u8(w, &sc) ||
	    !rd_skip(w, 1))
		return;
	ev->total_param = tp;
	ev->total_data = td;
	ev->param_count = pc;
	ev->data_count = dc;
	ev->setup_count = sc;
	if (sc >= 1 && rd_u16le(w, &u16))
		ev->setup0 = u16;
	if (sc >= 2 && rd_u16le(w, &u16))
		ev->setup1 = u16;
	if (ev->cmd == SMB1_CMD_TRANSACTION)
		block_string(b, (ev->flags2 & SMB1_FLAGS2_UNICODE) != 0, ev->path,
			     sizeof ev->path);
}

static void nt_trans(struct smb_event *ev, struct smb1_block *b)
{
	uint8_t sc;
	struct rd *w = &b->words;

	ev->what = SMB_W_TRANS;
	if (ev->reply)
		return;
	/* MS-CIFS 2.2.4.62.1: MaxSetupCount(1) Reserved(2) then 32-bit counts */
	if (!rd_skip(w, 3) || !rd_u32le(w, &ev->total_param) || !rd_u32le(w, &ev->total_data) ||
	    !rd_skip(w, 8) || !rd_u32le(w, &ev->param_count) || !rd_skip(w, 4) ||
	    !rd_u32le(w, &ev->data_count) || !rd_skip(w, 4) || !rd_u8(w, &sc) ||
	    !rd_u16le(w, &ev->setup0))
		return;
	ev->setup_count = sc;
}

static void secondary(struct smb_event *ev, struct smb1_block *b)
{
	uint16_t tp, td, pc, dc, dd;
	struct rd *w = &b->words;

	ev->what = SMB_W_SECONDARY;
	if (ev->cmd == SMB1_CMD_NT_TRANSACT_SECONDARY) {
		/* MS-CIFS 2.2.4.63.1 */
		if (!rd_skip(w, 3) || !rd_u32le(w, &ev->total_param) ||
		    !rd_u32le(w, &ev->total_data) || !rd_u32le(w, &ev->param_count) ||
		    !rd_skip(w, 8) || !rd_u32le(w, &ev->data_count) || !rd_skip(w, 4) ||
		    !rd_u32le(w, &ev->data_disp))
			return;
		return;
	}
	/* MS-CIFS 2.2.4.34.1 / 2.2.4.47.1 (TRANS2 adds a FID at the end) */
	if (!rd_u16le(w, &tp) || !rd_u16le(w, &td) || !rd_u16le(w, &pc) || !rd_skip(w, 4) ||
	    !rd_u16le(w, &dc) || !rd_skip(w, 2) || !rd_u16le(w, &dd))
		return;
	ev->total_param = tp;
	ev->total_data = td;
	ev->param_count = pc;
	ev->data_count = dc;
	ev->data_disp = dd;
}

/* Decode one command block into ev and report it. */
static void command(struct smb_stream *s, struct smb_event *ev, struct smb1_block *b)
{
	ev->words = b->words;
	switch (ev->cmd) {
	case SMB1_CMD_NEGOTIATE: negotiate(s, ev, b); break;
	case SMB1_CMD_SESSION_SETUP_ANDX: session_setup(ev, b); break;
	case SMB1_CMD_TREE_CONNECT_ANDX: tree_connect(ev, b); break;
	case SMB1_CMD_NT_CREATE_ANDX: nt_create(ev, b); break;
	case SMB1_CMD_TRANSACTION:
	case SMB1_CMD_TRANSACTION2: trans(ev, b); break;
	case SMB1_CMD_NT_TRANSACT: nt_trans(ev, b); break;
	case SMB1_CMD_TRANS_SECONDARY:
	case SMB1_CMD_TRANS2_SECONDARY:
	case SMB1_CMD_NT_TRANSACT_SECONDARY: secondary(ev, b); break;
	default: break;
	}
	s->fn(s->ctx, ev);
}

static bool is_andx(uint16_t cmd)
{
	return cmd == SMB1_CMD_SESSION_SETUP_ANDX || cmd == SMB1_CMD_TREE_CONNECT_ANDX ||
	       cmd == SMB1_CMD_NT_CREATE_ANDX || cmd == 0x2E || cmd == 0x2F || cmd == 0x74;
}

void smb_stream_smb1(struct smb_stream *s, struct smb_event *ev, struct rd *msg)
{
	struct smb1_header h;
	struct smb1_block b;
	struct rd m = *msg;

	ev->version = 1;
	if (smb1_header_decode(&m, &h) < 0) {
		ev->kind = SMB_EV_NOT_SMB;
		s->fn(s->ctx, ev);
		return;
	}
	ev->cmd = h.command;
	ev->status = h.status;
	ev->reply = (h.flags & SMB1_FLAGS_REPLY) != 0;
	ev->mid = h.mid;
	ev->uid = h.uid;
	ev->tid = h.tid;
	ev->pid = (uint32_t)h.pid_high << 16 | h.pid_low;
	ev->flags = h.flags;
	ev->flags2 = h.flags2;
	ev->is_signed = (h.flags2 & SMB1_FLAGS2_SECURITY_SIGNATURE) != 0;
	ev->msg = m;
	if (!block_read(&m, 0, &b)) {
		s->fn(s->ctx, ev); /* header only: error replies, cut frames */
		return;
	}
	struct smb_event base = *ev;
	size_t end = m.off;
	for (int depth = 0;; depth++) {
		uint8_t next = 0xff;
		uint16_t off = 0;
		struct rd w = b.words;
		/* MS-CIFS 2.2.3.4: AndXCommand(1) Reserved(1) AndXOffset(2) */
		bool chained = is_andx(ev->cmd) && b.wc >= 2 && rd_u8(&w, &next) &&
			       rd_skip(&w, 1) && rd_u16le(&w, &off) && next != 0xff;
		command(s, ev, &b);
		/* offsets must move forward, or a loop is possible */
		if (!chained || depth + 1 >= SMB1_MAX_ANDX || off < end || off >= msg->len)
			return;
		struct rd rest;
		if (!rd_at(msg, off, msg->len - off, &rest) || !block_read(&rest, off, &b))
			return;
		end = off + rest.off;
		*ev = base;
		ev->cmd = next;
	}
}
