/* packet.c - link, IP and TCP decoding; see packet.h. */
#include "sensor/packet.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "wire/buf.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88A8
#define IPPROTO_TCP_NUM 6
/* More than two VLAN tags is not something a sane tap produces. */
#define PKT_MAX_VLAN 4
/* IPv6 extension headers walked before giving up. */
#define PKT_MAX_V6_EXT 8

static int tcp_decode(struct rd *r, struct pkt *out)
{
	uint16_t win, sum, urg;
	uint8_t off_byte, flags;

	/* RFC 9293 3.1 */
	if (!rd_u16be(r, &out->sport) || !rd_u16be(r, &out->dport) || !rd_u32be(r, &out->seq) ||
	    !rd_u32be(r, &out->ack) || !rd_u8(r, &off_byte) || !rd_u8(r, &flags) ||
	    !rd_u16be(r, &win) || !rd_u16be(r, &sum) || !rd_u16be(r, &urg))
		return PKT_BAD;
	size_t hlen = (size_t)(off_byte >> 4) * 4;
	if (hlen < 20 || !rd_skip(r, hlen - 20))
		return PKT_BAD;
	out->flags = flags;
	out->payload_len = rd_left(r);
	if (out->payload_len && !rd_view(r, out->payload_len, &out->payload))
		return PKT_BAD;
	return PKT_OK;
}

static int ipv4_decode(struct rd *r, struct pkt *out)
{
	uint8_t vihl, tos, ttl, proto;
	uint16_t total, id, frag, sum;
	struct rd ip;

	if (!rd_u8(r, &vihl) || !rd_u8(r, &tos) || !rd_u16be(r, &total))
		return PKT_BAD;
	size_t hlen = (size_t)(vihl & 0x0f) * 4;
	/* RFC 791: the total length covers header and data; whatever follows
	 * in the frame is link padding and must not become TCP payload */
	if ((vihl >> 4) != 4 || hlen < 20 || total < hlen || (size_t)total - 4 > rd_left(r))
		return PKT_BAD;
	if (!rd_sub(r, total - 4u, &ip))
		return PKT_BAD;
	if (!rd_u16be(&ip, &id) || !rd_u16be(&ip, &frag) || !rd_u8(&ip, &ttl) ||
	    !rd_u8(&ip, &proto) || !rd_u16be(&ip, &sum) || !rd_bytes(&ip, out->src, 4) ||
	    !rd_bytes(&ip, out->dst, 4) || !rd_skip(&ip, hlen - 20))
		return PKT_BAD;
	out->family = 4;
	/* MF set or a non-zero fragment offset: part of a datagram */
	if ((frag & 0x3fff) != 0 || proto != IPPROTO_TCP_NUM)
		return PKT_NOT_TCP;
	return tcp_decode(&ip, out);
}

static int ipv6_decode(struct rd *r, struct pkt *out)
{
	uint32_t vtcfl;
	uint16_t plen;
	uint8_t next, hops;
	struct rd ip;

	if (!rd_u32be(r, &vtcfl) || !rd_u16be(r, &plen) || !rd_u8(r, &next) || !rd_u8(r, &hops) ||
	    !rd_bytes(r, out->src, 16) || !rd_bytes(r, out->dst, 16))
		return PKT_BAD;
	if ((vtcfl >> 28) != 6 || !rd_sub(r, plen, &ip))
		return PKT_BAD;
	out->family = 6;
	/* RFC 8200 4: hop-by-hop (0), routing (43) and destination options
	 * (60) share the (next, len in 8-octet units - 1) layout */
	for (int i = 0; i < PKT_MAX_V6_EXT; i++) {
		if (next == IPPROTO_TCP_NUM)
			return tcp_decode(&ip, out);
		if (next != 0 && next != 43 && next != 60)
			return PKT_NOT_TCP; /* fragment (44), ESP, UDP, ... */
		uint8_t nh, len;
		if (!rd_u8(&ip, &nh) || !rd_u8(&ip, &len) || !rd_skip(&ip, (size_t)len * 8 + 6))
			return PKT_BAD;
		next = nh;
	}
	return PKT_NOT_TCP;
}

static int ip_by_version(struct rd *r, struct pkt *out)
{
	struct rd peek = *r;
	uint8_t v;
	if (!rd_u8(&peek, &v))
		return PKT_BAD;
	if ((v >> 4) == 4)
		return ipv4_decode(r, out);
	if ((v >> 4) == 6)
		return ipv6_decode(r, out);
	return PKT_NOT_TCP;
}

static int ethertype_decode(struct rd *r, uint16_t type, struct pkt *out)
{
	for (int i = 0; i < PKT_MAX_VLAN && (type == ETH_VLAN || type == ETH_QINQ); i++) {
		/* IEEE 802.1Q: TCI(2) then the inner EtherType */
		if (!rd_skip(r, 2) || !rd_u16be(r, &type))
			return PKT_BAD;
	}
	if (type == ETH_IPV4)
		return ipv4_decode(r, out);
	if (type == ETH_IPV6)
		return ipv6_decode(r, out);
	return PKT_NOT_TCP;
}

int pkt_decode(int linktype, const uint8_t *frame, size_t caplen, struct pkt *out)
{
	struct rd r;
	uint16_t type;
	uint32_t af;

	memset(out, 0, sizeof *out);
	rd_init(&r, frame, caplen);
	switch (linktype) {
	case PKT_LINK_ETHERNET:
		if (!rd_skip(&r, 12) || !rd_u16be(&r, &type))
			return PKT_BAD;
		return ethertype_decode(&r, type, out);
	case PKT_LINK_SLL:
		/* Linux cooked v1: type, ARPHRD, addr len, addr[8], protocol */
		if (!rd_skip(&r, 14) || !rd_u16be(&r, &type))
			return PKT_BAD;
		return ethertype_decode(&r, type, out);
	case PKT_LINK_SLL2:
		/* Linux cooked v2: protocol first, 20 bytes in all */
		if (!rd_u16be(&r, &type) || !rd_skip(&r, 18))
			return PKT_BAD;
		return ethertype_decode(&r, type, out);
	case PKT_LINK_NULL:
	case PKT_LINK_LOOP:
		/* 4-byte address family in host (NULL) or network (LOOP) order;
		 * the version nibble of the IP header decides, which is simpler */
		if (!rd_u32be(&r, &af))
			return PKT_BAD;
		return ip_by_version(&r, out);
	case PKT_LINK_RAW:
	case PKT_LINK_RAW_OLD:
	case PKT_LINK_IPV4:
	case PKT_LINK_IPV6:
		return ip_by_version(&r, out);
	default:
		return PKT_BAD_LINK;
	}
}

void pkt_addr_str(uint8_t family, const uint8_t *addr, char *out, size_t outsz)
{
	if (outsz == 0)
		return;
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, out, (socklen_t)outsz))
		out[0] = '\0';
}
