/* smb_client.h - what smbwatch says as a client, in one place: the NT status
 * codes its probes decide on, the capabilities and flags it claims, and the
 * SMB2 NEGOTIATE every SMB2 conversation starts with. */
#ifndef SMBW_PROBE_SMB_CLIENT_H
#define SMBW_PROBE_SMB_CLIENT_H

#include <stdint.h>

#include "probe/probe.h"
#include "wire/buf.h"
#include "wire/ntstatus.h"
#include "wire/smb1.h"
#include "wire/smb2.h"

/* SMB1 SESSION_SETUP capabilities (MS-CIFS 2.2.4.53.1): EXTENDED_SECURITY,
 * UNICODE, NT_STATUS, LARGE_FILES, NT_SMBS, LEVEL_II_OPLOCKS. */
#define SMBW_SMB1_CAPS (0x80000000u | 0x4u | 0x40u | 0x8u | 0x10u | 0x80u)
/* SMB1 Flags2 with extended security: Unicode, NT status, long names, no
 * signature bit. */
#define SMBW_SMB1_FLAGS2_EXT                                                          \
	(SMB1_FLAGS2_UNICODE | SMB1_FLAGS2_NT_STATUS | SMB1_FLAGS2_EXTENDED_SECURITY | \
	 SMB1_FLAGS2_LONG_NAMES)

/* SMB2 capabilities we claim (MS-SMB2 2.2.3): DFS, LEASING, LARGE_MTU,
 * MULTI_CHANNEL, PERSISTENT_HANDLES, DIRECTORY_LEASING, ENCRYPTION - what a
 * Windows 10 client sends, so servers answer as they would to Windows. */
#define SMBW_SMB2_CAPS 0x0000007Fu

/* SMB2 NEGOTIATE offering dialects[0..n) with signing enabled, our
 * capabilities and the service's client GUID and preauth salt (3.1.1
 * contexts when 0x0311 is offered). Returns WIRE_* from the encoder. */
int smbw_negotiate2_encode(const struct probe_ctx *ctx, const uint16_t *dialects, unsigned n,
			   uint64_t message_id, struct wr *out);

#endif
