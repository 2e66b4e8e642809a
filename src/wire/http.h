/* http.h - the one HTTP exchange of the WinRM check (5985): the request
 * `POST /wsman` with no credentials, and the head of the answer (status,
 * the WWW-Authenticate schemes offered, Server). Only the head is read. */
#ifndef SMBW_WIRE_HTTP_H
#define SMBW_WIRE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

#define HTTP_HEAD_MAX 8192 /* a longer head is not a WinRM answer */
#define HTTP_MAX_SCHEMES 6

struct http_head {
	unsigned status;                      /* 401 from WinRM without credentials */
	unsigned n_schemes;                   /* WWW-Authenticate schemes kept */
	char schemes[HTTP_MAX_SCHEMES][24];   /* "Negotiate", "Basic", ... as sent */
	char server[64];                      /* Server header, printable ASCII; "" none */
};

/* The head at p (up to and including the blank line): its length into *len;
 * WIRE_TRUNCATED until the blank line, WIRE_TOO_LARGE past HTTP_HEAD_MAX. */
int http_head_len(const uint8_t *p, size_t n, size_t *len);
/* POST /wsman to host (an address, as the Host header) with an empty body. */
int http_wsman_request_encode(struct wr *w, const char *host, unsigned port);
/* Decode a head (what http_head_len framed). */
int http_head_decode(struct rd *r, struct http_head *h);

#endif
