/* test_nbss.c - NetBIOS session service / direct TCP framing. */
#include "wire_test.h"

#include "wire/nbss.h"

/* zeek-smb3_negotiate_context.pcap, frame 10: 206 bytes */
static const uint8_t samba_wildcard_frame[] = {
	0x00, 0x00, 0x00, 0xca, 0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x41, 0x00, 0x01, 0x00,
	0xff, 0x02, 0x00, 0x00, 0x6e, 0x65, 0x77, 0x73, 0x74, 0x6f, 0x72, 0x61,
	0x67, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00,
	0x4a, 0x3c, 0x74, 0x42, 0x01, 0x59, 0xd5, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x4a, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e,
	0x30, 0x3c, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
	0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa3, 0x2a, 0x30, 0x28, 0xa0, 0x26,
	0x1b, 0x24, 0x6e, 0x6f, 0x74, 0x5f, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x65,
	0x64, 0x5f, 0x69, 0x6e, 0x5f, 0x52, 0x46, 0x43, 0x34, 0x31, 0x37, 0x38,
	0x40, 0x70, 0x6c, 0x65, 0x61, 0x73, 0x65, 0x5f, 0x69, 0x67, 0x6e, 0x6f,
	0x72, 0x65,
};

static int frame(const uint8_t *p, size_t n, struct nbss_frame *f)
{
	uint8_t *d = dup_exact(p, n);
	int rc = nbss_frame_decode(d, n, f);
	free(d);
	return rc;
}

static void test_session_message(void **state)
{
	(void)state;
	struct nbss_frame f;
	size_t n = sizeof samba_wildcard_frame;
	assert_int_equal(nbss_frame_decode(samba_wildcard_frame, n, &f), WIRE_OK);
	assert_int_equal(f.type, NBSS_MESSAGE);
	assert_int_equal(f.frame_len, 206);
	assert_int_equal(f.payload.len, 202);
	assert_ptr_equal(f.payload.p, samba_wildcard_frame + 4);
	assert_int_equal(f.neg_error, 0);
	/* every prefix: need more */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(frame(samba_wildcard_frame, i, &f), WIRE_TRUNCATED);
	/* two frames back to back: the first is consumed alone */
	uint8_t two[2 * 206];
	memcpy(two, samba_wildcard_frame, n);
	memcpy(two + n, samba_wildcard_frame, n);
	assert_int_equal(nbss_frame_decode(two, sizeof two, &f), WIRE_OK);
	assert_int_equal(f.frame_len, 206);
}

static void test_lengths(void **state)
{
	(void)state;
	struct nbss_frame f;
	static uint8_t big[4 + 0x1FFFF];
	/* RFC 1002 17-bit length on 139 (E bit) is accepted */
	memset(big, 0, sizeof big);
	big[1] = 0x01;
	big[2] = 0xFF;
	big[3] = 0xFF;
	assert_int_equal(nbss_frame_decode(big, sizeof big, &f), WIRE_OK);
	assert_int_equal(f.payload.len, 0x1FFFF);
	/* exactly at the cap is fine, one above is TOO_LARGE from the header
	 * alone */
	static const uint8_t at_cap[] = {0x00, 0x04, 0x00, 0x00};
	assert_int_equal(nbss_frame_decode(at_cap, 4, &f), WIRE_TRUNCATED);
	static const uint8_t over[] = {0x00, 0x04, 0x00, 0x01};
	assert_int_equal(nbss_frame_decode(over, 4, &f), WIRE_TOO_LARGE);
	static const uint8_t huge[] = {0x00, 0xFF, 0xFF, 0xFF};
	assert_int_equal(nbss_frame_decode(huge, 4, &f), WIRE_TOO_LARGE);
	/* empty session message */
	static const uint8_t empty[] = {0x00, 0x00, 0x00, 0x00};
	assert_int_equal(nbss_frame_decode(empty, 4, &f), WIRE_OK);
	assert_int_equal(f.payload.len, 0);
	assert_int_equal(f.frame_len, 4);
	assert_int_equal(nbss_frame_decode(NULL, 0, &f), WIRE_TRUNCATED);
}

static void test_control_frames(void **state)
{
	(void)state;
	struct nbss_frame f;
	static const uint8_t pos[] = {0x82, 0x00, 0x00, 0x00};
	assert_int_equal(nbss_frame_decode(pos, 4, &f), WIRE_OK);
	assert_int_equal(f.type, NBSS_POSITIVE);
	assert_int_equal(f.frame_len, 4);
	static const uint8_t negative[] = {0x83, 0x00, 0x00, 0x01, 0x82};
	assert_int_equal(nbss_frame_decode(negative, 5, &f), WIRE_OK);
	assert_int_equal(f.type, NBSS_NEGATIVE);
	assert_int_equal(f.neg_error, 0x82);
	assert_string_equal(nbss_negative_reason(f.neg_error), "called name not present");
	assert_int_equal(frame(negative, 4, &f), WIRE_TRUNCATED);
	static const uint8_t neg0[] = {0x83, 0x00, 0x00, 0x00};
	assert_int_equal(nbss_frame_decode(neg0, 4, &f), WIRE_MALFORMED);
	static const uint8_t keep[] = {0x85, 0x00, 0x00, 0x00};
	assert_int_equal(nbss_frame_decode(keep, 4, &f), WIRE_OK);
	assert_int_equal(f.type, NBSS_KEEPALIVE);
	static const uint8_t retarget[] = {0x84, 0x00, 0x00, 0x06, 10, 0, 0, 1, 0x00, 0x8b};
	assert_int_equal(nbss_frame_decode(retarget, sizeof retarget, &f), WIRE_OK);
	assert_int_equal(f.type, NBSS_RETARGET);
	assert_int_equal(f.payload.len, 6);
	/* unknown type, undefined flag bits */
	static const uint8_t unk[] = {0x42, 0x00, 0x00, 0x00};
	assert_int_equal(nbss_frame_decode(unk, 4, &f), WIRE_MALFORMED);
	static const uint8_t smb1[] = {0xFF, 'S', 'M', 'B'};
	assert_int_equal(nbss_frame_decode(smb1, 4, &f), WIRE_MALFORMED);
	static const uint8_t flags[] = {0x82, 0x02, 0x00, 0x00};
	assert_int_equal(nbss_frame_decode(flags, 4, &f), WIRE_MALFORMED);
	assert_string_equal(nbss_negative_reason(0x8F), "unspecified error");
	assert_string_equal(nbss_negative_reason(0x11), "unknown error code");
}

static void test_session_request(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct wr w;
	struct nbss_frame f;
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(nbss_session_request_encode(&w, "*SMBSERVER", 0x20, "smbwatch", 0x00),
			 WIRE_OK);
	/* verified with tshark: Called name *SMBSERVER<20>, Calling name
	 * SMBWATCH<00> */
	assert_int_equal(w.len, 72);
	assert_memory_equal(buf, "\x81\x00\x00\x44\x20", 5);
	assert_memory_equal(buf + 5, "CKFDENECFDEFFCFGEFFCCACACACACACA", 32);
	assert_int_equal(buf[37], 0);
	assert_memory_equal(buf + 38, "\x20" "FDENECFHEBFEEDEICACACACACACACAAA", 33);
	assert_int_equal(buf[71], 0);
	assert_int_equal(nbss_frame_decode(buf, w.len, &f), WIRE_OK);
	assert_int_equal(f.type, NBSS_REQUEST);
	/* the "*" wildcard pads with NULs */
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(nbss_session_request_encode(&w, "*", 0x00, "A", 0x00), WIRE_OK);
	assert_memory_equal(buf + 5, "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 32);
	/* names longer than 15 characters; no room */
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(nbss_session_request_encode(&w, "0123456789ABCDEF", 0x20, "A", 0),
			 WIRE_TOO_LARGE);
	wr_init(&w, buf, 71);
	assert_int_equal(nbss_session_request_encode(&w, "*SMBSERVER", 0x20, "A", 0), WIRE_NOSPACE);
}

static void test_message_framing(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct wr w;
	size_t at;
	struct nbss_frame f;
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(wr_u8(&w, 0xAA), true);
	assert_int_equal(nbss_message_begin(&w, &at), WIRE_OK);
	assert_int_equal(at, 1);
	assert_true(wr_bytes(&w, "hello", 5));
	assert_int_equal(nbss_message_end(&w, at), WIRE_OK);
	assert_memory_equal(buf + 1, "\x00\x00\x00\x05hello", 9);
	assert_int_equal(nbss_frame_decode(buf + 1, w.len - 1, &f), WIRE_OK);
	assert_int_equal(f.payload.len, 5);
	/* bad marker position; full writer */
	assert_int_equal(nbss_message_end(&w, 100), WIRE_MALFORMED);
	wr_init(&w, buf, 3);
	assert_int_equal(nbss_message_begin(&w, &at), WIRE_NOSPACE);
	assert_int_equal(nbss_message_end(&w, 0), WIRE_NOSPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_message),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_control_frames),
		cmocka_unit_test(test_session_request),
		cmocka_unit_test(test_message_framing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
