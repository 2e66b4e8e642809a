/* u128.h - unsigned 128-bit arithmetic for IPv6 address ranges, kept
 * portable (two uint64_t halves) rather than relying on unsigned __int128.
 * Only what targets.c needs: compare, +-1, difference, add a 64-bit value.
 * All wrap modulo 2^128; callers check the edges (u128_is_max). */
#ifndef SMBW_NET_U128_H
#define SMBW_NET_U128_H

#include <stdbool.h>
#include <stdint.h>

struct u128 {
	uint64_t hi, lo;
};

static inline int u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static inline struct u128 u128_inc(struct u128 a)
{
	a.lo++;
	if (a.lo == 0)
		a.hi++;
	return a;
}

static inline struct u128 u128_dec(struct u128 a)
{
	if (a.lo == 0)
		a.hi--;
	a.lo--;
	return a;
}

/* a - b, caller guarantees a >= b */
static inline struct u128 u128_sub(struct u128 a, struct u128 b)
{
	struct u128 d = { a.hi - b.hi, a.lo - b.lo };
	if (a.lo < b.lo)
		d.hi--;
	return d;
}

static inline struct u128 u128_add64(struct u128 a, uint64_t v)
{
	a.lo += v;
	if (a.lo < v)
		a.hi++;
	return a;
}

static inline bool u128_is_max(struct u128 a)
{
	return a.hi == UINT64_MAX && a.lo == UINT64_MAX;
}

#endif
