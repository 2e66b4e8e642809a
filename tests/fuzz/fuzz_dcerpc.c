/* fuzz_dcerpc.c - DCE/RPC PDU decoder over a stream of back-to-back PDUs,
 * then the SRVSVC decoder on every response stub found. */
#include <stdint.h>
#include <stdlib.h>

#include "wire/dcerpc.h"
#include "wire/srvsvc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct srvsvc_share_enum_resp resp;
	struct dcerpc_pdu pdu;
	struct rd r;
	rd_init(&r, data, size);
	/* each success consumes at least the 16-byte header: the loop ends */
	while (dcerpc_pdu_decode(&r, &pdu) == WIRE_OK) {
		if (pdu.frag_len < 16 || pdu.stub.len > pdu.frag_len)
			abort();
		if (pdu.ptype == DCERPC_PTYPE_RESPONSE)
			(void)srvsvc_share_enum_resp_decode(&pdu.stub, &resp);
	}
	return 0;
}
