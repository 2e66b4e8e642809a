/* fuzz_spnego.c - SPNEGO unwrap, then the NTLMSSP inside it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/ntlmssp.h"
#include "wire/spnego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r, tok;
	struct ntlm_challenge c;
	bool has;

	rd_init(&r, data, size);
	if (spnego_token_decode(&r, &tok) == WIRE_OK) {
		if (tok.len > size)
			__builtin_trap();
		ntlmssp_challenge_decode(&tok, &c);
	}
	rd_init(&r, data, size);
	spnego_init_has_ntlmssp(&r, &has);
	return 0;
}
