/* tls.c - the TLS record header; see tls.h. */
#include "wire/tls.h"

#include "wire/wire.h"

int tls_record_len(const uint8_t *p, size_t n, size_t *len)
{
	struct rd r;
	uint8_t type, major, minor;
	uint16_t body;
	rd_init(&r, p, n);
	/* type and version first: a non-TLS answer is told from its first
	 * bytes, without waiting for five */
	if (!rd_u8(&r, &type))
		return WIRE_TRUNCATED;
	if (type < 20 || type > 24) /* change_cipher_spec .. heartbeat */
		return WIRE_UNSUPPORTED;
	if (!rd_u8(&r, &major))
		return WIRE_TRUNCATED;
	if (major != 3)
		return WIRE_UNSUPPORTED;
	if (!rd_u8(&r, &minor) || !rd_u16be(&r, &body))
		return WIRE_TRUNCATED;
	if (minor > 4)
		return WIRE_UNSUPPORTED;
	if (body > TLS_RECORD_MAX_BODY)
		return WIRE_TOO_LARGE;
	*len = TLS_RECORD_HEADER + (size_t)body;
	return WIRE_OK;
}

void tls_not_tls_text(struct rd *r, char *out, size_t outsz)
{
	size_t k = 0;
	uint8_t c;
	while (k + 1 < outsz && rd_u8(r, &c) && c != '\r' && c != '\n')
		out[k++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
	out[k] = '\0';
}
