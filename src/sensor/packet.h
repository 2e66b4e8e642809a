/* packet.h - link, IP and TCP header decoding for the sensor.
 *
 * Turns one captured frame into the few fields the flow table needs. Every
 * byte goes through struct rd; nothing is allocated and the payload is a
 * view into the caller's frame. */
#ifndef SMBW_SENSOR_PACKET_H
#define SMBW_SENSOR_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

/* Link types we decode (pcap LINKTYPE_* values). */
#define PKT_LINK_NULL 0
#define PKT_LINK_ETHERNET 1
#define PKT_LINK_RAW 101
#define PKT_LINK_RAW_OLD 12
#define PKT_LINK_LOOP 108
#define PKT_LINK_SLL 113
#define PKT_LINK_IPV4 228
#define PKT_LINK_IPV6 229
#define PKT_LINK_SLL2 276

struct pkt {
	uint64_t ts_us;       /* capture time, microseconds since the epoch */
	uint8_t family;       /* 4 or 6 */
	uint8_t src[16];      /* IPv4 in the first 4 bytes */
	uint8_t dst[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;        /* PKT_TCP_* */
	const uint8_t *payload; /* view into the frame; may be NULL when len 0 */
	size_t payload_len;   /* trimmed to the IP length (no Ethernet padding) */
};

enum pkt_rc {
	PKT_OK = 0,
	PKT_NOT_TCP = 1,   /* well formed, but not something we follow (ARP, UDP, fragment) */
	PKT_BAD = -1,      /* truncated or malformed headers */
	PKT_BAD_LINK = -2, /* a link type we do not decode */
};

/* Decode frame[0..caplen) of the given link type into *out (cleared on
 * entry). Returns enum pkt_rc. IP fragments other than a whole datagram
 * are PKT_NOT_TCP: SMB peers set DF, and reassembling IP is out of scope. */
int pkt_decode(int linktype, const uint8_t *frame, size_t caplen, struct pkt *out);

/* "a.b.c.d" or the RFC 5952 form of an address (buffer >= 46 bytes). */
void pkt_addr_str(uint8_t family, const uint8_t *addr, char *out, size_t outsz);

#endif
