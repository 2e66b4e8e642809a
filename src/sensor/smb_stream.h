/* smb_stream.h - NBSS framing and SMB decoding of one reassembled TCP
 * connection, both directions.
 *
 * Bytes arrive in order per direction (reasm.h). Whole frames found in
 * the delivered bytes are decoded in place; only the start of a frame that
 * straddles two deliveries is copied into a per-direction buffer, which
 * never grows beyond SMB_STREAM_MAX_FRAME. A longer frame (a large READ or
 * WRITE; NBSS allows up to 0x00FFFFFF + 4 bytes) is not buffered: its first
 * SMB_STREAM_HEAD bytes are decoded (the SMB header and a READ's or
 * WRITE's fixed part: the message is seen and counted, SMB_EV_OVERSIZE
 * first) and the rest is skipped by its declared length, whatever the
 * segmentation. After a gap, or when a frame does not start with a
 * plausible NBSS header, the decoder searches for the next
 * 00 xx xx xx FF|FE|FD 'SMB' to resume. No recursion anywhere: memory and
 * stack are bounded per direction, for any input. */
#ifndef SMBW_SENSOR_SMB_STREAM_H
#define SMBW_SENSOR_SMB_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/smb_event.h"
#include "wire/buf.h"

/* Longest frame we buffer; SMB1 and SMB2 control messages are far below.
 * MS17-010 exploits send 4 KiB-64 KiB frames, which fit. */
#define SMB_STREAM_MAX_FRAME (128u * 1024u)
/* Bytes of an oversize frame decoded before its body is skipped: NBSS
 * header, SMB2 header (64) and any fixed part we read, with room to spare. */
#define SMB_STREAM_HEAD (4u + 512u)
/* While resynchronising, junk that straddles deliveries is scanned in
 * chunks of this size. */
#define SMB_STREAM_RESYNC_CHUNK 4096u

struct smb_stream_dir {
	uint8_t *buf;       /* start of a partial frame (heap), NULL when empty */
	size_t len, cap;
	size_t need;        /* bytes the buffered unit wants before it is used */
	uint64_t skip;      /* bytes of an oversize frame still to skip */
	bool resync;        /* looking for the next frame start */
	bool bad_smb2_seen; /* SMB_EV_BAD_SMB2 already reported */
	uint64_t oversize;  /* frames longer than SMB_STREAM_MAX_FRAME */
};

struct smb_stream {
	struct smb_stream_dir d[2];
	/* SMB1 dialect strings of the last NEGOTIATE request, so the
	 * response's DialectIndex can be named */
	char smb1_dialects[SMB_EV_MAX_DIALECTS][24];
	unsigned n_smb1_dialects;
	uint64_t frames;
	smb_event_fn fn;
	void *ctx;
};

void smb_stream_init(struct smb_stream *s, smb_event_fn fn, void *ctx);

/* Feed in-order bytes of direction dir (enum flow_dir). gap: bytes were
 * lost before these (or the stream was picked up mid-way). Returns the
 * change in buffered bytes, for the caller's memory count. */
long smb_stream_feed(struct smb_stream *s, int dir, const uint8_t *data, size_t len, bool gap);

/* Release buffers; returns the change in buffered bytes (<= 0). */
long smb_stream_free(struct smb_stream *s);

/* Decode one NBSS payload (a whole SMB message) of direction dir and emit
 * its events. Exposed for the fuzz target and unit tests. */
void smb_stream_message(struct smb_stream *s, int dir, const uint8_t *msg, size_t len);

/* Internal: the per-version decoders (smb1_decode.c, smb2_decode.c). */
void smb_stream_smb1(struct smb_stream *s, struct smb_event *ev, struct rd *msg);
void smb_stream_smb2(struct smb_stream *s, struct smb_event *ev, struct rd *msg);
void smb_stream_compressed(struct smb_stream *s, struct smb_event *ev, struct rd *msg);
/* Internal: extract user/domain/anonymous from a security blob. */
void smb_stream_auth_blob(struct smb_event *ev, const struct rd *blob);

#endif
