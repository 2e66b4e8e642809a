/* test_tls_client.c - the TLS client over two buffers (net/tls_client.c)
 * against a real GnuTLS server in the same process: the bytes go through
 * the push/pull path only (no socket), as over the engine's connection.
 * The server's key and self-signed certificate are made here (nothing
 * vendored). Also the record header (wire/tls.c) that frames what the
 * client is fed and tells a non-TLS answer apart. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "net/cert_summary.h"
#include "net/tls_client.h"
#include "wire/tls.h"
#include "wire/wire.h"

/* --- a GnuTLS server on memory buffers ----------------------------------- */

struct server {
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
	uint8_t in[65536]; /* from the client */
	size_t in_off, in_len;
	uint8_t out[65536]; /* to the client */
	size_t out_len;
};

static gnutls_x509_privkey_t key;
static gnutls_x509_crt_t crt;
static gnutls_datum_t crt_der;

static ssize_t srv_push(gnutls_transport_ptr_t p, const void *data, size_t n)
{
	struct server *sv = p;
	if (n > sizeof sv->out - sv->out_len)
		return -1;
	memcpy(sv->out + sv->out_len, data, n);
	sv->out_len += n;
	return (ssize_t)n;
}

static ssize_t srv_pull(gnutls_transport_ptr_t p, void *data, size_t n)
{
	struct server *sv = p;
	size_t left = sv->in_len - sv->in_off;
	if (left == 0) {
		gnutls_transport_set_errno(sv->s, EAGAIN);
		return -1;
	}
	if (n > left)
		n = left;
	memcpy(data, sv->in + sv->in_off, n);
	sv->in_off += n;
	return (ssize_t)n;
}

static int srv_pull_timeout(gnutls_transport_ptr_t p, unsigned ms)
{
	struct server *sv = p;
	(void)ms;
	return sv->in_len > sv->in_off;
}

static struct server *server_new(const char *priority)
{
	struct server *sv = calloc(1, sizeof *sv);
	assert_non_null(sv);
	assert_int_equal(gnutls_certificate_allocate_credentials(&sv->cred), 0);
	assert_int_equal(gnutls_certificate_set_x509_key(sv->cred, &crt, 1, key), 0);
	assert_int_equal(gnutls_init(&sv->s, GNUTLS_SERVER | GNUTLS_NONBLOCK), 0);
	assert_int_equal(gnutls_priority_set_direct(sv->s, priority, NULL), 0);
	assert_int_equal(gnutls_credentials_set(sv->s, GNUTLS_CRD_CERTIFICATE, sv->cred), 0);
	gnutls_handshake_set_timeout(sv->s, 0);
	gnutls_transport_set_ptr(sv->s, sv);
	gnutls_transport_set_push_function(sv->s, srv_push);
	gnutls_transport_set_pull_function(sv->s, srv_pull);
	gnutls_transport_set_pull_timeout_function(sv->s, srv_pull_timeout);
	return sv;
}

static void server_free(struct server *sv)
{
	gnutls_deinit(sv->s);
	gnutls_certificate_free_credentials(sv->cred);
	free(sv);
}

/* client -> server: what the client has pending */
static void to_server(struct tls_client *t, struct server *sv)
{
	size_t n;
	const uint8_t *p = tls_client_pending(t, &n);
	if (!p)
		return;
	assert_true(n <= sizeof sv->in - sv->in_len);
	memcpy(sv->in + sv->in_len, p, n);
	sv->in_len += n;
	tls_client_consume(t, n);
}

/* server -> client, one TLS record at a time, as the conversation's framer
 * hands them over */
static void to_client(struct server *sv, struct tls_client *t)
{
	size_t off = 0;
	while (off < sv->out_len) {
		size_t len;
		assert_int_equal(tls_record_len(sv->out + off, sv->out_len - off, &len), WIRE_OK);
		assert_true(len <= sv->out_len - off);
		assert_true(tls_client_input(t, sv->out + off, len));
		off += len;
	}
	sv->out_len = 0;
}

/* Both handshakes to the end, through the buffers only. */
static void handshake(struct tls_client *t, struct server *sv)
{
	bool client_done = false, server_done = false;
	for (int round = 0; round < 20 && !(client_done && server_done); round++) {
		if (!client_done) {
			enum tls_step st = tls_client_handshake(t);
			assert_int_not_equal(st, TLS_STEP_FAILED);
			client_done = st == TLS_STEP_DONE;
		}
		to_server(t, sv);
		if (!server_done) {
			int rc = gnutls_handshake(sv->s);
			assert_true(rc == 0 || rc == GNUTLS_E_AGAIN);
			server_done = rc == 0;
		}
		to_client(sv, t);
	}
	assert_true(client_done);
	assert_true(server_done);
}

/* --- the tests ------------------------------------------------------------ */

static int setup(void **state)
{
	(void)state;
	/* EC P-256: quick to make; self-signed, CN=unit-winrm, a DNS SAN */
	if (gnutls_x509_privkey_init(&key) != 0 ||
	    gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) != 0 ||
	    gnutls_x509_crt_init(&crt) != 0)
		return -1;
	time_t now = time(NULL);
	static const char cn[] = "unit-winrm";
	static const uint8_t serial[] = {1};
	if (gnutls_x509_crt_set_version(crt, 3) != 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof serial) != 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - 3600) != 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + 86400) != 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, sizeof cn - 1) != 0 ||
	    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "unit-winrm.test", 15,
						 GNUTLS_FSAN_SET) != 0 ||
	    gnutls_x509_crt_set_key(crt, key) != 0 ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) != 0 ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &crt_der) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	gnutls_free(crt_der.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return 0;
}

/* The whole path: handshake, the session's names, the server's own
 * certificate (summarised: self-signed, its CN and SAN), then a request and
 * an answer as application data both ways. No SNI from an address. */
static void test_handshake_and_data(void **state)
{
	(void)state;
	struct server *sv = server_new("NORMAL");
	struct tls_client *t = tls_client_new(NULL);
	assert_non_null(t);
	/* nothing pending before the first step; the ClientHello after it */
	size_t n;
	assert_null(tls_client_pending(t, &n));
	assert_int_equal(n, 0);
	assert_int_equal(tls_client_handshake(t), TLS_STEP_AGAIN);
	const uint8_t *p = tls_client_pending(t, &n);
	assert_non_null(p);
	size_t len;
	assert_int_equal(tls_record_len(p, n, &len), WIRE_OK);
	assert_int_equal(p[0], 22); /* a handshake record */
	assert_int_equal(p[5], 1);  /* ClientHello */
	handshake(t, sv);
	assert_string_equal(tls_client_version(t), "TLS1.3");
	assert_string_equal(tls_client_cipher(t), gnutls_ciphersuite_get(sv->s));
	assert_true(strncmp(tls_client_cipher(t), "TLS_", 4) == 0);
	char name[64];
	size_t name_len = sizeof name;
	unsigned type;
	assert_int_equal(gnutls_server_name_get(sv->s, name, &name_len, &type, 0),
			 GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE); /* no SNI sent */
	const uint8_t *der = tls_client_peer_cert(t, &len);
	assert_non_null(der);
	assert_int_equal(len, crt_der.size);
	assert_memory_equal(der, crt_der.data, len);
	struct rec_cert c;
	assert_int_equal(cert_summary(der, len, &c), 0);
	assert_string_equal(c.subject, "CN=unit-winrm");
	assert_string_equal(c.sans, "DNS:unit-winrm.test");
	assert_true(c.self_signed);
	assert_string_equal(c.key_type, "EC");

	/* the request inside TLS: the server reads it back whole */
	static const char req[] = "POST /wsman HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(tls_client_write(t, req, sizeof req - 1), 0);
	to_server(t, sv);
	char got[256];
	ssize_t r = gnutls_record_recv(sv->s, got, sizeof got);
	assert_int_equal(r, (ssize_t)(sizeof req - 1));
	assert_memory_equal(got, req, sizeof req - 1);
	/* the answer: nothing readable before it comes (TLS 1.3 tickets only) */
	uint8_t buf[256];
	assert_int_equal(tls_client_read(t, buf, sizeof buf), 0);
	static const char ans[] = "HTTP/1.1 401 \r\nWWW-Authenticate: Negotiate\r\n\r\n";
	assert_int_equal(gnutls_record_send(sv->s, ans, sizeof ans - 1), (ssize_t)(sizeof ans - 1));
	to_client(sv, t);
	long got_n = tls_client_read(t, buf, sizeof buf);
	assert_int_equal(got_n, (long)(sizeof ans - 1));
	assert_memory_equal(buf, ans, sizeof ans - 1);
	/* close_notify: -1 with the reason */
	assert_int_equal(gnutls_bye(sv->s, GNUTLS_SHUT_WR), 0);
	to_client(sv, t);
	assert_int_equal(tls_client_read(t, buf, sizeof buf), -1);
	assert_string_equal(tls_client_error(t), "the server closed TLS (close_notify)");
	tls_client_free(t);
	server_free(sv);
}

/* An older server (TLS 1.2 only) is met too, with its suite's name. */
static void test_tls12(void **state)
{
	(void)state;
	struct server *sv = server_new("NORMAL:-VERS-TLS1.3");
	struct tls_client *t = tls_client_new(NULL);
	assert_non_null(t);
	handshake(t, sv);
	assert_string_equal(tls_client_version(t), "TLS1.2");
	assert_string_equal(tls_client_cipher(t), gnutls_ciphersuite_get(sv->s));
	assert_non_null(strstr(tls_client_cipher(t), "ECDHE_ECDSA"));
	tls_client_free(t);
	server_free(sv);
}

/* A name given by the user goes as SNI (an address never does). */
static void test_sni(void **state)
{
	(void)state;
	struct server *sv = server_new("NORMAL");
	struct tls_client *t = tls_client_new("winrm.lab.test");
	assert_non_null(t);
	handshake(t, sv);
	char name[64];
	size_t name_len = sizeof name;
	unsigned type;
	assert_int_equal(gnutls_server_name_get(sv->s, name, &name_len, &type, 0), 0);
	assert_string_equal(name, "winrm.lab.test");
	tls_client_free(t);
	server_free(sv);
}

/* The server refuses with a fatal alert: failed, the alert named. */
static void test_alert(void **state)
{
	(void)state;
	struct server *sv = server_new("NORMAL");
	struct tls_client *t = tls_client_new(NULL);
	assert_int_equal(tls_client_handshake(t), TLS_STEP_AGAIN);
	to_server(t, sv);
	assert_int_equal(gnutls_alert_send(sv->s, GNUTLS_AL_FATAL, GNUTLS_A_HANDSHAKE_FAILURE), 0);
	to_client(sv, t);
	assert_int_equal(tls_client_handshake(t), TLS_STEP_FAILED);
	assert_string_equal(tls_client_error(t), "the server sent the alert \"Handshake failed\"");
	tls_client_free(t);
	server_free(sv);
}

/* Bytes that are not TLS (an HTTP answer): the record header says so, and
 * a client fed them anyway fails instead of waiting. Too much input is
 * refused. */
static void test_not_tls(void **state)
{
	(void)state;
	static const char http[] = "HTTP/1.1 400 Bad Request\r\nServer: x\r\n\r\n";
	size_t len;
	assert_int_equal(tls_record_len((const uint8_t *)http, sizeof http - 1, &len), WIRE_UNSUPPORTED);
	struct rd r;
	char text[48];
	rd_init(&r, http, sizeof http - 1);
	tls_not_tls_text(&r, text, sizeof text);
	assert_string_equal(text, "HTTP/1.1 400 Bad Request");
	struct tls_client *t = tls_client_new(NULL);
	assert_int_equal(tls_client_handshake(t), TLS_STEP_AGAIN);
	assert_true(tls_client_input(t, (const uint8_t *)http, sizeof http - 1));
	assert_int_equal(tls_client_handshake(t), TLS_STEP_FAILED);
	assert_true(tls_client_error(t)[0] != '\0');
	static uint8_t big[TLS_CLIENT_BUF_MAX + 1];
	assert_false(tls_client_input(t, big, sizeof big));
	tls_client_free(t);
}

/* The record header: type 20-24, version 3.x, length capped; a partial
 * header waits, a first byte that is not a type is told at once. */
static void test_record_len(void **state)
{
	(void)state;
	size_t len = 0;
	const uint8_t hello[] = {0x16, 0x03, 0x03, 0x00, 0x7a, 0x02};
	assert_int_equal(tls_record_len(hello, sizeof hello, &len), WIRE_OK);
	assert_int_equal(len, 5 + 0x7a); /* the body may still be coming */
	assert_int_equal(tls_record_len(hello, 4, &len), WIRE_TRUNCATED);
	assert_int_equal(tls_record_len(hello, 0, &len), WIRE_TRUNCATED);
	const uint8_t alert[] = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28};
	assert_int_equal(tls_record_len(alert, sizeof alert, &len), WIRE_OK);
	assert_int_equal(len, 7);
	const uint8_t big[] = {0x17, 0x03, 0x03, 0x48, 0x01};
	assert_int_equal(tls_record_len(big, sizeof big, &len), WIRE_TOO_LARGE);
	const uint8_t max[] = {0x17, 0x03, 0x03, 0x48, 0x00};
	assert_int_equal(tls_record_len(max, sizeof max, &len), WIRE_OK);
	const uint8_t h[] = {'H'};
	assert_int_equal(tls_record_len(h, 1, &len), WIRE_UNSUPPORTED);
	const uint8_t sslv2ish[] = {0x16, 0x02};
	assert_int_equal(tls_record_len(sslv2ish, 2, &len), WIRE_UNSUPPORTED);
	const uint8_t minor9[] = {0x16, 0x03, 0x09, 0x00, 0x01};
	assert_int_equal(tls_record_len(minor9, sizeof minor9, &len), WIRE_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_and_data),
		cmocka_unit_test(test_tls12),
		cmocka_unit_test(test_sni),
		cmocka_unit_test(test_alert),
		cmocka_unit_test(test_not_tls),
		cmocka_unit_test(test_record_len),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
