/* quic_relay.c - test-only SMB over QUIC server (tests/integration/test_quic.sh).
 *
 * A QUIC v1 server on ngtcp2's server API with GnuTLS that relays the first
 * client bidirectional stream (id 0) byte for byte to a TCP backend (a lab
 * Samba on 445): the Direct TCP 4-byte header travels inside the stream, as
 * MS-SMB2 2.1 frames SMB over QUIC, so the SMB part is real Samba.
 *
 *   quic_relay --listen IP:PORT --backend IP:PORT --cert PEM --key PEM
 *              [--alpn NAME] [--request-client-cert]
 *
 * --alpn h3 makes the "QUIC, not SMB" persona: the ALPN is mandatory, so a
 * client offering only "smb" gets CONNECTION_CLOSE 0x0178. One poll loop,
 * a few connections told apart by the client's address and port. Never
 * built into smbwatch; lab addresses only. */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 16
#define TO_CLIENT_MAX (4u << 20) /* what Samba sends, kept until the end (ngtcp2 resends from it) */

static const char tls_priority[] =
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"
	"+CHACHA20-POLY1305:+AES-128-CCM:-GROUP-ALL:+GROUP-SECP256R1:+GROUP-X25519:"
	"+GROUP-SECP384R1:+GROUP-SECP521R1:%DISABLE_TLS13_COMPAT_MODE";

struct conn {
	bool used;
	ngtcp2_conn *conn;
	ngtcp2_crypto_conn_ref ref;
	gnutls_session_t tls;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	ngtcp2_path path;
	int backend;       /* TCP to Samba, -1 until stream 0 speaks */
	uint8_t *to_client;
	size_t tc_len, tc_sent;
	bool closing;
	ngtcp2_tstamp close_until;
};

static int udp_fd;
static struct sockaddr_storage local;
static socklen_t local_len;
static struct sockaddr_storage backend_addr;
static socklen_t backend_len;
static gnutls_certificate_credentials_t cred;
static const char *alpn = "smb";
static bool request_client_cert;
static struct conn conns[MAX_CONNS];

static ngtcp2_tstamp now_ts(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ngtcp2_tstamp)ts.tv_sec * NGTCP2_SECONDS + (ngtcp2_tstamp)ts.tv_nsec;
}

static int parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	int port = atoi(colon + 1);
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof *s4;
		return 0;
	}
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof *s6;
		return 0;
	}
	return -1;
}

static void rand_cb(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *c)
{
	(void)c;
	gnutls_rnd(GNUTLS_RND_NONCE, dest, len);
}

static int new_cid_cb(ngtcp2_conn *nc, ngtcp2_cid *cid, uint8_t *token, size_t cidlen, void *ud)
{
	(void)nc;
	(void)ud;
	gnutls_rnd(GNUTLS_RND_NONCE, cid->data, cidlen);
	cid->datalen = cidlen;
	gnutls_rnd(GNUTLS_RND_NONCE, token, NGTCP2_STATELESS_RESET_TOKENLEN);
	return 0;
}

static int stream_data_cb(ngtcp2_conn *nc, uint32_t flags, int64_t sid, uint64_t offset,
			  const uint8_t *data, size_t len, void *ud, void *sud)
{
	struct conn *c = ud;
	(void)flags;
	(void)offset;
	(void)sud;
	ngtcp2_conn_extend_max_stream_offset(nc, sid, len);
	ngtcp2_conn_extend_max_offset(nc, len);
	if (sid != 0)
		return 0; /* only the first client bidirectional stream is relayed */
	if (c->backend < 0) {
		c->backend = socket(backend_addr.ss_family, SOCK_STREAM, 0);
		if (c->backend < 0 ||
		    connect(c->backend, (struct sockaddr *)&backend_addr, backend_len) != 0) {
			perror("quic_relay: backend connect");
			return NGTCP2_ERR_CALLBACK_FAILURE;
		}
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = send(c->backend, data + off, len - off, MSG_NOSIGNAL);
		if (w <= 0)
			return NGTCP2_ERR_CALLBACK_FAILURE;
		off += (size_t)w;
	}
	return 0;
}

static ngtcp2_conn *get_conn(ngtcp2_crypto_conn_ref *ref)
{
	return ((struct conn *)ref->user_data)->conn;
}

static void conn_free(struct conn *c)
{
	if (c->conn)
		ngtcp2_conn_del(c->conn);
	if (c->tls)
		gnutls_deinit(c->tls);
	if (c->backend >= 0)
		close(c->backend);
	free(c->to_client);
	memset(c, 0, sizeof *c);
	c->backend = -1;
}

static void send_pkt(struct conn *c, const uint8_t *p, size_t n)
{
	sendto(udp_fd, p, n, 0, (struct sockaddr *)&c->peer, c->peer_len);
}

/* Everything ngtcp2 has to send; false when the connection is over. */
static bool flush(struct conn *c)
{
	bool blocked = false;
	for (;;) {
		uint8_t buf[1452];
		ngtcp2_path_storage ps;
		ngtcp2_path_storage_zero(&ps);
		ngtcp2_pkt_info pi;
		ngtcp2_ssize used = -1;
		ngtcp2_vec v;
		int64_t sid = -1;
		size_t nv = 0;
		if (!blocked && c->tc_sent < c->tc_len) {
			sid = 0;
			v.base = c->to_client + c->tc_sent;
			v.len = c->tc_len - c->tc_sent;
			nv = 1;
		}
		ngtcp2_ssize nw = ngtcp2_conn_writev_stream(c->conn, &ps.path, &pi, buf, sizeof buf,
							    &used, NGTCP2_WRITE_STREAM_FLAG_NONE, sid,
							    nv ? &v : NULL, nv, now_ts());
		if (nw == NGTCP2_ERR_STREAM_DATA_BLOCKED || nw == NGTCP2_ERR_STREAM_SHUT_WR ||
		    nw == NGTCP2_ERR_STREAM_NOT_FOUND) {
			blocked = true;
			continue;
		}
		if (nw < 0)
			return false;
		if (used > 0)
			c->tc_sent += (size_t)used;
		if (nw == 0)
			break;
		send_pkt(c, buf, (size_t)nw);
	}
	ngtcp2_conn_update_pkt_tx_time(c->conn, now_ts());
	return true;
}

/* A handshake or protocol failure: CONNECTION_CLOSE with the TLS alert
 * (0x0100 + alert, e.g. 0x0178 for no_application_protocol). */
static void close_with_error(struct conn *c, int rv)
{
	ngtcp2_connection_close_error ccerr;
	if (rv == NGTCP2_ERR_CRYPTO)
		ngtcp2_connection_close_error_set_transport_error_tls_alert(
			&ccerr, ngtcp2_conn_get_tls_alert(c->conn), NULL, 0);
	else
		ngtcp2_connection_close_error_set_transport_error_liberr(&ccerr, rv, NULL, 0);
	uint8_t buf[1452];
	ngtcp2_path_storage ps;
	ngtcp2_path_storage_zero(&ps);
	ngtcp2_pkt_info pi;
	ngtcp2_ssize nw = ngtcp2_conn_write_connection_close(c->conn, &ps.path, &pi, buf,
							     sizeof buf, &ccerr, now_ts());
	if (nw > 0)
		send_pkt(c, buf, (size_t)nw);
	fprintf(stderr, "quic_relay: closed a connection: %s (alert %u)\n", ngtcp2_strerror(rv),
		ngtcp2_conn_get_tls_alert(c->conn));
	conn_free(c);
}

static struct conn *accept_conn(const uint8_t *pkt, size_t n, const struct sockaddr_storage *from,
				socklen_t fromlen)
{
	ngtcp2_pkt_hd hd;
	if (ngtcp2_accept(&hd, pkt, n) != 0)
		return NULL;
	struct conn *c = NULL;
	for (unsigned i = 0; i < MAX_CONNS && !c; i++)
		if (!conns[i].used)
			c = &conns[i];
	if (!c)
		return NULL;
	memset(c, 0, sizeof *c);
	c->used = true;
	c->backend = -1;
	memcpy(&c->peer, from, fromlen);
	c->peer_len = fromlen;
	c->path.local.addr = (ngtcp2_sockaddr *)&local;
	c->path.local.addrlen = local_len;
	c->path.remote.addr = (ngtcp2_sockaddr *)&c->peer;
	c->path.remote.addrlen = c->peer_len;
	c->to_client = malloc(TO_CLIENT_MAX);

	ngtcp2_callbacks cbs;
	memset(&cbs, 0, sizeof cbs);
	cbs.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
	cbs.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
	cbs.encrypt = ngtcp2_crypto_encrypt_cb;
	cbs.decrypt = ngtcp2_crypto_decrypt_cb;
	cbs.hp_mask = ngtcp2_crypto_hp_mask_cb;
	cbs.update_key = ngtcp2_crypto_update_key_cb;
	cbs.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
	cbs.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
	cbs.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
	cbs.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
	cbs.rand = rand_cb;
	cbs.get_new_connection_id = new_cid_cb;
	cbs.recv_stream_data = stream_data_cb;

	ngtcp2_settings settings;
	ngtcp2_settings_default(&settings);
	settings.initial_ts = now_ts();
	ngtcp2_transport_params params;
	ngtcp2_transport_params_default(&params);
	params.initial_max_streams_bidi = 4;
	params.initial_max_stream_data_bidi_remote = 256 * 1024;
	params.initial_max_stream_data_bidi_local = 256 * 1024;
	params.initial_max_data = 1024 * 1024;
	params.max_idle_timeout = 30 * NGTCP2_SECONDS;
	params.original_dcid = hd.dcid;
	ngtcp2_cid scid;
	scid.datalen = 16;
	gnutls_rnd(GNUTLS_RND_NONCE, scid.data, scid.datalen);

	gnutls_datum_t proto = {(unsigned char *)alpn, (unsigned)strlen(alpn)};
	if (!c->to_client || gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NO_END_OF_EARLY_DATA) != 0 ||
	    gnutls_priority_set_direct(c->tls, tls_priority, NULL) != 0 ||
	    ngtcp2_crypto_gnutls_configure_server_session(c->tls) != 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred) != 0 ||
	    gnutls_alpn_set_protocols(c->tls, &proto, 1, GNUTLS_ALPN_MANDATORY) != 0 ||
	    ngtcp2_conn_server_new(&c->conn, &hd.scid, &scid, &c->path, hd.version, &cbs, &settings,
				   &params, NULL, c) != 0) {
		conn_free(c);
		return NULL;
	}
	if (request_client_cert)
		gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_REQUEST);
	c->ref.get_conn = get_conn;
	c->ref.user_data = c;
	gnutls_session_set_ptr(c->tls, &c->ref);
	ngtcp2_conn_set_tls_native_handle(c->conn, c->tls);
	return c;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			      &((const struct sockaddr_in *)b)->sin_addr, 4) == 0 &&
		       ((const struct sockaddr_in *)a)->sin_port == ((const struct sockaddr_in *)b)->sin_port;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0 &&
	       ((const struct sockaddr_in6 *)a)->sin6_port == ((const struct sockaddr_in6 *)b)->sin6_port;
}

static void on_udp(void)
{
	uint8_t buf[65536];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof from;
	ssize_t n = recvfrom(udp_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
	if (n <= 0)
		return;
	struct conn *c = NULL;
	for (unsigned i = 0; i < MAX_CONNS && !c; i++)
		if (conns[i].used && same_addr(&conns[i].peer, &from))
			c = &conns[i];
	if (!c)
		c = accept_conn(buf, (size_t)n, &from, fromlen);
	if (!c)
		return;
	ngtcp2_pkt_info pi;
	memset(&pi, 0, sizeof pi);
	int rv = ngtcp2_conn_read_pkt(c->conn, &c->path, &pi, buf, (size_t)n, now_ts());
	if (rv == NGTCP2_ERR_DRAINING || rv == NGTCP2_ERR_DROP_CONN) {
		conn_free(c); /* the client closed: nothing more to say */
		return;
	}
	if (rv != 0) {
		close_with_error(c, rv);
		return;
	}
	if (!flush(c))
		conn_free(c);
}

static void on_backend(struct conn *c)
{
	size_t room = TO_CLIENT_MAX - c->tc_len;
	ssize_t n = room ? recv(c->backend, c->to_client + c->tc_len, room, 0) : 0;
	if (n <= 0) {
		close(c->backend); /* Samba closed: the QUIC side ends by idle or the client */
		c->backend = -2;
		return;
	}
	c->tc_len += (size_t)n;
	if (!flush(c))
		conn_free(c);
}

static void usage(void)
{
	fprintf(stderr, "usage: quic_relay --listen IP:PORT --backend IP:PORT --cert PEM --key PEM "
			"[--alpn NAME] [--request-client-cert]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *listen_s = NULL, *backend_s = NULL, *cert = NULL, *key = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			listen_s = argv[++i];
		else if (!strcmp(argv[i], "--backend") && i + 1 < argc)
			backend_s = argv[++i];
		else if (!strcmp(argv[i], "--cert") && i + 1 < argc)
			cert = argv[++i];
		else if (!strcmp(argv[i], "--key") && i + 1 < argc)
			key = argv[++i];
		else if (!strcmp(argv[i], "--alpn") && i + 1 < argc)
			alpn = argv[++i];
		else if (!strcmp(argv[i], "--request-client-cert"))
			request_client_cert = true;
		else
			usage();
	}
	if (!listen_s || !backend_s || !cert || !key ||
	    parse_addr(listen_s, &local, &local_len) != 0 ||
	    parse_addr(backend_s, &backend_addr, &backend_len) != 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (gnutls_certificate_allocate_credentials(&cred) != 0 ||
	    gnutls_certificate_set_x509_key_file(cred, cert, key, GNUTLS_X509_FMT_PEM) != 0) {
		fprintf(stderr, "quic_relay: cannot load %s / %s\n", cert, key);
		return 1;
	}
	udp_fd = socket(local.ss_family, SOCK_DGRAM, 0);
	if (udp_fd < 0 || bind(udp_fd, (struct sockaddr *)&local, local_len) != 0) {
		perror("quic_relay: bind");
		return 1;
	}
	for (unsigned i = 0; i < MAX_CONNS; i++)
		conns[i].backend = -1;
	fprintf(stderr, "quic_relay: listening on %s (alpn %s%s), backend %s\n", listen_s, alpn,
		request_client_cert ? ", client certificate requested" : "", backend_s);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd pfd[1 + MAX_CONNS];
		struct conn *owner[1 + MAX_CONNS];
		nfds_t n = 0;
		pfd[n].fd = udp_fd;
		pfd[n].events = POLLIN;
		owner[n++] = NULL;
		ngtcp2_tstamp next = UINT64_MAX;
		for (unsigned i = 0; i < MAX_CONNS; i++) {
			if (!conns[i].used)
				continue;
			ngtcp2_tstamp e = ngtcp2_conn_get_expiry(conns[i].conn);
			if (e < next)
				next = e;
			if (conns[i].backend >= 0) {
				pfd[n].fd = conns[i].backend;
				pfd[n].events = POLLIN;
				owner[n++] = &conns[i];
			}
		}
		ngtcp2_tstamp now = now_ts();
		int timeout = next == UINT64_MAX ? 1000
			      : next <= now     ? 0
						: (int)((next - now) / NGTCP2_MILLISECONDS + 1);
		if (timeout > 1000)
			timeout = 1000;
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			return 1;
		for (nfds_t k = 0; k < n; k++) {
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!owner[k])
				on_udp();
			else if (owner[k]->used && owner[k]->backend == pfd[k].fd)
				on_backend(owner[k]);
		}
		now = now_ts();
		for (unsigned i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];
			if (!c->used || ngtcp2_conn_get_expiry(c->conn) > now)
				continue;
			if (ngtcp2_conn_handle_expiry(c->conn, now) != 0 || !flush(c))
				conn_free(c); /* idle or handshake timeout: gone */
		}
	}
}
