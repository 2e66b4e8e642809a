/* tls_client.c - GnuTLS over two buffers; see tls_client.h. */
#include "net/tls_client.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* What a scanner meets: old Windows (2008 R2 and 2012 listen with TLS 1.0
 * only until patched) as well as TLS 1.3. %COMPAT: lenient on records from
 * old stacks. A system policy may refuse the older versions: then NORMAL. */
static const char *const priorities[] = {
	"NORMAL:%COMPAT:+VERS-TLS1.1:+VERS-TLS1.0",
	"NORMAL",
};

/* bytes waiting in one direction: [off, len) is what is left */
struct tls_buf {
	uint8_t *p;
	size_t off, len, cap;
};

struct tls_client {
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
	struct tls_buf in;  /* from the peer, not yet pulled by GnuTLS */
	struct tls_buf out; /* pushed by GnuTLS, not yet taken by the caller */
	bool handshake_done;
	char error[160];
};

static bool buf_put(struct tls_buf *b, const void *p, size_t n)
{
	if (b->off) { /* what was taken makes room */
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	if (n > TLS_CLIENT_BUF_MAX - b->len)
		return false;
	if (b->len + n > b->cap) {
		size_t want = b->cap ? b->cap : 4096;
		while (want < b->len + n)
			want *= 2;
		if (want > TLS_CLIENT_BUF_MAX)
			want = TLS_CLIENT_BUF_MAX;
		uint8_t *q = realloc(b->p, want);
		if (!q)
			return false;
		b->p = q;
		b->cap = want;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return true;
}

/* GnuTLS sends: the bytes wait in out for the caller. */
static ssize_t push(gnutls_transport_ptr_t ptr, const void *p, size_t n)
{
	struct tls_client *t = ptr;
	if (!buf_put(&t->out, p, n)) {
		gnutls_transport_set_errno(t->s, ENOMEM);
		return -1;
	}
	return (ssize_t)n;
}

/* GnuTLS reads: what the peer sent so far, else "would block". */
static ssize_t pull(gnutls_transport_ptr_t ptr, void *p, size_t n)
{
	struct tls_client *t = ptr;
	size_t left = t->in.len - t->in.off;
	if (left == 0) {
		gnutls_transport_set_errno(t->s, EAGAIN);
		return -1;
	}
	if (n > left)
		n = left;
	memcpy(p, t->in.p + t->in.off, n);
	t->in.off += n;
	return (ssize_t)n;
}

/* Never wait: without this GnuTLS would select() on the transport pointer
 * as if it were a file descriptor. */
static int pull_timeout(gnutls_transport_ptr_t ptr, unsigned ms)
{
	struct tls_client *t = ptr;
	(void)ms;
	return t->in.len > t->in.off ? 1 : 0;
}

struct tls_client *tls_client_new(const char *server_name)
{
	struct tls_client *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	if (gnutls_certificate_allocate_credentials(&t->cred) != 0) {
		free(t);
		return NULL;
	}
	/* no trust store and no verify function: any certificate is taken */
	int rc = gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (rc != 0) {
		gnutls_certificate_free_credentials(t->cred);
		free(t);
		return NULL;
	}
	rc = -1;
	for (size_t i = 0; rc != 0 && i < sizeof priorities / sizeof priorities[0]; i++)
		rc = gnutls_priority_set_direct(t->s, priorities[i], NULL);
	if (rc == 0)
		rc = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (rc == 0 && server_name && server_name[0])
		rc = gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, server_name, strlen(server_name));
	if (rc != 0) {
		tls_client_free(t);
		return NULL;
	}
	/* the engine's read timeout and the service deadline bound it */
	gnutls_handshake_set_timeout(t->s, 0);
	gnutls_transport_set_ptr(t->s, t);
	gnutls_transport_set_push_function(t->s, push);
	gnutls_transport_set_pull_function(t->s, pull);
	gnutls_transport_set_pull_timeout_function(t->s, pull_timeout);
	return t;
}

void tls_client_free(struct tls_client *t)
{
	if (!t)
		return;
	if (t->s)
		gnutls_deinit(t->s);
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	free(t->in.p);
	free(t->out.p);
	free(t);
}

bool tls_client_input(struct tls_client *t, const uint8_t *p, size_t n)
{
	return buf_put(&t->in, p, n);
}

/* rc's words, and the alert's name when the peer sent one */
static void set_error(struct tls_client *t, int rc)
{
	if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED || rc == GNUTLS_E_WARNING_ALERT_RECEIVED) {
		const char *alert = gnutls_alert_get_name(gnutls_alert_get(t->s));
		snprintf(t->error, sizeof t->error, "the server sent the alert \"%s\"",
			 alert ? alert : "unknown");
		return;
	}
	snprintf(t->error, sizeof t->error, "%s", gnutls_strerror(rc));
}

enum tls_step tls_client_handshake(struct tls_client *t)
{
	if (t->handshake_done)
		return TLS_STEP_DONE;
	for (;;) {
		int rc = gnutls_handshake(t->s);
		if (rc == GNUTLS_E_SUCCESS) {
			t->handshake_done = true;
			return TLS_STEP_DONE;
		}
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
			return TLS_STEP_AGAIN;
		if (!gnutls_error_is_fatal(rc))
			continue; /* a warning alert: go on */
		set_error(t, rc);
		return TLS_STEP_FAILED;
	}
}

int tls_client_write(struct tls_client *t, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = gnutls_record_send(t->s, b, n);
		if (w < 0) {
			/* push never blocks: AGAIN here is a full buffer */
			set_error(t, (int)w);
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

long tls_client_read(struct tls_client *t, uint8_t *buf, size_t bufsz)
{
	for (;;) {
		ssize_t r = gnutls_record_recv(t->s, buf, bufsz);
		if (r > 0)
			return (long)r;
		if (r == 0) {
			snprintf(t->error, sizeof t->error, "the server closed TLS (close_notify)");
			return -1;
		}
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			return 0;
		/* TLS 1.3 tickets and key updates are handled inside; a
		 * non-fatal code (a warning alert, a refused rehandshake) is
		 * passed over */
		if (!gnutls_error_is_fatal((int)r))
			continue;
		set_error(t, (int)r);
		return -1;
	}
}

const uint8_t *tls_client_pending(const struct tls_client *t, size_t *n)
{
	*n = t->out.len - t->out.off;
	return *n ? t->out.p + t->out.off : NULL;
}

void tls_client_consume(struct tls_client *t, size_t n)
{
	size_t left = t->out.len - t->out.off;
	t->out.off += n < left ? n : left;
	if (t->out.off == t->out.len)
		t->out.off = t->out.len = 0;
}

const char *tls_client_version(const struct tls_client *t)
{
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(t->s));
	return v ? v : "";
}

const char *tls_client_cipher(const struct tls_client *t)
{
	const char *c = gnutls_ciphersuite_get(t->s);
	return c ? c : "";
}

const uint8_t *tls_client_peer_cert(const struct tls_client *t, size_t *len)
{
	unsigned n = 0;
	const gnutls_datum_t *chain = gnutls_certificate_get_peers(t->s, &n);
	if (!chain || n == 0) {
		*len = 0;
		return NULL;
	}
	*len = chain[0].size;
	return chain[0].data;
}

const char *tls_client_error(const struct tls_client *t)
{
	return t->error;
}
