/* fuzz_srvsvc.c - NetrShareEnum level-1 response stub decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/srvsvc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct srvsvc_share_enum_resp resp;
	struct rd r;
	rd_init(&r, data, size);
	if (srvsvc_share_enum_resp_decode(&r, &resp) == WIRE_OK) {
		if (resp.n > SRVSVC_MAX_SHARES)
			abort();
		for (unsigned i = 0; i < resp.n; i++)
			if (strlen(resp.shares[i].name) >= sizeof resp.shares[i].name ||
			    strlen(resp.shares[i].comment) >= sizeof resp.shares[i].comment)
				abort();
	}
	return 0;
}
