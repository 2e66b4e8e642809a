/* fuzz_smb2_compress.c - COMPRESSION_TRANSFORM_HEADER decoder and checks on
 * arbitrary bytes; the first 4 bytes are the size limit to check against. */
#include <stddef.h>
#include <stdint.h>

#include "wire/smb2_compress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smb2_compress_hdr h;
	struct rd r;
	if (size < 4)
		return 0;
	uint32_t limit = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
			 (uint32_t)data[3] << 24;
	rd_init(&r, data + 4, size - 4);
	if (smb2_compress_hdr_decode(&r, &h) == 0) {
		if (h.chained && h.n_payloads > SMB2_COMPRESS_MAX_PAYLOADS)
			__builtin_trap();
		if (!h.chained && h.data_len > size - 4)
			__builtin_trap();
		unsigned bad = smb2_compress_check(&h, limit);
		for (unsigned bit = 1; bit <= bad; bit <<= 1)
			(void)smb2_compress_bad_text(bad & bit);
	}
	return 0;
}
