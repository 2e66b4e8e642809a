/* stream_frames.c - see stream_frames.h. */
#include "probe/stream_frames.h"

#include <stdlib.h>
#include <string.h>

#include "wire/limits.h"
#include "wire/nbss.h"
#include "wire/wire.h"

#define FRAMES_CAP (WIRE_MAX_FRAME + 4)

void stream_frames_init(struct stream_frames *sf)
{
	memset(sf, 0, sizeof *sf);
}

void stream_frames_free(struct stream_frames *sf)
{
	free(sf->buf);
	memset(sf, 0, sizeof *sf);
}

static void drop_used(struct stream_frames *sf)
{
	if (!sf->used)
		return;
	memmove(sf->buf, sf->buf + sf->used, sf->len - sf->used);
	sf->len -= sf->used;
	sf->used = 0;
}

int stream_frames_push(struct stream_frames *sf, const uint8_t *p, size_t n)
{
	drop_used(sf);
	if (n > FRAMES_CAP - sf->len)
		return -1;
	if (sf->len + n > sf->cap) {
		/* answers are mostly a few hundred bytes: grow on demand */
		size_t want = sf->cap ? sf->cap : 4096;
		while (want < sf->len + n)
			want *= 2;
		if (want > FRAMES_CAP)
			want = FRAMES_CAP;
		uint8_t *b = realloc(sf->buf, want);
		if (!b)
			abort();
		sf->buf = b;
		sf->cap = want;
	}
	if (n)
		memcpy(sf->buf + sf->len, p, n);
	sf->len += n;
	return 0;
}

int stream_frames_next(struct stream_frames *sf, struct rd *msg)
{
	for (;;) {
		drop_used(sf);
		struct nbss_frame f;
		int rc = nbss_frame_decode(sf->buf, sf->len, &f);
		if (rc != WIRE_OK)
			return rc;
		sf->used = f.frame_len;
		if (f.type == NBSS_KEEPALIVE)
			continue;
		if (f.type != NBSS_MESSAGE)
			return WIRE_MALFORMED; /* Direct TCP has only messages */
		*msg = f.payload;
		return WIRE_OK;
	}
}
