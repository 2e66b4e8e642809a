/* fuzz_buf.c - drive the reader with a call sequence chosen by the input
 * itself: first byte of each step picks the call, the next its size. */
#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r, c;
	uint8_t op, n, tmp[256];
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	char out[64];

	rd_init(&r, data, size);
	while (rd_u8(&r, &op) && rd_u8(&r, &n)) {
		switch (op % 8) {
		case 0: rd_u32le(&r, &v32); break;
		case 1: rd_u64le(&r, &v64); break;
		case 2: rd_bytes(&r, tmp, n); break;
		case 3: rd_skip(&r, n); break;
		case 4: if (rd_sub(&r, n, &c)) rd_u24be(&c, &v32); break;
		case 5: if (rd_at(&r, n, op, &c)) rd_u16be(&c, &v16); break;
		case 6: rd_align(&r, n % 16); break;
		default: wire_utf16le_to_utf8(data, size < n ? size : n, out, sizeof out); break;
		}
	}
	wire_oem_to_utf8(data, size, out, sizeof out);
	return 0;
}
