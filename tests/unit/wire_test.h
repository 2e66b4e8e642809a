/* wire_test.h - helpers shared by the wire/ unit tests (cmocka). */
#ifndef SMBW_TESTS_WIRE_TEST_H
#define SMBW_TESTS_WIRE_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wire/buf.h"

/* A heap copy of exactly n bytes, so ASan sees any read past the end. */
static inline uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	assert_non_null(d);
	if (n)
		memcpy(d, p, n);
	return d;
}

/* Truncation sweep: every proper prefix of msg[0..len) must make
 * decode() fail (never succeed, never crash). decode gets a reader over a
 * heap copy of exactly the prefix. */
typedef int (*decode_fn)(struct rd *r, void *out);

static inline void sweep_prefixes(const uint8_t *msg, size_t len, decode_fn decode, void *out)
{
	for (size_t n = 0; n < len; n++) {
		uint8_t *d = dup_exact(msg, n);
		struct rd r;
		rd_init(&r, d, n);
		int rc = decode(&r, out);
		if (rc >= 0)
			fail_msg("prefix of %zu/%zu bytes decoded with rc %d", n, len, rc);
		assert_true(rc == WIRE_TRUNCATED || rc == WIRE_MALFORMED || rc == WIRE_UNSUPPORTED);
		free(d);
	}
}

#endif
