/* quic.h - one QUIC v1 client connection, driven from the libuv loop.
 *
 * The only file that knows ngtcp2 (0.12, a pre-1.0 API: a later ngtcp2 is
 * this module's change) and its GnuTLS crypto backend. It sends the Initial
 * with one ALPN, completes the TLS 1.3 handshake without verifying the
 * server (a scanner records the certificate, it does not trust it), then
 * carries bytes on the first client-initiated bidirectional stream (id 0).
 * Knows nothing of SMB. */
#ifndef SMBW_NET_QUIC_H
#define SMBW_NET_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

/* CONNECTION_CLOSE transport error: TLS alert 120 no_application_protocol
 * (RFC 9001 4.8: CRYPTO_ERROR 0x0100 + alert). */
#define QUIC_ERR_NO_APPLICATION_PROTOCOL 0x0178u

/* Why a connection ended (ended() callback). */
enum quic_end {
	QUIC_END_SILENT = 0,  /* not one packet came back before the handshake timeout */
	QUIC_END_UNREACHABLE, /* ICMP port unreachable on the connected socket */
	QUIC_END_PEER_CLOSE,  /* the peer sent CONNECTION_CLOSE (error_code says why), or
			       * Version Negotiation (no QUIC v1: err says so) */
	QUIC_END_TIMEOUT,     /* it answered, then the handshake or idle timer ran out */
	QUIC_END_ERROR,       /* a local or TLS failure (uv_err or the ngtcp2 error) */
};
const char *quic_end_name(enum quic_end e);

/* What the handshake showed; valid only during handshake(). */
struct quic_peer {
	char alpn[32];         /* the protocol the server chose, "" if none */
	bool cert_requested;   /* a CertificateRequest came (client certificates) */
	const uint8_t *cert;   /* the server's leaf certificate, DER; NULL if none */
	size_t cert_len;
	unsigned n_certs;      /* length of the chain it sent */
};

struct quic_conn;
struct quic_cb {
	/* Handshake complete; stream 0 is open for quic_stream_send(). */
	void (*handshake)(struct quic_conn *q, const struct quic_peer *peer, void *ud);
	/* Bytes on stream 0, in order (valid only during the call). */
	void (*stream_data)(struct quic_conn *q, const uint8_t *p, size_t n, void *ud);
	/* The connection is over; called once, never after quic_close().
	 * error_code: the peer's CONNECTION_CLOSE code (QUIC_END_PEER_CLOSE);
	 * err: the libuv or ngtcp2 error (QUIC_END_ERROR). q is freed after. */
	void (*ended)(struct quic_conn *q, enum quic_end why, uint64_t error_code, int err,
		      void *ud);
};

/* Open to sa (its port as given) offering alpn. handshake_ms bounds the
 * handshake; idle_ms the silence after it. NULL with *err (a libuv or
 * ngtcp2 error) when nothing could be set up; no callback follows then. */
struct quic_conn *quic_open(uv_loop_t *loop, const struct sockaddr *sa, const char *alpn,
			    unsigned handshake_ms, unsigned idle_ms, const struct quic_cb *cb,
			    void *ud, int *err);
/* Queue bytes (copied) on stream 0; 0, or -1 before the handshake or after
 * the end. */
int quic_stream_send(struct quic_conn *q, const uint8_t *p, size_t n);
/* Close politely (CONNECTION_CLOSE, no error) and free; no callback after. */
void quic_close(struct quic_conn *q);

#endif
