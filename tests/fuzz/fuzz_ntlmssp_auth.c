/* fuzz_ntlmssp_auth.c - the NTLMSSP AUTHENTICATE decoder on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "wire/ntlmssp_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ntlm_authenticate a;
	struct rd r;
	rd_init(&r, data, size);
	if (ntlmssp_authenticate_decode(&r, &a) == WIRE_OK && a.anonymous && a.user[0])
		abort(); /* anonymous means an empty user name */
	return 0;
}
