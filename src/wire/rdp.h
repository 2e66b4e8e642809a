/* rdp.h - the first exchange of RDP (MS-RDPBCGR 2.2.1.1, 2.2.1.2): an
 * X.224 Connection Request in a TPKT (RFC 1006) carrying an RDP_NEG_REQ,
 * and the server's Connection Confirm with RDP_NEG_RSP (the security
 * protocol it selected) or RDP_NEG_FAILURE (why it refused). Nothing past
 * the Connection Confirm is ever sent. */
#ifndef SMBW_WIRE_RDP_H
#define SMBW_WIRE_RDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

#define RDP_PORT 3389

/* requestedProtocols / selectedProtocol (MS-RDPBCGR 2.2.1.1.1) */
#define RDP_PROTO_RDP 0x00u       /* standard RDP security: no TLS, no NLA */
#define RDP_PROTO_SSL 0x01u       /* TLS */
#define RDP_PROTO_HYBRID 0x02u    /* CredSSP: NLA */
#define RDP_PROTO_RDSTLS 0x04u
#define RDP_PROTO_HYBRID_EX 0x08u /* CredSSP with Early User Authorization */

enum rdp_answer_kind {
	RDP_CC_PLAIN = 0, /* a Connection Confirm without negotiation data (old servers: RDP) */
	RDP_CC_NEG_RSP,   /* RDP_NEG_RSP: selected holds the protocol */
	RDP_CC_NEG_FAILURE, /* RDP_NEG_FAILURE: failure holds its code */
};

struct rdp_cc {
	enum rdp_answer_kind kind;
	uint32_t selected; /* RDP_PROTO_* (RDP_CC_PLAIN: RDP_PROTO_RDP) */
	uint32_t failure;  /* failureCode (MS-RDPBCGR 2.2.1.2.2) */
	uint8_t flags;
};

/* A TPKT frame at p: its whole length (header included) into *len;
 * WIRE_TRUNCATED until the 4-byte header is there. */
int rdp_tpkt_frame_len(const uint8_t *p, size_t n, size_t *len);
/* The Connection Request with RDP_NEG_REQ asking for `requested` (a set of
 * RDP_PROTO_*; 0 asks for standard RDP security alone), TPKT included. */
int rdp_conn_request_encode(struct wr *w, uint32_t requested);
/* Decode a whole TPKT frame holding the Connection Confirm. */
int rdp_conn_confirm_decode(struct rd *r, struct rdp_cc *cc);
/* "rdp", "tls", "nla", "nla-ex", "rdstls", or NULL for another value. */
const char *rdp_protocol_name(uint32_t selected);
/* "ssl required by server", ... or NULL for a code we do not name. */
const char *rdp_failure_name(uint32_t code);

#endif
