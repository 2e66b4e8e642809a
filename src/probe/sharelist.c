/* sharelist.c - SRVSVC share list PDUs and the record; see sharelist.h. */
#include "probe/sharelist.h"

#include <string.h>

#include "wire/dcerpc.h"

int sharelist_bind_encode(struct wr *w)
{
	return dcerpc_bind_encode(w, 1, &dcerpc_srvsvc);
}

bool sharelist_bind_ok(struct rd *pdu)
{
	struct dcerpc_pdu p;
	return dcerpc_pdu_decode(pdu, &p) == WIRE_OK && p.ptype == DCERPC_PTYPE_BIND_ACK &&
	       p.ack_result == 0;
}

int sharelist_request_encode(struct wr *w, const char *server)
{
	uint8_t stub[256];
	struct wr ws;
	wr_init(&ws, stub, sizeof stub);
	int rc = srvsvc_share_enum_req_encode(&ws, server);
	if (rc < 0)
		return rc;
	return dcerpc_request_encode(w, 2, SRVSVC_OPNUM_NETSHAREENUMALL, ws.p, (uint32_t)ws.len);
}

static const char *share_type_name(uint32_t type)
{
	switch (type & STYPE_MASK) {
	case STYPE_DISKTREE: return "disk";
	case STYPE_PRINTQ: return "printer";
	case STYPE_DEVICE: return "device";
	case STYPE_IPC: return "ipc";
	default: return "other";
	}
}

bool sharelist_store(struct svc_record *rec, const uint8_t *pdu_bytes, size_t n,
		     struct srvsvc_share_enum_resp *e)
{
	struct rd r;
	struct dcerpc_pdu pdu;
	rd_init(&r, pdu_bytes, n);
	int rc = dcerpc_pdu_decode(&r, &pdu);
	if (rc < 0 || pdu.ptype != DCERPC_PTYPE_RESPONSE) {
		record_add_error(rec, "shares", "NetShareEnumAll: %s",
				 rc < 0 ? wire_strerror(rc) : "RPC fault or unexpected PDU");
		return false;
	}
	rc = srvsvc_share_enum_resp_decode(&pdu.stub, e);
	if (rc < 0 || e->werror != 0) {
		if (rc < 0)
			record_add_error(rec, "shares", "NetShareEnumAll: %s", wire_strerror(rc));
		else
			record_add_error(rec, "shares", "NetShareEnumAll: WERROR 0x%08X", e->werror);
		return false;
	}
	if (rec->has_shares)
		return true;
	rec->has_shares = true;
	rec->n_shares = 0;
	for (unsigned i = 0; i < e->n && rec->n_shares < REC_MAX_SHARES; i++) {
		struct rec_share *sh = &rec->shares[rec->n_shares++];
		memset(sh, 0, sizeof *sh);
		record_set_str(sh->name, sizeof sh->name, e->shares[i].name);
		record_set_str(sh->type, sizeof sh->type, share_type_name(e->shares[i].type));
		record_set_str(sh->comment, sizeof sh->comment, e->shares[i].comment);
	}
	return true;
}
