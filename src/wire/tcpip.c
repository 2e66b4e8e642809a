/* tcpip.c - SYN encode, reply decode, cookie; see tcpip.h. */
#include "wire/tcpip.h"

#include <string.h>

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_VLAN	0x8100 /* IEEE 802.1Q */
#define ETHERTYPE_QINQ	0x88A8 /* IEEE 802.1ad */
#define ETHERTYPE_IPV6	0x86DD
#define MAX_VLAN_TAGS	2
#define IPPROTO_TCP_NUM 6
#define FAMILY_INET	2 /* AF_INET in a DLT_NULL/DLT_LOOP header, on every OS */
#define OUR_MSS		1460

/* Skip the link-layer header; leave r at the network header. Returns the
 * ethertype-like protocol number of what follows (0x0800, 0x86DD, ...). */
static int skip_link(int link, struct rd *r, uint16_t *proto)
{
	uint32_t fam;
	uint16_t type;

	*proto = 0;
	switch (link) {
	case TCPIP_LINK_EN10MB:
		/* IEEE 802.3: destination, source, then the EtherType */
		if (!rd_skip(r, 12) || !rd_u16be(r, &type))
			return r->err;
		/* 802.1Q / 802.1ad: a 2-byte TCI, then the real EtherType */
		for (int i = 0;
		     i < MAX_VLAN_TAGS && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ); i++)
			if (!rd_skip(r, 2) || !rd_u16be(r, &type))
				return r->err;
		*proto = type;
		return WIRE_OK;
	case TCPIP_LINK_LINUX_SLL:
		/* pcap-linktype(7) LINKTYPE_LINUX_SLL: packet type, ARPHRD, address
		 * length, 8 address bytes, protocol */
		if (!rd_skip(r, 14) || !rd_u16be(r, &type))
			return r->err;
		*proto = type;
		return WIRE_OK;
	case TCPIP_LINK_LINUX_SLL2:
		/* LINKTYPE_LINUX_SLL2: protocol first, then 18 bytes we skip */
		if (!rd_u16be(r, &type) || !rd_skip(r, 18))
			return r->err;
		*proto = type;
		return WIRE_OK;
	case TCPIP_LINK_NULL:
	case TCPIP_LINK_LOOP:
		/* the family is in the writer's byte order for DLT_NULL: accept 2
		 * either way round (AF_INET is 2 everywhere; AF_INET6 is not) */
		if (!rd_u32be(r, &fam))
			return r->err;
		*proto =
		    (fam == FAMILY_INET || fam == (uint32_t)FAMILY_INET << 24) ? ETHERTYPE_IPV4 : 0;
		return WIRE_OK;
	case TCPIP_LINK_RAW:
	case TCPIP_LINK_RAW_LT:
	case TCPIP_LINK_IPV4:
		*proto = ETHERTYPE_IPV4; /* the version nibble decides below */
		return WIRE_OK;
	default: return WIRE_UNSUPPORTED;
	}
}

/* RFC 791 3.1: the IPv4 header; leaves *tcp as a window over the payload. */
static int decode_ipv4(struct rd *r, struct tcpip_reply *out, struct rd *tcp)
{
	uint8_t vihl, tos, ttl, proto;
	uint16_t total, id, frag, csum;
	if (!rd_u8(r, &vihl))
		return r->err;
	if (vihl >> 4 != 4)
		return (vihl >> 4 == 6) ? WIRE_UNSUPPORTED : WIRE_MALFORMED;
	size_t ihl = (size_t)(vihl & 0x0F) * 4;
	if (ihl < 20)
		return WIRE_MALFORMED; /* IHL counts 32-bit words, minimum 5 */
	if (!rd_u8(r, &tos) || !rd_u16be(r, &total) || !rd_u16be(r, &id) || !rd_u16be(r, &frag) ||
	    !rd_u8(r, &ttl) || !rd_u8(r, &proto) || !rd_u16be(r, &csum) ||
	    !rd_u32be(r, &out->src) || !rd_u32be(r, &out->dst) || !rd_skip(r, ihl - 20))
		return r->err;
	if (total < ihl)
		return WIRE_MALFORMED;
	/* MF set or an offset: a fragment; a SYN-ACK never needs one */
	if ((frag & 0x3FFF) != 0 || proto != IPPROTO_TCP_NUM)
		return WIRE_UNSUPPORTED;
	/* Total Length bounds the datagram: Ethernet pads short frames */
	if (!rd_sub(r, total - ihl, tcp))
		return r->err;
	return WIRE_OK;
}

/* RFC 9293 3.1: the fixed part of the TCP header (options skipped). */
static int decode_tcp(struct rd *r, struct tcpip_reply *out)
{
	uint8_t off, flags;
	uint16_t win, csum, urg;
	if (!rd_u16be(r, &out->sport) || !rd_u16be(r, &out->dport) || !rd_u32be(r, &out->seq) ||
	    !rd_u32be(r, &out->ack) || !rd_u8(r, &off) || !rd_u8(r, &flags) || !rd_u16be(r, &win) ||
	    !rd_u16be(r, &csum) || !rd_u16be(r, &urg))
		return r->err;
	size_t hlen = (size_t)(off >> 4) * 4;
	if (hlen < 20)
		return WIRE_MALFORMED; /* Data Offset is at least 5 words */
	if (!rd_skip(r, hlen - 20))
		return r->err;
	out->flags = flags;
	return WIRE_OK;
}

int tcpip_reply_decode(int link, const uint8_t *p, size_t n, struct tcpip_reply *out)
{
	struct rd r, tcp;
	uint16_t proto;
	memset(out, 0, sizeof *out);
	rd_init(&r, p, n);
	int rc = skip_link(link, &r, &proto);
	if (rc != WIRE_OK)
		return rc;
	if (proto != ETHERTYPE_IPV4)
		return WIRE_UNSUPPORTED; /* ARP, IPv6 (see tcpip.h), LLDP, ... */
	rc = decode_ipv4(&r, out, &tcp);
	if (rc == WIRE_OK)
		rc = decode_tcp(&tcp, out);
	if (rc != WIRE_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

static uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static void sip_block(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

uint64_t tcpip_siphash24(const struct syn_key *key, const uint8_t *p, size_t n)
{
	/* the initial constants spell "somepseudorandomlygeneratedbytes" */
	uint64_t v[4] = {key->k0 ^ 0x736f6d6570736575ULL, key->k1 ^ 0x646f72616e646f6dULL,
			 key->k0 ^ 0x6c7967656e657261ULL, key->k1 ^ 0x7465646279746573ULL};
	struct rd r;
	uint64_t m;
	rd_init(&r, p, n);
	while (rd_left(&r) >= 8 && rd_u64le(&r, &m))
		sip_block(v, m);
	/* last block: the remaining bytes little-endian, length mod 256 on top */
	uint64_t last = (uint64_t)(n & 0xFF) << 56;
	uint8_t b;
	for (unsigned i = 0; rd_u8(&r, &b); i++)
		last |= (uint64_t)b << (8 * i);
	sip_block(v, last);
	v[2] ^= 0xFF;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint32_t tcpip_syn_cookie(const struct syn_key *key, uint32_t src, uint32_t dst, uint16_t sport,
			  uint16_t dport)
{
	uint8_t msg[12];
	struct wr w;
	wr_init(&w, msg, sizeof msg);
	wr_u32be(&w, src);
	wr_u32be(&w, dst);
	wr_u16be(&w, sport);
	wr_u16be(&w, dport);
	return (uint32_t)tcpip_siphash24(key, msg, w.len);
}

enum syn_verdict tcpip_reply_classify(const struct tcpip_reply *r, const struct syn_key *key,
				      uint32_t our_ip, uint16_t our_port)
{
	if (r->dst != our_ip || r->dport != our_port)
		return SYN_NOT_OURS;
	uint32_t want = tcpip_syn_cookie(key, our_ip, r->src, our_port, r->sport) + 1;
	if (!(r->flags & TCPIP_ACK) || r->ack != want)
		return SYN_NOT_OURS; /* RFC 9293 3.10.7.3: a reply to our SYN acks ISS + 1 */
	if (r->flags & TCPIP_RST)
		return SYN_CLOSED;
	if (r->flags & TCPIP_SYN)
		return SYN_OPEN;
	return SYN_NOT_OURS;
}

uint32_t tcpip_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	struct rd r;
	uint16_t v;
	uint8_t last;
	rd_init(&r, p, n);
	while (rd_left(&r) >= 2 && rd_u16be(&r, &v))
		sum += v;
	if (rd_u8(&r, &last))
		sum += (uint32_t)last << 8; /* odd length: pad with a zero byte */
	return sum;
}

uint16_t tcpip_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

bool tcpip_syn_encode(struct wr *w, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		      uint32_t seq, uint16_t ip_id)
{
	size_t ip = w->len, tcp = ip + 20;
	/* RFC 791 3.1: version 4, IHL 5, DF (a scanner's SYN needs no
	 * fragmenting), TTL 64, protocol TCP, checksum patched below */
	wr_u8(w, 0x45);
	wr_u8(w, 0);
	wr_u16be(w, TCPIP_SYN_LEN);
	wr_u16be(w, ip_id);
	wr_u16be(w, 0x4000);
	wr_u8(w, 64);
	wr_u8(w, IPPROTO_TCP_NUM);
	wr_u16be(w, 0);
	wr_u32be(w, src);
	wr_u32be(w, dst);
	/* RFC 9293 3.1: data offset 6 words (one MSS option), SYN only */
	wr_u16be(w, sport);
	wr_u16be(w, dport);
	wr_u32be(w, seq);
	wr_u32be(w, 0);
	wr_u8(w, 6 << 4);
	wr_u8(w, TCPIP_SYN);
	wr_u16be(w, 64240);
	wr_u16be(w, 0);
	wr_u16be(w, 0);
	/* RFC 9293 3.2: MSS option, kind 2, length 4 */
	wr_u8(w, 2);
	wr_u8(w, 4);
	wr_u16be(w, OUR_MSS);
	if (w->err)
		return false; /* no room: the checksums below would read past it */
	wr_patch_u16be(w, ip + 10, tcpip_csum_fold(tcpip_csum_add(0, w->p + ip, 20)));
	/* RFC 9293 3.1: the checksum covers a pseudo-header of both
	 * addresses, the protocol and the TCP length */
	uint8_t pseudo[12];
	struct wr ph;
	wr_init(&ph, pseudo, sizeof pseudo);
	wr_u32be(&ph, src);
	wr_u32be(&ph, dst);
	wr_u16be(&ph, IPPROTO_TCP_NUM);
	wr_u16be(&ph, TCPIP_SYN_LEN - 20);
	uint32_t sum = tcpip_csum_add(0, pseudo, sizeof pseudo);
	sum = tcpip_csum_add(sum, w->p + tcp, TCPIP_SYN_LEN - 20);
	wr_patch_u16be(w, tcp + 16, tcpip_csum_fold(sum));
	return w->err == 0;
}
