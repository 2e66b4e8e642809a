/* nbss.h - NetBIOS session service framing (RFC 1002 4.3) and direct TCP
 * framing (MS-SMB2 2.1: 0x00 + 24-bit big-endian length). */
#ifndef SMBW_WIRE_NBSS_H
#define SMBW_WIRE_NBSS_H

#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

enum nbss_type {
	NBSS_MESSAGE = 0x00,
	NBSS_REQUEST = 0x81,
	NBSS_POSITIVE = 0x82,
	NBSS_NEGATIVE = 0x83,
	NBSS_RETARGET = 0x84,
	NBSS_KEEPALIVE = 0x85,
};

struct nbss_frame {
	uint8_t type;         /* enum nbss_type */
	struct rd payload;    /* view of the frame body */
	size_t frame_len;     /* header + body: bytes to consume from the stream */
	uint8_t neg_error;    /* NBSS_NEGATIVE: error code (0x80..0x8F), else 0 */
};

/* Read the 4-byte header at the start of buf[0..len): type and declared
 * body length (24 bits for type 0x00, 17 bits otherwise), with no limit
 * applied - for a reader that skips what it will not buffer. Returns
 * WIRE_OK, WIRE_TRUNCATED (fewer than 4 bytes) or WIRE_MALFORMED (unknown
 * type, undefined flag bits). */
int nbss_header_decode(const uint8_t *buf, size_t len, uint8_t *type, size_t *body_len);

/* Find one whole frame at the start of buf[0..len).
 * Returns WIRE_OK with *f filled; WIRE_TRUNCATED if more bytes are needed;
 * WIRE_MALFORMED for an unknown type; WIRE_TOO_LARGE when the declared length
 * exceeds WIRE_MAX_FRAME (checked from the header alone, before buffering).
 * Type 0x00 uses a 24-bit length (direct TCP, also accepted on 139, whose
 * 17-bit length is a subset); other types use the RFC 1002 17-bit length. */
int nbss_frame_decode(const uint8_t *buf, size_t len, struct nbss_frame *f);

/* Write the 4-byte session-message header; the caller patches the length
 * with nbss_message_end() once the body is written. *at receives the header
 * offset. */
int nbss_message_begin(struct wr *w, size_t *at);
int nbss_message_end(struct wr *w, size_t at);

/* SESSION REQUEST (0x81) with called and calling NetBIOS names, each
 * first-level encoded (RFC 1001 14.1) with suffix byte `suffix`
 * (0x20 = file server for called, 0x00 workstation for calling). A called
 * name of "*SMBSERVER" is encoded as is (padded with spaces). */
int nbss_session_request_encode(struct wr *w, const char *called, uint8_t called_suffix,
				const char *calling, uint8_t calling_suffix);

/* Static text for a NEGATIVE SESSION RESPONSE error code. */
const char *nbss_negative_reason(uint8_t code);

#endif
