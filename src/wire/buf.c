/* buf.c - bounds-checked reader/writer; see buf.h for the contract. */
#include "wire/buf.h"

#include <string.h>

const char *wire_strerror(int rc)
{
	switch (rc) {
	case WIRE_OK: return "ok";
	case WIRE_TRUNCATED: return "truncated";
	case WIRE_MALFORMED: return "malformed";
	case WIRE_UNSUPPORTED: return "unsupported";
	case WIRE_TOO_LARGE: return "too large";
	case WIRE_NOSPACE: return "no space";
	default: return "unknown error";
	}
}

void rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->off = 0;
	r->err = 0;
}

bool rd_fail(struct rd *r, int code)
{
	if (r->err == 0)
		r->err = code;
	return false;
}

size_t rd_left(const struct rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

/* The check everything rests on: off <= len always holds, so len - off
 * cannot wrap. */
static bool rd_need(struct rd *r, size_t n)
{
	if (r->err)
		return false;
	if (n > r->len - r->off)
		return rd_fail(r, WIRE_TRUNCATED);
	return true;
}

bool rd_view(struct rd *r, size_t n, const uint8_t **p)
{
	*p = NULL;
	if (!rd_need(r, n))
		return false;
	/* an empty window may have p == NULL: no arithmetic on it */
	*p = r->p ? r->p + r->off : NULL;
	r->off += n;
	return true;
}

bool rd_u8(struct rd *r, uint8_t *v)
{
	const uint8_t *b;
	*v = 0;
	if (!rd_view(r, 1, &b))
		return false;
	*v = b[0];
	return true;
}

bool rd_u16le(struct rd *r, uint16_t *v)
{
	const uint8_t *b;
	*v = 0;
	if (!rd_view(r, 2, &b))
		return false;
	*v = (uint16_t)(b[0] | (uint16_t)b[1] << 8);
	return true;
}

bool rd_u16be(struct rd *r, uint16_t *v)
{
	const uint8_t *b;
	*v = 0;
	if (!rd_view(r, 2, &b))
		return false;
	*v = (uint16_t)((uint16_t)b[0] << 8 | b[1]);
	return true;
}

bool rd_u24be(struct rd *r, uint32_t *v)
{
	const uint8_t *b;
	*v = 0;
	if (!rd_view(r, 3, &b))
		return false;
	*v = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
	return true;
}

bool rd_u32le(struct rd *r, uint32_t *v)
{
	const uint8_t *b;
	*v = 0;
	if (!rd_view(r, 4, &b))
		return false;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return true;
}

bool rd_u32be(struct rd *r, uint32_t *v)
{
	const uint8_t *b;
	*v = 0;
	if (!rd_view(r, 4, &b))
		return false;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return true;
}

bool rd_u64le(struct rd *r, uint64_t *v)
{
	uint32_t lo, hi;
	*v = 0;
	if (!rd_u32le(r, &lo) || !rd_u32le(r, &hi))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

bool rd_bytes(struct rd *r, void *dst, size_t n)
{
	const uint8_t *b;
	if (!rd_view(r, n, &b)) {
		if (n)
			memset(dst, 0, n);
		return false;
	}
	if (n)
		memcpy(dst, b, n);
	return true;
}

bool rd_skip(struct rd *r, size_t n)
{
	const uint8_t *b;
	return rd_view(r, n, &b);
}

bool rd_expect_u16le(struct rd *r, uint16_t want)
{
	uint16_t v;
	if (!rd_u16le(r, &v))
		return false;
	if (v != want)
		return rd_fail(r, WIRE_MALFORMED);
	return true;
}

bool rd_sub(struct rd *r, size_t n, struct rd *child)
{
	const uint8_t *b;
	rd_init(child, NULL, 0);
	if (!rd_view(r, n, &b)) {
		child->err = r->err;
		return false;
	}
	rd_init(child, b, n);
	return true;
}

bool rd_at(struct rd *r, size_t off, size_t n, struct rd *child)
{
	rd_init(child, NULL, 0);
	if (r->err) {
		child->err = r->err;
		return false;
	}
	/* overflow-safe form of off + n <= len */
	if (off > r->len || n > r->len - off) {
		rd_fail(r, WIRE_MALFORMED);
		child->err = r->err;
		return false;
	}
	rd_init(child, r->p ? r->p + off : NULL, n);
	return true;
}

bool rd_align(struct rd *r, size_t align)
{
	if (r->err)
		return false;
	if (align == 0)
		return true;
	size_t pad = (align - r->off % align) % align;
	if (pad > r->len - r->off)
		pad = r->len - r->off;
	r->off += pad;
	return true;
}

bool rd_end(const struct rd *r)
{
	return r->err == 0 && r->off == r->len;
}

void wr_init(struct wr *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = p ? cap : 0;
	w->len = 0;
	w->err = 0;
}

static bool wr_room(struct wr *w, size_t n)
{
	if (w->err)
		return false;
	if (n > w->cap - w->len) {
		w->err = WIRE_NOSPACE;
		return false;
	}
	return true;
}

bool wr_bytes(struct wr *w, const void *src, size_t n)
{
	if (!wr_room(w, n))
		return false;
	if (n)
		memcpy(w->p + w->len, src, n);
	w->len += n;
	return true;
}

bool wr_zeros(struct wr *w, size_t n)
{
	if (!wr_room(w, n))
		return false;
	if (n)
		memset(w->p + w->len, 0, n);
	w->len += n;
	return true;
}

bool wr_u8(struct wr *w, uint8_t v)
{
	return wr_bytes(w, &v, 1);
}

bool wr_u16le(struct wr *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	return wr_bytes(w, b, 2);
}

bool wr_u16be(struct wr *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return wr_bytes(w, b, 2);
}

bool wr_u32le(struct wr *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	return wr_bytes(w, b, 4);
}

bool wr_u32be(struct wr *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return wr_bytes(w, b, 4);
}

bool wr_u64le(struct wr *w, uint64_t v)
{
	return wr_u32le(w, (uint32_t)v) && wr_u32le(w, (uint32_t)(v >> 32));
}

bool wr_align(struct wr *w, size_t base, size_t align)
{
	if (w->err)
		return false;
	if (align == 0 || w->len < base)
		return true;
	size_t pad = (align - (w->len - base) % align) % align;
	return wr_zeros(w, pad);
}

bool wr_hole(struct wr *w, size_t n, size_t *at)
{
	*at = w->len;
	return wr_zeros(w, n);
}

static bool wr_patch(struct wr *w, size_t at, const uint8_t *b, size_t n)
{
	if (w->err)
		return false;
	if (at > w->len || n > w->len - at) {
		w->err = WIRE_NOSPACE;
		return false;
	}
	memcpy(w->p + at, b, n);
	return true;
}

bool wr_patch_u16le(struct wr *w, size_t at, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	return wr_patch(w, at, b, 2);
}

bool wr_patch_u16be(struct wr *w, size_t at, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return wr_patch(w, at, b, 2);
}

bool wr_patch_u32le(struct wr *w, size_t at, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	return wr_patch(w, at, b, 4);
}

bool wr_patch_u24be(struct wr *w, size_t at, uint32_t v)
{
	uint8_t b[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return wr_patch(w, at, b, 3);
}

static size_t utf8_put(char *out, size_t outsz, size_t o, uint32_t cp)
{
	uint8_t tmp[4];
	size_t n;
	if (cp < 0x80) {
		tmp[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (uint8_t)(0xC0 | cp >> 6);
		tmp[1] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (uint8_t)(0xE0 | cp >> 12);
		tmp[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		tmp[2] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		tmp[0] = (uint8_t)(0xF0 | cp >> 18);
		tmp[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
		tmp[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		tmp[3] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (o + n >= outsz) /* never split a code point; keep room for NUL */
		return o;
	memcpy(out + o, tmp, n);
	return o + n;
}

int wire_utf16le_to_utf8(const uint8_t *in, size_t n, char *out, size_t outsz)
{
	if (outsz == 0)
		return WIRE_NOSPACE;
	out[0] = '\0';
	if (n % 2)
		return WIRE_MALFORMED;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 2) {
		uint32_t u = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;
		if (u == 0) {
			if (i + 2 == n)
				break; /* trailing terminator */
			out[0] = '\0';
			return WIRE_MALFORMED;
		}
		if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
			uint32_t lo = (uint32_t)in[i + 2] | (uint32_t)in[i + 3] << 8;
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				i += 2;
			} else {
				u = '?';
			}
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			u = '?';
		}
		if (u < 0x20 || u == 0x7F)
			u = '?'; /* control characters never reach a terminal or a log */
		o = utf8_put(out, outsz, o, u);
	}
	out[o] = '\0';
	return WIRE_OK;
}

int wire_oem_to_utf8(const uint8_t *in, size_t n, char *out, size_t outsz)
{
	if (outsz == 0)
		return WIRE_NOSPACE;
	out[0] = '\0';
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];
		if (c == 0) {
			if (i + 1 == n)
				break; /* trailing terminator */
			out[0] = '\0';
			return WIRE_MALFORMED;
		}
		if (c < 0x20 || c >= 0x7F)
			c = '?'; /* unknown code page: keep output plain ASCII */
		if (o + 1 < outsz)
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return WIRE_OK;
}

bool wr_utf16le_ascii(struct wr *w, const char *s)
{
	for (; *s; s++) {
		uint8_t c = (uint8_t)*s;
		if (!wr_u16le(w, c < 0x80 ? c : '?'))
			return false;
	}
	return true;
}
