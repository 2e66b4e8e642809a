/* test_quic.c - SMB over QUIC (issue 19) without a network: the
 * certificate summary on the test server's certificates (tests/fuzz/corpus/
 * cert_summary, made by certtool), stream 0's framing, the quic findings and
 * their severities, the record's JSON both ways. The handshake itself is
 * tests/integration/test_quic.sh's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assess/assess.h"
#include "net/cert_summary.h"
#include "probe/stream_frames.h"
#include "record/json.h"
#include "record/json_read.h"
#include "record/record.h"
#include "report/report_int.h"
#include "wire/limits.h"
#include "wire/wire.h"

#define CERT_DIR SMBW_PCAP_DIR "/../../fuzz/corpus/cert_summary/"

static size_t load(const char *name, uint8_t *buf, size_t bufsz)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", CERT_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, bufsz, f);
	fclose(f);
	assert_true(n > 0 && n < bufsz);
	return n;
}

static void test_cert_ca_issued(void **state)
{
	(void)state;
	uint8_t der[4096];
	size_t n = load("ca-issued-rsa2048", der, sizeof der);
	struct rec_cert c;
	assert_int_equal(cert_summary(der, n, &c), 0);
	assert_true(c.present);
	assert_string_equal(c.subject, "CN=fs.lab.test");
	assert_string_equal(c.issuer, "CN=smbwatch test CA");
	assert_string_equal(c.sans, "DNS:fs.lab.test, IP:198.18.1.13");
	assert_string_equal(c.key_type, "RSA");
	assert_int_equal(c.key_bits, 2048);
	assert_false(c.self_signed); /* issued by the CA */
	assert_int_equal(c.not_after - c.not_before, 30 * 86400);
	assert_string_equal(c.sha256,
			    "80629d53319af938f5f820cae0d2bee0e350cc230b63da19236cce7e9c741d51");
}

static void test_cert_expired_self_signed(void **state)
{
	(void)state;
	uint8_t der[4096];
	size_t n = load("expired-self-signed-ec256", der, sizeof der);
	struct rec_cert c;
	assert_int_equal(cert_summary(der, n, &c), 0);
	assert_string_equal(c.subject, "CN=old.lab.test");
	assert_string_equal(c.issuer, "CN=old.lab.test");
	assert_string_equal(c.sans, "DNS:old.lab.test");
	assert_string_equal(c.key_type, "EC");
	assert_int_equal(c.key_bits, 256);
	assert_true(c.self_signed);
	assert_int_equal(c.not_before, 1577836800); /* 2020-01-01T00:00:00Z */
	assert_int_equal(c.not_after, 1609459200);  /* 2021-01-01T00:00:00Z */
}

/* Subject = issuer is not enough: its own key must verify the signature. */
static void test_cert_forged_signature_not_self_signed(void **state)
{
	(void)state;
	uint8_t der[4096];
	size_t n = load("self-signed-rsa2048", der, sizeof der);
	struct rec_cert c;
	assert_int_equal(cert_summary(der, n, &c), 0);
	assert_true(c.self_signed); /* positive control */
	der[n - 1] ^= 0x01;         /* the signature's last byte */
	assert_int_equal(cert_summary(der, n, &c), 0);
	assert_string_equal(c.subject, c.issuer);
	assert_false(c.self_signed);
}

static void test_cert_garbage(void **state)
{
	(void)state;
	static const uint8_t junk[] = {0x30, 0x82, 0x01, 0x00, 0x02, 0x01};
	struct rec_cert c;
	memset(&c, 0xAA, sizeof c);
	assert_int_equal(cert_summary(junk, sizeof junk, &c), -1);
	assert_false(c.present);
	assert_int_equal(cert_summary(junk, 0, &c), -1);
}

/* An SMB2 message of len body bytes with the Direct TCP header. */
static size_t frame(uint8_t *out, size_t len, uint8_t fill)
{
	out[0] = 0;
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	memset(out + 4, fill, len);
	return len + 4;
}

static void test_frames_split_anywhere(void **state)
{
	(void)state;
	uint8_t s[600];
	size_t a = frame(s, 100, 0x11);
	static const uint8_t keepalive[] = {0x85, 0, 0, 0};
	memcpy(s + a, keepalive, 4);
	size_t b = frame(s + a + 4, 300, 0x22);
	size_t total = a + 4 + b;
	for (size_t piece = 1; piece <= total; piece++) {
		struct stream_frames sf;
		stream_frames_init(&sf);
		unsigned got = 0;
		size_t lens[2] = {0, 0};
		for (size_t off = 0; off < total; off += piece) {
			size_t n = total - off < piece ? total - off : piece;
			assert_int_equal(stream_frames_push(&sf, s + off, n), 0);
			struct rd m;
			int rc;
			while ((rc = stream_frames_next(&sf, &m)) == WIRE_OK) {
				assert_true(got < 2);
				assert_int_equal(m.p[0], got ? 0x22 : 0x11);
				lens[got++] = m.len;
			}
			assert_int_equal(rc, WIRE_TRUNCATED);
		}
		assert_int_equal(got, 2); /* the keepalive skipped */
		assert_int_equal(lens[0], 100);
		assert_int_equal(lens[1], 300);
		stream_frames_free(&sf);
	}
}

static void test_frames_refuse_non_message(void **state)
{
	(void)state;
	struct stream_frames sf;
	stream_frames_init(&sf);
	static const uint8_t positive[] = {0x82, 0, 0, 0}; /* NetBIOS, not Direct TCP */
	assert_int_equal(stream_frames_push(&sf, positive, sizeof positive), 0);
	struct rd m;
	assert_int_equal(stream_frames_next(&sf, &m), WIRE_MALFORMED);
	stream_frames_free(&sf);
	/* more than one frame can hold: refused, not buffered */
	stream_frames_init(&sf);
	uint8_t *big = calloc(1, WIRE_MAX_FRAME + 5);
	assert_non_null(big);
	assert_int_equal(stream_frames_push(&sf, big, WIRE_MAX_FRAME + 5), -1);
	assert_int_equal(stream_frames_push(&sf, big, WIRE_MAX_FRAME + 4), 0);
	free(big);
	stream_frames_free(&sf);
}

static void quic_record(struct svc_record *r, const char *view, bool client_cert)
{
	record_init(r);
	record_set_str(r->ip, sizeof r->ip, "198.18.1.13");
	r->port = 443;
	r->over_quic = true;
	record_set_str(r->view, sizeof r->view, view);
	r->scanned_at = 1790000000; /* 2026-09 */
	r->quic.present = r->quic.handshake = true;
	r->quic.client_cert = client_cert;
	r->quic.cert.present = true;
	record_set_str(r->quic.cert.subject, sizeof r->quic.cert.subject, "CN=fs.lab.test");
	record_set_str(r->quic.cert.issuer, sizeof r->quic.cert.issuer, "CN=lab CA");
	r->quic.cert.not_before = 1780000000;
	r->quic.cert.not_after = 1800000000;
	r->smb2.present = true;
	record_add_dialect(r, 0x0311);
	r->smb2.signing = SIGN_REQUIRED;
}

static const char *severity_of(const struct svc_record *r, const char *id)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};
	for (unsigned i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].id, id) == 0)
			return names[r->findings[i].severity];
	return "none";
}

static void test_assess_severities(void **state)
{
	(void)state;
	static struct svc_record r;
	quic_record(&r, "internal", false);
	assess_record(&r);
	assert_string_equal(severity_of(&r, "SMB_OVER_QUIC_EXPOSED"), "medium");
	assert_string_equal(severity_of(&r, "QUIC_CERT_EXPIRED"), "none"); /* valid at scan time */
	assert_string_equal(severity_of(&r, "QUIC_CERT_SELF_SIGNED"), "none");
	assert_string_equal(severity_of(&r, "NONSTANDARD_PORT"), "none"); /* 443 is QUIC's port */
	quic_record(&r, "internal", true);
	assess_record(&r);
	assert_string_equal(severity_of(&r, "SMB_OVER_QUIC_EXPOSED"), "low");
	quic_record(&r, "external", false);
	assess_record(&r);
	assert_string_equal(severity_of(&r, "SMB_OVER_QUIC_EXPOSED"), "high");
	assert_string_equal(severity_of(&r, "SMB_EXPOSED_PUBLIC"), "none");
	quic_record(&r, "external", true);
	assess_record(&r);
	assert_string_equal(severity_of(&r, "SMB_OVER_QUIC_EXPOSED"), "medium");
}

static void test_assess_certificate(void **state)
{
	(void)state;
	static struct svc_record r;
	quic_record(&r, "internal", false);
	r.scanned_at = r.quic.cert.not_after + 1; /* the day after */
	r.quic.cert.self_signed = true;
	assess_record(&r);
	assert_string_equal(severity_of(&r, "QUIC_CERT_EXPIRED"), "medium");
	assert_string_equal(severity_of(&r, "QUIC_CERT_SELF_SIGNED"), "medium");
	quic_record(&r, "internal", false);
	r.scanned_at = r.quic.cert.not_before - 1; /* not yet valid */
	assess_record(&r);
	assert_string_equal(severity_of(&r, "QUIC_CERT_EXPIRED"), "medium");
	/* QUIC, not SMB: the same certificate is not ours to judge, no finding */
	quic_record(&r, "internal", false);
	r.quic.handshake = false;
	r.quic.alpn_refused = true;
	r.smb2.present = false;
	r.smb2.n_dialects = 0;
	r.quic.cert.self_signed = true;
	assess_record(&r);
	assert_int_equal(r.n_findings, 0);
}

static void test_json_round_trip(void **state)
{
	(void)state;
	static struct svc_record r, back;
	quic_record(&r, "internal", true);
	r.quic.cert.self_signed = true;
	record_set_str(r.quic.cert.sans, sizeof r.quic.cert.sans, "DNS:fs.lab.test, IP:198.18.1.13");
	record_set_str(r.quic.cert.key_type, sizeof r.quic.cert.key_type, "EC");
	r.quic.cert.key_bits = 256;
	memset(r.quic.cert.sha256, 'a', 64);
	record_check_set(&r, RCHK_QUIC, RCHK_OK, NULL);
	json_t *o = record_to_json(&r);
	assert_string_equal(json_string_value(json_object_get(o, "transport")), "quic");
	char *txt = json_dumps(json_object_get(o, "quic"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(txt,
			    "{\"alpn_refused\":false,\"certificate\":{\"issuer\":\"CN=lab CA\","
			    "\"key_bits\":256,\"key_type\":\"EC\",\"not_after\":\"2027-01-15T08:00:00Z\","
			    "\"not_before\":\"2026-05-28T20:26:40Z\",\"sans\":\"DNS:fs.lab.test, "
			    "IP:198.18.1.13\",\"self_signed\":true,\"sha256\":"
			    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
			    "\"subject\":\"CN=fs.lab.test\"},\"client_cert_requested\":true,"
			    "\"handshake\":true}");
	free(txt);
	assert_int_equal(record_from_json(o, r.scanned_at, &back), 0);
	assert_true(back.over_quic);
	assert_memory_equal(&back.quic, &r.quic, sizeof r.quic);
	json_t *again = record_to_json(&back);
	assert_true(json_equal(json_object_get(o, "quic"), json_object_get(again, "quic")));
	json_decref(again);
	json_decref(o);
}

/* The writers name the transport: UDP port, "quic" (CSV, the line report). */
static void test_report_transport(void **state)
{
	(void)state;
	static struct svc_record r;
	quic_record(&r, "internal", false);
	assert_string_equal(report_proto(&r), "udp");
	assert_string_equal(report_transport(&r), "quic");
	r.over_quic = false; /* positive control: the same record over TCP */
	assert_string_equal(report_proto(&r), "tcp");
	assert_string_equal(report_transport(&r), "direct");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_ca_issued),
		cmocka_unit_test(test_cert_expired_self_signed),
		cmocka_unit_test(test_cert_forged_signature_not_self_signed),
		cmocka_unit_test(test_cert_garbage),
		cmocka_unit_test(test_frames_split_anywhere),
		cmocka_unit_test(test_frames_refuse_non_message),
		cmocka_unit_test(test_assess_severities),
		cmocka_unit_test(test_assess_certificate),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_report_transport),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
