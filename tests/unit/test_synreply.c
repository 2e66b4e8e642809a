/* test_synreply.c - the --syn stage's bytes: reply decode (real frames cut
 * from tests/data/pcaps, see the comments), cookie, SYN encode, and the
 * position <-> address mapping the stage uses to de-duplicate replies. */
#include "wire_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "net/space.h"
#include "wire/tcpip.h"

/* zeek-SMBGhost.pcap frame 2: 10.0.0.133 10.0.0.1 445 54780 894783650 2557391176 0x0012 (66 bytes) */
static const uint8_t eth_synack[] = {
	0x00, 0x50, 0x56, 0xc0, 0x00, 0x08, 0x00, 0x0c, 0x29, 0x42, 0x3c, 0xfa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x4f, 0x67, 0x40, 0x00, 0x80, 0x06,
	0x96, 0xd7, 0x0a, 0x00, 0x00, 0x85, 0x0a, 0x00, 0x00, 0x01, 0x01, 0xbd,
	0xd5, 0xfc, 0x35, 0x55, 0x50, 0xa2, 0x98, 0x6e, 0xb1, 0x48, 0x80, 0x12,
	0xff, 0xff, 0xb3, 0x12, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03,
	0x03, 0x08, 0x01, 0x01, 0x04, 0x02,
};
/* suricata-smb1-anonymous-win2019.pcap frame 2: 192.168.1.3 192.168.1.100 445 41688 960757687 3760763995 0x0012 (68 bytes) */
static const uint8_t sll_synack[] = {
	0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x30, 0x8f, 0xbf, 0x60, 0x04,
	0x00, 0x00, 0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0xe7, 0xd8, 0x40, 0x00,
	0x80, 0x06, 0x8f, 0x33, 0xc0, 0xa8, 0x01, 0x03, 0xc0, 0xa8, 0x01, 0x64,
	0x01, 0xbd, 0xa2, 0xd8, 0x39, 0x43, 0xff, 0xb7, 0xe0, 0x28, 0xb4, 0x5b,
	0x80, 0x12, 0xff, 0xff, 0x79, 0x33, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
	0x01, 0x03, 0x03, 0x08, 0x01, 0x01, 0x04, 0x02,
};
/* suricata-smb1-to-smb21-win17763.pcap frame 24: 172.31.222.186 172.31.222.157 63282 445 3469594471 782615250 0x0014 (54 bytes) */
static const uint8_t eth_rstack[] = {
	0x02, 0x94, 0x90, 0x64, 0x8b, 0xba, 0x02, 0xec, 0x5e, 0xd4, 0x64, 0x2c,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0xd5, 0x68, 0x40, 0x00, 0x80, 0x06,
	0x00, 0x00, 0xac, 0x1f, 0xde, 0xba, 0xac, 0x1f, 0xde, 0x9d, 0xf7, 0x32,
	0x01, 0xbd, 0xce, 0xcd, 0xcf, 0x67, 0x2e, 0xa5, 0xc2, 0xd2, 0x50, 0x14,
	0x00, 0x00, 0x15, 0xb2, 0x00, 0x00,
};
/* internet-445-syn-scan.pcap frame 1: 176.192.150.3 10.10.222.208 57500 445 1186084568 0 0x0002 (70 bytes) */
static const uint8_t eth_syn[] = {
	0x40, 0xa6, 0x77, 0x50, 0xcf, 0x17, 0x3c, 0x94, 0xd5, 0xe7, 0xd0, 0x01,
	0x81, 0x00, 0x00, 0x69, 0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x5b, 0x9e,
	0x40, 0x00, 0x75, 0x06, 0x7a, 0x87, 0xb0, 0xc0, 0x96, 0x03, 0x0a, 0x0a,
	0xde, 0xd0, 0xe0, 0x9c, 0x01, 0xbd, 0x46, 0xb2, 0x36, 0xd8, 0x00, 0x00,
	0x00, 0x00, 0x80, 0x02, 0x20, 0x00, 0xbf, 0x93, 0x00, 0x00, 0x02, 0x04,
	0x05, 0xb4, 0x01, 0x03, 0x03, 0x02, 0x01, 0x01, 0x04, 0x02,
};

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static int decode_copy(int link, const uint8_t *p, size_t n, struct tcpip_reply *r)
{
	uint8_t *d = dup_exact(p, n);
	int rc = tcpip_reply_decode(link, d, n, r);
	free(d);
	return rc;
}

/* every proper prefix of a real frame is "cut short", never a success */
static void sweep(int link, const uint8_t *p, size_t n)
{
	struct tcpip_reply r;
	for (size_t i = 0; i < n; i++) {
		int rc = decode_copy(link, p, i, &r);
		if (rc != WIRE_TRUNCATED)
			fail_msg("prefix %zu/%zu: rc %d", i, n, rc);
		assert_int_equal(r.src, 0);
	}
}

static void test_siphash_vectors(void **state)
{
	(void)state;
	/* SipHash paper, appendix A: key 00..0f, message 00..0e */
	struct syn_key k = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
	uint8_t msg[15];
	for (unsigned i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)i;
	assert_true(tcpip_siphash24(&k, msg, 15) == 0xa129ca6149be45e5ULL);
	/* reference vectors.h, first entry: the empty message */
	assert_true(tcpip_siphash24(&k, msg, 0) == 0x726fdb47dd0e0e31ULL);
}

static void test_ethernet_synack(void **state)
{
	(void)state;
	struct tcpip_reply r;
	assert_int_equal(decode_copy(TCPIP_LINK_EN10MB, eth_synack, sizeof eth_synack, &r), WIRE_OK);
	assert_int_equal(r.src, IP4(10, 0, 0, 133));
	assert_int_equal(r.dst, IP4(10, 0, 0, 1));
	assert_int_equal(r.sport, 445);
	assert_int_equal(r.dport, 54780);
	assert_int_equal(r.seq, 894783650u);
	assert_int_equal(r.ack, 2557391176u);
	assert_int_equal(r.flags, TCPIP_SYN | TCPIP_ACK);
	sweep(TCPIP_LINK_EN10MB, eth_synack, sizeof eth_synack);
	/* the same bytes as another link type are not an IPv4 TCP segment */
	assert_int_equal(decode_copy(TCPIP_LINK_LINUX_SLL, eth_synack, sizeof eth_synack, &r),
			 WIRE_UNSUPPORTED);
	assert_int_equal(decode_copy(9999, eth_synack, sizeof eth_synack, &r), WIRE_UNSUPPORTED);
}

static void test_cooked_synack(void **state)
{
	(void)state;
	struct tcpip_reply r;
	assert_int_equal(decode_copy(TCPIP_LINK_LINUX_SLL, sll_synack, sizeof sll_synack, &r),
			 WIRE_OK);
	assert_int_equal(r.src, IP4(192, 168, 1, 3));
	assert_int_equal(r.dst, IP4(192, 168, 1, 100));
	assert_int_equal(r.sport, 445);
	assert_int_equal(r.dport, 41688);
	assert_int_equal(r.seq, 960757687u);
	assert_int_equal(r.ack, 3760763995u);
	assert_int_equal(r.flags, TCPIP_SYN | TCPIP_ACK);
	sweep(TCPIP_LINK_LINUX_SLL, sll_synack, sizeof sll_synack);
}

static void test_rst_and_syn(void **state)
{
	(void)state;
	struct tcpip_reply r;
	assert_int_equal(decode_copy(TCPIP_LINK_EN10MB, eth_rstack, sizeof eth_rstack, &r), WIRE_OK);
	assert_int_equal(r.sport, 63282);
	assert_int_equal(r.dport, 445);
	assert_int_equal(r.seq, 3469594471u);
	assert_int_equal(r.ack, 782615250u);
	assert_int_equal(r.flags, TCPIP_RST | TCPIP_ACK);
	sweep(TCPIP_LINK_EN10MB, eth_rstack, sizeof eth_rstack);
	assert_int_equal(decode_copy(TCPIP_LINK_EN10MB, eth_syn, sizeof eth_syn, &r), WIRE_OK);
	assert_int_equal(r.flags, TCPIP_SYN);
	assert_int_equal(r.dport, 445);
	/* a SYN is no answer, whatever the key */
	struct syn_key k = {1, 2};
	assert_int_equal(tcpip_reply_classify(&r, &k, r.dst, r.dport), SYN_NOT_OURS);
}

/* A SYN-ACK or RST-ACK from peer:pport to us:port acking ack, as the kernel
 * of a target sends it, behind an Ethernet header (optionally one VLAN tag). */
static size_t make_reply(uint8_t *buf, size_t cap, bool vlan, uint32_t peer, uint16_t pport,
			 uint32_t us, uint16_t port, uint32_t ack, uint8_t flags)
{
	struct wr w;
	wr_init(&w, buf, cap);
	wr_zeros(&w, 12);
	if (vlan) {
		wr_u16be(&w, 0x8100);
		wr_u16be(&w, 7);
	}
	wr_u16be(&w, 0x0800);
	const uint8_t ip[] = {0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0};
	wr_bytes(&w, ip, sizeof ip);
	wr_u32be(&w, peer);
	wr_u32be(&w, us);
	wr_u16be(&w, pport);
	wr_u16be(&w, port);
	wr_u32be(&w, 0x12345678);
	wr_u32be(&w, ack);
	wr_u8(&w, 5 << 4);
	wr_u8(&w, flags);
	wr_zeros(&w, 6);
	wr_zeros(&w, 6); /* Ethernet padding to 60 bytes: Total Length excludes it */
	assert_int_equal(w.err, 0);
	return w.len;
}

static void test_classify(void **state)
{
	(void)state;
	struct syn_key k = {0x1122334455667788ULL, 0x99aabbccddeeff00ULL};
	uint32_t us = IP4(198, 18, 0, 1), peer = IP4(198, 19, 0, 5);
	uint16_t port = 62000;
	uint32_t cookie = tcpip_syn_cookie(&k, us, peer, port, 445);
	uint8_t f[80];
	struct tcpip_reply r;
	struct {
		const char *name;
		bool vlan;
		uint16_t dport;
		uint32_t ack;
		uint8_t flags;
		struct syn_key key;
		enum syn_verdict want;
	} rows[] = {
		{"syn-ack", false, port, cookie + 1, TCPIP_SYN | TCPIP_ACK, k, SYN_OPEN},
		{"syn-ack, vlan", true, port, cookie + 1, TCPIP_SYN | TCPIP_ACK, k, SYN_OPEN},
		{"rst-ack", false, port, cookie + 1, TCPIP_RST | TCPIP_ACK, k, SYN_CLOSED},
		{"ack off by one", false, port, cookie, TCPIP_SYN | TCPIP_ACK, k, SYN_NOT_OURS},
		{"other port", false, port + 1, cookie + 1, TCPIP_SYN | TCPIP_ACK, k, SYN_NOT_OURS},
		{"rst, no ack", false, port, cookie + 1, TCPIP_RST, k, SYN_NOT_OURS},
		{"ack only", false, port, cookie + 1, TCPIP_ACK, k, SYN_NOT_OURS},
		{"other run's key", false, port, cookie + 1, TCPIP_SYN | TCPIP_ACK, {1, 2}, SYN_NOT_OURS},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		size_t n = make_reply(f, sizeof f, rows[i].vlan, peer, 445, us, rows[i].dport,
				      rows[i].ack, rows[i].flags);
		assert_int_equal(decode_copy(TCPIP_LINK_EN10MB, f, n, &r), WIRE_OK);
		enum syn_verdict v = tcpip_reply_classify(&r, &rows[i].key, us, port);
		if (v != rows[i].want)
			fail_msg("%s: verdict %d, want %d", rows[i].name, v, rows[i].want);
	}
	/* the cookie depends on every part of the flow */
	assert_int_not_equal(cookie, tcpip_syn_cookie(&k, us, peer + 1, port, 445));
	assert_int_not_equal(cookie, tcpip_syn_cookie(&k, us, peer, port, 139));
	assert_int_not_equal(cookie, tcpip_syn_cookie(&k, us + 1, peer, port, 445));
}

static void test_malformed(void **state)
{
	(void)state;
	uint8_t f[80];
	struct tcpip_reply r;
	size_t n = make_reply(f, sizeof f, false, 1, 2, 3, 4, 5, TCPIP_SYN | TCPIP_ACK);
	struct {
		const char *name;
		size_t at;
		uint8_t val;
		int want;
	} rows[] = {
		{"IHL 4", 14, 0x44, WIRE_MALFORMED},
		{"version 5", 14, 0x55, WIRE_MALFORMED},
		{"version 6 behind 0x0800", 14, 0x65, WIRE_UNSUPPORTED},
		{"total length 19", 17, 19, WIRE_MALFORMED},
		{"total length past the frame", 16, 0x01, WIRE_TRUNCATED},
		{"more fragments", 20, 0x20, WIRE_UNSUPPORTED},
		{"UDP", 23, 17, WIRE_UNSUPPORTED},
		{"data offset 4", 46, 4 << 4, WIRE_MALFORMED},
		{"data offset 15 (options past the end)", 46, 15 << 4, WIRE_TRUNCATED},
		{"IPv6 EtherType", 12, 0x86, WIRE_UNSUPPORTED},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint8_t g[80];
		memcpy(g, f, n);
		g[rows[i].at] = rows[i].val;
		int rc = decode_copy(TCPIP_LINK_EN10MB, g, n, &r);
		if (rc != rows[i].want)
			fail_msg("%s: rc %d, want %d", rows[i].name, rc, rows[i].want);
	}
}

static void test_syn_encode_roundtrip(void **state)
{
	(void)state;
	uint8_t pkt[TCPIP_SYN_LEN + 4];
	struct wr w;
	uint32_t us = IP4(198, 18, 0, 1), peer = IP4(198, 19, 3, 7);
	wr_init(&w, pkt + 4, TCPIP_SYN_LEN);
	assert_true(tcpip_syn_encode(&w, us, peer, 62000, 445, 0xdeadbeef, 77));
	assert_int_equal(w.len, TCPIP_SYN_LEN);
	/* RFC 1071: a header with its checksum in place sums to zero */
	assert_int_equal(tcpip_csum_fold(tcpip_csum_add(0, pkt + 4, 20)), 0);
	uint8_t pseudo[12] = {198, 18, 0, 1, 198, 19, 3, 7, 0, 6, 0, TCPIP_SYN_LEN - 20};
	uint32_t sum = tcpip_csum_add(tcpip_csum_add(0, pseudo, 12), pkt + 24, TCPIP_SYN_LEN - 20);
	assert_int_equal(tcpip_csum_fold(sum), 0);
	struct tcpip_reply r;
	/* what a raw capture of our own SYN shows */
	assert_int_equal(decode_copy(TCPIP_LINK_RAW, pkt + 4, TCPIP_SYN_LEN, &r), WIRE_OK);
	assert_int_equal(r.src, us);
	assert_int_equal(r.dst, peer);
	assert_int_equal(r.sport, 62000);
	assert_int_equal(r.dport, 445);
	assert_true(r.seq == 0xdeadbeef);
	assert_int_equal(r.flags, TCPIP_SYN);
	sweep(TCPIP_LINK_RAW, pkt + 4, TCPIP_SYN_LEN);
	/* loopback captures: a 4-byte family, either byte order for DLT_NULL */
	const uint8_t le[4] = {2, 0, 0, 0}, be[4] = {0, 0, 0, 2}, v6[4] = {0, 0, 0, 10};
	memcpy(pkt, le, 4);
	assert_int_equal(decode_copy(TCPIP_LINK_NULL, pkt, sizeof pkt, &r), WIRE_OK);
	memcpy(pkt, be, 4);
	assert_int_equal(decode_copy(TCPIP_LINK_LOOP, pkt, sizeof pkt, &r), WIRE_OK);
	assert_int_equal(r.dst, peer);
	memcpy(pkt, v6, 4);
	assert_int_equal(decode_copy(TCPIP_LINK_NULL, pkt, sizeof pkt, &r), WIRE_UNSUPPORTED);
	/* no room: fails, sticky NOSPACE */
	wr_init(&w, pkt, TCPIP_SYN_LEN - 1);
	assert_false(tcpip_syn_encode(&w, us, peer, 1, 2, 3, 4));
	assert_int_equal(w.err, WIRE_NOSPACE);
}

static void test_space_roundtrip(void **state)
{
	(void)state;
	char err[256];
	struct target_set *t = targets_new();
	assert_int_equal(targets_add(t, "198.18.0.0/23", err, sizeof err), 0);
	assert_int_equal(targets_add(t, "198.18.4.0/30", err, sizeof err), 0);
	assert_int_equal(targets_exclude(t, "198.18.0.7", err, sizeof err), 0);
	targets_finalize(t);
	struct port_list pl;
	assert_int_equal(ports_parse("445,139", &pl, err, sizeof err), 0);
	uint64_t seen = 0;
	for (unsigned k = 1; k <= 3; k++) {
		struct scan_space sp;
		space_init(&sp, t, &pl, 7, k, 3);
		for (uint64_t j = 0; j < sp.shard_total; j++) {
			struct sockaddr_storage ss;
			uint64_t back;
			assert_true(space_addr(&sp, j, &ss));
			assert_true(space_find(&sp, &ss, &back));
			assert_int_equal(back, j);
			/* the same address and port belongs to no other shard */
			struct scan_space other;
			space_init(&other, t, &pl, 7, k % 3 + 1, 3);
			assert_false(space_find(&other, &ss, &back));
			seen++;
		}
	}
	assert_int_equal(seen, (511 + 4) * 2);
	struct scan_space sp;
	space_init(&sp, t, &pl, 7, 1, 1);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *sa = (struct sockaddr_in *)(void *)&ss;
	sa->sin_family = AF_INET;
	sa->sin_port = htons(445);
	uint64_t j;
	sa->sin_addr.s_addr = htonl(IP4(198, 18, 0, 7)); /* excluded */
	assert_false(space_find(&sp, &ss, &j));
	sa->sin_addr.s_addr = htonl(IP4(198, 18, 4, 4)); /* just past a range */
	assert_false(space_find(&sp, &ss, &j));
	sa->sin_addr.s_addr = htonl(IP4(198, 18, 4, 3));
	assert_true(space_find(&sp, &ss, &j));
	sa->sin_port = htons(8445); /* a port not scanned */
	assert_false(space_find(&sp, &ss, &j));
	ports_free(&pl);
	targets_free(t);
}

static void test_permute_inverse(void **state)
{
	(void)state;
	const uint64_t sizes[] = {1, 2, 3, 17, 1000, 65536, 100003};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		struct permute p;
		permute_init(&p, sizes[s], 12345 + s);
		for (uint64_t pos = 0; pos < sizes[s]; pos += 1 + sizes[s] / 997) {
			uint64_t back;
			assert_true(permute_position(&p, permute_at(&p, pos), &back));
			assert_int_equal(back, pos);
		}
		uint64_t back;
		assert_false(permute_position(&p, sizes[s], &back));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_ethernet_synack),
		cmocka_unit_test(test_cooked_synack),
		cmocka_unit_test(test_rst_and_syn),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_syn_encode_roundtrip),
		cmocka_unit_test(test_space_roundtrip),
		cmocka_unit_test(test_permute_inverse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
