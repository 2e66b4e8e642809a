/* fuzz_oxid.c - IObjectExporter::ServerAlive2 response stub decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/oxid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct oxid_alive2 out;
	struct rd r;
	rd_init(&r, data, size);
	if (oxid_server_alive2_resp_decode(&r, &out) == WIRE_OK) {
		if (out.n_addrs > OXID_MAX_ADDRS)
			abort();
		for (unsigned i = 0; i < out.n_addrs; i++)
			if (strlen(out.addrs[i].addr) >= sizeof out.addrs[i].addr)
				abort();
	}
	return 0;
}
