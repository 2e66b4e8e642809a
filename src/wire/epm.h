/* epm.h - the RPC endpoint mapper (EPM, e1af8308-5d1f-11c9-91a4-08002b14a0fa
 * v3.0) on TCP 135: the ept_lookup request (opnum 2, C706 appendix O,
 * MS-RPCE 2.2.1.2.4) and its response, with the protocol towers of each
 * entry decoded (C706 appendix L, MS-RPCE 2.2.1.2.5). NDR (32-bit),
 * little-endian. Nothing here allocates. */
#ifndef SMBW_WIRE_EPM_H
#define SMBW_WIRE_EPM_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/buf.h"
#include "wire/dcerpc.h"

#define EPM_OPNUM_LOOKUP 2
/* What we ask for per call: small enough that a Windows answer with long
 * annotations fits the entries we keep. */
#define EPM_LOOKUP_MAX_ENTS 64
/* ept_lookup's "no more entries" (MS-RPCE 2.2.1.2.4): Samba answers the
 * last page with it, Windows with 0 and a null handle. */
#define EPM_S_NOT_REGISTERED 0x16c9a0d6u

/* EPM e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0 */
extern const struct dcerpc_syntax dcerpc_epm;

/* The transport of a binding (C706 appendix I protocol sequences). */
enum epm_proto {
	EPM_PROTO_OTHER = 0,
	EPM_PROTO_TCP,   /* ncacn_ip_tcp */
	EPM_PROTO_UDP,   /* ncadg_ip_udp */
	EPM_PROTO_NP,    /* ncacn_np */
	EPM_PROTO_LRPC,  /* ncalrpc (local only) */
	EPM_PROTO_HTTP,  /* ncacn_http */
};

/* One decoded tower: the interface and where it is reached. */
struct epm_tower {
	bool has_iface;
	struct dcerpc_syntax iface;
	enum epm_proto proto;
	uint16_t port;      /* TCP / UDP / HTTP port; 0 = none */
	char endpoint[80];  /* pipe or ncalrpc name ("\\PIPE\\spoolss"); "" = none */
	char host[64];      /* IPv4 address or NetBIOS name; "" = none */
	/* the C706 string binding: "ncacn_ip_tcp:198.18.1.50[49152]",
	 * "ncacn_np:HOST[\\PIPE\\spoolss]", "ncalrpc:[name]" */
	char binding[160];
};

struct epm_entry {
	uint8_t object[16];
	char annotation[65];
	bool has_tower;
	struct epm_tower tower;
};

struct epm_lookup_resp {
	uint8_t handle[20]; /* entry handle for the next call; all zero = the end */
	uint32_t n;         /* entries (num_ents) */
	struct epm_entry entries[EPM_LOOKUP_MAX_ENTS];
	uint32_t status;
};

/* ept_lookup stub: every element (inquiry RPC_C_EP_ALL_ELTS, no object, no
 * interface, RPC_C_VERS_ALL), from the entry handle (20 zero bytes the first
 * time), at most max_ents. */
int epm_lookup_req_encode(struct wr *w, const uint8_t handle[20], uint32_t max_ents);

/* The response stub. WIRE_TOO_LARGE when more than EPM_LOOKUP_MAX_ENTS
 * entries come back; WIRE_MALFORMED/WIRE_TRUNCATED as usual. A tower that
 * does not decode leaves has_tower false (the entry still counts). */
int epm_lookup_resp_decode(const struct rd *stub, struct epm_lookup_resp *out);

/* One tower's octets (twr_t's tower_octet_string). */
int epm_tower_decode(const struct rd *octets, struct epm_tower *out);

/* 64-bit or not, from the answer to a BIND of EPM offering only NDR64 (as
 * impacket's getArch.py asks): accepted = x64; a provider rejection for
 * "transfer syntaxes not supported" = x86 (what getArch reports; Samba
 * answers so on any CPU: it has no NDR64); anything else = unknown. */
enum epm_arch { EPM_ARCH_UNKNOWN = 0, EPM_ARCH_X86, EPM_ARCH_X64 };
enum epm_arch epm_arch_of_bind_answer(const struct dcerpc_pdu *pdu);
const char *epm_arch_name(enum epm_arch a); /* "x64", "x86"; NULL unknown */

/* Is the handle all zero (no more entries)? */
bool epm_handle_is_null(const uint8_t handle[20]);

#endif
