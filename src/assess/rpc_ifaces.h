/* rpc_ifaces.h - the RPC interfaces smbwatch names in an endpoint mapper
 * listing (exposure-facts.md section 5): what each is, whether it is a
 * known authentication-coercion surface, whether it marks a domain
 * controller. Listed only: smbwatch never calls any of them. */
#ifndef SMBW_ASSESS_RPC_IFACES_H
#define SMBW_ASSESS_RPC_IFACES_H

#include <stdbool.h>

struct rpc_iface_info {
	const char *uuid;     /* lower case 8-4-4-4-12 */
	const char *name;     /* "MS-RPRN print spooler" */
	const char *coercion; /* the published coercion ("PrinterBug"), NULL: none */
	bool dc;              /* registered only on a domain controller */
};

/* The row of a uuid (any version), NULL when we do not name it. */
const struct rpc_iface_info *rpc_iface_info(const char *uuid);

#endif
