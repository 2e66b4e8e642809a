/* fuzz_smb1.c - SMB1 NEGOTIATE and SESSION_SETUP_ANDX response decoders. */
#include <stddef.h>
#include <stdint.h>

#include "wire/smb1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r;
	struct smb1_negotiate_resp neg;
	struct smb1_session_setup_resp sess;

	rd_init(&r, data, size);
	if (smb1_negotiate_resp_decode(&r, &neg) == WIRE_OK && neg.security_blob.len > size)
		__builtin_trap();
	rd_init(&r, data, size);
	if (smb1_session_setup_resp_decode(&r, &sess) == WIRE_OK && sess.security_blob.len > size)
		__builtin_trap();
	return 0;
}
