/* fuzz_nbss.c - NBSS framing over a stream: consume frames one by one. */
#include <stddef.h>
#include <stdint.h>

#include "wire/nbss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nbss_frame f;

	while (size > 0 && nbss_frame_decode(data, size, &f) == WIRE_OK) {
		if (f.frame_len == 0 || f.frame_len > size)
			__builtin_trap(); /* the contract: never more than we have */
		nbss_negative_reason(f.neg_error);
		data += f.frame_len;
		size -= f.frame_len;
	}
	return 0;
}
