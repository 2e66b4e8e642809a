/* rpc_stubs.h - the names in the request stubs of the RPC calls that move
 * laterally over SMB named pipes: MS-SCMR (svcctl: service creation),
 * MS-TSCH (atsvc NetrJobAdd, ITaskSchedulerService SchRpcRegisterTask) and
 * MS-RRP (winreg: key creation, value writes, hive saves). NDR (32-bit) and
 * NDR64 stubs, little-endian.
 *
 * Best effort on a stub prefix: a passive sensor keeps only the first bytes
 * of each fragment, so a field cut short ends the decode and what was read
 * before it stays in the output. Nothing here allocates. */
#ifndef SMBW_WIRE_RPC_STUBS_H
#define SMBW_WIRE_RPC_STUBS_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/buf.h"
#include "wire/dcerpc.h"

enum rpc_iface {
	RPC_IF_NONE,
	RPC_IF_SVCCTL, /* MS-SCMR 367abb81-9844-35f1-ad32-98f038001003 v2 */
	RPC_IF_ATSVC,  /* MS-TSCH ATSvc 1ff70682-0a51-30e8-076d-740be8cee98b v1 */
	RPC_IF_TSCH,   /* MS-TSCH ITaskSchedulerService 86d35949-83c9-4044-b424-db363231fd0c v1 */
	RPC_IF_WINREG, /* MS-RRP 338cd001-2244-31f1-aaaa-900038001003 v1 */
};

/* MS-SCMR 3.1.4 opnums */
#define SCMR_CHANGE_SERVICE_CONFIG_W 11
#define SCMR_CREATE_SERVICE_W 12
#define SCMR_OPEN_SCMANAGER_W 15
#define SCMR_OPEN_SERVICE_W 16
#define SCMR_START_SERVICE_W 19
#define SCMR_CREATE_SERVICE_A 24
#define SCMR_CREATE_SERVICE_WOW64_A 44
#define SCMR_CREATE_SERVICE_WOW64_W 45
#define SCMR_CREATE_WOW_SERVICE 60
/* MS-TSCH 3.2.5.2 / 3.2.5.4 opnums */
#define ATSVC_JOB_ADD 0
#define TSCH_REGISTER_TASK 1
/* MS-RRP 3.1.5 opnums */
#define RRP_CREATE_KEY 6
#define RRP_OPEN_KEY 15
#define RRP_SAVE_KEY 20
#define RRP_SET_VALUE 22
#define RRP_SAVE_KEY_EX 31

/* The interface an abstract syntax names, RPC_IF_NONE for others. */
enum rpc_iface rpc_iface_of(const struct dcerpc_syntax *s);
/* "svcctl", "atsvc", "ITaskSchedulerService", "winreg"; "" for NONE. */
const char *rpc_iface_name(enum rpc_iface iface);
/* "CreateServiceW", "NetrJobAdd", ... or NULL when we do not name it. */
const char *rpc_opnum_name(enum rpc_iface iface, uint16_t opnum);
/* The svcctl opnums that create a service (12, 24, 44, 45, 60). */
bool rpc_scmr_creates_service(uint16_t opnum);

/* What a request names, UTF-8, cut to fit. */
struct rpc_names {
	char name[128];   /* service name, task path, registry key/value, file */
	char detail[256]; /* service binary path, job/task command */
};

/* Decode the names of one request stub (opnum of iface). WIRE_OK when the
 * main name (or, for a job, the command) was read; WIRE_UNSUPPORTED for an
 * opnum we do not decode; WIRE_TRUNCATED / WIRE_MALFORMED otherwise, with
 * whatever was read before kept in out. */
int rpc_request_names(enum rpc_iface iface, uint16_t opnum, bool ndr64, const struct rd *stub,
		      struct rpc_names *out);

#endif
