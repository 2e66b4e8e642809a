/* tcpip.h - the bytes of the raw SYN stage: the SYN we send (IPv4 + TCP),
 * the replies we capture (link layer + IPv4 + TCP), and the stateless cookie
 * that tells our replies from everybody else's.
 *
 * Pure functions: no socket, no clock, no global. The capture side runs on
 * bytes anyone on the link can send, so every byte goes through struct rd
 * and every length is checked before it is used. IPv4 only: an IPv6 frame
 * decodes to WIRE_UNSUPPORTED (the --syn stage refuses IPv6 targets). */
#ifndef SMBW_WIRE_TCPIP_H
#define SMBW_WIRE_TCPIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

/* Link types as pcap_datalink() returns them on Linux (we do not include
 * pcap.h here: wire/ depends on nothing). */
enum tcpip_link {
	TCPIP_LINK_NULL = 0,	     /* DLT_NULL: BSD loopback, 4-byte host-order family */
	TCPIP_LINK_EN10MB = 1,	     /* Ethernet II, optional 802.1Q tags */
	TCPIP_LINK_RAW = 12,	     /* DLT_RAW on Linux: the IP header first */
	TCPIP_LINK_RAW_LT = 101,     /* LINKTYPE_RAW, the same in a file */
	TCPIP_LINK_LOOP = 108,	     /* DLT_LOOP: family in network order */
	TCPIP_LINK_LINUX_SLL = 113,  /* "any" device, cooked header v1 */
	TCPIP_LINK_IPV4 = 228,	     /* DLT_IPV4 */
	TCPIP_LINK_LINUX_SLL2 = 276, /* cooked header v2 */
};

/* TCP flags (RFC 9293 3.1) */
#define TCPIP_FIN 0x01
#define TCPIP_SYN 0x02
#define TCPIP_RST 0x04
#define TCPIP_ACK 0x10

/* The fields of one captured TCP segment we care about; addresses and
 * ports in host order. */
struct tcpip_reply {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
};

/* Decode one captured frame of link type `link`. WIRE_OK with *out filled;
 * WIRE_TRUNCATED if a header is cut short (snap length, short frame);
 * WIRE_MALFORMED if a header contradicts itself (IHL < 5, total length
 * shorter than the header, TCP data offset < 5); WIRE_UNSUPPORTED for
 * anything that is not an unfragmented IPv4 TCP segment (ARP, IPv6, UDP,
 * fragments, unknown link types). *out is zeroed on entry. */
int tcpip_reply_decode(int link, const uint8_t *p, size_t n, struct tcpip_reply *out);

/* A 128-bit key, random per run. */
struct syn_key {
	uint64_t k0, k1;
};

/* SipHash-2-4 (Aumasson, Bernstein 2012) of n bytes. */
uint64_t tcpip_siphash24(const struct syn_key *key, const uint8_t *p, size_t n);

/* The sequence number of our SYN from src:sport to dst:dport: the low 32
 * bits of a keyed hash of the four, so a reply proves it answers a SYN we
 * sent (its ack is cookie + 1) without any state per target. */
uint32_t tcpip_syn_cookie(const struct syn_key *key, uint32_t src, uint32_t dst, uint16_t sport,
			  uint16_t dport);

enum syn_verdict {
	SYN_NOT_OURS = 0, /* another flow, a bad cookie, or not SYN-ACK / RST-ACK */
	SYN_OPEN,	  /* SYN-ACK acking our cookie: the port listens */
	SYN_CLOSED,	  /* RST-ACK acking our cookie: nothing listens */
};

/* What a decoded segment means for a scan from us:our_port with key.
 * Only replies addressed to us whose ack is cookie + 1 count. */
enum syn_verdict tcpip_reply_classify(const struct tcpip_reply *r, const struct syn_key *key,
				      uint32_t our_ip, uint16_t our_port);

/* Bytes of our SYN: IPv4 header (20) + TCP header with an MSS option (24). */
#define TCPIP_SYN_LEN 44

/* Append a SYN from src:sport to dst:dport with sequence number seq, both
 * checksums filled in (for a raw IPPROTO_RAW socket, which sends the IP
 * header as given). Returns false (w->err set) if w has no room. */
bool tcpip_syn_encode(struct wr *w, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		      uint32_t seq, uint16_t ip_id);

/* RFC 1071 Internet checksum of n bytes, continued from sum (0 to start);
 * tcpip_csum_fold() gives the final 16 bits. */
uint32_t tcpip_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t tcpip_csum_fold(uint32_t sum);

#endif
