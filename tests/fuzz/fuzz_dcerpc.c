/* fuzz_dcerpc.c - DCE/RPC PDU decoder over a stream of back-to-back PDUs,
 * then the SRVSVC decoder on every response stub found and the
 * lateral-movement stub decoders (rpc_stubs.c) on every request stub, in
 * NDR and NDR64; and the prefix decoder (a bounded observer's view) on
 * every cut of the first PDU that the first input byte selects. */
#include <stdint.h>
#include <stdlib.h>

#include "wire/dcerpc.h"
#include "wire/rpc_stubs.h"
#include "wire/srvsvc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	enum rpc_iface iface;
	uint16_t opnum;
} stub_ops[] = {
	{RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_W}, {RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_A},
	{RPC_IF_SVCCTL, SCMR_OPEN_SERVICE_W},   {RPC_IF_ATSVC, ATSVC_JOB_ADD},
	{RPC_IF_TSCH, TSCH_REGISTER_TASK},      {RPC_IF_WINREG, RRP_SAVE_KEY},
};

static void stubs(const struct rd *stub)
{
	struct rpc_names n;
	for (size_t i = 0; i < sizeof stub_ops / sizeof stub_ops[0]; i++)
		for (int n64 = 0; n64 < 2; n64++)
			(void)rpc_request_names(stub_ops[i].iface, stub_ops[i].opnum, n64, stub, &n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct srvsvc_share_enum_resp resp;
	struct dcerpc_pdu pdu;
	struct rd r;
	rd_init(&r, data, size);
	/* each success consumes at least the 16-byte header: the loop ends */
	while (dcerpc_pdu_decode(&r, &pdu) == WIRE_OK) {
		if (pdu.frag_len < 16 || pdu.stub.len > pdu.frag_len || pdu.truncated ||
		    pdu.n_ctx > DCERPC_MAX_CTX)
			abort();
		if (pdu.ptype == DCERPC_PTYPE_RESPONSE)
			(void)srvsvc_share_enum_resp_decode(&pdu.stub, &resp);
		if (pdu.ptype == DCERPC_PTYPE_REQUEST)
			stubs(&pdu.stub);
	}
	/* prefix mode: the first PDU cut where byte 0 says */
	size_t cut = size ? (size_t)data[0] * 17 % (size + 1) : 0;
	rd_init(&r, data, cut);
	if (dcerpc_pdu_decode_prefix(&r, &pdu) == WIRE_OK) {
		if (pdu.stub.len > cut || (pdu.truncated && cut >= pdu.frag_len))
			abort();
		if (pdu.ptype == DCERPC_PTYPE_REQUEST)
			stubs(&pdu.stub);
	}
	return 0;
}
