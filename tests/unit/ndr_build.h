/* ndr_build.h - a small NDR / NDR64 writer for tests that build RPC stubs
 * (strings as conformant varying arrays, MS-RRP RRP_UNICODE_STRING, the
 * 20-byte context handle). Header-only, static functions. */
#ifndef SMBW_TEST_NDR_BUILD_H
#define SMBW_TEST_NDR_BUILD_H

#include <stdbool.h>
#include <string.h>

#include "wire/buf.h"

struct ndrw {
	struct wr w;
	bool n64;
};

static inline void w_align(struct ndrw *b, size_t a)
{
	wr_align(&b->w, 0, a);
}
static inline void w_u32(struct ndrw *b, uint32_t v)
{
	w_align(b, 4);
	wr_u32le(&b->w, v);
}
static inline void w_size(struct ndrw *b, uint64_t v)
{
	if (b->n64) {
		w_align(b, 8);
		wr_u64le(&b->w, v);
	} else {
		w_u32(b, (uint32_t)v);
	}
}
static inline void w_wstr(struct ndrw *b, const char *s)
{
	size_t n = strlen(s) + 1;
	w_size(b, n);
	w_size(b, 0);
	w_size(b, n);
	wr_utf16le_ascii(&b->w, s);
	wr_u16le(&b->w, 0);
}
static inline void w_astr(struct ndrw *b, const char *s)
{
	size_t n = strlen(s) + 1;
	w_size(b, n);
	w_size(b, 0);
	w_size(b, n);
	wr_bytes(&b->w, s, n);
}
static inline void w_handle(struct ndrw *b)
{
	w_align(b, 4);
	wr_zeros(&b->w, 20);
}
static inline void w_rrp(struct ndrw *b, const char *s)
{
	uint16_t len = (uint16_t)(2 * (strlen(s) + 1));
	w_align(b, b->n64 ? 8 : 4);
	wr_u16le(&b->w, len);
	wr_u16le(&b->w, len);
	w_size(b, 0x20000); /* referent */
	w_wstr(b, s);
}

#endif
