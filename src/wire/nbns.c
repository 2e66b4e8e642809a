/* nbns.c - NBSTAT query and response (RFC 1002 4.2.17/4.2.18); see nbns.h. */
#include "wire/nbns.h"

#include <string.h>

#include "wire/buf.h"

#define NBNS_TYPE_NBSTAT 0x0021
#define NBNS_CLASS_IN 0x0001
#define NBNS_FLAG_RESPONSE 0x8000u
#define NBNS_OPCODE_MASK 0x7800u
#define NBNS_RCODE_MASK 0x000Fu

/* `*` padded with NULs, first-level encoded (RFC 1001 14.1): each half-byte
 * plus 'A'; a 32-byte label, then the empty root label. */
static bool wr_star_name(struct wr *w)
{
	if (!wr_u8(w, 32))
		return false;
	for (int i = 0; i < 16; i++) {
		uint8_t c = i == 0 ? '*' : 0;
		wr_u8(w, (uint8_t)('A' + (c >> 4)));
		wr_u8(w, (uint8_t)('A' + (c & 0x0F)));
	}
	return wr_u8(w, 0);
}

int nbns_nbstat_query(uint16_t tid, uint8_t *out, size_t cap, size_t *len)
{
	struct wr w;
	wr_init(&w, out, cap);
	wr_u16be(&w, tid);
	wr_u16be(&w, 0x0000); /* query, opcode 0, no recursion, unicast */
	wr_u16be(&w, 1);      /* QDCOUNT */
	wr_u16be(&w, 0);
	wr_u16be(&w, 0);
	wr_u16be(&w, 0);
	wr_star_name(&w);
	wr_u16be(&w, NBNS_TYPE_NBSTAT);
	wr_u16be(&w, NBNS_CLASS_IN);
	*len = w.len;
	return w.err;
}

/* Skip an RR_NAME: labels up to the root, or a compression pointer. */
static bool skip_name(struct rd *r)
{
	for (unsigned labels = 0; labels < 64; labels++) {
		uint8_t n;
		if (!rd_u8(r, &n))
			return false;
		if (n == 0)
			return true;
		if ((n & 0xC0) == 0xC0)
			return rd_skip(r, 1); /* a pointer ends the name */
		if (n & 0xC0)
			return rd_fail(r, WIRE_MALFORMED);
		if (!rd_skip(r, n))
			return false;
	}
	return rd_fail(r, WIRE_MALFORMED);
}

/* The 15 name bytes as printable ASCII, trailing spaces and NULs cut. */
static void name_text(const uint8_t *raw, char out[16])
{
	size_t n = 15;
	while (n && (raw[n - 1] == ' ' || raw[n - 1] == 0))
		n--;
	for (size_t i = 0; i < n; i++)
		out[i] = raw[i] >= 0x20 && raw[i] < 0x7F ? (char)raw[i] : '?';
	out[n] = '\0';
}

int nbns_nbstat_parse(const uint8_t *p, size_t n, struct nbns_status *st)
{
	memset(st, 0, sizeof *st);
	struct rd r;
	rd_init(&r, p, n);
	uint16_t flags, qd, an, ns, ar, type, class, rdlen;
	uint32_t ttl;
	if (!rd_u16be(&r, &st->tid) || !rd_u16be(&r, &flags) || !rd_u16be(&r, &qd) ||
	    !rd_u16be(&r, &an) || !rd_u16be(&r, &ns) || !rd_u16be(&r, &ar))
		return r.err;
	if (!(flags & NBNS_FLAG_RESPONSE) || (flags & NBNS_OPCODE_MASK) != 0 ||
	    (flags & NBNS_RCODE_MASK) != 0 || an == 0)
		return WIRE_UNSUPPORTED;
	/* a response carries no question (RFC 1002 4.2.18); skip any that a
	 * peer echoes anyway */
	for (unsigned i = 0; i < qd; i++)
		if (!skip_name(&r) || !rd_skip(&r, 4))
			return r.err;
	if (!skip_name(&r) || !rd_u16be(&r, &type) || !rd_u16be(&r, &class) ||
	    !rd_u32be(&r, &ttl) || !rd_u16be(&r, &rdlen))
		return r.err;
	if (type != NBNS_TYPE_NBSTAT || class != NBNS_CLASS_IN)
		return WIRE_UNSUPPORTED;
	struct rd data;
	uint8_t num;
	if (!rd_sub(&r, rdlen, &data) || !rd_u8(&data, &num))
		return r.err ? r.err : data.err;
	st->n_total = num;
	for (unsigned i = 0; i < num; i++) {
		const uint8_t *raw;
		uint8_t suffix;
		uint16_t nflags;
		if (!rd_view(&data, 15, &raw) || !rd_u8(&data, &suffix) ||
		    !rd_u16be(&data, &nflags))
			return data.err;
		if (st->n_names == NBNS_MAX_NAMES)
			continue;
		struct nbns_name *e = &st->names[st->n_names++];
		name_text(raw, e->name);
		e->suffix = suffix;
		e->flags = nflags;
	}
	/* the statistics after the unit id are often cut short or absent
	 * (Samba sends them, some stacks do not): only the MAC is needed */
	if (rd_left(&data) >= 6 && !rd_bytes(&data, st->mac, 6))
		return data.err;
	return WIRE_OK;
}

const char *nbns_suffix_role(uint8_t suffix, bool group)
{
	switch (suffix) {
	case 0x00: return group ? "domain/workgroup name" : "workstation";
	case 0x03: return "messenger";
	case 0x20: return "file server";
	case 0x1B: return "domain master browser";
	case 0x1C: return "domain controllers";
	case 0x1D: return "master browser";
	case 0x1E: return "browser election";
	case 0x01: return group ? "master browser (__MSBROWSE__)" : NULL;
	default: return NULL;
	}
}
