/* test_nbns.c - the NBSTAT exchange (wire/nbns.c) on real bytes: Windows
 * Server 2019's node status answer and the query that asked for it,
 * tests/data/pcaps/zeek-smb_v2_only_non_zero_reserved1.pcap frames 129/130
 * (UDP payloads). */
#include "wire_test.h"

#include "wire/nbns.h"

static const uint8_t win2019_query[] = {
	0x8d, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x43, 0x4b, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
	0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
	0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x00, 0x00, 0x21,
	0x00, 0x01,
};

static const uint8_t win2019_nbstat[] = {
	0x8d, 0x02, 0x84, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x43, 0x4b, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
	0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
	0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x00, 0x00, 0x21,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x65, 0x03, 0x57, 0x49, 0x4e,
	0x2d, 0x49, 0x38, 0x32, 0x42, 0x38, 0x31, 0x4e, 0x53, 0x4c, 0x4c, 0x4a,
	0x00, 0x04, 0x00, 0x57, 0x4f, 0x52, 0x4b, 0x47, 0x52, 0x4f, 0x55, 0x50,
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x00, 0x84, 0x00, 0x57, 0x49, 0x4e,
	0x2d, 0x49, 0x38, 0x32, 0x42, 0x38, 0x31, 0x4e, 0x53, 0x4c, 0x4c, 0x4a,
	0x20, 0x04, 0x00, 0x0a, 0x02, 0xd7, 0x5e, 0x97, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,
};

static int parse(const uint8_t *p, size_t n, struct nbns_status *st)
{
	uint8_t *d = dup_exact(p, n); /* ASan sees any read past n */
	int rc = nbns_nbstat_parse(d, n, st);
	free(d);
	return rc;
}

/* our query is byte for byte the one Windows sent (same tid) */
static void test_query_matches_windows(void **state)
{
	(void)state;
	uint8_t out[NBNS_QUERY_LEN];
	size_t len = 0;
	assert_int_equal(nbns_nbstat_query(0x8d02, out, sizeof out, &len), WIRE_OK);
	assert_int_equal(len, sizeof win2019_query);
	assert_memory_equal(out, win2019_query, len);
	assert_int_equal(nbns_nbstat_query(1, out, sizeof out - 1, &len), WIRE_NOSPACE);
}

static void test_win2019_name_table(void **state)
{
	(void)state;
	struct nbns_status st;
	assert_int_equal(parse(win2019_nbstat, sizeof win2019_nbstat, &st), WIRE_OK);
	assert_int_equal(st.tid, 0x8d02);
	assert_int_equal(st.n_total, 3);
	assert_int_equal(st.n_names, 3);
	assert_string_equal(st.names[0].name, "WIN-I82B81NSLLJ");
	assert_int_equal(st.names[0].suffix, 0x00);
	assert_int_equal(st.names[0].flags, 0x0400); /* unique, active */
	assert_string_equal(st.names[1].name, "WORKGROUP");
	assert_int_equal(st.names[1].suffix, 0x00);
	assert_int_equal(st.names[1].flags, 0x8400); /* group, active */
	assert_string_equal(st.names[2].name, "WIN-I82B81NSLLJ");
	assert_int_equal(st.names[2].suffix, 0x20);
	static const uint8_t mac[6] = {0x0a, 0x02, 0xd7, 0x5e, 0x97, 0x02};
	assert_memory_equal(st.mac, mac, 6);
	assert_string_equal(nbns_suffix_role(0x20, false), "file server");
	assert_string_equal(nbns_suffix_role(0x00, false), "workstation");
	assert_string_equal(nbns_suffix_role(0x1C, true), "domain controllers");
	assert_string_equal(nbns_suffix_role(0x1B, false), "domain master browser");
	assert_string_equal(nbns_suffix_role(0x1D, false), "master browser");
	assert_string_equal(nbns_suffix_role(0x03, false), "messenger");
	assert_null(nbns_suffix_role(0x42, false));
}

/* every cut short of the unit id is an error, never a read past the end;
 * the statistics after the MAC may be missing */
static void test_truncations(void **state)
{
	(void)state;
	struct nbns_status st;
	size_t mac_end = 56 + 1 + 3 * 18 + 6; /* header, name, rr fields; count, names, MAC */
	for (size_t n = 0; n < mac_end - 6; n++)
		assert_int_equal(parse(win2019_nbstat, n, &st), WIRE_TRUNCATED);
	/* rdlength still says 101: a cut inside it is truncation too */
	for (size_t n = mac_end - 6; n < sizeof win2019_nbstat; n++)
		assert_int_equal(parse(win2019_nbstat, n, &st), WIRE_TRUNCATED);
	/* rdlength cut to the names and MAC alone: fine, MAC kept */
	uint8_t cut[sizeof win2019_nbstat];
	memcpy(cut, win2019_nbstat, sizeof cut);
	cut[54] = 0;
	cut[55] = 1 + 3 * 18 + 6;
	assert_int_equal(parse(cut, mac_end, &st), WIRE_OK);
	assert_int_equal(st.mac[5], 0x02);
	/* and to the names alone: no MAC, still the names */
	cut[55] = 1 + 3 * 18;
	assert_int_equal(parse(cut, mac_end - 6, &st), WIRE_OK);
	assert_int_equal(st.n_names, 3);
	assert_int_equal(st.mac[0] | st.mac[5], 0);
}

static void test_not_a_status_answer(void **state)
{
	(void)state;
	struct nbns_status st;
	uint8_t m[sizeof win2019_nbstat];
	memcpy(m, win2019_nbstat, sizeof m);
	m[3] = 0x03; /* rcode 3: name error */
	assert_int_equal(parse(m, sizeof m, &st), WIRE_UNSUPPORTED);
	assert_int_equal(parse(win2019_query, sizeof win2019_query, &st), WIRE_UNSUPPORTED);
	memcpy(m, win2019_nbstat, sizeof m);
	m[47] = 0x20; /* type NB (a name query answer), not NBSTAT */
	assert_int_equal(parse(m, sizeof m, &st), WIRE_UNSUPPORTED);
	memcpy(m, win2019_nbstat, sizeof m);
	m[12] = 0x60; /* a label length with reserved bits 01 */
	assert_int_equal(parse(m, sizeof m, &st), WIRE_MALFORMED);
}

/* a compressed answer name (pointer) and more names than kept */
static void test_pointer_and_many_names(void **state)
{
	(void)state;
	uint8_t m[1024];
	size_t o = 0;
	memcpy(m, win2019_nbstat, 12);
	o = 12;
	m[o++] = 0xC0;
	m[o++] = 0x0C;
	static const uint8_t rr[] = {0x00, 0x21, 0x00, 0x01, 0, 0, 0, 0};
	memcpy(m + o, rr, sizeof rr);
	o += sizeof rr;
	unsigned names = NBNS_MAX_NAMES + 3;
	size_t rdlen = 1 + names * 18 + 6;
	m[o++] = (uint8_t)(rdlen >> 8);
	m[o++] = (uint8_t)rdlen;
	m[o++] = (uint8_t)names;
	for (unsigned i = 0; i < names; i++) {
		memcpy(m + o, "HOST\x01\x7f         ", 15);
		m[o + 15] = (uint8_t)i;
		m[o + 16] = 0x04;
		m[o + 17] = 0x00;
		o += 18;
	}
	memcpy(m + o, "\x00\x11\x22\x33\x44\x55", 6);
	o += 6;
	struct nbns_status st;
	assert_int_equal(parse(m, o, &st), WIRE_OK);
	assert_int_equal(st.n_total, names);
	assert_int_equal(st.n_names, NBNS_MAX_NAMES);
	assert_string_equal(st.names[0].name, "HOST??"); /* control bytes shown as '?' */
	assert_int_equal(st.names[NBNS_MAX_NAMES - 1].suffix, NBNS_MAX_NAMES - 1);
	assert_int_equal(st.mac[5], 0x55);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_matches_windows),
		cmocka_unit_test(test_win2019_name_table),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_not_a_status_answer),
		cmocka_unit_test(test_pointer_and_many_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
