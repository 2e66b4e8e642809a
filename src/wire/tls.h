/* tls.h - the TLS record layer's outer header (RFC 8446 5.1, RFC 5246
 * 6.2.1): enough to cut a byte stream into whole records for the TLS
 * client (net/tls_client.h), and to tell a TLS answer from anything else
 * (a plain-HTTP listener on 5986 answers "HTTP/1.1 400"). The records'
 * contents are GnuTLS's to decode. */
#ifndef SMBW_WIRE_TLS_H
#define SMBW_WIRE_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

#define TLS_RECORD_HEADER 5
/* the largest record a peer may send: 2^14 plus 2048 of expansion
 * (RFC 5246 6.2.3; TLS 1.3 allows 2^14 + 256) */
#define TLS_RECORD_MAX_BODY (16384u + 2048u)

/* The record at p: its whole length (header included) into *len, WIRE_OK
 * as soon as the header is there (the body may still be coming: compare
 * *len with n); WIRE_TRUNCATED before, WIRE_UNSUPPORTED when the bytes are not a
 * TLS record header (content type 20-24, version 3.x), WIRE_TOO_LARGE
 * past TLS_RECORD_MAX_BODY. */
int tls_record_len(const uint8_t *p, size_t n, size_t *len);

/* The first bytes of a non-TLS answer as printable text ("HTTP/1.1 400
 * Bad Request"), up to the first line end, cut at outsz-1. */
void tls_not_tls_text(struct rd *r, char *out, size_t outsz);

#endif
