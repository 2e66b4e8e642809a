/* epm.c - ept_lookup request/response and protocol towers; see epm.h. */
#include "wire/epm.h"

#include <stdio.h>
#include <string.h>

const struct dcerpc_syntax dcerpc_epm = {
	.uuid = {0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11, 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14,
		 0xa0, 0xfa},
	.ver_major = 3,
	.ver_minor = 0,
};

/* C706 appendix O: inquiry_type RPC_C_EP_ALL_ELTS, vers_option RPC_C_VERS_ALL */
#define EPM_INQ_ALL_ELTS 0
#define EPM_VERS_ALL 1

/* C706 appendix I / L: protocol identifiers of tower floors */
#define FLOOR_UUID 0x0d
#define FLOOR_NCACN 0x0b
#define FLOOR_NCADG 0x0a
#define FLOOR_NCALRPC 0x0c
#define FLOOR_TCP 0x07
#define FLOOR_UDP 0x08
#define FLOOR_IP 0x09
#define FLOOR_PIPE 0x0f
#define FLOOR_LOCAL 0x10
#define FLOOR_NETBIOS 0x11
#define FLOOR_HTTP 0x1f
/* a tower has a handful of floors; more is not a tower we know */
#define EPM_MAX_FLOORS 8

enum epm_arch epm_arch_of_bind_answer(const struct dcerpc_pdu *pdu)
{
	if (pdu->ptype != DCERPC_PTYPE_BIND_ACK || pdu->n_results == 0)
		return EPM_ARCH_UNKNOWN; /* a bind_nak or a fault says nothing of NDR64 */
	const struct dcerpc_ack_result *r = &pdu->results[0];
	if (r->result == DCERPC_RESULT_ACCEPT)
		return dcerpc_syntax_equal(&r->xfer, &dcerpc_ndr64) ? EPM_ARCH_X64 : EPM_ARCH_UNKNOWN;
	if (r->result == DCERPC_RESULT_PROVIDER_REJECT && r->reason == DCERPC_REASON_XFER_NOT_SUPPORTED)
		return EPM_ARCH_X86;
	return EPM_ARCH_UNKNOWN;
}

const char *epm_arch_name(enum epm_arch a)
{
	switch (a) {
	case EPM_ARCH_X64:
		return "x64";
	case EPM_ARCH_X86:
		return "x86";
	case EPM_ARCH_UNKNOWN:
		break;
	}
	return NULL;
}

bool epm_handle_is_null(const uint8_t handle[20])
{
	for (unsigned i = 0; i < 20; i++)
		if (handle[i])
			return false;
	return true;
}

int epm_lookup_req_encode(struct wr *w, const uint8_t handle[20], uint32_t max_ents)
{
	/* inquiry_type, object (unique ptr, NULL), interface_id (unique ptr,
	 * NULL), vers_option, entry_handle (context handle), max_ents */
	if (!wr_u32le(w, EPM_INQ_ALL_ELTS) || !wr_u32le(w, 0) || !wr_u32le(w, 0) ||
	    !wr_u32le(w, EPM_VERS_ALL) || !wr_bytes(w, handle, 20) || !wr_u32le(w, max_ents))
		return w->err;
	return WIRE_OK;
}

/* A NUL-terminated string floor side into out, printable ASCII only (it
 * ends up in reports). */
static void floor_string(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	size_t k = 0;
	for (size_t i = 0; i < n && p[i] && k + 1 < outsz; i++)
		out[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	out[k] = '\0';
}

static void tower_binding(struct epm_tower *t)
{
	switch (t->proto) {
	case EPM_PROTO_TCP:
		snprintf(t->binding, sizeof t->binding, "ncacn_ip_tcp:%s[%u]", t->host, t->port);
		break;
	case EPM_PROTO_UDP:
		snprintf(t->binding, sizeof t->binding, "ncadg_ip_udp:%s[%u]", t->host, t->port);
		break;
	case EPM_PROTO_HTTP:
		snprintf(t->binding, sizeof t->binding, "ncacn_http:%s[%u]", t->host, t->port);
		break;
	case EPM_PROTO_NP:
		/* as impacket's rpcdump.py prints it (the host without "\\\\") */
		snprintf(t->binding, sizeof t->binding, "ncacn_np:%s[%s]", t->host, t->endpoint);
		break;
	case EPM_PROTO_LRPC:
		snprintf(t->binding, sizeof t->binding, "ncalrpc:[%s]", t->endpoint);
		break;
	case EPM_PROTO_OTHER:
		t->binding[0] = '\0';
		break;
	}
}

int epm_tower_decode(const struct rd *octets, struct epm_tower *out)
{
	struct rd r = *octets;
	uint16_t n_floors;
	unsigned n_uuid = 0;
	bool rpc_co = false, rpc_dg = false;

	memset(out, 0, sizeof *out);
	/* C706 appendix L: floor count, then per floor lhs (protocol id and
	 * its data) and rhs (address data), each with a u16le length */
	if (!rd_u16le(&r, &n_floors))
		return r.err;
	if (n_floors == 0 || n_floors > EPM_MAX_FLOORS)
		return WIRE_MALFORMED;
	for (unsigned i = 0; i < n_floors; i++) {
		uint16_t lhs_len, rhs_len;
		struct rd lhs, rhs;
		uint8_t proto;
		if (!rd_u16le(&r, &lhs_len) || !rd_sub(&r, lhs_len, &lhs) || !rd_u16le(&r, &rhs_len) ||
		    !rd_sub(&r, rhs_len, &rhs) || !rd_u8(&lhs, &proto))
			return r.err ? r.err : lhs.err;
		const uint8_t *p;
		switch (proto) {
		case FLOOR_UUID: {
			/* uuid, major version; minor in the rhs. The first is
			 * the interface, the second the transfer syntax. */
			struct dcerpc_syntax s;
			if (!rd_bytes(&lhs, s.uuid, sizeof s.uuid) || !rd_u16le(&lhs, &s.ver_major) ||
			    !rd_u16le(&rhs, &s.ver_minor))
				return WIRE_MALFORMED;
			if (n_uuid++ == 0) {
				out->iface = s;
				out->has_iface = true;
			}
			break;
		}
		case FLOOR_NCACN: rpc_co = true; break;
		case FLOOR_NCADG: rpc_dg = true; break;
		case FLOOR_NCALRPC: out->proto = EPM_PROTO_LRPC; break;
		case FLOOR_TCP:
		case FLOOR_UDP:
		case FLOOR_HTTP:
			/* ports are big-endian (C706 appendix I) */
			if (!rd_u16be(&rhs, &out->port))
				return WIRE_MALFORMED;
			out->proto = proto == FLOOR_HTTP  ? EPM_PROTO_HTTP
				     : proto == FLOOR_UDP ? EPM_PROTO_UDP
							  : EPM_PROTO_TCP;
			break;
		case FLOOR_IP:
			if (!rd_view(&rhs, 4, &p))
				return WIRE_MALFORMED;
			snprintf(out->host, sizeof out->host, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
			break;
		case FLOOR_PIPE:
		case FLOOR_LOCAL:
			rd_view(&rhs, rhs.len, &p);
			floor_string(p, rhs.len, out->endpoint, sizeof out->endpoint);
			if (proto == FLOOR_PIPE)
				out->proto = EPM_PROTO_NP;
			else
				out->proto = EPM_PROTO_LRPC;
			break;
		case FLOOR_NETBIOS:
			rd_view(&rhs, rhs.len, &p);
			floor_string(p, rhs.len, out->host, sizeof out->host);
			break;
		default:
			break; /* floors we do not name are skipped */
		}
	}
	/* a TCP/UDP port floor only means ncacn_ip_tcp / ncadg_ip_udp above
	 * the matching RPC protocol floor */
	if ((out->proto == EPM_PROTO_TCP && !rpc_co) || (out->proto == EPM_PROTO_UDP && !rpc_dg))
		out->proto = EPM_PROTO_OTHER;
	tower_binding(out);
	return WIRE_OK;
}

/* ept_entry_t (C706 appendix O) without its deferred tower: object uuid,
 * tower pointer, annotation ([string] char[64]: offset, actual count,
 * bytes, then alignment for the next element). */
static int entry_decode(struct rd *r, struct epm_entry *e, uint32_t *tower_ref)
{
	uint32_t offset, count;
	const uint8_t *p;
	if (!rd_bytes(r, e->object, sizeof e->object) || !rd_u32le(r, tower_ref) ||
	    !rd_u32le(r, &offset) || !rd_u32le(r, &count))
		return r->err;
	if (offset != 0 || count > 64)
		return WIRE_MALFORMED;
	if (!rd_view(r, count, &p) || !rd_align(r, 4))
		return r->err;
	floor_string(p, count, e->annotation, sizeof e->annotation);
	return WIRE_OK;
}

int epm_lookup_resp_decode(const struct rd *stub, struct epm_lookup_resp *out)
{
	struct rd r = *stub;
	uint32_t max_count, offset, actual;
	uint32_t refs[EPM_LOOKUP_MAX_ENTS];
	int rc;

	memset(out, 0, sizeof *out);
	/* entry_handle, num_ents, then entries[] as a conformant varying
	 * array: max_count, offset, actual_count */
	if (!rd_bytes(&r, out->handle, sizeof out->handle) || !rd_u32le(&r, &out->n))
		return r.err;
	if (!rd_u32le(&r, &max_count) || !rd_u32le(&r, &offset) || !rd_u32le(&r, &actual))
		return r.err;
	if (offset != 0 || actual != out->n || actual > max_count)
		return WIRE_MALFORMED;
	if (actual > EPM_LOOKUP_MAX_ENTS)
		return WIRE_TOO_LARGE;
	for (uint32_t i = 0; i < actual; i++)
		if ((rc = entry_decode(&r, &out->entries[i], &refs[i])) != WIRE_OK)
			return rc;
	/* the towers follow, in entry order, for each non-NULL pointer:
	 * twr_t is a conformant struct (max_count, tower_length, octets) */
	for (uint32_t i = 0; i < actual; i++) {
		uint32_t conf, len;
		struct rd octets;
		if (!refs[i])
			continue;
		if (!rd_align(&r, 4) || !rd_u32le(&r, &conf) || !rd_u32le(&r, &len))
			return r.err;
		if (conf != len)
			return WIRE_MALFORMED;
		if (!rd_sub(&r, len, &octets))
			return r.err;
		out->entries[i].has_tower =
			epm_tower_decode(&octets, &out->entries[i].tower) == WIRE_OK;
	}
	if (!rd_align(&r, 4) || !rd_u32le(&r, &out->status))
		return r.err;
	return WIRE_OK;
}
