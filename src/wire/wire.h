/* wire.h - result codes shared by every codec in wire/.
 *
 * Codecs return WIRE_OK (0) or one of the negative codes below. "Need more
 * bytes" (WIRE_TRUNCATED) is always kept apart from "the bytes contradict the
 * specification" (WIRE_MALFORMED), so a stream reader knows whether to wait. */
#ifndef SMBW_WIRE_H
#define SMBW_WIRE_H

enum wire_rc {
	WIRE_OK = 0,
	WIRE_TRUNCATED = -1,   /* cut short / need more bytes */
	WIRE_MALFORMED = -2,   /* contradicts the spec (bad magic, offset out of range) */
	WIRE_UNSUPPORTED = -3, /* well formed, but not something we decode */
	WIRE_TOO_LARGE = -4,   /* above one of our caps (wire/limits.h) */
	WIRE_NOSPACE = -5,     /* writer buffer full */
};

/* Static, human-readable name of a WIRE_* code ("truncated", ...). */
const char *wire_strerror(int rc);

#endif
