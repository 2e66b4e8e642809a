/* stream_frames.h - SMB messages out of a byte stream that carries them
 * with the Direct TCP 4-byte header (MS-SMB2 2.1), as a QUIC stream does:
 * bytes go in as they arrive, whole messages come out. The header itself
 * is decoded by wire/nbss.c; this only buffers, capped at one frame of
 * WIRE_MAX_FRAME. */
#ifndef SMBW_PROBE_STREAM_FRAMES_H
#define SMBW_PROBE_STREAM_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

struct stream_frames {
	uint8_t *buf;
	size_t len, cap;
	size_t used; /* bytes of the message last returned, dropped on the next call */
};

void stream_frames_init(struct stream_frames *sf);
void stream_frames_free(struct stream_frames *sf);
/* Append bytes; -1 when they would make more than one frame can hold. */
int stream_frames_push(struct stream_frames *sf, const uint8_t *p, size_t n);
/* The next whole SMB message into msg (a view valid until the next call):
 * WIRE_OK, WIRE_TRUNCATED (wait for more bytes) or another WIRE_* error
 * (not Direct TCP framing: the stream is unusable). Keepalives are
 * skipped. */
int stream_frames_next(struct stream_frames *sf, struct rd *msg);

#endif
