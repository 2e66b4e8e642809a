/* test_smb2_compress.c - COMPRESSION_TRANSFORM_HEADER decoder and checks
 * (MS-SMB2 2.2.42). No capture of a compressed message is vendored, so the
 * headers are built here from the published layout. */
#include "wire_test.h"

#include <string.h>

#include "wire/smb2_compress.h"
#include "wire/wire.h"

/* Unchained header + body bytes. */
static size_t unchained(uint8_t *b, size_t cap, uint32_t original, uint16_t alg,
			uint32_t offset, size_t body)
{
	struct wr w;
	wr_init(&w, b, cap);
	wr_bytes(&w, "\xfcSMB", 4);
	wr_u32le(&w, original);
	wr_u16le(&w, alg);
	wr_u16le(&w, 0);
	wr_u32le(&w, offset);
	wr_zeros(&w, body);
	assert_int_equal(w.err, 0);
	return w.len;
}

/* LZNT1 (MS-XCA 2.5) chunks of 4,096 'A's, 6 bytes each: header 0xB003
 * (compressed, signature 3, size 6 - 3), flags 0x02, literal 'A', copy
 * token 0x0FFC (at position 1: offset 1, length 4,095). */
static void lznt1_runs(struct wr *w, unsigned chunks)
{
	for (unsigned i = 0; i < chunks; i++) {
		wr_u16le(w, 0xB003);
		wr_u8(w, 0x02);
		wr_u8(w, 'A');
		wr_u16le(w, 0x0FFC);
	}
}

static int decode(struct rd *r, void *out)
{
	return smb2_compress_hdr_decode(r, out);
}

static void test_unchained(void **state)
{
	(void)state;
	uint8_t b[256];
	/* a 0x70-byte prefix, then 16 chunks: 0x10000 bytes, as declared */
	size_t n = unchained(b, sizeof b, 0x10000, SMB2_COMPRESS_LZNT1, 0x70, 0x70);
	struct wr w;
	wr_init(&w, b + n, sizeof b - n);
	lznt1_runs(&w, 16);
	assert_int_equal(w.err, 0);
	n += w.len;
	uint8_t *d = dup_exact(b, n);
	struct rd r;
	struct smb2_compress_hdr h;
	rd_init(&r, d, n);
	assert_int_equal(smb2_compress_hdr_decode(&r, &h), WIRE_OK);
	assert_false(h.chained);
	assert_int_equal(h.original_size, 0x10000);
	assert_int_equal(h.algorithm, SMB2_COMPRESS_LZNT1);
	assert_int_equal(h.offset, 0x70);
	assert_int_equal(h.data_len, 0x70 + 16 * 6);
	assert_true(h.sized);
	assert_int_equal(h.decompressed, 0x10000);
	assert_int_equal(smb2_compress_check(&h, 8u << 20), 0);
	free(d);
	sweep_prefixes(b, SMB2_COMPRESS_HDR_LEN, decode, &h);
}

static void test_checks(void **state)
{
	(void)state;
	uint8_t b[512];
	struct smb2_compress_hdr h;
	struct rd r;
	static const struct {
		uint32_t original, offset;
		size_t body;
		unsigned bad;
	} cases[] = {
		{0xFFFFFFFFu, 0x10, 0x20, SMB2_COMPRESS_BAD_WRAP | SMB2_COMPRESS_BAD_LIMIT},
		{0xFFFFFFEFu, 0x10, 0x20, SMB2_COMPRESS_BAD_LIMIT}, /* sum = 2^32 - 1: no wrap */
		{0xFFFFFFF0u, 0x10, 0x20, SMB2_COMPRESS_BAD_WRAP | SMB2_COMPRESS_BAD_LIMIT},
		{0x40, 0x80, 0x100, SMB2_COMPRESS_BAD_OFFSET},
		{0x1000, 0x81, 0x80, SMB2_COMPRESS_BAD_FRAME},
		{0x1000, 0x80, 0x80, 0},                    /* prefix exactly present */
		{(8u << 20) + 1, 0x70, 0x80, SMB2_COMPRESS_BAD_LIMIT},
		{8u << 20, 0x70, 0x80, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = unchained(b, sizeof b, cases[i].original, SMB2_COMPRESS_LZ77,
				     cases[i].offset, cases[i].body);
		rd_init(&r, b, n);
		assert_int_equal(smb2_compress_hdr_decode(&r, &h), WIRE_OK);
		unsigned got = smb2_compress_check(&h, 8u << 20);
		if (got != cases[i].bad)
			fail_msg("case %zu: bad 0x%x, expected 0x%x", i, got, cases[i].bad);
	}
	assert_string_equal(smb2_compress_bad_text(SMB2_COMPRESS_BAD_WRAP),
			    "Offset + OriginalCompressedSegmentSize wraps 32 bits");
	assert_string_equal(smb2_compress_bad_text(0x100), "");
}

/* Chained (2.2.42.2): NONE payload of 0x70 bytes, LZNT1 payload whose
 * OriginalPayloadSize is given. */
static size_t chained(uint8_t *b, size_t cap, uint32_t original, uint32_t lznt1_orig,
		      uint32_t lznt1_len_declared, size_t lznt1_len_sent)
{
	struct wr w;
	wr_init(&w, b, cap);
	wr_bytes(&w, "\xfcSMB", 4);
	wr_u32le(&w, original);
	wr_u16le(&w, SMB2_COMPRESS_NONE);
	wr_u16le(&w, SMB2_COMPRESSION_FLAG_CHAINED);
	wr_u32le(&w, 0x70);
	wr_zeros(&w, 0x70);
	wr_u16le(&w, SMB2_COMPRESS_LZNT1);
	wr_u16le(&w, 0);
	wr_u32le(&w, lznt1_len_declared);
	wr_u32le(&w, lznt1_orig);
	wr_zeros(&w, lznt1_len_sent - 4);
	assert_int_equal(w.err, 0);
	return w.len;
}

static void test_chained(void **state)
{
	(void)state;
	uint8_t b[512];
	struct smb2_compress_hdr h;
	struct rd r;
	size_t n = chained(b, sizeof b, 0x70 + 0x1000, 0x1000, 0x40, 0x40);
	uint8_t *d = dup_exact(b, n);
	rd_init(&r, d, n);
	assert_int_equal(smb2_compress_hdr_decode(&r, &h), WIRE_OK);
	assert_true(h.chained);
	assert_int_equal(h.n_payloads, 2);
	assert_int_equal(h.sum_original, 0x70 + 0x1000);
	assert_false(h.payload_overrun);
	assert_int_equal(smb2_compress_check(&h, 8u << 20), 0);
	free(d);
	/* payloads declaring more than the segment size */
	n = chained(b, sizeof b, 0x70 + 0x1000, 0xFFFFFF00u, 0x40, 0x40);
	rd_init(&r, b, n);
	assert_int_equal(smb2_compress_hdr_decode(&r, &h), WIRE_OK);
	assert_int_equal(smb2_compress_check(&h, 8u << 20), SMB2_COMPRESS_BAD_CHAIN);
	/* a Length past the message */
	n = chained(b, sizeof b, 0x70 + 0x1000, 0x1000, 0x400, 0x40);
	rd_init(&r, b, n);
	assert_int_equal(smb2_compress_hdr_decode(&r, &h), WIRE_OK);
	assert_true(h.payload_overrun);
	assert_int_equal(smb2_compress_check(&h, 8u << 20), SMB2_COMPRESS_BAD_FRAME);
}

/* CVE-2020-1206 (SMBleed): LZNT1 data that decompresses to less than
 * OriginalCompressedSegmentSize; and the LZNT1 size walk itself. */
static void test_smbleed(void **state)
{
	(void)state;
	uint8_t b[256];
	struct smb2_compress_hdr h;
	struct rd r;
	struct wr w;
	/* declared 0x10000, 15 chunks (0xF000) there: SMBleed */
	size_t n = unchained(b, sizeof b, 0x10000, SMB2_COMPRESS_LZNT1, 0x70, 0x70);
	wr_init(&w, b + n, sizeof b - n);
	lznt1_runs(&w, 15);
	n += w.len;
	rd_init(&r, b, n);
	assert_int_equal(smb2_compress_hdr_decode(&r, &h), WIRE_OK);
	assert_true(h.sized);
	assert_int_equal(h.decompressed, 0xF000);
	assert_int_equal(smb2_compress_check(&h, 8u << 20), SMB2_COMPRESS_BAD_SHORT);
	assert_non_null(strstr(smb2_compress_bad_text(SMB2_COMPRESS_BAD_SHORT), "SMBleed"));
	/* the same data, declared 0xF000: consistent (control) */
	n = unchained(b, sizeof b, 0xF000, SMB2_COMPRESS_LZNT1, 0x70, 0x70);
	wr_init(&w, b + n, sizeof b - n);
	lznt1_runs(&w, 15);
	n += w.len;
	rd_init(&r, b, n);
	assert_int_equal(smb2_compress_hdr_decode(&r, &h), WIRE_OK);
	assert_int_equal(smb2_compress_check(&h, 8u << 20), 0);
	/* LZ77 is not sized: no SMBleed verdict on it */
	n = unchained(b, sizeof b, 0x10000, SMB2_COMPRESS_LZ77, 0x70, 0x80);
	rd_init(&r, b, n);
	assert_int_equal(smb2_compress_hdr_decode(&r, &h), WIRE_OK);
	assert_false(h.sized);
	assert_int_equal(smb2_compress_check(&h, 8u << 20), 0);

	/* the size walk: well formed and not */
	static const uint8_t raw4[] = {0x03, 0x30, 'a', 'b', 'c', 'd'}; /* stored chunk */
	static const uint8_t term[] = {0x00, 0x00, 0xff, 0xff};          /* zero header: end */
	static const uint8_t run[] = {0x03, 0xb0, 0x02, 'A', 0xfc, 0x0f};
	static const uint8_t at0[] = {0x02, 0xb0, 0x01, 0x00, 0x00};     /* copy at position 0 */
	static const uint8_t far[] = {0x03, 0xb0, 0x02, 'A', 0x00, 0x10}; /* offset 2 at 1 */
	static const uint8_t past[] = {0xff, 0xb0};                     /* chunk past the data */
	static const uint8_t over[] = {0x03, 0xb0, 0x02, 'A', 0xff, 0x0f}; /* 1 + 4,098 */
	uint8_t split[41] = {0x26, 0xb0};
	/* 32 literals, then a copy token read with the split of position 32
	 * (5 offset bits, 11 length bits: 4 + 12 at the start, one more offset
	 * bit per doubling past 16): offset 18, length 2,000; read with the
	 * start's split it would be length 4,048 */
	for (int k = 0; k < 4; k++) {
		split[2 + k * 9] = 0x00;
		memset(split + 3 + k * 9, 'x', 8);
	}
	split[38] = 0x01;
	split[39] = 0xcd;
	split[40] = 0x8f;
	const struct {
		const uint8_t *p;
		size_t n;
		bool ok;
		uint64_t size;
	} lz[] = {
		{raw4, sizeof raw4, true, 4}, {term, sizeof term, true, 0}, {run, sizeof run, true, 4096},
		{at0, sizeof at0, false, 0},  {far, sizeof far, false, 0},   {past, sizeof past, false, 0},
		{over, sizeof over, false, 0}, {split, sizeof split, true, 2032},
	};
	for (size_t i = 0; i < sizeof lz / sizeof lz[0]; i++) {
		uint64_t got = 0;
		rd_init(&r, lz[i].p, lz[i].n);
		bool ok = smb2_lznt1_size(&r, &got);
		if (ok != lz[i].ok || (ok && got != lz[i].size))
			fail_msg("lznt1 case %zu: ok %d size %llu", i, ok, (unsigned long long)got);
	}
}

static void test_not_compressed(void **state)
{
	(void)state;
	static const uint8_t smb2[16] = {0xfe, 'S', 'M', 'B', 64};
	struct smb2_compress_hdr h;
	struct rd r;
	rd_init(&r, smb2, sizeof smb2);
	assert_int_equal(smb2_compress_hdr_decode(&r, &h), WIRE_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unchained),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_chained),
		cmocka_unit_test(test_smbleed),
		cmocka_unit_test(test_not_compressed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
