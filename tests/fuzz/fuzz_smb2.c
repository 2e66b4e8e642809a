/* fuzz_smb2.c - SMB2 NEGOTIATE and SESSION_SETUP response decoders. */
#include <stddef.h>
#include <stdint.h>

#include "wire/smb2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r;
	struct smb2_negotiate_resp neg;
	struct smb2_session_setup_resp sess;

	rd_init(&r, data, size);
	smb_magic_of(&r);
	if (smb2_negotiate_resp_decode(&r, &neg) == WIRE_OK &&
	    (neg.n_ciphers > WIRE_MAX_ALGS || neg.n_compression > WIRE_MAX_ALGS ||
	     neg.n_signing > WIRE_MAX_ALGS || neg.n_preauth > WIRE_MAX_ALGS))
		__builtin_trap();
	rd_init(&r, data, size);
	smb2_session_setup_resp_decode(&r, &sess);
	return 0;
}
