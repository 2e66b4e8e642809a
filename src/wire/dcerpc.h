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
#define DCERPC_PTYPE_ALTER_CONTEXT 14

#define DCERPC_PFC_OBJECT_UUID 0x80
/* Presentation contexts kept from one bind (Metasploit offers 12). */
#define DCERPC_MAX_CTX 16

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
/* NDR64 71710533-beba-4937-8319-b5dbef9ccc36 v1.0 (MS-RPCE 2.2.5) */
extern const struct dcerpc_syntax dcerpc_ndr64;

bool dcerpc_syntax_equal(const struct dcerpc_syntax *a, const struct dcerpc_syntax *b);

/* Transfer syntax of a presentation context. */
enum dcerpc_xfer {
	DCERPC_XFER_OTHER, /* e.g. the bind-time feature negotiation pseudo-syntax */
	DCERPC_XFER_NDR,
	DCERPC_XFER_NDR64,
};

/* One presentation context of a BIND / ALTER_CONTEXT (C706 12.6.3.1
 * p_cont_elem_t): its id, abstract syntax, and the first transfer syntax
 * offered that is NDR or NDR64 (clients offer one per context in practice). */
struct dcerpc_ctx {
	uint16_t id;
	struct dcerpc_syntax abstract;
	uint8_t xfer; /* enum dcerpc_xfer */
};

/* BIND with one context (id 0): abstract syntax, NDR transfer syntax,
 * max fragments 4280. */
int dcerpc_bind_encode(struct wr *w, uint32_t call_id, const struct dcerpc_syntax *abstract);
/* The same with the transfer syntax given (NDR64: the 64-bit question). */
int dcerpc_bind_encode_xfer(struct wr *w, uint32_t call_id, const struct dcerpc_syntax *abstract,
			    const struct dcerpc_syntax *xfer);

/* bind_ack p_result_t (C706 12.6.3.1): result 0 acceptance, 1 user
 * rejection, 2 provider rejection (3: MS-RPCE bind-time feature
 * negotiation acknowledgment); the provider reason of a rejection
 * (2 = proposed transfer syntaxes not supported); the syntax accepted. */
#define DCERPC_RESULT_ACCEPT 0
#define DCERPC_RESULT_PROVIDER_REJECT 2
#define DCERPC_REASON_XFER_NOT_SUPPORTED 2
struct dcerpc_ack_result {
	uint16_t result, reason;
	struct dcerpc_syntax xfer;
};

struct dcerpc_pdu {
	uint8_t ptype;
	uint8_t flags;
	uint16_t frag_len;
	uint32_t call_id;
	/* dcerpc_pdu_decode_prefix only: the fragment goes on past the bytes
	 * given (the stub or context list is cut where they end) */
	bool truncated;
	/* bind / alter_context: the first DCERPC_MAX_CTX contexts */
	uint8_t n_ctx;
	struct dcerpc_ctx ctx[DCERPC_MAX_CTX];
	/* request */
	uint16_t ctx_id, opnum;
	/* bind_ack */
	uint16_t ack_result;   /* result of the first context: 0 = acceptance */
	uint8_t n_results;     /* the first DCERPC_MAX_CTX results, in context order */
	struct dcerpc_ack_result results[DCERPC_MAX_CTX];
	/* response */
	uint32_t alloc_hint;
	struct rd stub;        /* request / response stub data (view) */
	/* fault / bind_nak */
	uint32_t status;
};
/* Decode one PDU at the start of r (r advances past frag_len). Accepts
 * bind, alter_context, bind_ack, bind_nak, request, response and fault;
 * WIRE_UNSUPPORTED for others, WIRE_MALFORMED for a bad version or a
 * frag_len beyond the data, WIRE_TRUNCATED when cut short. */
int dcerpc_pdu_decode(struct rd *r, struct dcerpc_pdu *out);
/* The same on the first bytes of a PDU only (a passive observer keeps a
 * bounded prefix of each fragment): r may end before frag_len; what is
 * present is decoded, out->truncated tells the rest is missing, r advances
 * to its end. The 16-byte header must be whole (else WIRE_TRUNCATED). */
int dcerpc_pdu_decode_prefix(struct rd *r, struct dcerpc_pdu *out);

/* The length of the PDU starting at p (its frag_length), for a stream
 * reader: WIRE_TRUNCATED until the 16-byte header is there, WIRE_MALFORMED
 * for a header that is not DCE/RPC 5.x or a frag_length below 16. */
int dcerpc_frame_len(const uint8_t *p, size_t n, size_t *len);

/* REQUEST, context 0, one fragment, with opnum and stub. */
int dcerpc_request_encode(struct wr *w, uint32_t call_id, uint16_t opnum, const uint8_t *stub,
			  uint32_t stub_len);

#endif
