/* permute.c - keyed permutation for scan order; see permute.h. */
#include "net/permute.h"

#define PERMUTE_ROUNDS 4

static uint64_t mix64(uint64_t x)
{
	/* splitmix64 finaliser: good avalanche, cheap */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

void permute_init(struct permute *p, uint64_t n, uint64_t seed)
{
	p->n = n;
	p->seed = seed;
	unsigned bits = 0;
	while (bits < 64 && (bits == 0 || (n - 1) >> bits)) /* bits to hold n-1 */
		bits++;
	if (bits < 2)
		bits = 2;
	p->half_bits = (bits + 1) / 2;
	p->half_mask = p->half_bits >= 32 ? 0xFFFFFFFFULL : ((1ULL << p->half_bits) - 1);
}

static uint64_t feistel(const struct permute *p, uint64_t x)
{
	uint64_t l = (x >> p->half_bits) & p->half_mask;
	uint64_t r = x & p->half_mask;
	for (unsigned i = 0; i < PERMUTE_ROUNDS; i++) {
		uint64_t f = mix64(r ^ (p->seed + 0x9E3779B97F4A7C15ULL * (i + 1))) & p->half_mask;
		uint64_t nl = r;
		r = l ^ f;
		l = nl;
	}
	return (l << p->half_bits) | r;
}

uint64_t permute_at(const struct permute *p, uint64_t pos)
{
	/* cycle walking: the domain is < 4n, so this ends in a few steps on
	 * average, and always ends because feistel() is a bijection */
	uint64_t x = pos;
	do {
		x = feistel(p, x);
	} while (x >= p->n);
	return x;
}

static uint64_t feistel_inverse(const struct permute *p, uint64_t x)
{
	uint64_t l = (x >> p->half_bits) & p->half_mask;
	uint64_t r = x & p->half_mask;
	/* each round maps (l, r) to (r, l ^ f(r)); undo them last to first */
	for (unsigned i = PERMUTE_ROUNDS; i-- > 0;) {
		uint64_t f = mix64(l ^ (p->seed + 0x9E3779B97F4A7C15ULL * (i + 1))) & p->half_mask;
		uint64_t pl = r ^ f;
		r = l;
		l = pl;
	}
	return (l << p->half_bits) | r;
}

bool permute_position(const struct permute *p, uint64_t idx, uint64_t *pos)
{
	*pos = 0;
	if (idx >= p->n)
		return false;
	/* walking the inverse cycle back into [0, n) undoes the forward walk */
	uint64_t x = idx;
	do {
		x = feistel_inverse(p, x);
	} while (x >= p->n);
	*pos = x;
	return true;
}

bool shard_index(unsigned k, unsigned count, uint64_t pos, uint64_t *j)
{
	*j = 0;
	if (pos < (uint64_t)(k - 1) || (pos - (k - 1)) % count != 0)
		return false;
	*j = (pos - (k - 1)) / count;
	return true;
}

uint64_t shard_size(uint64_t n, unsigned k, unsigned count)
{
	uint64_t first = k - 1;
	if (first >= n)
		return 0;
	return (n - first + count - 1) / count;
}

uint64_t shard_position(unsigned k, unsigned count, uint64_t j)
{
	return (uint64_t)(k - 1) + j * count;
}
