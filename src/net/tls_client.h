/* tls_client.h - a TLS client that owns no socket: the caller carries its
 * bytes. What the peer sent goes in with tls_client_input(); what TLS wants
 * sent comes out of tls_client_pending()/tls_client_consume(). So a TLS
 * conversation rides the scan engine's own TCP connection, pacing and
 * timeouts like every other probe (no blocking socket, no second event
 * loop): GnuTLS with its push/pull functions on two buffers.
 *
 * A scanner's client: the server's certificate is never verified nor
 * trusted (any certificate is accepted; it is evidence, see
 * net/cert_summary.h), and no SNI is sent unless the caller names a host
 * (an address is not a valid SNI, RFC 6066 3). Used by WinRM over HTTPS
 * (probe/mgmt.c); nothing in it is WinRM's. */
#ifndef SMBW_NET_TLS_CLIENT_H
#define SMBW_NET_TLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What may wait in either direction: more from the peer is a protocol
 * error (a TLS record is at most 16 KiB + 2 KiB; a certificate chain a
 * few records). */
#define TLS_CLIENT_BUF_MAX (64u * 1024u)

struct tls_client;

enum tls_step {
	TLS_STEP_FAILED = -1, /* the handshake or a record failed: tls_client_error() */
	TLS_STEP_AGAIN = 0,   /* needs more bytes from the peer (send what is pending) */
	TLS_STEP_DONE = 1,    /* the handshake is complete */
};

/* A new client; server_name NULL or "" sends no SNI. NULL when GnuTLS
 * cannot set up a session (out of memory). */
struct tls_client *tls_client_new(const char *server_name);
void tls_client_free(struct tls_client *t);

/* Bytes the peer sent. false when they do not fit TLS_CLIENT_BUF_MAX. */
bool tls_client_input(struct tls_client *t, const uint8_t *p, size_t n);
/* Run the handshake as far as the bytes at hand allow; the first call
 * produces the ClientHello. */
enum tls_step tls_client_handshake(struct tls_client *t);
/* Encrypt p[n] as application data (after TLS_STEP_DONE); 0 or -1. */
int tls_client_write(struct tls_client *t, const void *p, size_t n);
/* Decrypted application data into buf: its length, 0 when none is whole
 * yet, -1 when the peer closed (close_notify) or a record failed. */
long tls_client_read(struct tls_client *t, uint8_t *buf, size_t bufsz);

/* The bytes waiting to be sent (*n of them, NULL when none); consume what
 * was taken. */
const uint8_t *tls_client_pending(const struct tls_client *t, size_t *n);
void tls_client_consume(struct tls_client *t, size_t n);

/* After TLS_STEP_DONE: "TLS1.3", and the IANA cipher suite name
 * ("TLS_AES_256_GCM_SHA384"). */
const char *tls_client_version(const struct tls_client *t);
const char *tls_client_cipher(const struct tls_client *t);
/* The server's own certificate (DER), NULL when it sent none. Valid until
 * tls_client_free. */
const uint8_t *tls_client_peer_cert(const struct tls_client *t, size_t *len);
/* Why the last step failed, in words ("" none): GnuTLS's message, with
 * the alert's name when the server sent one. */
const char *tls_client_error(const struct tls_client *t);

#endif
