/* oxid.c - ServerAlive2's answer; see oxid.h. */
#include "wire/oxid.h"

#include <string.h>

const struct dcerpc_syntax dcerpc_iobjectexporter = {
	.uuid = {0xc4, 0xfe, 0xfc, 0x99, 0x60, 0x52, 0x1b, 0x10, 0xbb, 0xcb, 0x00, 0xaa, 0x00, 0x21,
		 0x34, 0x7a},
	.ver_major = 0,
	.ver_minor = 0,
};

/* The string bindings of a DUALSTRINGARRAY: aStringArray[0..sec) holds
 * STRINGBINDINGs (wTowerId, then a NUL-terminated UTF-16 address), ended
 * by a 0 tower id; the security bindings after sec are not ours. */
static int string_bindings(struct rd *a, uint16_t sec, struct oxid_alive2 *out)
{
	size_t pos = 0;
	while (pos < sec) {
		uint16_t tower;
		if (!rd_u16le(a, &tower))
			return WIRE_MALFORMED;
		pos++;
		if (tower == 0)
			return WIRE_OK;
		char addr[64];
		size_t k = 0;
		for (;;) {
			uint16_t c;
			if (pos >= sec || !rd_u16le(a, &c))
				return WIRE_MALFORMED;
			pos++;
			if (c == 0)
				break;
			if (k + 1 < sizeof addr)
				addr[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
		addr[k] = '\0';
		if (out->n_addrs < OXID_MAX_ADDRS) {
			out->addrs[out->n_addrs].tower_id = tower;
			memcpy(out->addrs[out->n_addrs].addr, addr, k + 1);
			out->n_addrs++;
		}
	}
	return WIRE_OK;
}

int oxid_server_alive2_resp_decode(const struct rd *stub, struct oxid_alive2 *out)
{
	struct rd r = *stub, arr;
	uint32_t ref, max_count, reserved;
	uint16_t n, sec;
	int rc;

	memset(out, 0, sizeof *out);
	/* COMVERSION, then the DUALSTRINGARRAY pointer (unique: referent id) */
	if (!rd_u16le(&r, &out->com_major) || !rd_u16le(&r, &out->com_minor) || !rd_u32le(&r, &ref))
		return r.err;
	if (ref) {
		/* conformant struct: max_count first, then wNumEntries,
		 * wSecurityOffset, aStringArray[wNumEntries] */
		if (!rd_u32le(&r, &max_count) || !rd_u16le(&r, &n) || !rd_u16le(&r, &sec))
			return r.err;
		if (n != max_count || sec > n)
			return WIRE_MALFORMED;
		if (!rd_sub(&r, (size_t)n * 2, &arr))
			return r.err;
		if ((rc = string_bindings(&arr, sec, out)) != WIRE_OK)
			return rc;
	}
	if (!rd_align(&r, 4) || !rd_u32le(&r, &reserved) || !rd_u32le(&r, &out->status))
		return r.err;
	return WIRE_OK;
}
