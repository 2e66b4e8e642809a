/* nbss.c - NetBIOS session service / direct TCP framing; see nbss.h. */
#include "wire/nbss.h"

#include "wire/limits.h"

/* RFC 1001 14.1: a NetBIOS name is 16 bytes (15 characters + suffix). */
#define NB_NAME_CHARS 15
/* RFC 1002 4.3.2: each encoded name is 0x20, 32 half-ASCII bytes, 0x00. */
#define NB_ENCODED_NAME_LEN 34

int nbss_header_decode(const uint8_t *buf, size_t len, uint8_t *type, size_t *body_len)
{
	struct rd r;
	uint8_t flags;
	uint16_t len16;

	rd_init(&r, buf, len);
	if (!rd_u8(&r, type) || !rd_u8(&r, &flags) || !rd_u16be(&r, &len16))
		return r.err;
	switch (*type) {
	case NBSS_MESSAGE:
		/* MS-SMB2 2.1: direct TCP uses 0x00 + 24-bit length; the
		 * RFC 1002 17-bit form (flags bit 0 = length bit 16) is a
		 * subset of it, so one rule serves both ports. */
		*body_len = (size_t)flags << 16 | len16;
		return WIRE_OK;
	case NBSS_REQUEST:
	case NBSS_POSITIVE:
	case NBSS_NEGATIVE:
	case NBSS_RETARGET:
	case NBSS_KEEPALIVE:
		/* RFC 1002 4.3.1: only the E bit (0x01) of FLAGS is defined */
		if (flags & 0xFE)
			return WIRE_MALFORMED;
		*body_len = (size_t)(flags & 0x01) << 16 | len16;
		return WIRE_OK;
	default:
		return WIRE_MALFORMED;
	}
}

int nbss_frame_decode(const uint8_t *buf, size_t len, struct nbss_frame *f)
{
	struct rd r;
	uint8_t type;
	size_t body_len;
	int rc;

	f->type = 0;
	f->frame_len = 0;
	f->neg_error = 0;
	rd_init(&f->payload, NULL, 0);
	rc = nbss_header_decode(buf, len, &type, &body_len);
	if (rc != WIRE_OK)
		return rc;
	rd_init(&r, buf, len);
	if (!rd_skip(&r, 4))
		return r.err;
	/* checked from the header alone, before anyone buffers the body */
	if (body_len > WIRE_MAX_FRAME)
		return WIRE_TOO_LARGE;
	if (!rd_sub(&r, body_len, &f->payload))
		return r.err;

	if (type == NBSS_NEGATIVE) {
		/* RFC 1002 4.3.4: NEGATIVE SESSION RESPONSE carries one
		 * error-code byte */
		struct rd p = f->payload;
		if (!rd_u8(&p, &f->neg_error))
			return WIRE_MALFORMED;
	}
	f->type = type;
	f->frame_len = 4 + body_len;
	return WIRE_OK;
}

int nbss_message_begin(struct wr *w, size_t *at)
{
	if (!wr_hole(w, 4, at))
		return w->err;
	return WIRE_OK;
}

int nbss_message_end(struct wr *w, size_t at)
{
	if (w->err)
		return w->err;
	if (at > w->len || w->len - at < 4)
		return WIRE_MALFORMED;
	size_t body = w->len - at - 4;
	if (body > 0xFFFFFFu)
		return WIRE_TOO_LARGE;
	/* byte at+0 stays 0x00 (SESSION MESSAGE) from wr_hole */
	if (!wr_patch_u24be(w, at + 1, (uint32_t)body))
		return w->err;
	return WIRE_OK;
}

/* RFC 1001 14.1 first-level encoding: the name, upper-cased and padded to
 * 15 characters, then the suffix byte; each of the 16 bytes becomes two
 * characters 'A' + nibble. "*" alone is padded with NULs (RFC 1002 4.2.1.1
 * wildcard), every other name with spaces. */
static int nb_name_encode(struct wr *w, const char *name, uint8_t suffix)
{
	uint8_t raw[16];
	size_t n = 0;
	uint8_t pad = ' ';

	if (!name)
		return WIRE_MALFORMED;
	if (name[0] == '*' && name[1] == '\0')
		pad = 0x00;
	for (; name[n]; n++) {
		if (n >= NB_NAME_CHARS)
			return WIRE_TOO_LARGE;
		uint8_t c = (uint8_t)name[n];
		if (c >= 'a' && c <= 'z')
			c = (uint8_t)(c - 'a' + 'A');
		raw[n] = c;
	}
	for (; n < NB_NAME_CHARS; n++)
		raw[n] = pad;
	raw[NB_NAME_CHARS] = suffix;

	if (!wr_u8(w, 0x20))
		return w->err;
	for (size_t i = 0; i < sizeof raw; i++) {
		if (!wr_u8(w, (uint8_t)('A' + (raw[i] >> 4))) ||
		    !wr_u8(w, (uint8_t)('A' + (raw[i] & 0x0F))))
			return w->err;
	}
	if (!wr_u8(w, 0x00)) /* empty scope: root label */
		return w->err;
	return WIRE_OK;
}

int nbss_session_request_encode(struct wr *w, const char *called, uint8_t called_suffix,
				const char *calling, uint8_t calling_suffix)
{
	int rc;

	/* RFC 1002 4.3.2: type 0x81, flags 0, length 68 */
	if (!wr_u8(w, NBSS_REQUEST) || !wr_u8(w, 0) ||
	    !wr_u16be(w, 2 * NB_ENCODED_NAME_LEN))
		return w->err;
	rc = nb_name_encode(w, called, called_suffix);
	if (rc < 0)
		return rc;
	rc = nb_name_encode(w, calling, calling_suffix);
	if (rc < 0)
		return rc;
	return WIRE_OK;
}

const char *nbss_negative_reason(uint8_t code)
{
	/* RFC 1002 4.3.4 */
	switch (code) {
	case 0x80: return "not listening on called name";
	case 0x81: return "not listening for calling name";
	case 0x82: return "called name not present";
	case 0x83: return "called name present, but insufficient resources";
	case 0x8F: return "unspecified error";
	default: return "unknown error code";
	}
}
