/* test_mgmt_wire.c - the decoders of the management services beside SMB
 * (issue 18 part 3) on real answers (tests/data/mgmt/, README there):
 * RDP's X.224 Connection Confirm (xrdp), the SSH identification line
 * (OpenSSH), the head of WinRM's 401; and what each must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "captures_mgmt.h"
#include "wire/http.h"
#include "wire/rdp.h"
#include "wire/ssh.h"

static int confirm(const unsigned char *p, size_t n, struct rdp_cc *cc)
{
	size_t len;
	int rc = rdp_tpkt_frame_len(p, n, &len);
	if (rc != WIRE_OK)
		return rc;
	assert_int_equal(len, n);
	struct rd r;
	rd_init(&r, p, len);
	return rdp_conn_confirm_decode(&r, cc);
}

static void test_rdp_request_bytes(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct wr w;
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(rdp_conn_request_encode(&w, RDP_PROTO_SSL | RDP_PROTO_HYBRID), WIRE_OK);
	/* MS-RDPBCGR 2.2.1.1: TPKT 19 bytes, LI 14, CR, refs 0, class 0,
	 * RDP_NEG_REQ type 1, length 8, requestedProtocols 3 */
	static const uint8_t want[] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00,
				       0x00, 0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00};
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
}

static void test_rdp_confirms(void **state)
{
	(void)state;
	struct rdp_cc cc;
	/* xrdp negotiate, offered TLS and NLA: TLS (it has no CredSSP) */
	assert_int_equal(confirm(xrdp_negotiate_offer_tls_nla_cc, xrdp_negotiate_offer_tls_nla_cc_len, &cc), WIRE_OK);
	assert_int_equal(cc.kind, RDP_CC_NEG_RSP);
	assert_int_equal(cc.selected, RDP_PROTO_SSL);
	assert_string_equal(rdp_protocol_name(cc.selected), "tls");
	/* asked for standard security alone: it takes it */
	assert_int_equal(confirm(xrdp_negotiate_standard_cc, xrdp_negotiate_standard_cc_len, &cc), WIRE_OK);
	assert_int_equal(cc.kind, RDP_CC_NEG_RSP);
	assert_int_equal(cc.selected, RDP_PROTO_RDP);
	/* xrdp security_layer = tls refuses it */
	assert_int_equal(confirm(xrdp_tls_standard_refused_cc, xrdp_tls_standard_refused_cc_len, &cc), WIRE_OK);
	assert_int_equal(cc.kind, RDP_CC_NEG_FAILURE);
	assert_int_equal(cc.failure, 1);
	assert_string_equal(rdp_failure_name(cc.failure), "ssl required by server");
	/* from the specification's layouts: NLA selected; no negotiation data */
	assert_int_equal(confirm(spec_nla_selected_cc, spec_nla_selected_cc_len, &cc), WIRE_OK);
	assert_string_equal(rdp_protocol_name(cc.selected), "nla");
	assert_int_equal(confirm(spec_plain_cc, spec_plain_cc_len, &cc), WIRE_OK);
	assert_int_equal(cc.kind, RDP_CC_PLAIN);
	assert_int_equal(cc.selected, RDP_PROTO_RDP);
}

static void test_rdp_refuses(void **state)
{
	(void)state;
	uint8_t b[32];
	size_t len;
	struct rdp_cc cc;
	struct rd r;
	/* waiting for the header; not TPKT; a length below a TPDU */
	assert_int_equal(rdp_tpkt_frame_len(xrdp_negotiate_standard_cc, 3, &len), WIRE_TRUNCATED);
	assert_int_equal(rdp_tpkt_frame_len((const uint8_t *)"SSH-", 4, &len), WIRE_MALFORMED);
	memcpy(b, xrdp_negotiate_standard_cc, 19);
	b[3] = 8;
	assert_int_equal(rdp_tpkt_frame_len(b, 19, &len), WIRE_MALFORMED);
	/* an LI past the frame */
	memcpy(b, xrdp_negotiate_standard_cc, 19);
	b[4] = 40;
	rd_init(&r, b, 19);
	assert_int_not_equal(rdp_conn_confirm_decode(&r, &cc), WIRE_OK);
	/* a TPDU that is not the confirm (a disconnect request, 0x80) */
	memcpy(b, xrdp_negotiate_standard_cc, 19);
	b[5] = 0x80;
	rd_init(&r, b, 19);
	assert_int_equal(rdp_conn_confirm_decode(&r, &cc), WIRE_UNSUPPORTED);
	/* a negotiation length other than 8; an unknown type */
	memcpy(b, xrdp_negotiate_standard_cc, 19);
	b[13] = 9;
	rd_init(&r, b, 19);
	assert_int_equal(rdp_conn_confirm_decode(&r, &cc), WIRE_MALFORMED);
	memcpy(b, xrdp_negotiate_standard_cc, 19);
	b[11] = 0x07;
	rd_init(&r, b, 19);
	assert_int_equal(rdp_conn_confirm_decode(&r, &cc), WIRE_MALFORMED);
	/* a TPKT length that is not the window */
	rd_init(&r, xrdp_negotiate_standard_cc, 18);
	assert_int_equal(rdp_conn_confirm_decode(&r, &cc), WIRE_MALFORMED);
}

static void test_ssh_ident(void **state)
{
	(void)state;
	size_t len;
	struct ssh_ident id;
	struct rd r;
	assert_int_equal(ssh_line_len(openssh_9_2_ident_line, openssh_9_2_ident_line_len, &len), WIRE_OK);
	assert_int_equal(len, openssh_9_2_ident_line_len);
	rd_init(&r, openssh_9_2_ident_line, len);
	assert_int_equal(ssh_ident_decode(&r, &id), WIRE_OK);
	assert_string_equal(id.proto, "2.0");
	assert_string_equal(id.software, "OpenSSH_9.2p1");
	assert_string_equal(id.comments, "Debian-2+deb12u10");
	/* no comments, a bare LF; a line before the identification */
	rd_init(&r, "SSH-1.99-Cisco-1.25\n", 20);
	assert_int_equal(ssh_ident_decode(&r, &id), WIRE_OK);
	assert_string_equal(id.proto, "1.99");
	assert_string_equal(id.software, "Cisco-1.25");
	assert_string_equal(id.comments, "");
	rd_init(&r, "hello there\r\n", 13);
	assert_int_equal(ssh_ident_decode(&r, &id), WIRE_UNSUPPORTED);
	/* no software; a control byte; waiting for the LF; a line too long */
	rd_init(&r, "SSH-2.0-\r\n", 10);
	assert_int_equal(ssh_ident_decode(&r, &id), WIRE_MALFORMED);
	rd_init(&r, "SSH-2.0-Open\x1bSSH\r\n", 18);
	assert_int_equal(ssh_ident_decode(&r, &id), WIRE_MALFORMED);
	assert_int_equal(ssh_line_len(openssh_9_2_ident_line, 20, &len), WIRE_TRUNCATED);
	uint8_t big[300];
	memset(big, 'A', sizeof big);
	assert_int_equal(ssh_line_len(big, sizeof big, &len), WIRE_TOO_LARGE);
}

static void test_http_head(void **state)
{
	(void)state;
	size_t len;
	struct http_head h;
	struct rd r;
	assert_int_equal(http_head_len(winrm_responder_401_basic_head, winrm_responder_401_basic_head_len, &len), WIRE_OK);
	assert_int_equal(len, winrm_responder_401_basic_head_len); /* Content-Length 0: all head */
	rd_init(&r, winrm_responder_401_basic_head, len);
	assert_int_equal(http_head_decode(&r, &h), WIRE_OK);
	assert_int_equal(h.status, 401);
	assert_int_equal(h.n_schemes, 2);
	assert_string_equal(h.schemes[0], "Negotiate");
	assert_string_equal(h.schemes[1], "Basic"); /* its realm is a parameter */
	assert_string_equal(h.server, "Microsoft-HTTPAPI/2.0");
	rd_init(&r, winrm_responder_401_head, winrm_responder_401_head_len);
	assert_int_equal(http_head_decode(&r, &h), WIRE_OK);
	assert_string_equal(h.schemes[1], "Kerberos");
	/* not HTTP; a header line without a colon; waiting; too long */
	static const char ssh[] = "SSH-2.0-x\r\n\r\n";
	rd_init(&r, ssh, sizeof ssh - 1);
	assert_int_equal(http_head_decode(&r, &h), WIRE_UNSUPPORTED);
	static const char nocolon[] = "HTTP/1.1 401 x\r\nbroken\r\n\r\n";
	rd_init(&r, nocolon, sizeof nocolon - 1);
	assert_int_equal(http_head_decode(&r, &h), WIRE_MALFORMED);
	assert_int_equal(http_head_len(winrm_responder_401_head, 40, &len), WIRE_TRUNCATED);
	static uint8_t big[HTTP_HEAD_MAX + 10];
	memset(big, 'A', sizeof big);
	assert_int_equal(http_head_len(big, sizeof big, &len), WIRE_TOO_LARGE);
}

static void test_http_request(void **state)
{
	(void)state;
	char buf[512];
	struct wr w;
	wr_init(&w, buf, sizeof buf - 1);
	assert_int_equal(http_wsman_request_encode(&w, "2001:2::10", 5985), WIRE_OK);
	buf[w.len] = '\0';
	assert_true(strncmp(buf, "POST /wsman HTTP/1.1\r\nHost: [2001:2::10]:5985\r\n", 47) == 0);
	assert_non_null(strstr(buf, "Content-Length: 0\r\n"));
	assert_null(strstr(buf, "Authorization")); /* never a credential */
	assert_true(w.len > 4 && memcmp(buf + w.len - 4, "\r\n\r\n", 4) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rdp_request_bytes), cmocka_unit_test(test_rdp_confirms),
		cmocka_unit_test(test_rdp_refuses),       cmocka_unit_test(test_ssh_ident),
		cmocka_unit_test(test_http_head),         cmocka_unit_test(test_http_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
