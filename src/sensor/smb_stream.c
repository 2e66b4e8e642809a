/* smb_stream.c - NBSS framing over reassembled bytes; see smb_stream.h. */
#include "sensor/smb_stream.h"

#include <stdlib.h>
#include <string.h>

#include "sensor/flow.h"
#include "wire/nbss.h"
#include "wire/ntlmssp.h"
#include "wire/ntlmssp_auth.h"
#include "wire/smb2.h"
#include "wire/spnego.h"

void smb_stream_init(struct smb_stream *s, smb_event_fn fn, void *ctx)
{
	memset(s, 0, sizeof *s);
	s->fn = fn;
	s->ctx = ctx;
}

static void emit_simple(struct smb_stream *s, int dir, enum smb_ev_kind kind, uint32_t len)
{
	struct smb_event ev;
	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.dir = (uint8_t)dir;
	ev.frame_len = len;
	s->fn(s->ctx, &ev);
}

void smb_stream_auth_blob(struct smb_event *ev, const struct rd *blob)
{
	struct rd tok, nt;
	struct ntlm_authenticate auth;
	uint32_t type;

	/* SPNEGO-wrapped or raw NTLMSSP; the signature search also covers
	 * DER we do not parse (MS-SMB2 3.3.5.5.3 allows either) */
	if (ntlmssp_find(blob, &nt) < 0) {
		tok = *blob;
		if (spnego_token_decode(&tok, &nt) < 0)
			return;
	}
	if (ntlmssp_message_type(&nt, &type) < 0 || type != NTLMSSP_TYPE_AUTHENTICATE)
		return;
	if (ntlmssp_authenticate_decode(&nt, &auth) < 0)
		return;
	ev->has_auth = true;
	ev->anonymous = auth.anonymous;
	ev->no_response = auth.nt_len == 0 && auth.lm_len <= 1;
	memcpy(ev->user, auth.user, sizeof ev->user);
	memcpy(ev->domain, auth.domain, sizeof ev->domain);
}

/* Decode one message; declared_len is the NBSS body length, larger than
 * len when only the head of an oversize frame is at hand. */
static void decode_message(struct smb_stream *s, int dir, const uint8_t *msg, size_t len,
			   uint32_t declared_len)
{
	struct smb_event ev;
	struct rd r;

	rd_init(&r, msg, len);
	memset(&ev, 0, sizeof ev);
	ev.dir = (uint8_t)dir;
	ev.frame_len = declared_len;
	ev.cut = declared_len > len;
	s->frames++;
	switch (smb_magic_of(&r)) {
	case SMB_MAGIC_SMB1:
		smb_stream_smb1(s, &ev, &r);
		break;
	case SMB_MAGIC_SMB2:
		smb_stream_smb2(s, &ev, &r);
		break;
	case SMB_MAGIC_TRANSFORM:
		ev.kind = SMB_EV_ENCRYPTED;
		ev.version = 2;
		s->fn(s->ctx, &ev);
		break;
	case SMB_MAGIC_COMPRESSED:
		smb_stream_compressed(s, &ev, &r);
		break;
	default:
		emit_simple(s, dir, SMB_EV_NOT_SMB, declared_len);
		break;
	}
}

void smb_stream_message(struct smb_stream *s, int dir, const uint8_t *msg, size_t len)
{
	decode_message(s, dir, msg, len, (uint32_t)len);
}

/* A frame start we trust after losing sync: session message type 0 and an
 * SMB magic right behind the 4-byte header. */
static bool plausible_start(const uint8_t *p, size_t n)
{
	if (n < 8)
		return false;
	return p[0] == 0 && (p[4] == 0xff || p[4] == 0xfe || p[4] == 0xfd || p[4] == 0xfc) &&
	       p[5] == 'S' && p[6] == 'M' && p[7] == 'B';
}

/* An FE 'SMB' header whose StructureSize is not 64. */
static bool broken_smb2(const uint8_t *p, size_t n)
{
	/* MS-SMB2 2.2.1: StructureSize MUST be 64 */
	return n >= 4 + 8 && p[4] == 0xfe && p[5] == 'S' && p[6] == 'M' && p[7] == 'B' &&
	       (p[8] != 64 || p[9] != 0);
}

/* Peek at the start of a frame still incomplete: EternalBlue's grooming
 * connections send FE 'SMB' followed by zeros and never finish the frame,
 * so waiting for the whole frame would never show them. */
static void peek_partial(struct smb_stream *s, int dir, const uint8_t *p, size_t n)
{
	struct smb_stream_dir *d = &s->d[dir];
	if (!d->bad_smb2_seen && broken_smb2(p, n)) {
		d->bad_smb2_seen = true;
		emit_simple(s, dir, SMB_EV_BAD_SMB2,
			    4u + ((uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]));
	}
}

/* The head of a frame too long to buffer: its SMB header (and the fixed
 * part of a READ or WRITE) is decoded and counted, the rest skipped. */
static void oversize_head(struct smb_stream *s, int dir, const uint8_t *q, size_t head,
			  size_t body_len)
{
	s->d[dir].oversize++;
	emit_simple(s, dir, SMB_EV_OVERSIZE, (uint32_t)(4 + body_len));
	peek_partial(s, dir, q, head);
	/* a broken FE 'SMB' header (EternalBlue's fake SRVNET buffers) is
	 * reported by the peek; there is no message to decode behind it */
	if (broken_smb2(q, head))
		return;
	if (q[0] == NBSS_MESSAGE)
		decode_message(s, dir, q + 4, head - 4, (uint32_t)body_len);
}

/* Consume what p[0..n) holds: whole frames, oversize frames' heads and
 * skipped bodies, junk while resynchronising. Stops at a unit that is not
 * complete yet; *need is the number of bytes, counted from the returned
 * offset, that unit wants before it can be consumed (always more than
 * what is left, and at most SMB_STREAM_MAX_FRAME). Returns bytes used. */
static size_t consume(struct smb_stream *s, int dir, const uint8_t *p, size_t n, size_t *need)
{
	struct smb_stream_dir *d = &s->d[dir];
	size_t used = 0;

	*need = 0;
	while (used < n) {
		const uint8_t *q = p + used;
		size_t left = n - used;
		if (d->skip) {
			size_t k = d->skip < left ? (size_t)d->skip : left;
			d->skip -= k;
			used += k;
			continue;
		}
		if (d->resync) {
			size_t i = 0;
			while (i < left && !plausible_start(q + i, left - i))
				i++;
			/* keep a short tail: a header may straddle deliveries */
			if (i == left) {
				size_t keep = left < 7 ? left : 7;
				*need = keep + SMB_STREAM_RESYNC_CHUNK;
				return used + left - keep;
			}
			used += i;
			d->resync = false;
			continue;
		}
		uint8_t type;
		size_t body_len;
		int rc = nbss_header_decode(q, left, &type, &body_len);
		if (rc == WIRE_TRUNCATED) {
			*need = 4;
			return used;
		}
		if (rc != WIRE_OK) {
			emit_simple(s, dir, SMB_EV_NOT_SMB, 0);
			d->resync = true;
			used++;
			continue;
		}
		size_t frame_len = 4 + body_len;
		if (frame_len > SMB_STREAM_MAX_FRAME) {
			if (left < SMB_STREAM_HEAD) {
				peek_partial(s, dir, q, left);
				*need = SMB_STREAM_HEAD;
				return used;
			}
			oversize_head(s, dir, q, SMB_STREAM_HEAD, body_len);
			used += SMB_STREAM_HEAD;
			d->skip = frame_len - SMB_STREAM_HEAD;
			continue;
		}
		if (left < frame_len) {
			peek_partial(s, dir, q, left);
			*need = frame_len;
			return used;
		}
		struct nbss_frame f;
		/* within SMB_STREAM_MAX_FRAME, so never WIRE_TOO_LARGE */
		if (nbss_frame_decode(q, frame_len, &f) == WIRE_OK && f.type == NBSS_MESSAGE)
			smb_stream_message(s, dir, f.payload.p, f.payload.len);
		used += frame_len;
	}
	return used;
}

/* Make room for want bytes in the direction's buffer; false when out of
 * memory (the caller drops the partial frame and resynchronises). */
static bool reserve(struct smb_stream_dir *d, size_t want)
{
	if (want <= d->cap)
		return true;
	/* many flows hold a few bytes each: start small, double up to need */
	size_t ncap = d->cap ? d->cap : 512;
	while (ncap < want)
		ncap *= 2;
	uint8_t *nb = realloc(d->buf, ncap);
	if (!nb)
		return false;
	d->buf = nb;
	d->cap = ncap;
	return true;
}

/* A loop, never a recursion: each turn either consumes input in place or
 * moves at least one byte into the buffer, and the buffer only ever holds
 * the start of one unit (at most SMB_STREAM_MAX_FRAME bytes). */
long smb_stream_feed(struct smb_stream *s, int dir, const uint8_t *data, size_t len, bool gap)
{
	dir &= 1;
	struct smb_stream_dir *d = &s->d[dir];
	long before = (long)d->cap;

	if (gap) {
		d->len = 0;
		d->need = 0;
		d->skip = 0;
		d->resync = true;
	}
	while (len) {
		size_t need, used;
		if (d->len == 0) {
			used = consume(s, dir, data, len, &need);
			data += used;
			len -= used;
			if (len == 0)
				break;
			/* len < need: the start of a unit; keep it */
			if (!reserve(d, len)) {
				d->resync = true;
				break;
			}
			memcpy(d->buf, data, len);
			d->len = len;
			d->need = need;
			break;
		}
		size_t take = d->need - d->len;
		if (take > len)
			take = len;
		if (!reserve(d, d->len + take)) {
			d->len = 0;
			d->resync = true;
			continue;
		}
		memcpy(d->buf + d->len, data, take);
		d->len += take;
		data += take;
		len -= take;
		used = consume(s, dir, d->buf, d->len, &need);
		if (used) {
			memmove(d->buf, d->buf + used, d->len - used);
			d->len -= used;
		}
		d->need = need;
	}
	return (long)d->cap - before;
}

long smb_stream_free(struct smb_stream *s)
{
	long delta = 0;
	for (int i = 0; i < 2; i++) {
		delta -= (long)s->d[i].cap;
		free(s->d[i].buf);
		s->d[i].buf = NULL;
		s->d[i].cap = s->d[i].len = 0;
	}
	return delta;
}
