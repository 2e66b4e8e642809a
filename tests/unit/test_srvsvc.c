/* test_srvsvc.c - NetrShareEnum level 1: the request stub's bytes, the
 * response from Samba (SMB2 IOCTL) and Windows XP (SMB1 TRANS), Windows 10's
 * NDR64 answer refused, the 64-share cap, malformed NDR, truncation sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "captures.h"
#include "wire/srvsvc.h"

/* stub = PDU (at the SMB DataOffset) + 24-byte response header */
#define SAMBA_STUB (smb2_ioctl_resp_enum + 0x70 + 24)
#define SAMBA_STUB_LEN (0x124 - 24)
#define XP_STUB (smb1_trans_resp_enum + 0x38 + 24)
#define XP_STUB_LEN (0x1a0 - 24)
#define W10_NDR64_STUB (smb2_read_resp_ndr64 + 0x50 + 24)
#define W10_NDR64_STUB_LEN (0x1b4 - 24)

static struct srvsvc_share_enum_resp resp; /* large: keep off the stack */

static int decode(const uint8_t *p, size_t n)
{
	struct rd r;
	rd_init(&r, p, n);
	return srvsvc_share_enum_resp_decode(&r, &resp);
}

static void put32(uint8_t *b, size_t at, uint32_t v)
{
	b[at] = (uint8_t)v;
	b[at + 1] = (uint8_t)(v >> 8);
	b[at + 2] = (uint8_t)(v >> 16);
	b[at + 3] = (uint8_t)(v >> 24);
}

static void test_req_encode(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		0x00, 0x00, 0x02, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x0f, 0x00, 0x00, 0x00, '\\', 0, '\\', 0, '1', 0, '9', 0, '2', 0, '.', 0,
		'1', 0, '6', 0, '8', 0, '.', 0, '2', 0, '.', 0, '6', 0, '9', 0, 0, 0,
		0, 0, /* align 4 */
		0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
		0x00, 0x00, 0x00, 0x00,
	};
	uint8_t buf[128];
	struct wr w;
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(srvsvc_share_enum_req_encode(&w, "192.168.2.69"), WIRE_OK);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);

	char big[300];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(srvsvc_share_enum_req_encode(&w, big), WIRE_TOO_LARGE);
	assert_int_equal(srvsvc_share_enum_req_encode(&w, NULL), WIRE_MALFORMED);
	wr_init(&w, buf, 40);
	assert_int_equal(srvsvc_share_enum_req_encode(&w, "192.168.2.69"), WIRE_NOSPACE);
}

static void test_samba(void **state)
{
	(void)state;
	assert_int_equal(decode(SAMBA_STUB, SAMBA_STUB_LEN), WIRE_OK);
	assert_int_equal(resp.n, 2);
	assert_int_equal(resp.total_entries, 2);
	assert_int_equal(resp.werror, 0);
	assert_string_equal(resp.shares[0].name, "Shared");
	assert_int_equal(resp.shares[0].type, STYPE_DISKTREE);
	assert_string_equal(resp.shares[0].comment, "Shared Folder");
	assert_string_equal(resp.shares[1].name, "IPC$");
	assert_int_equal(resp.shares[1].type, STYPE_IPC | STYPE_SPECIAL);
	assert_string_equal(resp.shares[1].comment,
			    "IPC Service (65a2d0f0a866 server (Samba, Alpine))");
}

static void test_windows_xp(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		uint32_t type;
		const char *comment;
	} want[] = {
		{"IPC$", STYPE_IPC | STYPE_SPECIAL, "Remote IPC"},
		{"SharedDocs", STYPE_DISKTREE, ""},
		{"My Pictures", STYPE_DISKTREE, ""},
		{"ADMIN$", STYPE_SPECIAL, "Remote Admin"},
		{"C$", STYPE_SPECIAL, "Default share"},
	};
	/* XP pads after the one-unit empty comments with garbage (0x6e):
	 * alignment bytes are skipped, never interpreted */
	assert_int_equal(decode(XP_STUB, XP_STUB_LEN), WIRE_OK);
	assert_int_equal(resp.n, 5);
	assert_int_equal(resp.total_entries, 5);
	assert_int_equal(resp.werror, 0);
	for (unsigned i = 0; i < 5; i++) {
		assert_string_equal(resp.shares[i].name, want[i].name);
		assert_int_equal(resp.shares[i].type, want[i].type);
		assert_string_equal(resp.shares[i].comment, want[i].comment);
	}
}

static void test_ndr64_refused(void **state)
{
	(void)state;
	/* Windows 10 accepted the NDR64 context of a 3-context bind: 8-byte
	 * pointers put 0 where the union discriminant should be. We bind
	 * 32-bit NDR only, so this is malformed for us. */
	assert_int_equal(decode(W10_NDR64_STUB, W10_NDR64_STUB_LEN), WIRE_MALFORMED);
}

/* Build a level-1 response with n entries named S0, S1, ... */
static size_t build(uint8_t *b, size_t cap, uint32_t n, uint32_t werror)
{
	struct wr w;
	char name[16];
	wr_init(&w, b, cap);
	wr_u32le(&w, 1);
	wr_u32le(&w, 1);
	wr_u32le(&w, 0x20000);
	wr_u32le(&w, n);
	wr_u32le(&w, n ? 0x20004 : 0);
	if (n)
		wr_u32le(&w, n);
	for (uint32_t i = 0; i < n; i++) {
		wr_u32le(&w, 0x20008 + i);
		wr_u32le(&w, i);
		wr_u32le(&w, i % 2 ? 0x30000 + i : 0); /* odd entries have a remark */
	}
	for (uint32_t i = 0; i < n; i++) {
		snprintf(name, sizeof name, "S%u", (unsigned)i);
		uint32_t units = (uint32_t)strlen(name) + 1;
		wr_align(&w, 0, 4);
		wr_u32le(&w, units);
		wr_u32le(&w, 0);
		wr_u32le(&w, units);
		wr_utf16le_ascii(&w, name);
		wr_u16le(&w, 0);
		if (i % 2) {
			wr_align(&w, 0, 4);
			wr_u32le(&w, 2);
			wr_u32le(&w, 0);
			wr_u32le(&w, 2);
			wr_utf16le_ascii(&w, "r");
			wr_u16le(&w, 0);
		}
	}
	wr_align(&w, 0, 4);
	wr_u32le(&w, n);
	wr_u32le(&w, 0x20100);
	wr_u32le(&w, 0);
	wr_u32le(&w, werror);
	assert_int_equal(w.err, 0);
	return w.len;
}

static void test_cap_and_synthetic(void **state)
{
	(void)state;
	static uint8_t b[8192];
	size_t n = build(b, sizeof b, 70, 0);
	assert_int_equal(decode(b, n), WIRE_OK);
	assert_int_equal(resp.n, SRVSVC_MAX_SHARES);
	assert_int_equal(resp.total_entries, 70);
	assert_string_equal(resp.shares[63].name, "S63");
	assert_string_equal(resp.shares[63].comment, "r");
	assert_string_equal(resp.shares[62].comment, "");
	assert_int_equal(resp.shares[63].type, 63);

	/* access denied: empty container, WERROR 5 */
	n = build(b, sizeof b, 0, 5);
	assert_int_equal(decode(b, n), WIRE_OK);
	assert_int_equal(resp.n, 0);
	assert_int_equal(resp.werror, 5);

	/* NULL container pointer */
	static const uint8_t nul_ctr[] = {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					  0, 0, 0, 0, 5, 0, 0, 0};
	assert_int_equal(decode(nul_ctr, sizeof nul_ctr), WIRE_OK);
	assert_int_equal(resp.werror, 5);
}

struct patch_case {
	const char *name;
	size_t at;
	uint32_t val;
	int want;
};

static void test_malformed(void **state)
{
	(void)state;
	/* offsets in the Samba stub: 0 level, 4 switch, 12 EntriesRead,
	 * 16 array referent, 20 max_count, 24.. fixed parts, 48 first string */
	static const struct patch_case cases[] = {
		{"level 2", 0, 2, WIRE_UNSUPPORTED},
		{"switch disagrees", 4, 2, WIRE_MALFORMED},
		{"max_count disagrees", 20, 3, WIRE_MALFORMED},
		{"EntriesRead disagrees", 12, 1, WIRE_MALFORMED},
		{"NULL array with entries", 16, 0, WIRE_MALFORMED},
		{"string offset beyond max", 52, 8, WIRE_MALFORMED},
		{"actual beyond max", 56, 8, WIRE_MALFORMED},
		{"actual above cap", 56, WIRE_MAX_NDR_STRING + 1, WIRE_MALFORMED},
		{"embedded NUL", 62, 0, WIRE_MALFORMED},
		{"string past the end", 56, 7000, WIRE_MALFORMED},
	};
	static uint8_t b[SAMBA_STUB_LEN];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(b, SAMBA_STUB, sizeof b);
		put32(b, cases[i].at, cases[i].val);
		int rc = decode(b, sizeof b);
		if (rc != cases[i].want)
			fail_msg("%s: got %d want %d", cases[i].name, rc, cases[i].want);
	}

	/* counts above caps */
	memcpy(b, SAMBA_STUB, sizeof b);
	put32(b, 12, WIRE_MAX_NDR_ENTRIES + 1);
	put32(b, 20, WIRE_MAX_NDR_ENTRIES + 1);
	assert_int_equal(decode(b, sizeof b), WIRE_TOO_LARGE);
	memcpy(b, SAMBA_STUB, sizeof b);
	put32(b, 48, 0x10000);
	put32(b, 56, WIRE_MAX_NDR_STRING + 1);
	assert_int_equal(decode(b, sizeof b), WIRE_TOO_LARGE);
	/* a lying count within the cap runs out of bytes, not out of bounds */
	memcpy(b, SAMBA_STUB, sizeof b);
	put32(b, 12, 1000);
	put32(b, 20, 1000);
	assert_int_equal(decode(b, sizeof b), WIRE_TRUNCATED);
	/* referent pointers whose deferred data is missing: cut after the array */
	assert_int_equal(decode(SAMBA_STUB, 48), WIRE_TRUNCATED);
}

static void test_truncation(void **state)
{
	(void)state;
	const uint8_t *stubs[] = {SAMBA_STUB, XP_STUB};
	const size_t lens[] = {SAMBA_STUB_LEN, XP_STUB_LEN};
	for (size_t s = 0; s < 2; s++)
		for (size_t cut = 0; cut < lens[s]; cut++) {
			int rc = decode(stubs[s], cut);
			if (rc != WIRE_TRUNCATED)
				fail_msg("stub %zu prefix %zu: rc %d", s, cut, rc);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_encode),        cmocka_unit_test(test_samba),
		cmocka_unit_test(test_windows_xp),        cmocka_unit_test(test_ndr64_refused),
		cmocka_unit_test(test_cap_and_synthetic), cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
