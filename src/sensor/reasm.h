/* reasm.h - one direction of a TCP stream put back in order.
 *
 * In-order bytes are handed to a callback at once and never copied; only
 * segments that arrive ahead of a hole are kept, up to a byte and segment
 * cap. Retransmitted and overlapping bytes are cut off (first copy wins,
 * like most stacks: RFC 9293 3.10.7.4 leaves it open, and an IDS that
 * prefers the first copy can be evaded by a peer that overlaps with
 * different bytes - a known limit, stated here). When the cap is reached,
 * or the flow ends with a hole, the hole is skipped and the callback is
 * told so (gap = true) so the SMB framer can resynchronise. */
#ifndef SMBW_SENSOR_REASM_H
#define SMBW_SENSOR_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Segments held ahead of a hole per direction. */
#define REASM_MAX_SEGS 256

typedef void (*reasm_deliver_fn)(void *ctx, const uint8_t *data, size_t len, bool gap);

struct reasm_seg;

struct reasm {
	bool have_next;          /* next_seq is known (SYN or first data seen) */
	uint32_t next_seq;       /* sequence number of the next in-order byte */
	struct reasm_seg *ooo;   /* held segments, sorted by sequence number */
	size_t ooo_bytes;        /* bytes held (counted against the caller's cap) */
	unsigned ooo_segs;
	uint32_t gaps;           /* holes skipped */
	uint64_t delivered;      /* bytes handed to the callback */
};

/* The SYN (or SYN-ACK) of this direction fixes the first sequence number. */
void reasm_syn(struct reasm *r, uint32_t seq);

/* One segment's payload. Bytes already delivered are dropped; bytes ahead
 * of a hole are copied and held while ooo_bytes stays within cap (else the
 * oldest hole is skipped). Returns the change in held bytes (may be
 * negative) so the caller can keep a global memory count. */
long reasm_segment(struct reasm *r, uint32_t seq, const uint8_t *data, size_t len, size_t cap,
		   reasm_deliver_fn fn, void *ctx);

/* End of stream: deliver whatever is held, skipping holes. Returns the
 * change in held bytes (<= 0). */
long reasm_flush(struct reasm *r, reasm_deliver_fn fn, void *ctx);

/* Free held segments without delivering; returns the change in held bytes. */
long reasm_free(struct reasm *r);

#endif
