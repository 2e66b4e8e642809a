/* fuzz_rdp.c - RDP's TPKT framing and X.224 Connection Confirm (wire/rdp.c). */
#include <stddef.h>
#include <stdint.h>

#include "wire/rdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	if (rdp_tpkt_frame_len(data, size, &len) == WIRE_OK && len <= size) {
		struct rd r;
		struct rdp_cc cc;
		rd_init(&r, data, len);
		if (rdp_conn_confirm_decode(&r, &cc) == WIRE_OK && cc.kind == RDP_CC_PLAIN &&
		    cc.selected != RDP_PROTO_RDP)
			__builtin_trap(); /* no negotiation data is standard security */
	}
	/* the decoder alone, on whatever the framer would not pass */
	struct rd r;
	struct rdp_cc cc;
	rd_init(&r, data, size);
	(void)rdp_conn_confirm_decode(&r, &cc);
	return 0;
}
