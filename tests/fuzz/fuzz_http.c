/* fuzz_http.c - the head of WinRM's HTTP answer (wire/http.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	struct http_head h;
	struct rd r;
	if (http_head_len(data, size, &len) == WIRE_OK) {
		if (len > size || len > HTTP_HEAD_MAX)
			__builtin_trap();
		rd_init(&r, data, len);
		if (http_head_decode(&r, &h) == WIRE_OK) {
			if (h.n_schemes > HTTP_MAX_SCHEMES)
				__builtin_trap(); /* the contract: never more than kept */
			for (unsigned i = 0; i < h.n_schemes; i++)
				if (strlen(h.schemes[i]) >= sizeof h.schemes[i])
					__builtin_trap();
		}
	}
	rd_init(&r, data, size);
	(void)http_head_decode(&r, &h);
	return 0;
}
