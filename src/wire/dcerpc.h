/* dcerpc.h - connection-oriented DCE/RPC PDUs over a named pipe
 * (C706 chapter 12, MS-RPCE 2.2.2): bind, bind_ack, request, response,
 * fault. Little-endian data representation only. */
#ifndef SMBW_WIRE_DCERPC_H
#define SMBW_WIRE_DCERPC_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/buf.h"

#define DCERPC_PTYPE_REQUEST 0
#define DCERPC_PTYPE_RESPONSE 2
#define DCERPC_PTYPE_FAULT 3
#define DCERPC_PTYPE_BIND 11
#define DCERPC_PTYPE_BIND_ACK 12
#define DCERPC_PTYPE_BIND_NAK 13

#define DCERPC_PFC_FIRST_FRAG 0x01
#define DCERPC_PFC_LAST_FRAG 0x02

struct dcerpc_syntax {
	uint8_t uuid[16]; /* wire order (first three fields little-endian) */
	uint16_t ver_major, ver_minor;
};
/* SRVSVC 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0 */
extern const struct dcerpc_syntax dcerpc_srvsvc;
/* NDR 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0 */
extern const struct dcerpc_syntax dcerpc_ndr;

/* BIND with one context (id 0): abstract syntax, NDR transfer syntax,
 * max fragments 4280. */
int dcerpc_bind_encode(struct wr *w, uint32_t call_id, const struct dcerpc_syntax *abstract);

struct dcerpc_pdu {
	uint8_t ptype;
	uint8_t flags;
	uint16_t frag_len;
	uint32_t call_id;
	/* bind_ack */
	uint16_t ack_result;   /* result of the first context: 0 = acceptance */
	/* response */
	uint32_t alloc_hint;
	struct rd stub;        /* response stub data (view) */
	/* fault / bind_nak */
	uint32_t status;
};
/* Decode one PDU at the start of r (r advances past frag_len). Accepts
 * bind_ack, bind_nak, response and fault; WIRE_UNSUPPORTED for others,
 * WIRE_MALFORMED for a bad version or a frag_len beyond the data,
 * WIRE_TRUNCATED when cut short. */
int dcerpc_pdu_decode(struct rd *r, struct dcerpc_pdu *out);

/* REQUEST, context 0, one fragment, with opnum and stub. */
int dcerpc_request_encode(struct wr *w, uint32_t call_id, uint16_t opnum, const uint8_t *stub,
			  uint32_t stub_len);

#endif
