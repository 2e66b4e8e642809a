/* smb_client.c - the SMB2 NEGOTIATE shared by every SMB2 conversation. */
#include "probe/smb_client.h"

#include <string.h>

#include "wire/smb2.h"

int smbw_negotiate2_encode(const struct probe_ctx *ctx, const uint16_t *dialects, unsigned n,
			   uint64_t message_id, struct wr *out)
{
	struct smb2_negotiate_req req = {
		.dialects = dialects,
		.n_dialects = n,
		.security_mode = SMB2_SECMODE_SIGNING_ENABLED,
		.capabilities = SMBW_SMB2_CAPS,
	};
	memcpy(req.client_guid, ctx->client_guid, sizeof req.client_guid);
	memcpy(req.salt, ctx->salt, sizeof req.salt);
	return smb2_negotiate_req_encode(out, &req, message_id);
}
