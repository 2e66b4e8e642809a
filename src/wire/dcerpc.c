/* dcerpc.c - connection-oriented DCE/RPC PDUs (C706 chapter 12, MS-RPCE
 * 2.2.2); see dcerpc.h for the contract. Little-endian NDR only. */
#include "wire/dcerpc.h"

#include <string.h>

#include "wire/limits.h"

/* C706 12.6.3.1: the common header is 16 bytes */
#define DCERPC_HDR_LEN 16
/* C706 12.6.4.9: request header = common header + alloc_hint, p_cont_id, opnum */
#define DCERPC_REQ_HDR_LEN 24
/* MS-RPCE 3.3.1.5.1: fragments we offer to send and receive */
#define DCERPC_MAX_FRAG 4280
/* C706 14.1 drep[0]: high nibble integer rep (1 = little-endian), low
 * nibble char rep (0 = ASCII); drep[1] float rep (0 = IEEE). */
#define DCERPC_DREP_LE 0x10

const struct dcerpc_syntax dcerpc_srvsvc = {
	.uuid = {0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01, 0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e,
		 0xe1, 0x88},
	.ver_major = 3,
	.ver_minor = 0,
};

const struct dcerpc_syntax dcerpc_ndr = {
	.uuid = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10,
		 0x48, 0x60},
	.ver_major = 2,
	.ver_minor = 0,
};

const struct dcerpc_syntax dcerpc_ndr64 = {
	.uuid = {0x33, 0x05, 0x71, 0x71, 0xba, 0xbe, 0x37, 0x49, 0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c,
		 0xcc, 0x36},
	.ver_major = 1,
	.ver_minor = 0,
};

/* Interfaces are matched on uuid and major version: a minor version is
 * backwards compatible by definition (C706 12.6.3.1, MS-RPCE 3.3.1.5.3). */
bool dcerpc_syntax_equal(const struct dcerpc_syntax *a, const struct dcerpc_syntax *b)
{
	return memcmp(a->uuid, b->uuid, sizeof a->uuid) == 0 && a->ver_major == b->ver_major;
}

/* Common header with a frag_len hole; *len_at receives its offset. */
static bool hdr_encode(struct wr *w, uint8_t ptype, uint32_t call_id, size_t *len_at)
{
	/* C706 12.6.3.1: rpc_vers 5, rpc_vers_minor 0, single fragment,
	 * drep little-endian/ASCII/IEEE, auth_length 0 */
	return wr_u8(w, 5) && wr_u8(w, 0) && wr_u8(w, ptype) &&
	       wr_u8(w, DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG) && wr_u8(w, DCERPC_DREP_LE) &&
	       wr_zeros(w, 3) && wr_hole(w, 2, len_at) && wr_u16le(w, 0) && wr_u32le(w, call_id);
}

static int frag_patch(struct wr *w, size_t start, size_t len_at)
{
	if (w->err)
		return w->err;
	size_t n = w->len - start;
	if (n > UINT16_MAX)
		return WIRE_TOO_LARGE;
	if (!wr_patch_u16le(w, len_at, (uint16_t)n))
		return w->err;
	return WIRE_OK;
}

static bool syntax_encode(struct wr *w, const struct dcerpc_syntax *s)
{
	/* C706 12.6.3.1 p_syntax_id_t: uuid then version (major, minor) */
	return wr_bytes(w, s->uuid, sizeof s->uuid) && wr_u16le(w, s->ver_major) &&
	       wr_u16le(w, s->ver_minor);
}

int dcerpc_bind_encode(struct wr *w, uint32_t call_id, const struct dcerpc_syntax *abstract)
{
	return dcerpc_bind_encode_xfer(w, call_id, abstract, &dcerpc_ndr);
}

int dcerpc_bind_encode_xfer(struct wr *w, uint32_t call_id, const struct dcerpc_syntax *abstract,
			    const struct dcerpc_syntax *xfer)
{
	size_t start = w->len, len_at;

	if (!abstract || !xfer)
		return WIRE_MALFORMED;
	/* C706 12.6.4.3 bind: max_xmit_frag, max_recv_frag, assoc_group_id,
	 * p_context_elem (n_context_elem u8, 3 reserved, then each element:
	 * p_cont_id u16, n_transfer_syn u8, reserved u8, abstract, transfer) */
	if (!hdr_encode(w, DCERPC_PTYPE_BIND, call_id, &len_at) || !wr_u16le(w, DCERPC_MAX_FRAG) ||
	    !wr_u16le(w, DCERPC_MAX_FRAG) || !wr_u32le(w, 0) || !wr_u8(w, 1) || !wr_zeros(w, 3) ||
	    !wr_u16le(w, 0) || !wr_u8(w, 1) || !wr_u8(w, 0) || !syntax_encode(w, abstract) ||
	    !syntax_encode(w, xfer))
		return w->err;
	return frag_patch(w, start, len_at);
}

int dcerpc_request_encode(struct wr *w, uint32_t call_id, uint16_t opnum, const uint8_t *stub,
			  uint32_t stub_len)
{
	size_t start = w->len, len_at;

	if (!stub && stub_len)
		return WIRE_MALFORMED;
	/* frag_length is 16 bits: one fragment holds at most 65535 bytes */
	if (stub_len > UINT16_MAX - DCERPC_REQ_HDR_LEN)
		return WIRE_TOO_LARGE;
	/* C706 12.6.4.9 request: alloc_hint, p_cont_id 0, opnum, stub */
	if (!hdr_encode(w, DCERPC_PTYPE_REQUEST, call_id, &len_at) || !wr_u32le(w, stub_len) ||
	    !wr_u16le(w, 0) || !wr_u16le(w, opnum) || !wr_bytes(w, stub, stub_len))
		return w->err;
	return frag_patch(w, start, len_at);
}

static bool syntax_decode(struct rd *r, struct dcerpc_syntax *s)
{
	return rd_bytes(r, s->uuid, sizeof s->uuid) && rd_u16le(r, &s->ver_major) &&
	       rd_u16le(r, &s->ver_minor);
}

/* bind / alter_context body (C706 12.6.4.3): max_xmit_frag, max_recv_frag,
 * assoc_group_id, then p_cont_list_t. Contexts past DCERPC_MAX_CTX are
 * read over but not kept. */
static int bind_decode(struct rd *p, struct dcerpc_pdu *out)
{
	uint8_t n;

	if (!rd_skip(p, 2 + 2 + 4) || !rd_u8(p, &n) || !rd_skip(p, 3))
		return p->err;
	for (unsigned i = 0; i < n; i++) {
		struct dcerpc_ctx c = {.xfer = DCERPC_XFER_OTHER};
		uint8_t n_xfer;
		if (!rd_u16le(p, &c.id) || !rd_u8(p, &n_xfer) || !rd_skip(p, 1) ||
		    !syntax_decode(p, &c.abstract))
			return p->err;
		for (unsigned j = 0; j < n_xfer; j++) {
			struct dcerpc_syntax t;
			if (!syntax_decode(p, &t))
				return p->err;
			if (c.xfer != DCERPC_XFER_OTHER)
				continue;
			if (dcerpc_syntax_equal(&t, &dcerpc_ndr))
				c.xfer = DCERPC_XFER_NDR;
			else if (dcerpc_syntax_equal(&t, &dcerpc_ndr64))
				c.xfer = DCERPC_XFER_NDR64;
		}
		if (out->n_ctx < DCERPC_MAX_CTX)
			out->ctx[out->n_ctx++] = c;
	}
	return WIRE_OK;
}

/* bind_ack body (C706 12.6.4.4): the secondary address is a counted port
 * string, then padding to 4, then the result list. */
static int bind_ack_decode(struct rd *p, struct dcerpc_pdu *out)
{
	uint16_t sec_len;
	uint8_t n_results;

	if (!rd_skip(p, 2 + 2 + 4) || !rd_u16le(p, &sec_len) || !rd_skip(p, sec_len) ||
	    !rd_align(p, 4) || !rd_u8(p, &n_results) || !rd_skip(p, 3))
		return p->err;
	/* we bind exactly one context, so a result list without entries
	 * contradicts the request */
	if (n_results == 0)
		return WIRE_MALFORMED;
	/* p_result_t: result, provider reason, accepted transfer syntax */
	for (unsigned i = 0; i < n_results; i++) {
		struct dcerpc_ack_result res;
		if (!rd_u16le(p, &res.result) || !rd_u16le(p, &res.reason) || !syntax_decode(p, &res.xfer))
			return i ? WIRE_OK : p->err; /* the first is the one everyone needs */
		if (i == 0)
			out->ack_result = res.result;
		if (out->n_results < DCERPC_MAX_CTX)
			out->results[out->n_results++] = res;
	}
	return WIRE_OK;
}

/* Stub of a request or response: the rest of the fragment before the
 * optional auth verifier (C706 12.6.4.9/10; sec_trailer is 8 bytes +
 * auth_len), cut to what p holds. p's window starts at the PDU. */
static int stub_view(struct rd *p, uint16_t frag_len, uint16_t auth_len, struct dcerpc_pdu *out)
{
	size_t trailer = auth_len ? (size_t)auth_len + 8 : 0;
	if (trailer > frag_len || frag_len - trailer < p->off)
		return WIRE_MALFORMED;
	size_t end = frag_len - trailer < p->len ? frag_len - trailer : p->len;
	if (!rd_sub(p, end - p->off, &out->stub))
		return p->err;
	return WIRE_OK;
}

static int response_decode(struct rd *p, uint16_t auth_len, struct dcerpc_pdu *out)
{
	if (!rd_u32le(p, &out->alloc_hint) || !rd_skip(p, 2 + 1 + 1))
		return p->err;
	return stub_view(p, out->frag_len, auth_len, out);
}

/* C706 12.6.4.9: alloc_hint, p_cont_id, opnum, object uuid if flagged */
static int request_decode(struct rd *p, uint16_t auth_len, struct dcerpc_pdu *out)
{
	if (!rd_u32le(p, &out->alloc_hint) || !rd_u16le(p, &out->ctx_id) ||
	    !rd_u16le(p, &out->opnum) ||
	    ((out->flags & DCERPC_PFC_OBJECT_UUID) && !rd_skip(p, 16)))
		return p->err;
	return stub_view(p, out->frag_len, auth_len, out);
}

static int pdu_decode(struct rd *r, struct dcerpc_pdu *out, bool prefix)
{
	struct rd h, p;
	uint8_t vers, minor, drep[4];
	uint16_t auth_len;
	int rc;

	memset(out, 0, sizeof *out);
	rd_init(&out->stub, NULL, 0);
	if (r->err)
		return r->err;
	h = *r; /* read the header without consuming: frag_len frames the PDU */
	if (!rd_u8(&h, &vers) || !rd_u8(&h, &minor) || !rd_u8(&h, &out->ptype) ||
	    !rd_u8(&h, &out->flags) || !rd_bytes(&h, drep, sizeof drep) ||
	    !rd_u16le(&h, &out->frag_len) || !rd_u16le(&h, &auth_len) ||
	    !rd_u32le(&h, &out->call_id)) {
		rd_fail(r, h.err);
		return r->err;
	}
	/* C706 12.6.3.1: rpc_vers 5, rpc_vers_minor 0 (MS-RPCE 2.2.2.1 also
	 * allows minor 1) */
	if (vers != 5 || minor > 1 || out->frag_len < DCERPC_HDR_LEN) {
		rd_fail(r, WIRE_MALFORMED);
		return r->err;
	}
	/* the fragment must lie inside what the transport delivered, unless
	 * the caller says it holds a prefix */
	size_t take = out->frag_len;
	if (take > rd_left(r)) {
		if (!prefix) {
			rd_fail(r, WIRE_MALFORMED);
			return r->err;
		}
		take = rd_left(r);
		out->truncated = true;
	}
	if (!rd_sub(r, take, &p) || !rd_skip(&p, DCERPC_HDR_LEN))
		return r->err ? r->err : p.err;
	/* big-endian or non-IEEE peers exist in theory only (C706 14.1) */
	if ((drep[0] & 0xF0) != DCERPC_DREP_LE)
		return WIRE_UNSUPPORTED;
	switch (out->ptype) {
	case DCERPC_PTYPE_BIND:
	case DCERPC_PTYPE_ALTER_CONTEXT:
		rc = bind_decode(&p, out);
		break;
	case DCERPC_PTYPE_BIND_ACK:
		rc = bind_ack_decode(&p, out);
		break;
	case DCERPC_PTYPE_BIND_NAK: {
		/* C706 12.6.4.5: provider_reject_reason */
		uint16_t reason;
		rc = rd_u16le(&p, &reason) ? WIRE_OK : p.err;
		out->status = reason;
		break;
	}
	case DCERPC_PTYPE_REQUEST:
		rc = request_decode(&p, auth_len, out);
		break;
	case DCERPC_PTYPE_RESPONSE:
		rc = response_decode(&p, auth_len, out);
		break;
	case DCERPC_PTYPE_FAULT:
		/* C706 12.6.4.7: alloc_hint, p_cont_id, cancel_count, reserved, status */
		if (!rd_u32le(&p, &out->alloc_hint) || !rd_skip(&p, 4) || !rd_u32le(&p, &out->status))
			rc = p.err;
		else
			rc = WIRE_OK;
		break;
	default:
		rc = WIRE_UNSUPPORTED;
		break;
	}
	if (rc == WIRE_TRUNCATED && out->truncated)
		return WIRE_OK; /* a prefix: what it held is decoded */
	/* a body shorter than its fixed fields inside a complete fragment is a
	 * contradiction, not a need for more bytes */
	if (rc == WIRE_TRUNCATED)
		rc = WIRE_MALFORMED;
	return rc;
}

int dcerpc_pdu_decode(struct rd *r, struct dcerpc_pdu *out)
{
	return pdu_decode(r, out, false);
}

int dcerpc_pdu_decode_prefix(struct rd *r, struct dcerpc_pdu *out)
{
	return pdu_decode(r, out, true);
}

int dcerpc_frame_len(const uint8_t *p, size_t n, size_t *len)
{
	struct rd r;
	uint8_t vers, minor;
	uint16_t frag_len;
	*len = 0;
	rd_init(&r, p, n);
	/* rpc_vers, rpc_vers_minor, ptype, flags, drep[4], frag_length */
	if (!rd_u8(&r, &vers) || !rd_u8(&r, &minor) || !rd_skip(&r, 6) || !rd_u16le(&r, &frag_len) ||
	    rd_left(&r) < DCERPC_HDR_LEN - 10)
		return WIRE_TRUNCATED;
	if (vers != 5 || minor > 1 || frag_len < DCERPC_HDR_LEN)
		return WIRE_MALFORMED;
	*len = frag_len;
	return WIRE_OK;
}
