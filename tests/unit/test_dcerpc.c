/* test_dcerpc.c - DCE/RPC bind/request encoders against a Windows 7 client's
 * bytes, PDU decoder on BIND_ACK/RESPONSE PDUs from Samba, Windows XP and
 * Windows 10, crafted FAULT/BIND_NAK, malformed headers, truncation sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "captures.h"
#include "captures_lateral.h"
#include "wire/dcerpc.h"
#include "wire/epm.h"

/* Where the PDU sits inside the captured SMB messages (the SMB2 IOCTL
 * Input/OutputOffset, the SMB2 READ DataOffset, the SMB1 TRANS
 * DataOffset, all relative to the SMB header). */
#define SMB2_IOCTL_REQ_DATA 0x78
#define SMB2_IOCTL_RESP_DATA 0x70
#define SMB2_READ_RESP_DATA 0x50
#define SMB1_TRANS_RESP_DATA 0x38

static int decode(const uint8_t *p, size_t n, struct dcerpc_pdu *pdu)
{
	struct rd r;
	rd_init(&r, p, n);
	return dcerpc_pdu_decode(&r, pdu);
}

static void test_bind_encode(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct wr w;
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(dcerpc_bind_encode(&w, 1, &dcerpc_srvsvc), WIRE_OK);
	/* detection-facts 2.1 step 8: BIND is 72 bytes */
	assert_int_equal(w.len, 72);
	/* identical to Windows 7's BIND (frame 53) except max_xmit/max_recv:
	 * Windows offers 5840, we offer 4280 like impacket */
	const uint8_t *win = smb2_ioctl_req_bind + SMB2_IOCTL_REQ_DATA;
	assert_memory_equal(buf, win, 16);
	assert_memory_equal(buf + 20, win + 20, 72 - 20);
	assert_int_equal(buf[16] | buf[17] << 8, 4280);
	assert_int_equal(buf[18] | buf[19] << 8, 4280);

	/* a full writer fails with NOSPACE */
	wr_init(&w, buf, 71);
	assert_int_equal(dcerpc_bind_encode(&w, 1, &dcerpc_srvsvc), WIRE_NOSPACE);
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(dcerpc_bind_encode(&w, 1, NULL), WIRE_MALFORMED);
}

static void test_request_encode(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w;
	/* re-encode Windows 7's NetShareEnumAll request (frame 59) from its stub */
	const uint8_t *win = smb2_ioctl_req_enum + SMB2_IOCTL_REQ_DATA;
	const size_t win_len = 0x64;
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(dcerpc_request_encode(&w, 0, 15, win + 24, win_len - 24), WIRE_OK);
	assert_int_equal(w.len, win_len);
	assert_memory_equal(buf, win, win_len);

	/* empty stub */
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(dcerpc_request_encode(&w, 9, 0, NULL, 0), WIRE_OK);
	assert_int_equal(w.len, 24);
	assert_int_equal(buf[8], 24);
	assert_int_equal(buf[12], 9);

	/* frag_length is 16 bits */
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(dcerpc_request_encode(&w, 1, 15, win, 65535 - 24 + 1), WIRE_TOO_LARGE);
	assert_int_equal(dcerpc_request_encode(&w, 1, 15, NULL, 4), WIRE_MALFORMED);
	wr_init(&w, buf, 30);
	assert_int_equal(dcerpc_request_encode(&w, 1, 15, win, 10), WIRE_NOSPACE);
}

static void test_bind_ack(void **state)
{
	(void)state;
	struct dcerpc_pdu pdu;
	/* Samba via SMB2 IOCTL (frame 54) */
	assert_int_equal(decode(smb2_ioctl_resp_bind_ack + SMB2_IOCTL_RESP_DATA, 0x44, &pdu), WIRE_OK);
	assert_int_equal(pdu.ptype, DCERPC_PTYPE_BIND_ACK);
	assert_int_equal(pdu.flags, DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG);
	assert_int_equal(pdu.frag_len, 0x44);
	assert_int_equal(pdu.call_id, 1);
	assert_int_equal(pdu.ack_result, 0);

	/* Windows XP via SMB1 TRANS (frame 32) */
	assert_int_equal(decode(smb1_trans_resp_bind_ack + SMB1_TRANS_RESP_DATA, 0x44, &pdu), WIRE_OK);
	assert_int_equal(pdu.ptype, DCERPC_PTYPE_BIND_ACK);
	assert_int_equal(pdu.call_id, 3);
	assert_int_equal(pdu.ack_result, 0);

	/* Windows 10 answering three contexts: the first (32-bit NDR) is
	 * a provider rejection (2), which is what ack_result reports */
	size_t n = sizeof smb2_read_resp_bind_ack - SMB2_READ_RESP_DATA;
	assert_int_equal(decode(smb2_read_resp_bind_ack + SMB2_READ_RESP_DATA, n, &pdu), WIRE_OK);
	assert_int_equal(pdu.frag_len, n);
	assert_int_equal(pdu.call_id, 2);
	assert_int_equal(pdu.ack_result, 2);
	/* every result, in context order: NDR refused (provider rejection,
	 * transfer syntaxes not supported), NDR64 accepted, then the
	 * bind-time feature negotiation acknowledgment (3) */
	assert_int_equal(pdu.n_results, 3);
	assert_int_equal(pdu.results[0].result, DCERPC_RESULT_PROVIDER_REJECT);
	assert_int_equal(pdu.results[0].reason, DCERPC_REASON_XFER_NOT_SUPPORTED);
	assert_int_equal(pdu.results[1].result, DCERPC_RESULT_ACCEPT);
	assert_true(dcerpc_syntax_equal(&pdu.results[1].xfer, &dcerpc_ndr64));
	assert_int_equal(pdu.results[2].result, 3);
}

/* The bind that asks for NDR64 only, and what its answer says of the
 * CPU (getArch.py's reading): accepted with NDR64 = x64, refused for the
 * transfer syntax = x86, anything else unknown. */
static void test_bind_ndr64_arch(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct wr w;
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(dcerpc_bind_encode_xfer(&w, 7, &dcerpc_epm, &dcerpc_ndr64), WIRE_OK);
	struct dcerpc_pdu pdu;
	assert_int_equal(decode(buf, w.len, &pdu), WIRE_OK);
	assert_int_equal(pdu.ptype, DCERPC_PTYPE_BIND);
	assert_int_equal(pdu.n_ctx, 1);
	assert_true(dcerpc_syntax_equal(&pdu.ctx[0].abstract, &dcerpc_epm));
	assert_int_equal(pdu.ctx[0].xfer, DCERPC_XFER_NDR64);
	assert_int_equal(dcerpc_bind_encode_xfer(&w, 7, &dcerpc_epm, NULL), WIRE_MALFORMED);
	/* a BIND_ACK of one result, as Samba 4.17 answers it (measured in
	 * the lab: provider rejection, reason 2, a zero syntax) */
	static const uint8_t samba_refusal[] = {
		5, 0, 12, 3, 0x10, 0, 0, 0, 0x3c, 0, 0, 0, 7, 0, 0, 0,
		0xb8, 0x10, 0xb8, 0x10, 0x39, 0xeb, 0, 0, 4, 0, '1', '3', '5', 0, 0, 0,
		1, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	assert_int_equal(decode(samba_refusal, sizeof samba_refusal, &pdu), WIRE_OK);
	assert_int_equal(epm_arch_of_bind_answer(&pdu), EPM_ARCH_X86);
	assert_string_equal(epm_arch_name(EPM_ARCH_X86), "x86");
	/* the same accepted with NDR64 */
	uint8_t accepted[sizeof samba_refusal];
	memcpy(accepted, samba_refusal, sizeof accepted);
	accepted[36] = 0; /* result: acceptance */
	accepted[38] = 0; /* reason */
	memcpy(accepted + 40, dcerpc_ndr64.uuid, 16);
	accepted[56] = 1; /* version 1.0 */
	assert_int_equal(decode(accepted, sizeof accepted, &pdu), WIRE_OK);
	assert_int_equal(epm_arch_of_bind_answer(&pdu), EPM_ARCH_X64);
	assert_string_equal(epm_arch_name(EPM_ARCH_X64), "x64");
	/* accepted with NDR (a server that ignored the offer): unknown */
	memcpy(accepted + 40, dcerpc_ndr.uuid, 16);
	accepted[56] = 2;
	assert_int_equal(decode(accepted, sizeof accepted, &pdu), WIRE_OK);
	assert_int_equal(epm_arch_of_bind_answer(&pdu), EPM_ARCH_UNKNOWN);
	/* refused for another reason (abstract syntax): unknown */
	memcpy(accepted, samba_refusal, sizeof accepted);
	accepted[38] = 1;
	assert_int_equal(decode(accepted, sizeof accepted, &pdu), WIRE_OK);
	assert_int_equal(epm_arch_of_bind_answer(&pdu), EPM_ARCH_UNKNOWN);
	assert_null(epm_arch_name(EPM_ARCH_UNKNOWN));
	/* the Windows 10 answer above is no answer to this question: its
	 * first context was NDR, refused for the syntax: x86 by the rule,
	 * which is why the probe offers NDR64 alone */
}

static void test_response(void **state)
{
	(void)state;
	struct dcerpc_pdu pdu;
	assert_int_equal(decode(smb2_ioctl_resp_enum + SMB2_IOCTL_RESP_DATA, 0x124, &pdu), WIRE_OK);
	assert_int_equal(pdu.ptype, DCERPC_PTYPE_RESPONSE);
	assert_int_equal(pdu.call_id, 0);
	assert_int_equal(pdu.alloc_hint, 0x10c);
	assert_int_equal(pdu.stub.len, 0x124 - 24);
	assert_ptr_equal(pdu.stub.p, smb2_ioctl_resp_enum + SMB2_IOCTL_RESP_DATA + 24);
	assert_int_equal(pdu.stub.off, 0);

	assert_int_equal(decode(smb1_trans_resp_enum + SMB1_TRANS_RESP_DATA, 0x1a0, &pdu), WIRE_OK);
	assert_int_equal(pdu.call_id, 2);
	assert_int_equal(pdu.alloc_hint, 0x188);
	assert_int_equal(pdu.stub.len, 0x1a0 - 24);
}

/* Two PDUs back to back: r advances by frag_len each time. */
static void test_advance(void **state)
{
	(void)state;
	uint8_t two[0x44 + 0x124];
	struct dcerpc_pdu pdu;
	struct rd r;
	memcpy(two, smb2_ioctl_resp_bind_ack + SMB2_IOCTL_RESP_DATA, 0x44);
	memcpy(two + 0x44, smb2_ioctl_resp_enum + SMB2_IOCTL_RESP_DATA, 0x124);
	rd_init(&r, two, sizeof two);
	assert_int_equal(dcerpc_pdu_decode(&r, &pdu), WIRE_OK);
	assert_int_equal(r.off, 0x44);
	assert_int_equal(dcerpc_pdu_decode(&r, &pdu), WIRE_OK);
	assert_int_equal(pdu.ptype, DCERPC_PTYPE_RESPONSE);
	assert_true(rd_end(&r));
	assert_int_equal(dcerpc_pdu_decode(&r, &pdu), WIRE_TRUNCATED);
}

/* FAULT with nca_s_fault_access_denied (C706 appendix E: 0x00000005) */
static const uint8_t fault_pdu[] = {
	0x05, 0x00, 0x03, 0x03, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00,
	0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
};
/* BIND_NAK, provider_reject_reason 4 (proposed transfer syntaxes not supported) */
static const uint8_t nak_pdu[] = {
	0x05, 0x00, 0x0d, 0x03, 0x10, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
};

static void test_fault_nak(void **state)
{
	(void)state;
	struct dcerpc_pdu pdu;
	assert_int_equal(decode(fault_pdu, sizeof fault_pdu, &pdu), WIRE_OK);
	assert_int_equal(pdu.ptype, DCERPC_PTYPE_FAULT);
	assert_int_equal(pdu.call_id, 7);
	assert_int_equal(pdu.status, 5);
	assert_int_equal(decode(nak_pdu, sizeof nak_pdu, &pdu), WIRE_OK);
	assert_int_equal(pdu.ptype, DCERPC_PTYPE_BIND_NAK);
	assert_int_equal(pdu.status, 4);
}

struct bad_case {
	const char *name;
	size_t at; /* byte to change in a copy of the Samba BIND_ACK */
	uint8_t val;
	int want;
};

static void test_malformed(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{"rpc_vers 4", 0, 4, WIRE_MALFORMED},
		{"rpc_vers_minor 2", 1, 2, WIRE_MALFORMED},
		{"frag_len beyond data", 8, 0x45, WIRE_MALFORMED},
		{"frag_len below header", 8, 0x0f, WIRE_MALFORMED},
		{"ptype auth3", 2, 16, WIRE_UNSUPPORTED},
		{"ptype shutdown", 2, 17, WIRE_UNSUPPORTED},
		{"big-endian drep", 4, 0x00, WIRE_UNSUPPORTED},
		{"no results", 40, 0, WIRE_MALFORMED},
		{"sec_addr past end", 24, 0xff, WIRE_MALFORMED},
	};
	const uint8_t *ack = smb2_ioctl_resp_bind_ack + SMB2_IOCTL_RESP_DATA;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t b[0x44];
		struct dcerpc_pdu pdu;
		memcpy(b, ack, sizeof b);
		b[cases[i].at] = cases[i].val;
		int rc = decode(b, sizeof b, &pdu);
		if (rc != cases[i].want)
			fail_msg("%s: got %d want %d", cases[i].name, rc, cases[i].want);
	}

	/* auth_len larger than the response body */
	uint8_t resp[0x124];
	struct dcerpc_pdu pdu;
	memcpy(resp, smb2_ioctl_resp_enum + SMB2_IOCTL_RESP_DATA, sizeof resp);
	resp[10] = 0x20;
	resp[11] = 0x01;
	assert_int_equal(decode(resp, sizeof resp, &pdu), WIRE_MALFORMED);
	/* a small auth trailer is cut off the stub */
	resp[10] = 0x10;
	resp[11] = 0;
	assert_int_equal(decode(resp, sizeof resp, &pdu), WIRE_OK);
	assert_int_equal(pdu.stub.len, 0x124 - 24 - 0x10 - 8);

	/* a fault body shorter than its fields */
	uint8_t f[24];
	memcpy(f, fault_pdu, sizeof f);
	f[8] = sizeof f;
	assert_int_equal(decode(f, sizeof f, &pdu), WIRE_MALFORMED);

	/* a failed reader stays failed */
	struct rd r;
	rd_init(&r, fault_pdu, sizeof fault_pdu);
	rd_fail(&r, WIRE_TOO_LARGE);
	assert_int_equal(dcerpc_pdu_decode(&r, &pdu), WIRE_TOO_LARGE);
}

static void sweep(const uint8_t *p, size_t n)
{
	struct dcerpc_pdu pdu;
	for (size_t cut = 0; cut < n; cut++) {
		int rc = decode(p, cut, &pdu);
		if (rc != WIRE_TRUNCATED && rc != WIRE_MALFORMED)
			fail_msg("prefix %zu of %zu: rc %d", cut, n, rc);
		if (cut < 16 && rc != WIRE_TRUNCATED)
			fail_msg("prefix %zu inside the header: rc %d", cut, rc);
	}
}

static void test_truncation(void **state)
{
	(void)state;
	sweep(smb2_ioctl_resp_bind_ack + SMB2_IOCTL_RESP_DATA, 0x44);
	sweep(smb1_trans_resp_enum + SMB1_TRANS_RESP_DATA, 0x1a0);
	sweep(fault_pdu, sizeof fault_pdu);
	sweep(nak_pdu, sizeof nak_pdu);
}

/* ---- BIND and REQUEST, as a passive observer sees them ---- */

static void test_bind_decode_ndr64(void **state)
{
	(void)state;
	/* `at` over SMB2 offers ATSVC three times: NDR, NDR64, feature negotiation */
	struct dcerpc_pdu pdu;
	assert_int_equal(decode(at_bind, sizeof at_bind, &pdu), WIRE_OK);
	assert_int_equal(pdu.ptype, DCERPC_PTYPE_BIND);
	assert_int_equal(pdu.call_id, 2);
	assert_false(pdu.truncated);
	assert_int_equal(pdu.n_ctx, 3);
	static const uint8_t atsvc[16] = {0x82, 0x06, 0xf7, 0x1f, 0x51, 0x0a, 0xe8, 0x30,
					  0x07, 0x6d, 0x74, 0x0b, 0xe8, 0xce, 0xe9, 0x8b};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pdu.ctx[i].id, i);
		assert_memory_equal(pdu.ctx[i].abstract.uuid, atsvc, 16);
		assert_int_equal(pdu.ctx[i].abstract.ver_major, 1);
	}
	assert_int_equal(pdu.ctx[0].xfer, DCERPC_XFER_NDR);
	assert_int_equal(pdu.ctx[1].xfer, DCERPC_XFER_NDR64);
	assert_int_equal(pdu.ctx[2].xfer, DCERPC_XFER_OTHER);
	/* Windows 7's srvsvc bind (NDR only) */
	assert_int_equal(decode(smb2_ioctl_req_bind + SMB2_IOCTL_REQ_DATA, 72, &pdu), WIRE_OK);
	assert_int_equal(pdu.n_ctx, 1);
	assert_true(dcerpc_syntax_equal(&pdu.ctx[0].abstract, &dcerpc_srvsvc));
	assert_int_equal(pdu.ctx[0].xfer, DCERPC_XFER_NDR);
}

static void test_bind_decode_many(void **state)
{
	(void)state;
	/* Metasploit offers 12 contexts, svcctl last (id 11) */
	struct dcerpc_pdu pdu;
	assert_int_equal(decode(msf_bind, sizeof msf_bind, &pdu), WIRE_OK);
	assert_int_equal(pdu.n_ctx, 12);
	assert_int_equal(pdu.ctx[11].id, 11);
	assert_int_equal(pdu.ctx[11].abstract.ver_major, 2);
	assert_int_equal(pdu.ctx[11].abstract.uuid[0], 0x81);
	for (int i = 0; i < 12; i++)
		assert_int_equal(pdu.ctx[i].xfer, DCERPC_XFER_NDR);
	/* a context count beyond DCERPC_MAX_CTX is read over, the first kept */
	uint8_t b[sizeof msf_bind + 0];
	memcpy(b, msf_bind, sizeof b);
	b[24] = 40; /* n_context_elem: more than the PDU holds -> malformed */
	assert_int_equal(decode(b, sizeof b, &pdu), WIRE_MALFORMED);
	struct rd r;
	rd_init(&r, b, sizeof b);
	/* as a prefix of a longer PDU the same count is a cut, not an error */
	b[8] = 0xff;
	b[9] = 0x0f;
	assert_int_equal(dcerpc_pdu_decode_prefix(&r, &pdu), WIRE_OK);
	assert_true(pdu.truncated);
	assert_int_equal(pdu.n_ctx, 12);
}

static void test_request_decode(void **state)
{
	(void)state;
	struct dcerpc_pdu pdu;
	/* NetrJobAdd, whole */
	assert_int_equal(decode(at_jobadd, sizeof at_jobadd, &pdu), WIRE_OK);
	assert_int_equal(pdu.ptype, DCERPC_PTYPE_REQUEST);
	assert_int_equal(pdu.ctx_id, 1);
	assert_int_equal(pdu.opnum, 0);
	assert_int_equal(pdu.stub.len, sizeof at_jobadd - 24);
	/* Metasploit's CreateServiceW: the first write holds 419 of 4024 bytes */
	assert_int_equal(decode(msf_create_prefix, sizeof msf_create_prefix, &pdu), WIRE_MALFORMED);
	struct rd r;
	rd_init(&r, msf_create_prefix, sizeof msf_create_prefix);
	assert_int_equal(dcerpc_pdu_decode_prefix(&r, &pdu), WIRE_OK);
	assert_true(pdu.truncated);
	assert_int_equal(pdu.frag_len, 4024);
	assert_int_equal(pdu.flags & (DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG),
			 DCERPC_PFC_FIRST_FRAG);
	assert_int_equal(pdu.ctx_id, 11);
	assert_int_equal(pdu.opnum, 12);
	assert_int_equal(pdu.stub.len, sizeof msf_create_prefix - 24);
	assert_int_equal(rd_left(&r), 0);
	/* auth_len claiming more than the fragment */
	uint8_t b[sizeof at_jobadd];
	memcpy(b, at_jobadd, sizeof b);
	b[10] = 0xf0;
	assert_int_equal(decode(b, sizeof b, &pdu), WIRE_MALFORMED);
	/* object UUID flag: 16 more header bytes before the stub */
	memcpy(b, at_jobadd, sizeof b);
	b[3] |= DCERPC_PFC_OBJECT_UUID;
	assert_int_equal(decode(b, sizeof b, &pdu), WIRE_OK);
	assert_int_equal(pdu.stub.len, sizeof at_jobadd - 24 - 16);
}

/* Every prefix of a PDU in prefix mode: inside the header it needs more,
 * after it what is there is decoded and marked truncated. */
static void prefix_sweep(const uint8_t *p, size_t n)
{
	struct dcerpc_pdu pdu;
	for (size_t cut = 0; cut <= n; cut++) {
		struct rd r;
		rd_init(&r, p, cut);
		int rc = dcerpc_pdu_decode_prefix(&r, &pdu);
		if (cut < 16 && rc != WIRE_TRUNCATED)
			fail_msg("prefix %zu inside the header: rc %d", cut, rc);
		if (cut >= 16 && (rc != WIRE_OK || pdu.truncated != (cut < n)))
			fail_msg("prefix %zu of %zu: rc %d truncated %d", cut, n, rc, pdu.truncated);
	}
}

static void test_prefix_sweep(void **state)
{
	(void)state;
	prefix_sweep(at_bind, sizeof at_bind);
	prefix_sweep(at_jobadd, sizeof at_jobadd);
	prefix_sweep(msf_bind, sizeof msf_bind);
	prefix_sweep(smb2_ioctl_resp_bind_ack + SMB2_IOCTL_RESP_DATA, 0x44);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_encode), cmocka_unit_test(test_request_encode),
		cmocka_unit_test(test_bind_ack),    cmocka_unit_test(test_bind_ndr64_arch),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_advance),     cmocka_unit_test(test_fault_nak),
		cmocka_unit_test(test_malformed),   cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_bind_decode_ndr64), cmocka_unit_test(test_bind_decode_many),
		cmocka_unit_test(test_request_decode), cmocka_unit_test(test_prefix_sweep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
