/* oxid.h - IObjectExporter::ServerAlive2 (MS-DCOM 3.1.2.5.1.6, opnum 5) on
 * the endpoint mapper's port: an unauthenticated call whose answer lists
 * every network address of the host (the string bindings of a
 * DUALSTRINGARRAY, MS-DCOM 2.2.19). NDR, little-endian. Nothing here
 * allocates. */
#ifndef SMBW_WIRE_OXID_H
#define SMBW_WIRE_OXID_H

#include <stdint.h>

#include "wire/buf.h"
#include "wire/dcerpc.h"

#define OXID_OPNUM_SERVER_ALIVE2 5
#define OXID_MAX_ADDRS 16

/* IObjectExporter 99fcfec4-5260-101b-bbcb-00aa0021347a v0.0 */
extern const struct dcerpc_syntax dcerpc_iobjectexporter;

struct oxid_alive2 {
	uint16_t com_major, com_minor; /* COMVERSION */
	unsigned n_addrs;              /* string bindings kept (the first OXID_MAX_ADDRS) */
	struct {
		uint16_t tower_id;     /* 0x07 ncacn_ip_tcp, ... (MS-DCOM 2.2.19.3) */
		char addr[64];         /* "198.18.1.52", "HOST", printable ASCII */
	} addrs[OXID_MAX_ADDRS];
	uint32_t status;
};

/* The response stub of ServerAlive2 (the request stub is empty). */
int oxid_server_alive2_resp_decode(const struct rd *stub, struct oxid_alive2 *out);

#endif
