/* quic.c - ngtcp2 (GnuTLS backend) client on a connected libuv UDP socket;
 * see quic.h. ngtcp2 calls back while it reads a packet: what the user must
 * see (handshake, stream bytes) is noted there and delivered once
 * ngtcp2_conn_read_pkt has returned, so that a user callback may send or
 * close without re-entering ngtcp2. */
#include "net/quic.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <stdlib.h>
#include <string.h>

/* What we send on stream 0 stays in place until the end: ngtcp2 resends
 * from the caller's buffer until acknowledged, so it never moves. An SMB
 * negotiate and a session setup are a few KiB. */
#define QUIC_OUT_MAX 65536
/* Bytes received on stream 0 while one packet is read (delivered after). */
#define QUIC_IN_MAX (1u << 20)
/* One datagram: the QUIC v1 minimum MTU (RFC 9000 14) plus headroom. */
#define QUIC_DGRAM_MAX 1452

/* TLS 1.3 only, the AEADs and groups QUIC allows (RFC 9001 5.3). */
static const char tls_priority[] =
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"
	"+CHACHA20-POLY1305:+AES-128-CCM:-GROUP-ALL:+GROUP-SECP256R1:+GROUP-X25519:"
	"+GROUP-SECP384R1:+GROUP-SECP521R1:%DISABLE_TLS13_COMPAT_MODE";

struct quic_conn {
	uv_loop_t *loop;
	uv_udp_t udp;
	uv_timer_t timer;
	unsigned open_handles;
	ngtcp2_conn *conn;
	ngtcp2_crypto_conn_ref ref;
	gnutls_session_t tls;
	gnutls_certificate_credentials_t cred;
	struct sockaddr_storage local, remote;
	ngtcp2_path path;
	const struct quic_cb *cb;
	void *ud;
	char alpn[32];
	bool answered;          /* a datagram came back */
	bool handshake_done;    /* ngtcp2 said so (reported after the read) */
	bool handshake_told;
	bool stream_open;
	bool in_dispatch;       /* inside a user callback */
	bool close_requested;   /* quic_close() during a callback */
	bool over;              /* ended() called or closed */
	int64_t sid;
	uint8_t *out;           /* stream 0, QUIC_OUT_MAX, never moves */
	size_t out_len, out_sent;
	uint8_t *in;
	size_t in_len;
};

const char *quic_end_name(enum quic_end e)
{
	switch (e) {
	case QUIC_END_SILENT:
		return "no answer";
	case QUIC_END_UNREACHABLE:
		return "port unreachable";
	case QUIC_END_PEER_CLOSE:
		return "closed by peer";
	case QUIC_END_TIMEOUT:
		return "timeout";
	case QUIC_END_ERROR:
		return "error";
	}
	return "?";
}

static ngtcp2_tstamp now_ts(void)
{
	return (ngtcp2_tstamp)uv_hrtime(); /* nanoseconds, as ngtcp2 counts */
}

static void rand_bytes(uint8_t *p, size_t n)
{
	if (gnutls_rnd(GNUTLS_RND_NONCE, p, n) != 0)
		abort(); /* no randomness: nothing sensible to send */
}

static void cb_rand(uint8_t *dest, size_t destlen, const ngtcp2_rand_ctx *rctx)
{
	(void)rctx;
	rand_bytes(dest, destlen);
}

static int cb_new_cid(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t cidlen,
		      void *ud)
{
	(void)conn;
	(void)ud;
	rand_bytes(cid->data, cidlen);
	cid->datalen = cidlen;
	rand_bytes(token, NGTCP2_STATELESS_RESET_TOKENLEN);
	return 0;
}

static int cb_handshake_completed(ngtcp2_conn *conn, void *ud)
{
	(void)conn;
	((struct quic_conn *)ud)->handshake_done = true;
	return 0;
}

static int cb_stream_data(ngtcp2_conn *conn, uint32_t flags, int64_t sid, uint64_t offset,
			  const uint8_t *data, size_t len, void *ud, void *sud)
{
	struct quic_conn *q = ud;
	(void)flags;
	(void)offset; /* ngtcp2 delivers each stream's bytes in order */
	(void)sud;
	if (sid != q->sid || !q->stream_open)
		return 0; /* a server-opened stream: not ours to read */
	if (len > QUIC_IN_MAX - q->in_len)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	if (!q->in) {
		q->in = malloc(QUIC_IN_MAX);
		if (!q->in)
			abort();
	}
	memcpy(q->in + q->in_len, data, len);
	q->in_len += len;
	/* give the credit back at once: the reader never lags behind */
	ngtcp2_conn_extend_max_stream_offset(conn, sid, len);
	ngtcp2_conn_extend_max_offset(conn, len);
	return 0;
}

static ngtcp2_conn *get_conn(ngtcp2_crypto_conn_ref *ref)
{
	return ((struct quic_conn *)ref->user_data)->conn;
}

static void handle_closed(uv_handle_t *h)
{
	struct quic_conn *q = h->data;
	if (--q->open_handles)
		return;
	free(q->out);
	free(q->in);
	free(q);
}

/* Release everything; the memory goes once libuv has closed both handles. */
static void teardown(struct quic_conn *q)
{
	q->over = true;
	if (q->conn)
		ngtcp2_conn_del(q->conn);
	q->conn = NULL;
	if (q->tls)
		gnutls_deinit(q->tls);
	q->tls = NULL;
	if (q->cred)
		gnutls_certificate_free_credentials(q->cred);
	q->cred = NULL;
	uv_timer_stop(&q->timer);
	uv_udp_recv_stop(&q->udp);
	uv_close((uv_handle_t *)&q->timer, handle_closed);
	uv_close((uv_handle_t *)&q->udp, handle_closed);
}

static void end(struct quic_conn *q, enum quic_end why, uint64_t code, int err)
{
	if (q->over)
		return;
	q->over = true;
	q->in_dispatch = true;
	q->cb->ended(q, why, code, err, q->ud);
	q->in_dispatch = false;
	teardown(q);
}

/* An ngtcp2 error from reading or timing: how the connection ended. */
static void end_ngtcp2(struct quic_conn *q, int rv)
{
	if (rv == NGTCP2_ERR_DRAINING || rv == NGTCP2_ERR_CLOSING) {
		ngtcp2_connection_close_error ccerr;
		ngtcp2_conn_get_connection_close_error(q->conn, &ccerr);
		end(q, QUIC_END_PEER_CLOSE, ccerr.error_code, 0);
	} else if (rv == NGTCP2_ERR_RECV_VERSION_NEGOTIATION) {
		end(q, QUIC_END_PEER_CLOSE, 0, rv); /* QUIC, but not version 1 */
	} else if (rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT || rv == NGTCP2_ERR_IDLE_CLOSE) {
		end(q, q->answered ? QUIC_END_TIMEOUT : QUIC_END_SILENT, 0, 0);
	} else {
		end(q, QUIC_END_ERROR, 0, rv);
	}
}

static int send_datagram(struct quic_conn *q, const uint8_t *p, size_t n)
{
	uv_buf_t b = uv_buf_init((char *)(uintptr_t)p, (unsigned)n);
	int rc = uv_udp_try_send(&q->udp, &b, 1, NULL);
	if (rc == UV_EAGAIN)
		return 0; /* a full socket buffer is a lost datagram: QUIC resends */
	if (rc < 0)
		return rc;
	return 0;
}

static void on_timer(uv_timer_t *t);

/* Write every packet ngtcp2 has (stream 0 data first), then arm the timer
 * for its next deadline. */
static void flush(struct quic_conn *q)
{
	ngtcp2_path_storage ps;
	ngtcp2_path_storage_zero(&ps);
	bool blocked = false;
	for (;;) {
		uint8_t buf[QUIC_DGRAM_MAX];
		ngtcp2_pkt_info pi;
		ngtcp2_ssize used = -1;
		ngtcp2_vec v;
		int64_t sid = -1;
		size_t nv = 0;
		if (q->stream_open && !blocked && q->out_sent < q->out_len) {
			sid = q->sid;
			v.base = q->out + q->out_sent;
			v.len = q->out_len - q->out_sent;
			nv = 1;
		}
		ngtcp2_ssize nw = ngtcp2_conn_writev_stream(q->conn, &ps.path, &pi, buf, sizeof buf,
							    &used, NGTCP2_WRITE_STREAM_FLAG_NONE, sid,
							    nv ? &v : NULL, nv, now_ts());
		if (nw == NGTCP2_ERR_STREAM_DATA_BLOCKED || nw == NGTCP2_ERR_STREAM_SHUT_WR) {
			blocked = true; /* flow control: the rest goes once credit comes */
			continue;
		}
		if (nw < 0) {
			end_ngtcp2(q, (int)nw);
			return;
		}
		if (used > 0)
			q->out_sent += (size_t)used;
		if (nw == 0)
			break;
		int rc = send_datagram(q, buf, (size_t)nw);
		if (rc < 0) {
			end(q, rc == UV_ECONNREFUSED ? QUIC_END_UNREACHABLE : QUIC_END_ERROR, 0, rc);
			return;
		}
	}
	ngtcp2_conn_update_pkt_tx_time(q->conn, now_ts());
	ngtcp2_tstamp expiry = ngtcp2_conn_get_expiry(q->conn), now = now_ts();
	if (expiry == UINT64_MAX) {
		uv_timer_stop(&q->timer);
		return;
	}
	uint64_t ms = expiry > now ? (expiry - now) / NGTCP2_MILLISECONDS + 1 : 0;
	uv_timer_start(&q->timer, on_timer, ms, 0);
}

static void on_timer(uv_timer_t *t)
{
	struct quic_conn *q = t->data;
	if (q->over)
		return;
	int rv = ngtcp2_conn_handle_expiry(q->conn, now_ts());
	if (rv != 0) {
		end_ngtcp2(q, rv);
		return;
	}
	flush(q);
}

static void on_kick(uv_timer_t *t)
{
	struct quic_conn *q = t->data;
	if (!q->over)
		flush(q);
}

/* The handshake as the user sees it: ALPN, certificate, CertificateRequest. */
static void tell_handshake(struct quic_conn *q)
{
	struct quic_peer peer;
	memset(&peer, 0, sizeof peer);
	gnutls_datum_t proto;
	if (gnutls_alpn_get_selected_protocol(q->tls, &proto) == 0 && proto.size < sizeof peer.alpn) {
		memcpy(peer.alpn, proto.data, proto.size);
		peer.alpn[proto.size] = '\0';
	}
	peer.cert_requested = gnutls_certificate_client_get_request_status(q->tls) != 0;
	unsigned n = 0;
	const gnutls_datum_t *chain = gnutls_certificate_get_peers(q->tls, &n);
	if (chain && n) {
		peer.cert = chain[0].data;
		peer.cert_len = chain[0].size;
		peer.n_certs = n;
	}
	q->stream_open = ngtcp2_conn_open_bidi_stream(q->conn, &q->sid, NULL) == 0;
	q->cb->handshake(q, &peer, q->ud);
}

/* What ngtcp2 noted during the read, to the user, outside ngtcp2. */
static void dispatch(struct quic_conn *q)
{
	q->in_dispatch = true;
	if (q->handshake_done && !q->handshake_told) {
		q->handshake_told = true;
		tell_handshake(q);
	}
	if (q->in_len && !q->close_requested) {
		size_t n = q->in_len;
		q->in_len = 0; /* the callback may not add to it: nothing reads meanwhile */
		q->cb->stream_data(q, q->in, n, q->ud);
	}
	q->in_dispatch = false;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)h;
	(void)hint;
	static char slab[65536]; /* one datagram at a time on this loop */
	*buf = uv_buf_init(slab, sizeof slab);
}

static void on_recv(uv_udp_t *u, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *from,
		    unsigned flags)
{
	struct quic_conn *q = u->data;
	(void)from; /* connected socket: only the server's datagrams arrive */
	if (q->over)
		return;
	if (nread == UV_ECONNREFUSED) {
		end(q, QUIC_END_UNREACHABLE, 0, 0);
		return;
	}
	if (nread < 0) {
		end(q, QUIC_END_ERROR, 0, (int)nread);
		return;
	}
	if (nread == 0 || (flags & UV_UDP_PARTIAL))
		return;
	q->answered = true;
	ngtcp2_pkt_info pi;
	memset(&pi, 0, sizeof pi);
	int rv = ngtcp2_conn_read_pkt(q->conn, &q->path, &pi, (const uint8_t *)buf->base,
				      (size_t)nread, now_ts());
	if (rv != 0) {
		end_ngtcp2(q, rv);
		return;
	}
	dispatch(q);
	if (q->close_requested) {
		quic_close(q);
		return;
	}
	if (!q->over)
		flush(q);
}

static int setup_tls(struct quic_conn *q)
{
	int rc = gnutls_certificate_allocate_credentials(&q->cred);
	if (rc == 0)
		rc = gnutls_init(&q->tls, GNUTLS_CLIENT | GNUTLS_NO_END_OF_EARLY_DATA);
	if (rc == 0)
		rc = gnutls_priority_set_direct(q->tls, tls_priority, NULL);
	if (rc == 0)
		rc = ngtcp2_crypto_gnutls_configure_client_session(q->tls);
	if (rc == 0)
		rc = gnutls_credentials_set(q->tls, GNUTLS_CRD_CERTIFICATE, q->cred);
	if (rc != 0)
		return -1;
	gnutls_datum_t proto = {(unsigned char *)q->alpn, (unsigned)strlen(q->alpn)};
	if (gnutls_alpn_set_protocols(q->tls, &proto, 1, 0) != 0)
		return -1;
	/* no gnutls_session_set_verify_cert: the certificate is evidence, not trust */
	q->ref.get_conn = get_conn;
	q->ref.user_data = q;
	gnutls_session_set_ptr(q->tls, &q->ref);
	return 0;
}

static int setup_conn(struct quic_conn *q, unsigned handshake_ms, unsigned idle_ms)
{
	ngtcp2_callbacks cbs;
	memset(&cbs, 0, sizeof cbs);
	cbs.client_initial = ngtcp2_crypto_client_initial_cb;
	cbs.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
	cbs.encrypt = ngtcp2_crypto_encrypt_cb;
	cbs.decrypt = ngtcp2_crypto_decrypt_cb;
	cbs.hp_mask = ngtcp2_crypto_hp_mask_cb;
	cbs.recv_retry = ngtcp2_crypto_recv_retry_cb;
	cbs.update_key = ngtcp2_crypto_update_key_cb;
	cbs.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
	cbs.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
	cbs.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
	cbs.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
	cbs.rand = cb_rand;
	cbs.get_new_connection_id = cb_new_cid;
	cbs.handshake_completed = cb_handshake_completed;
	cbs.recv_stream_data = cb_stream_data;

	ngtcp2_settings settings;
	ngtcp2_settings_default(&settings);
	settings.initial_ts = now_ts();
	settings.handshake_timeout = (ngtcp2_duration)handshake_ms * NGTCP2_MILLISECONDS;
	ngtcp2_transport_params params;
	ngtcp2_transport_params_default(&params);
	params.initial_max_stream_data_bidi_local = 256 * 1024;
	params.initial_max_data = 1024 * 1024;
	params.max_idle_timeout = (ngtcp2_duration)idle_ms * NGTCP2_MILLISECONDS;

	ngtcp2_cid dcid, scid;
	dcid.datalen = 16;
	rand_bytes(dcid.data, dcid.datalen);
	scid.datalen = 16;
	rand_bytes(scid.data, scid.datalen);
	int rv = ngtcp2_conn_client_new(&q->conn, &dcid, &scid, &q->path, NGTCP2_PROTO_VER_V1,
					&cbs, &settings, &params, NULL, q);
	if (rv != 0)
		return rv;
	ngtcp2_conn_set_tls_native_handle(q->conn, q->tls);
	return 0;
}

struct quic_conn *quic_open(uv_loop_t *loop, const struct sockaddr *sa, const char *alpn,
			    unsigned handshake_ms, unsigned idle_ms, const struct quic_cb *cb,
			    void *ud, int *err)
{
	struct quic_conn *q = calloc(1, sizeof *q);
	if (!q)
		abort();
	q->loop = loop;
	q->cb = cb;
	q->ud = ud;
	q->sid = -1;
	snprintf(q->alpn, sizeof q->alpn, "%s", alpn);
	q->out = malloc(QUIC_OUT_MAX);
	if (!q->out)
		abort();
	socklen_t salen =
		sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	memcpy(&q->remote, sa, salen);
	uv_timer_init(loop, &q->timer);
	q->timer.data = q;
	q->open_handles = 1;
	int rc = uv_udp_init(loop, &q->udp);
	if (rc == 0) {
		q->udp.data = q;
		q->open_handles = 2;
		rc = uv_udp_connect(&q->udp, sa);
	}
	int local_len = sizeof q->local;
	if (rc == 0)
		rc = uv_udp_getsockname(&q->udp, (struct sockaddr *)&q->local, &local_len);
	if (rc == 0) {
		q->path.local.addr = (ngtcp2_sockaddr *)&q->local;
		q->path.local.addrlen = (ngtcp2_socklen)local_len;
		q->path.remote.addr = (ngtcp2_sockaddr *)&q->remote;
		q->path.remote.addrlen = (ngtcp2_socklen)salen;
		rc = setup_tls(q) == 0 ? 0 : UV_EPROTO;
	}
	if (rc == 0)
		rc = setup_conn(q, handshake_ms, idle_ms);
	if (rc == 0)
		rc = uv_udp_recv_start(&q->udp, on_alloc, on_recv);
	if (rc != 0) {
		*err = rc;
		if (q->open_handles == 1) { /* the socket never opened */
			q->open_handles = 2;
			q->udp.data = q;
			uv_udp_init(loop, &q->udp);
		}
		teardown(q);
		return NULL;
	}
	/* the Initial goes from the loop: a failure to send it is then an
	 * ended() like any other, after the caller holds q */
	uv_timer_start(&q->timer, on_kick, 0, 0);
	return q;
}

int quic_stream_send(struct quic_conn *q, const uint8_t *p, size_t n)
{
	if (q->over || !q->stream_open || n > QUIC_OUT_MAX - q->out_len)
		return -1;
	memcpy(q->out + q->out_len, p, n);
	q->out_len += n;
	if (!q->in_dispatch)
		flush(q);
	return 0; /* inside a callback: on_recv flushes once it returns */
}

void quic_close(struct quic_conn *q)
{
	if (q->over)
		return;
	if (q->in_dispatch) {
		q->close_requested = true;
		return;
	}
	if (q->handshake_done) {
		uint8_t buf[QUIC_DGRAM_MAX];
		ngtcp2_connection_close_error ccerr;
		ngtcp2_connection_close_error_default(&ccerr);
		ngtcp2_pkt_info pi;
		ngtcp2_ssize nw = ngtcp2_conn_write_connection_close(q->conn, NULL, &pi, buf,
								     sizeof buf, &ccerr, now_ts());
		if (nw > 0)
			send_datagram(q, buf, (size_t)nw);
	}
	teardown(q);
}
