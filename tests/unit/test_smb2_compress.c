/* test_smb2_compress.c - COMPRESSION_TRANSFORM_HEADER decoder and checks
 * (MS-SMB2 2.2.42). No capture of a compressed message is vendored, so the
 * headers are built here from the published layout. */
#include "wire_test.h"

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

static int decode(struct rd *r, void *out)
{
	return smb2_compress_hdr_decode(r, out);
}

static void test_unchained(void **state)
{
	(void)state;
	uint8_t b[256];
	size_t n = unchained(b, sizeof b, 0x10000, SMB2_COMPRESS_LZNT1, 0x70, 0x80);
	uint8_t *d = dup_exact(b, n);
	struct rd r;
	struct smb2_compress_hdr h;
	rd_init(&r, d, n);
	assert_int_equal(smb2_compress_hdr_decode(&r, &h), WIRE_OK);
	assert_false(h.chained);
	assert_int_equal(h.original_size, 0x10000);
	assert_int_equal(h.algorithm, SMB2_COMPRESS_LZNT1);
	assert_int_equal(h.offset, 0x70);
	assert_int_equal(h.data_len, 0x80);
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
		cmocka_unit_test(test_not_compressed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
