/* ssh.c - the SSH identification line; see ssh.h. */
#include "wire/ssh.h"

#include <string.h>

int ssh_line_len(const uint8_t *p, size_t n, size_t *len)
{
	struct rd r;
	rd_init(&r, p, n);
	uint8_t c;
	for (size_t i = 0; i < SSH_LINE_MAX && rd_u8(&r, &c); i++) {
		if (c == '\n') {
			*len = i + 1;
			return WIRE_OK;
		}
	}
	return n >= SSH_LINE_MAX ? WIRE_TOO_LARGE : WIRE_TRUNCATED;
}

/* Bytes of r up to stop (or the end) into out, printable ASCII only; false
 * on a byte RFC 4253 does not allow there. */
static bool take_until(struct rd *r, char stop, char *out, size_t outsz)
{
	size_t k = 0;
	uint8_t c;
	while (rd_left(r)) {
		struct rd peek;
		const uint8_t *p;
		if (!rd_at(r, r->off, 1, &peek) || !rd_view(&peek, 1, &p))
			return false;
		if (*p == (uint8_t)stop)
			return true;
		if (!rd_u8(r, &c) || c < 0x20 || c > 0x7E)
			return false;
		if (k + 1 < outsz)
			out[k++] = (char)c;
		out[k] = '\0';
	}
	return true;
}

int ssh_ident_decode(struct rd *r, struct ssh_ident *id)
{
	memset(id, 0, sizeof *id);
	size_t n = rd_left(r);
	const uint8_t *p;
	if (!rd_view(r, n, &p))
		return r->err;
	/* the line without its CR LF (a bare LF is accepted, as OpenSSH does) */
	if (n && p[n - 1] == '\n')
		n--;
	if (n && p[n - 1] == '\r')
		n--;
	if (n < 4 || memcmp(p, "SSH-", 4) != 0)
		return WIRE_UNSUPPORTED;
	struct rd line;
	rd_init(&line, p + 4, n - 4);
	if (!take_until(&line, '-', id->proto, sizeof id->proto) || !rd_skip(&line, 1))
		return WIRE_MALFORMED;
	if (!take_until(&line, ' ', id->software, sizeof id->software))
		return WIRE_MALFORMED;
	if (rd_left(&line) && (!rd_skip(&line, 1) ||
			       !take_until(&line, '\0', id->comments, sizeof id->comments)))
		return WIRE_MALFORMED;
	if (!id->proto[0] || !id->software[0])
		return WIRE_MALFORMED;
	return WIRE_OK;
}
