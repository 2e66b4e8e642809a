/* srvsvc.h - NetrShareEnum (opnum 15, "NetShareEnumAll") request and the
 * level-1 response (MS-SRVS 3.1.4.8, 2.2.4.23; NDR per C706 ch. 14). */
#ifndef SMBW_WIRE_SRVSVC_H
#define SMBW_WIRE_SRVSVC_H

#include <stdint.h>

#include "wire/buf.h"
#include "wire/limits.h"

#define SRVSVC_OPNUM_NETSHAREENUMALL 15

/* STYPE_* (MS-SRVS 2.2.2.4): low bits give the kind, high bits flags. */
#define STYPE_DISKTREE 0x00000000u
#define STYPE_PRINTQ 0x00000001u
#define STYPE_DEVICE 0x00000002u
#define STYPE_IPC 0x00000003u
#define STYPE_MASK 0x000000FFu
#define STYPE_SPECIAL 0x80000000u
#define STYPE_TEMPORARY 0x40000000u

/* Stub for NetrShareEnum: ServerName "\\\\<server>" (unique pointer),
 * InfoStruct level 1 with a NULL container, PreferedMaximumLength
 * 0xFFFFFFFF, ResumeHandle NULL. */
int srvsvc_share_enum_req_encode(struct wr *w, const char *server);

#define SRVSVC_MAX_SHARES 64
struct srvsvc_share {
	char name[96];
	uint32_t type;
	char comment[WIRE_MAX_STR];
};
struct srvsvc_share_enum_resp {
	unsigned n;             /* entries decoded (<= SRVSVC_MAX_SHARES) */
	uint32_t total_entries; /* as the server said */
	struct srvsvc_share shares[SRVSVC_MAX_SHARES];
	uint32_t werror;        /* the function's return value, 0 = success */
};
/* Decode the response stub (level 1 only: WIRE_UNSUPPORTED otherwise).
 * Counts are capped: entries beyond SRVSVC_MAX_SHARES are skipped, never
 * read out of bounds. */
int srvsvc_share_enum_resp_decode(struct rd *stub, struct srvsvc_share_enum_resp *out);

#endif
