/* pos_ring.h - a FIFO of scan positions waiting for another try.
 *
 * The scan keeps several: --retries, hosts lost to load (the sweep), filtered
 * verdicts still in doubt, and the end-of-scan re-check. Each holds what the
 * next try needs to know about the earlier ones. Bounded (POS_RING_MAX): a
 * push that does not fit fails and the caller settles the position as it is. */
#ifndef SMBW_NET_POS_RING_H
#define SMBW_NET_POS_RING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POS_RING_MAX (1u << 20)

struct pos_entry {
	uint64_t j;           /* shard-relative position */
	uint64_t ready_ms;    /* clock from which it may start (or be settled) */
	uint64_t first_ms;    /* clock of the position's first try */
	unsigned attempt;     /* retries already made */
	unsigned sweep_round; /* end-of-scan tries already made */
	bool recheck;         /* the last try: filtered while servers choked */
	bool hasty_spent;     /* had its free retry after a short-timeout try */
};

struct pos_ring {
	struct pos_entry *v;
	size_t cap, head, len;
};

/* Append e; false when the ring is full (POS_RING_MAX) or out of memory. */
bool pos_ring_push(struct pos_ring *r, const struct pos_entry *e);
/* The i-th entry from the front, i < len. */
const struct pos_entry *pos_ring_at(const struct pos_ring *r, size_t i);
/* Remove and return the front entry (len must be > 0). */
struct pos_entry pos_ring_pop(struct pos_ring *r);
void pos_ring_free(struct pos_ring *r);
#endif
