/* rdp.c - X.224 Connection Request / Confirm of RDP; see rdp.h. */
#include "wire/rdp.h"

#define TPKT_VERSION 3
#define X224_CR 0xE0 /* Connection Request TPDU code (ITU-T X.224 13.3) */
#define X224_CC 0xD0 /* Connection Confirm */
#define NEG_REQ 0x01
#define NEG_RSP 0x02
#define NEG_FAILURE 0x03
#define NEG_LEN 8

int rdp_tpkt_frame_len(const uint8_t *p, size_t n, size_t *len)
{
	struct rd r;
	uint8_t version, reserved;
	uint16_t total;
	rd_init(&r, p, n);
	if (!rd_u8(&r, &version) || !rd_u8(&r, &reserved) || !rd_u16be(&r, &total))
		return r.err;
	if (version != TPKT_VERSION || total < 4 + 7)
		return WIRE_MALFORMED; /* not a TPKT holding an X.224 TPDU */
	*len = total;
	return WIRE_OK;
}

int rdp_conn_request_encode(struct wr *w, uint32_t requested)
{
	size_t at;
	/* TPKT(4) LI(1) CR dst-ref src-ref class(6) NEG_REQ(8) */
	const uint8_t li = 6 + NEG_LEN;
	if (!wr_u8(w, TPKT_VERSION) || !wr_u8(w, 0) || !wr_hole(w, 2, &at) || !wr_u8(w, li) ||
	    !wr_u8(w, X224_CR) || !wr_u16be(w, 0) || !wr_u16be(w, 0) || !wr_u8(w, 0) ||
	    !wr_u8(w, NEG_REQ) || !wr_u8(w, 0) || !wr_u16le(w, NEG_LEN) || !wr_u32le(w, requested))
		return w->err;
	return wr_patch_u16be(w, at, (uint16_t)(w->len - at + 2)) ? WIRE_OK : w->err;
}

int rdp_conn_confirm_decode(struct rd *r, struct rdp_cc *cc)
{
	uint8_t version, reserved, li, code, cls;
	uint16_t total, dst, src;
	*cc = (struct rdp_cc){0};
	if (!rd_u8(r, &version) || !rd_u8(r, &reserved) || !rd_u16be(r, &total))
		return r->err;
	if (version != TPKT_VERSION || total != r->len)
		return WIRE_MALFORMED;
	struct rd tpdu;
	if (!rd_u8(r, &li) || !rd_sub(r, li, &tpdu))
		return r->err;
	if (!rd_u8(&tpdu, &code) || !rd_u16be(&tpdu, &dst) || !rd_u16be(&tpdu, &src) ||
	    !rd_u8(&tpdu, &cls))
		return tpdu.err;
	if ((code & 0xF0) != X224_CC)
		return WIRE_UNSUPPORTED; /* a TPDU, but not the confirm */
	if (rd_left(&tpdu) == 0) {
		cc->kind = RDP_CC_PLAIN; /* a server older than negotiation: RDP */
		cc->selected = RDP_PROTO_RDP;
		return WIRE_OK;
	}
	uint8_t type, flags;
	uint16_t len;
	uint32_t value;
	if (!rd_u8(&tpdu, &type) || !rd_u8(&tpdu, &flags) || !rd_u16le(&tpdu, &len) ||
	    !rd_u32le(&tpdu, &value))
		return tpdu.err;
	if (len != NEG_LEN)
		return WIRE_MALFORMED;
	cc->flags = flags;
	if (type == NEG_RSP) {
		cc->kind = RDP_CC_NEG_RSP;
		cc->selected = value;
	} else if (type == NEG_FAILURE) {
		cc->kind = RDP_CC_NEG_FAILURE;
		cc->failure = value;
	} else {
		return WIRE_MALFORMED;
	}
	return WIRE_OK;
}

const char *rdp_protocol_name(uint32_t selected)
{
	switch (selected) {
	case RDP_PROTO_RDP:
		return "rdp";
	case RDP_PROTO_SSL:
		return "tls";
	case RDP_PROTO_HYBRID:
		return "nla";
	case RDP_PROTO_RDSTLS:
		return "rdstls";
	case RDP_PROTO_HYBRID_EX:
		return "nla-ex";
	}
	return NULL;
}

const char *rdp_failure_name(uint32_t code)
{
	switch (code) {
	case 1:
		return "ssl required by server";
	case 2:
		return "ssl not allowed by server";
	case 3:
		return "ssl cert not on server";
	case 4:
		return "inconsistent flags";
	case 5:
		return "hybrid required by server";
	case 6:
		return "ssl with user auth required by server";
	}
	return NULL;
}
