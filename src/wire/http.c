/* http.c - POST /wsman and the head of its answer; see http.h. */
#include "wire/http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int http_head_len(const uint8_t *p, size_t n, size_t *len)
{
	struct rd r;
	rd_init(&r, p, n < HTTP_HEAD_MAX ? n : HTTP_HEAD_MAX);
	const uint8_t *v;
	/* every byte is looked at through the reader: the blank line ends it */
	for (size_t i = 0; i + 4 <= r.len; i++) {
		struct rd at;
		if (!rd_at(&r, i, 4, &at) || !rd_view(&at, 4, &v))
			return WIRE_MALFORMED;
		if (memcmp(v, "\r\n\r\n", 4) == 0) {
			*len = i + 4;
			return WIRE_OK;
		}
	}
	return n >= HTTP_HEAD_MAX ? WIRE_TOO_LARGE : WIRE_TRUNCATED;
}

int http_wsman_request_encode(struct wr *w, const char *host, unsigned port)
{
	char req[512];
	/* an IPv6 literal goes in brackets in Host (RFC 7230 5.4) */
	bool v6 = strchr(host, ':') != NULL;
	int n = snprintf(req, sizeof req,
			 "POST /wsman HTTP/1.1\r\n"
			 "Host: %s%s%s:%u\r\n"
			 "User-Agent: smbwatch\r\n"
			 "Content-Type: application/soap+xml;charset=UTF-8\r\n"
			 "Content-Length: 0\r\n"
			 "Connection: close\r\n\r\n",
			 v6 ? "[" : "", host, v6 ? "]" : "", port);
	if (n < 0 || (size_t)n >= sizeof req)
		return WIRE_NOSPACE;
	return wr_bytes(w, req, (size_t)n) ? WIRE_OK : w->err;
}

/* The next line (without CRLF) as a child window; false at the end. */
static bool next_line(struct rd *r, struct rd *line)
{
	size_t start = r->off, n = 0;
	const uint8_t *p;
	while (rd_left(r) >= 2) {
		struct rd two;
		if (!rd_at(r, r->off, 2, &two) || !rd_view(&two, 2, &p))
			return false;
		if (p[0] == '\r' && p[1] == '\n') {
			struct rd whole;
			if (!rd_at(r, start, n, &whole) || !rd_skip(r, 2))
				return false;
			*line = whole;
			return true;
		}
		if (!rd_skip(r, 1))
			return false;
		n++;
	}
	return false;
}

/* line's bytes into out as printable ASCII, cut at outsz-1. */
static void line_text(struct rd *line, char *out, size_t outsz)
{
	size_t k = 0;
	uint8_t c;
	while (rd_left(line) && rd_u8(line, &c))
		if (k + 1 < outsz)
			out[k++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
	out[k] = '\0';
}

static void trim_left(const char **s)
{
	while (**s == ' ' || **s == '\t')
		(*s)++;
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "HTTP/1.1 401 ..." (RFC 9112 4): the three-digit status into *status. */
static bool status_line(const char *t, unsigned *status)
{
	if (strncmp(t, "HTTP/", 5) != 0 || !digit(t[5]) || t[6] != '.' || !digit(t[7]) ||
	    t[8] != ' ' || !digit(t[9]) || !digit(t[10]) || !digit(t[11]) || t[9] == '0' ||
	    (t[12] != ' ' && t[12] != '\0'))
		return false;
	*status = (unsigned)(t[9] - '0') * 100u + (unsigned)(t[10] - '0') * 10u +
		  (unsigned)(t[11] - '0');
	return true;
}

int http_head_decode(struct rd *r, struct http_head *h)
{
	memset(h, 0, sizeof *h);
	struct rd line;
	char text[512];
	if (!next_line(r, &line))
		return r->err ? r->err : WIRE_TRUNCATED;
	line_text(&line, text, sizeof text);
	unsigned status;
	if (!status_line(text, &status))
		return WIRE_UNSUPPORTED; /* not an HTTP answer */
	h->status = status;
	while (next_line(r, &line)) {
		if (line.len == 0)
			return WIRE_OK; /* the blank line: the head is over */
		line_text(&line, text, sizeof text);
		char *colon = strchr(text, ':');
		if (!colon)
			return WIRE_MALFORMED;
		*colon = '\0';
		const char *value = colon + 1;
		trim_left(&value);
		if (strcasecmp(text, "Server") == 0) {
			snprintf(h->server, sizeof h->server, "%s", value);
		} else if (strcasecmp(text, "WWW-Authenticate") == 0 && value[0] &&
			   h->n_schemes < HTTP_MAX_SCHEMES) {
			/* the scheme is the first token; its parameters follow */
			size_t n = strcspn(value, " \t,");
			if (n >= sizeof h->schemes[0])
				n = sizeof h->schemes[0] - 1;
			memcpy(h->schemes[h->n_schemes], value, n);
			h->schemes[h->n_schemes][n] = '\0';
			h->n_schemes++;
		}
	}
	return r->err ? r->err : WIRE_TRUNCATED;
}
