/* reasm.c - TCP reassembly for one direction; see reasm.h. */
#include "sensor/reasm.h"

#include <stdlib.h>
#include <string.h>

struct reasm_seg {
	struct reasm_seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

/* Sequence arithmetic modulo 2^32 (RFC 9293 3.4). */
static int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

void reasm_syn(struct reasm *r, uint32_t seq)
{
	/* a retransmitted SYN after data would move us backwards */
	if (r->have_next && r->delivered)
		return;
	r->have_next = true;
	r->next_seq = seq + 1;
}

/* Deliver data starting at seq, cutting what was delivered already. */
static void deliver_from(struct reasm *r, uint32_t seq, const uint8_t *data, size_t len,
			 bool gap, reasm_deliver_fn fn, void *ctx)
{
	int32_t d = seq_diff(seq, r->next_seq);
	if (d < 0) {
		if ((size_t)-(int64_t)d >= len)
			return;
		data += -(int64_t)d;
		len -= (size_t) - (int64_t)d;
	}
	fn(ctx, data, len, gap);
	r->next_seq += (uint32_t)len;
	r->delivered += len;
}

/* Hand over every held segment that now touches next_seq. */
static long drain(struct reasm *r, reasm_deliver_fn fn, void *ctx)
{
	long delta = 0;
	while (r->ooo && seq_diff(r->ooo->seq, r->next_seq) <= 0) {
		struct reasm_seg *s = r->ooo;
		r->ooo = s->next;
		deliver_from(r, s->seq, s->data, s->len, false, fn, ctx);
		r->ooo_bytes -= s->len;
		r->ooo_segs--;
		delta -= (long)s->len;
		free(s);
	}
	return delta;
}

/* Skip the first hole: jump next_seq to the first held segment. */
static long skip_hole(struct reasm *r, reasm_deliver_fn fn, void *ctx)
{
	struct reasm_seg *s = r->ooo;
	if (!s)
		return 0;
	r->ooo = s->next;
	r->next_seq = s->seq;
	r->gaps++;
	deliver_from(r, s->seq, s->data, s->len, true, fn, ctx);
	r->ooo_bytes -= s->len;
	r->ooo_segs--;
	long delta = -(long)s->len;
	free(s);
	return delta + drain(r, fn, ctx);
}

static long hold(struct reasm *r, uint32_t seq, const uint8_t *data, size_t len)
{
	struct reasm_seg **pp = &r->ooo;
	while (*pp && seq_diff((*pp)->seq, seq) < 0)
		pp = &(*pp)->next;
	/* an exact retransmission of a held segment adds nothing */
	if (*pp && (*pp)->seq == seq && (*pp)->len >= len)
		return 0;
	struct reasm_seg *s = malloc(sizeof *s + len);
	if (!s)
		return 0; /* dropped: shows up later as a gap, never as a crash */
	s->seq = seq;
	s->len = (uint32_t)len;
	memcpy(s->data, data, len);
	s->next = *pp;
	*pp = s;
	r->ooo_bytes += len;
	r->ooo_segs++;
	return (long)len;
}

long reasm_segment(struct reasm *r, uint32_t seq, const uint8_t *data, size_t len, size_t cap,
		   reasm_deliver_fn fn, void *ctx)
{
	long delta = 0;

	if (len == 0)
		return 0;
	if (!r->have_next) {
		/* picked up mid-stream: start here, the framer resynchronises */
		r->have_next = true;
		r->next_seq = seq;
		fn(ctx, NULL, 0, true);
	}
	int32_t d = seq_diff(seq, r->next_seq);
	if (d <= 0) {
		deliver_from(r, seq, data, len, false, fn, ctx);
		return drain(r, fn, ctx);
	}
	/* a segment far ahead (more than a window) is junk or a new stream */
	if (len > UINT32_MAX / 2)
		return 0;
	delta += hold(r, seq, data, len);
	while (r->ooo && (r->ooo_bytes > cap || r->ooo_segs > REASM_MAX_SEGS))
		delta += skip_hole(r, fn, ctx);
	return delta;
}

long reasm_flush(struct reasm *r, reasm_deliver_fn fn, void *ctx)
{
	long delta = 0;
	while (r->ooo)
		delta += skip_hole(r, fn, ctx);
	return delta;
}

long reasm_free(struct reasm *r)
{
	long delta = 0;
	while (r->ooo) {
		struct reasm_seg *s = r->ooo;
		r->ooo = s->next;
		delta -= (long)s->len;
		free(s);
	}
	r->ooo_bytes = 0;
	r->ooo_segs = 0;
	return delta;
}
