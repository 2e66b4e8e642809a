/* buf.h - the one bounds-checked reader and writer for every wire byte.
 *
 * struct rd is a window over bytes someone else owns. Every getter returns
 * bool and keeps a sticky error: after the first failure every later call
 * fails too, and out-parameters are set to zero, so a chain like
 *     if (!rd_u16le(r, &a) || !rd_u32le(r, &b)) return r->err;
 * is checked once and can never read out of bounds. Offsets given to
 * rd_at() are relative to the window start. Never assign r->off by hand.
 *
 * struct wr appends to a caller-provided buffer of fixed capacity; when full
 * it sets WIRE_NOSPACE and stays failed. Nothing here allocates. */
#ifndef SMBW_WIRE_BUF_H
#define SMBW_WIRE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

struct rd {
	const uint8_t *p; /* window start */
	size_t len;       /* bytes in the window */
	size_t off;       /* next byte; only rd_* functions move it */
	int err;          /* sticky WIRE_* code, 0 while fine */
};

struct wr {
	uint8_t *p;
	size_t cap;
	size_t len;
	int err;
};

void rd_init(struct rd *r, const void *p, size_t len);
/* Mark the reader failed with code (first error wins); returns false. */
bool rd_fail(struct rd *r, int code);
size_t rd_left(const struct rd *r);
bool rd_u8(struct rd *r, uint8_t *v);
bool rd_u16le(struct rd *r, uint16_t *v);
bool rd_u16be(struct rd *r, uint16_t *v);
bool rd_u24be(struct rd *r, uint32_t *v);
bool rd_u32le(struct rd *r, uint32_t *v);
bool rd_u32be(struct rd *r, uint32_t *v);
bool rd_u64le(struct rd *r, uint64_t *v);
bool rd_bytes(struct rd *r, void *dst, size_t n);
/* Borrow the next n bytes without copying. */
bool rd_view(struct rd *r, size_t n, const uint8_t **p);
bool rd_skip(struct rd *r, size_t n);
/* Read a u16le and fail with WIRE_MALFORMED unless it equals want. */
bool rd_expect_u16le(struct rd *r, uint16_t want);
/* Next n bytes as a child window (the parent advances past them). */
bool rd_sub(struct rd *r, size_t n, struct rd *child);
/* Bytes [off, off+n) of the parent window as a child (parent does not move);
 * WIRE_MALFORMED if the range leaves the window. */
bool rd_at(struct rd *r, size_t off, size_t n, struct rd *child);
/* Skip to the next multiple of align (relative to the window start);
 * running off the end is not an error (alignment padding may be absent at
 * the end of a message). */
bool rd_align(struct rd *r, size_t align);
/* No error and nothing left over. */
bool rd_end(const struct rd *r);

void wr_init(struct wr *w, void *p, size_t cap);
bool wr_u8(struct wr *w, uint8_t v);
bool wr_u16le(struct wr *w, uint16_t v);
bool wr_u16be(struct wr *w, uint16_t v);
bool wr_u32le(struct wr *w, uint32_t v);
bool wr_u32be(struct wr *w, uint32_t v);
bool wr_u64le(struct wr *w, uint64_t v);
bool wr_bytes(struct wr *w, const void *src, size_t n);
bool wr_zeros(struct wr *w, size_t n);
/* Pad with zeros to a multiple of align, counted from byte `base` of the buffer. */
bool wr_align(struct wr *w, size_t base, size_t align);
/* Reserve n bytes to fill later; *at receives their offset. */
bool wr_hole(struct wr *w, size_t n, size_t *at);
bool wr_patch_u16le(struct wr *w, size_t at, uint16_t v);
bool wr_patch_u16be(struct wr *w, size_t at, uint16_t v);
bool wr_patch_u32le(struct wr *w, size_t at, uint32_t v);
bool wr_patch_u24be(struct wr *w, size_t at, uint32_t v);

/* UTF-16LE (n bytes) to UTF-8 NUL-terminated in out[outsz]. Replaces what it
 * cannot map with '?'; fails (WIRE_MALFORMED) on odd length or embedded NUL
 * before the end; a trailing NUL code unit is accepted and dropped. Output
 * is cut at outsz-1 bytes. */
int wire_utf16le_to_utf8(const uint8_t *in, size_t n, char *out, size_t outsz);
/* OEM (8-bit, code page unknown) string of n bytes to printable ASCII,
 * NUL-terminated in out[outsz]: bytes >= 0x80 and control characters become
 * '?'. Same NUL rules and cut as wire_utf16le_to_utf8. */
int wire_oem_to_utf8(const uint8_t *in, size_t n, char *out, size_t outsz);
/* UTF-8/ASCII string to UTF-16LE appended to w (no terminator). Non-ASCII
 * bytes are written as '?' (we only ever send ASCII). */
bool wr_utf16le_ascii(struct wr *w, const char *s);

#endif
