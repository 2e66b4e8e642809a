/* fuzz_ntlmssp.c - NTLMSSP CHALLENGE decoder, directly and via
 * ntlmssp_find (as the probes use it). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/ntlmssp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r, msg;
	struct ntlm_challenge c;

	rd_init(&r, data, size);
	if (ntlmssp_challenge_decode(&r, &c) == WIRE_OK &&
	    strlen(c.dns_computer) >= sizeof c.dns_computer)
		__builtin_trap();
	rd_init(&r, data, size);
	if (ntlmssp_find(&r, &msg) == WIRE_OK)
		ntlmssp_challenge_decode(&msg, &c);
	return 0;
}
