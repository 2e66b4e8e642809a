/* permute.h - a keyed pseudo-random permutation of [0, n), in O(1) memory.
 *
 * A balanced Feistel network over the smallest even-bit domain 2^(2h) >= n,
 * with cycle walking to stay inside [0, n): every index maps to exactly one
 * position and back, so a scan can visit targets x ports in a scattered
 * order (no subnet or server hammered in turn), shards can split the
 * positions, and a resume can restart from a position, without a list of
 * addresses in memory. Not cryptographic: the point is spread, not secrecy. */
#ifndef SMBW_NET_PERMUTE_H
#define SMBW_NET_PERMUTE_H

#include <stdbool.h>
#include <stdint.h>

struct permute {
	uint64_t n;
	uint64_t seed;
	unsigned half_bits; /* h: each Feistel half has h bits */
	uint64_t half_mask;
};

void permute_init(struct permute *p, uint64_t n, uint64_t seed);
/* The element at position pos (0 <= pos < n). */
uint64_t permute_at(const struct permute *p, uint64_t pos);
/* The inverse: the position whose element is idx; false if idx >= n.
 * (Replies of the SYN stage name an address and port; this finds the
 * position they answer without a table.) */
bool permute_position(const struct permute *p, uint64_t idx, uint64_t *pos);

/* Shard k of count (1 <= k <= count) takes positions k-1, k-1+count, ...
 * Number of positions shard k owns out of n. */
uint64_t shard_size(uint64_t n, unsigned k, unsigned count);
/* The j-th position of shard k. */
uint64_t shard_position(unsigned k, unsigned count, uint64_t j);
/* The inverse: j with shard_position(k, count, j) == pos; false if pos
 * belongs to another shard. */
bool shard_index(unsigned k, unsigned count, uint64_t pos, uint64_t *j);

#endif
