/* test_buf.c - the bounds-checked reader/writer (wire/buf). */
#include "wire_test.h"

#include <stdio.h>

static void test_getters(void **state)
{
	(void)state;
	static const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
	struct rd r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	rd_init(&r, b, sizeof b);
	assert_true(rd_u8(&r, &u8));
	assert_int_equal(u8, 0x01);
	assert_true(rd_u16le(&r, &u16));
	assert_int_equal(u16, 0x0302);
	assert_true(rd_u16be(&r, &u16));
	assert_int_equal(u16, 0x0405);
	assert_true(rd_u32le(&r, &u32));
	assert_int_equal(u32, 0x09080706);
	assert_true(rd_end(&r));
	rd_init(&r, b, sizeof b);
	assert_true(rd_u24be(&r, &u32));
	assert_int_equal(u32, 0x010203);
	assert_true(rd_u32be(&r, &u32));
	assert_int_equal(u32, 0x04050607);
	rd_init(&r, b, sizeof b);
	assert_true(rd_u64le(&r, &u64));
	assert_int_equal(u64, 0x0807060504030201ull);
	assert_int_equal(rd_left(&r), 1);
}

static void test_sticky(void **state)
{
	(void)state;
	static const uint8_t b[] = {0xAA, 0xBB, 0xCC};
	struct rd r;
	uint32_t v = 123;
	uint8_t u8 = 9;
	rd_init(&r, b, sizeof b);
	assert_false(rd_u32le(&r, &v));
	assert_int_equal(v, 0);
	assert_int_equal(r.err, WIRE_TRUNCATED);
	assert_int_equal(r.off, 0);
	/* sticky: a read that would fit now fails too */
	assert_false(rd_u8(&r, &u8));
	assert_int_equal(u8, 0);
	assert_int_equal(rd_left(&r), 0);
	assert_false(rd_end(&r));
	/* first error wins */
	rd_fail(&r, WIRE_MALFORMED);
	assert_int_equal(r.err, WIRE_TRUNCATED);
	/* expect */
	rd_init(&r, b, sizeof b);
	assert_false(rd_expect_u16le(&r, 0xAABB));
	assert_int_equal(r.err, WIRE_MALFORMED);
	rd_init(&r, b, sizeof b);
	assert_true(rd_expect_u16le(&r, 0xBBAA));
}

static void test_children(void **state)
{
	(void)state;
	static const uint8_t b[] = {0, 1, 2, 3, 4, 5, 6, 7};
	struct rd r, c;
	uint8_t v;
	rd_init(&r, b, sizeof b);
	assert_true(rd_skip(&r, 2));
	assert_true(rd_sub(&r, 3, &c));
	assert_int_equal(r.off, 5);
	assert_true(rd_u8(&c, &v));
	assert_int_equal(v, 2);
	assert_false(rd_skip(&c, 3)); /* child cannot see past its end */
	assert_int_equal(c.err, WIRE_TRUNCATED);
	assert_int_equal(r.err, 0);   /* parent unaffected */
	assert_false(rd_sub(&r, 4, &c));
	assert_int_equal(c.err, WIRE_TRUNCATED);
	/* rd_at: relative to window start, parent does not move */
	rd_init(&r, b, sizeof b);
	assert_true(rd_at(&r, 6, 2, &c));
	assert_int_equal(r.off, 0);
	assert_true(rd_u8(&c, &v));
	assert_int_equal(v, 6);
	assert_true(rd_at(&r, 8, 0, &c));
	assert_false(rd_at(&r, 8, 1, &c));
	assert_int_equal(r.err, WIRE_MALFORMED);
	rd_init(&r, b, sizeof b);
	assert_false(rd_at(&r, SIZE_MAX, 2, &c)); /* no wrap */
	rd_init(&r, b, sizeof b);
	assert_false(rd_at(&r, 2, SIZE_MAX, &c));
	assert_int_equal(c.len, 0);
	/* align */
	rd_init(&r, b, sizeof b);
	assert_true(rd_skip(&r, 1));
	assert_true(rd_align(&r, 4));
	assert_int_equal(r.off, 4);
	assert_true(rd_skip(&r, 3));
	assert_true(rd_align(&r, 8)); /* would pass the end: clamps */
	assert_int_equal(r.off, 8);
	assert_true(rd_end(&r));
	/* NULL window: zero-length views and children work without pointer
	 * arithmetic on NULL (UBSan finding from fuzz_ntlmssp) */
	rd_init(&r, NULL, 10);
	assert_int_equal(rd_left(&r), 0);
	const uint8_t *p = b;
	assert_true(rd_view(&r, 0, &p));
	assert_null(p);
	assert_true(rd_at(&r, 0, 0, &c));
	assert_null(c.p);
	char s[4];
	assert_int_equal(wire_utf16le_to_utf8(p, 0, s, sizeof s), WIRE_OK);
}

static void test_writer(void **state)
{
	(void)state;
	uint8_t b[16];
	struct wr w;
	size_t at;
	wr_init(&w, b, sizeof b);
	assert_true(wr_u8(&w, 1));
	assert_true(wr_align(&w, 0, 4));
	assert_int_equal(w.len, 4);
	assert_true(wr_hole(&w, 2, &at));
	assert_true(wr_u32be(&w, 0x01020304));
	assert_true(wr_patch_u16le(&w, at, 0xBEEF));
	assert_memory_equal(b, "\x01\x00\x00\x00\xef\xbe\x01\x02\x03\x04", 10);
	assert_false(wr_patch_u32le(&w, 8, 0)); /* beyond what was written */
	assert_int_equal(w.err, WIRE_NOSPACE);
	wr_init(&w, b, sizeof b);
	assert_true(wr_u64le(&w, 1));
	assert_true(wr_u64le(&w, 2));
	assert_false(wr_u8(&w, 3));
	assert_int_equal(w.err, WIRE_NOSPACE);
	assert_int_equal(w.len, 16);
	assert_false(wr_zeros(&w, 0)); /* sticky */
	wr_init(&w, b, sizeof b);
	assert_true(wr_utf16le_ascii(&w, "A\xc3\xa9"));
	assert_memory_equal(b, "A\0?\0?\0", 6);
}

static void test_strings(void **state)
{
	(void)state;
	char out[8];
	assert_int_equal(wire_utf16le_to_utf8((const uint8_t *)"A\0B\0\0\0", 6, out, sizeof out),
			 WIRE_OK);
	assert_string_equal(out, "AB");
	assert_int_equal(wire_utf16le_to_utf8((const uint8_t *)"A\0\0\0B\0", 6, out, sizeof out),
			 WIRE_MALFORMED);
	assert_int_equal(wire_utf16le_to_utf8((const uint8_t *)"A\0B", 3, out, sizeof out),
			 WIRE_MALFORMED);
	/* e-acute (U+00E9) -> 2 UTF-8 bytes; control -> '?' */
	assert_int_equal(wire_utf16le_to_utf8((const uint8_t *)"\xe9\x00\x07\x00", 4, out,
					      sizeof out),
			 WIRE_OK);
	assert_string_equal(out, "\xc3\xa9?");
	/* cut at outsz - 1 */
	assert_int_equal(wire_utf16le_to_utf8((const uint8_t *)"a\0b\0c\0d\0e\0f\0g\0h\0i\0", 18,
					      out, sizeof out),
			 WIRE_OK);
	assert_string_equal(out, "abcdefg");
	assert_int_equal(wire_oem_to_utf8((const uint8_t *)"Ab\x81\x1f", 4, out, sizeof out),
			 WIRE_OK);
	assert_string_equal(out, "Ab??");
	assert_int_equal(wire_oem_to_utf8((const uint8_t *)"AB\0", 3, out, sizeof out), WIRE_OK);
	assert_string_equal(out, "AB");
	assert_int_equal(wire_oem_to_utf8((const uint8_t *)"A\0B", 3, out, sizeof out),
			 WIRE_MALFORMED);
	assert_int_equal(wire_oem_to_utf8((const uint8_t *)"123456789", 9, out, sizeof out),
			 WIRE_OK);
	assert_string_equal(out, "1234567");
	assert_int_equal(wire_oem_to_utf8((const uint8_t *)"x", 1, out, 0), WIRE_NOSPACE);
	assert_string_equal(wire_strerror(WIRE_TRUNCATED), "truncated");
	assert_string_equal(wire_strerror(-99), "unknown error");
}

/* Random sequences of rd_* calls on random windows (OpenSSH
 * test_sshbuf_fuzz style). Fixed seed; SMBW_TEST_SLOW raises the count.
 * The invariants: off <= len always; after an error nothing succeeds. */
static void test_reader_stress(void **state)
{
	(void)state;
	static uint8_t data[256];
	uint32_t seed = 12345;
	long rounds = getenv("SMBW_TEST_SLOW") ? 2000000 : 20000;
#define NEXT() (seed = seed * 1103515245u + 12345u, (seed >> 8))
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)NEXT();
	for (long round = 0; round < rounds; round++) {
		size_t len = NEXT() % sizeof data;
		uint8_t *win = dup_exact(data, len);
		struct rd r, c;
		rd_init(&r, win, len);
		for (int step = 0; step < 16; step++) {
			int had_err = r.err;
			bool ok;
			uint8_t u8;
			uint16_t u16;
			uint32_t u32;
			uint64_t u64;
			uint8_t tmp[32];
			const uint8_t *p;
			size_t n = NEXT() % 40;
			switch (NEXT() % 12) {
			case 0: ok = rd_u8(&r, &u8); break;
			case 1: ok = rd_u16le(&r, &u16); break;
			case 2: ok = rd_u24be(&r, &u32); break;
			case 3: ok = rd_u32le(&r, &u32); break;
			case 4: ok = rd_u64le(&r, &u64); break;
			case 5: ok = rd_bytes(&r, tmp, n < 32 ? n : 32); break;
			case 6: ok = rd_view(&r, n, &p); if (ok && n) (void)p[n - 1]; break;
			case 7: ok = rd_skip(&r, n); break;
			case 8: ok = rd_sub(&r, n, &c); if (ok) assert_int_equal(c.len, n); break;
			case 9: ok = rd_at(&r, NEXT() % 300, n, &c);
				if (ok && c.len) (void)c.p[c.len - 1];
				break;
			case 10: ok = rd_align(&r, 1u << (NEXT() % 4)); break;
			default: ok = rd_expect_u16le(&r, (uint16_t)NEXT()); break;
			}
			assert_true(r.off <= r.len);
			if (had_err)
				assert_false(ok);
			if (!ok)
				assert_int_not_equal(r.err, 0);
		}
		free(win);
	}
#undef NEXT
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_sticky),
		cmocka_unit_test(test_children),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_reader_stress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
