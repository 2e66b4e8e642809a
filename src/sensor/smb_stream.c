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

void smb_stream_message(struct smb_stream *s, int dir, const uint8_t *msg, size_t len)
{
	struct smb_event ev;
	struct rd r;

	rd_init(&r, msg, len);
	memset(&ev, 0, sizeof ev);
	ev.dir = (uint8_t)dir;
	ev.frame_len = (uint32_t)len;
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
		emit_simple(s, dir, SMB_EV_NOT_SMB, (uint32_t)len);
		break;
	}
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

/* Peek at the start of a frame still incomplete: EternalBlue's grooming
 * connections send FE 'SMB' followed by zeros and never finish the frame,
 * so waiting for the whole frame would never show them. */
static void peek_partial(struct smb_stream *s, int dir, const uint8_t *p, size_t n)
{
	struct smb_stream_dir *d = &s->d[dir];
	if (d->bad_smb2_seen || n < 4 + 8 || p[4] != 0xfe || p[5] != 'S' || p[6] != 'M' ||
	    p[7] != 'B')
		return;
	/* MS-SMB2 2.2.1: StructureSize MUST be 64 */
	if (p[8] != 64 || p[9] != 0) {
		d->bad_smb2_seen = true;
		emit_simple(s, dir, SMB_EV_BAD_SMB2,
			    4u + ((uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]));
	}
}

/* Consume as many frames from p[0..n) as are whole; returns bytes used. */
static size_t consume(struct smb_stream *s, int dir, const uint8_t *p, size_t n)
{
	struct smb_stream_dir *d = &s->d[dir];
	size_t used = 0;

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
				used += left - keep;
				return used;
			}
			used += i;
			d->resync = false;
			continue;
		}
		struct nbss_frame f;
		int rc = nbss_frame_decode(q, left, &f);
		if (rc == WIRE_TRUNCATED) {
			peek_partial(s, dir, q, left);
			return used;
		}
		if (rc == WIRE_TOO_LARGE || (rc == WIRE_OK && f.frame_len > SMB_STREAM_MAX_FRAME)) {
			uint64_t flen = 4 + ((uint64_t)q[1] << 16 | (uint64_t)q[2] << 8 | q[3]);
			peek_partial(s, dir, q, left);
			emit_simple(s, dir, SMB_EV_OVERSIZE, (uint32_t)flen);
			d->skip = flen;
			continue;
		}
		if (rc != WIRE_OK) {
			emit_simple(s, dir, SMB_EV_NOT_SMB, 0);
			d->resync = true;
			used++;
			continue;
		}
		if (f.type == NBSS_MESSAGE)
			smb_stream_message(s, dir, f.payload.p, f.payload.len);
		used += f.frame_len;
	}
	return used;
}

long smb_stream_feed(struct smb_stream *s, int dir, const uint8_t *data, size_t len, bool gap)
{
	struct smb_stream_dir *d = &s->d[dir & 1];
	long before = (long)d->cap;

	dir &= 1;
	if (gap) {
		d->len = 0;
		d->skip = 0;
		d->resync = true;
	}
	if (len == 0)
		return 0;
	if (d->len == 0) {
		size_t used = consume(s, dir, data, len);
		data += used;
		len -= used;
	} else {
		/* finish the buffered frame first, then go on in place */
		size_t want = len;
		if (d->len + want > SMB_STREAM_MAX_FRAME + 8)
			want = SMB_STREAM_MAX_FRAME + 8 - d->len;
		if (d->len + want > d->cap) {
			size_t ncap = d->cap ? d->cap : 512;
			while (ncap < d->len + want)
				ncap *= 2;
			uint8_t *nb = realloc(d->buf, ncap);
			if (!nb) {
				d->len = 0;
				d->resync = true;
				return 0;
			}
			d->buf = nb;
			d->cap = ncap;
		}
		memcpy(d->buf + d->len, data, want);
		size_t old = d->len;
		d->len += want;
		size_t used = consume(s, dir, d->buf, d->len);
		if (used < old) {
			/* still inside the buffered frame: keep it all */
			memmove(d->buf, d->buf + used, d->len - used);
			d->len -= used;
			data += want;
			len -= want;
			if (len)
				return smb_stream_feed(s, dir, data, len, false) + ((long)d->cap - before);
			return (long)d->cap - before;
		}
		d->len = 0;
		data += used - old;
		len -= used - old;
		if (len) {
			size_t u2 = consume(s, dir, data, len);
			data += u2;
			len -= u2;
		}
	}
	if (len) {
		if (len > d->cap) {
			/* many flows hold a few bytes each: round up to 512 only */
			size_t ncap = (len + 511) & ~(size_t)511;
			uint8_t *nb = realloc(d->buf, ncap);
			if (!nb) {
				d->resync = true;
				return (long)d->cap - before;
			}
			d->buf = nb;
			d->cap = ncap;
		}
		memcpy(d->buf, data, len);
		d->len = len;
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
