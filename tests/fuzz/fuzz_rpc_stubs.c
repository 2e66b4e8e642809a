/* fuzz_rpc_stubs.c - the lateral-movement request stub decoders
 * (src/wire/rpc_stubs.c) on their own, without the DCE/RPC framing
 * around them, so that every byte reaches the NDR readers.
 *
 * Input: byte 0 selects the call (bit 0: NDR64; the rest, modulo the
 * table below, the interface and opnum); the remaining bytes are the
 * request stub. Checked on every input: only the documented return codes,
 * both names NUL-terminated inside their arrays, valid UTF-8 with no
 * control characters (they go to JSON and terminals), and an opnum the
 * decoder does not know reports WIRE_UNSUPPORTED with empty names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/rpc_stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	enum rpc_iface iface;
	uint16_t opnum;
	bool decoded;
} calls[] = {
	{RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_W, true},
	{RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_A, true},
	{RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_WOW64_A, true},
	{RPC_IF_SVCCTL, SCMR_CREATE_SERVICE_WOW64_W, true},
	{RPC_IF_SVCCTL, SCMR_CREATE_WOW_SERVICE, true},
	{RPC_IF_SVCCTL, SCMR_OPEN_SERVICE_W, true},
	{RPC_IF_SVCCTL, SCMR_OPEN_SCMANAGER_W, false},
	{RPC_IF_SVCCTL, SCMR_START_SERVICE_W, false},
	{RPC_IF_ATSVC, ATSVC_JOB_ADD, true},
	{RPC_IF_TSCH, TSCH_REGISTER_TASK, true},
	{RPC_IF_WINREG, RRP_CREATE_KEY, true},
	{RPC_IF_WINREG, RRP_OPEN_KEY, true},
	{RPC_IF_WINREG, RRP_SAVE_KEY, true},
	{RPC_IF_WINREG, RRP_SET_VALUE, true},
	{RPC_IF_WINREG, RRP_SAVE_KEY_EX, true},
	{RPC_IF_NONE, 0, false},
};
#define N_CALLS (sizeof calls / sizeof calls[0])

/* NUL inside sz, well-formed UTF-8 (no overlong forms, no surrogates, at
 * most U+10FFFF), no C0 control or DEL. */
static void check_text(const char *s, size_t sz)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strnlen(s, sz);
	if (n >= sz)
		abort();
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		size_t k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
				   : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		if (k == 0 || i + k > n || c < 0x20 || c == 0x7F)
			abort();
		uint32_t u = k == 1 ? c : (uint32_t)c & (0x7Fu >> k);
		for (size_t j = 1; j < k; j++) {
			if ((p[i + j] & 0xC0) != 0x80)
				abort();
			u = u << 6 | (p[i + j] & 0x3F);
		}
		if ((k == 3 && u < 0x800) || (k == 4 && (u < 0x10000 || u > 0x10FFFF)) ||
		    (u >= 0xD800 && u <= 0xDFFF))
			abort();
		i += k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_names out;
	struct rd stub;
	if (size == 0)
		return 0;
	size_t i = (size_t)(data[0] >> 1) % N_CALLS;
	bool ndr64 = data[0] & 1;
	rd_init(&stub, data + 1, size - 1);
	int rc = rpc_request_names(calls[i].iface, calls[i].opnum, ndr64, &stub, &out);
	if (rc != WIRE_OK && rc != WIRE_TRUNCATED && rc != WIRE_MALFORMED && rc != WIRE_TOO_LARGE &&
	    rc != WIRE_UNSUPPORTED)
		abort();
	if ((rc == WIRE_UNSUPPORTED) != !calls[i].decoded)
		abort();
	check_text(out.name, sizeof out.name);
	check_text(out.detail, sizeof out.detail);
	if (rc == WIRE_UNSUPPORTED && (out.name[0] || out.detail[0]))
		abort();
	return 0;
}
