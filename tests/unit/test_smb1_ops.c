/* test_smb1_ops.c - SMB1 session commands: encoders against the bytes of
 * WannaCry's PEEK_NMPIPE, the DoublePulsar knock and a macOS client;
 * decoders on Windows XP, Samba, an unpatched MS17-010 host and the
 * DoublePulsar implant; malformed word counts and offsets; truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "captures.h"
#include "wire/ntstatus.h"
#include "wire/smb1_ops.h"

static struct rd rd_of(const uint8_t *p, size_t n)
{
	struct rd r;
	rd_init(&r, p, n);
	return r;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void test_peek_nmpipe(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct wr w;
	const struct smb1_req_ctx c = {.uid = 0x0800, .tid = 0x0800, .mid = 0x5ec5, .pid = 0x0800};
	const uint16_t setup[2] = {TRANS_PEEK_NMPIPE, 0};
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb1_trans_req_encode(&w, &c, setup, 2, NULL, 0, 0xffff, 0xffff), WIRE_OK);
	/* smb-facts 6.2: 74 bytes, WordCount 16, offsets 0x4A, setup {0x23, 0},
	 * name "\PIPE\" */
	assert_int_equal(w.len, 74);
	assert_int_equal(buf[4], SMB1_CMD_TRANSACTION);
	assert_int_equal(buf[32], 16);
	assert_int_equal(le16(buf + 33 + 20), 0x4A); /* ParameterOffset */
	assert_int_equal(le16(buf + 33 + 24), 0x4A); /* DataOffset */
	assert_int_equal(le16(buf + 33 + 28), 0x23);
	assert_int_equal(le16(buf + 33 + 30), 0);
	assert_memory_equal(buf + 67, "\\PIPE\\", 7);
	/* the whole body is what WannaCry sent (wannacry.pcap frame 206) */
	assert_memory_equal(buf + 32, smb1_peek_req_wannacry + 32, 74 - 32);
	assert_int_equal(le16(buf + 24), 0x0800); /* TID */
	assert_int_equal(le16(buf + 26), 0x0800); /* PID */
	assert_int_equal(le16(buf + 28), 0x0800); /* UID */
	assert_int_equal(le16(buf + 30), 0x5ec5); /* MID */

	/* the vulnerable host's answer: STATUS_INSUFF_SERVER_RESOURCES */
	struct smb1_trans_resp t;
	struct rd r = rd_of(smb1_peek_resp_vuln, sizeof smb1_peek_resp_vuln);
	assert_int_equal(smb1_trans_resp_decode(&r, &t), WIRE_OK);
	assert_int_equal(t.hdr.command, SMB1_CMD_TRANSACTION);
	assert_int_equal(t.hdr.status, 0xC0000205);
	assert_int_equal(t.hdr.mid, 0x5ec5);
	assert_int_equal(t.data.len, 0);
	assert_true(rd_end(&r));

	/* caps and argument checks */
	wr_init(&w, buf, sizeof buf);
	const uint16_t many[5] = {0};
	assert_int_equal(smb1_trans_req_encode(&w, &c, many, 5, NULL, 0, 1, 1), WIRE_TOO_LARGE);
	assert_int_equal(smb1_trans_req_encode(&w, &c, NULL, 1, NULL, 0, 1, 1), WIRE_MALFORMED);
	assert_int_equal(smb1_trans_req_encode(&w, &c, setup, 2, NULL, 3, 1, 1), WIRE_MALFORMED);
	wr_init(&w, buf, 70);
	assert_int_equal(smb1_trans_req_encode(&w, &c, setup, 2, NULL, 0, 1, 1), WIRE_NOSPACE);
}

static void test_doublepulsar(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct wr w;
	const struct smb1_req_ctx c = {.uid = 0x0800, .tid = 0x0800, .mid = 65};
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb1_trans2_doublepulsar_req_encode(&w, &c), WIRE_OK);
	assert_int_equal(w.len, 78);
	assert_int_equal(buf[4], SMB1_CMD_TRANSACTION2);
	assert_int_equal(le16(buf + 30), 65);
	assert_int_equal(buf[32], 15);
	static const uint8_t timeout[4] = {0xa6, 0xd9, 0xa4, 0x00};
	assert_memory_equal(buf + 45, timeout, 4);
	assert_int_equal(le16(buf + 33 + 28), TRANS2_SESSION_SETUP);
	static const uint8_t zeros[12] = {0};
	assert_memory_equal(buf + 66, zeros, 12);
	/* same body as the knock in doublepulsar-backdoor-connect-win7.pcap
	 * (frame 86) but for its Timeout (0x00EDBF77 there) */
	assert_memory_equal(buf + 32, smb1_trans2_knock + 32, 13);
	assert_memory_equal(buf + 49, smb1_trans2_knock + 49, 78 - 49);

	/* the implant answers MID 81 = 65 + 16 (frame 87) */
	struct smb1_trans_resp t;
	struct rd r = rd_of(smb1_trans2_implant_reply, sizeof smb1_trans2_implant_reply);
	assert_int_equal(smb1_trans_resp_decode(&r, &t), WIRE_OK);
	assert_int_equal(t.hdr.command, SMB1_CMD_TRANSACTION2);
	assert_int_equal(t.hdr.mid, 81);
	assert_int_equal(t.hdr.status, 0xC0000002);
	static const uint8_t sig[8] = {0x79, 0x4b, 0x5d, 0xa4, 0x00, 0x00, 0x00, 0x00};
	assert_memory_equal(t.hdr.signature, sig, 8);
}

static void test_trans_pipe(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w;
	const struct smb1_req_ctx c = {.uid = 0x0800, .tid = 0x0800, .mid = 5};
	const uint16_t setup[2] = {TRANS_TRANSACT_NMPIPE, 0x4000};
	/* the BIND from the macOS request (frame 31, DataOffset 0x54) */
	const uint8_t *bind = smb1_trans_req_bind + 0x54;
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb1_trans_req_encode(&w, &c, setup, 2, bind, 72, 0, 4280), WIRE_OK);
	assert_int_equal(w.len, 76 + 72);
	assert_int_equal(le16(buf + 33 + 2), 72);      /* TotalDataCount */
	assert_int_equal(le16(buf + 33 + 22), 72);     /* DataCount */
	assert_int_equal(le16(buf + 33 + 24), 76);     /* DataOffset, aligned to 4 */
	assert_int_equal(le16(buf + 33 + 32), 7 + 2 + 72); /* ByteCount */
	assert_memory_equal(buf + 76, bind, 72);
	/* the setup words match the macOS client's */
	assert_memory_equal(buf + 33 + 28, smb1_trans_req_bind + 33 + 28, 4);

	struct smb1_trans_resp t;
	struct rd r = rd_of(smb1_trans_resp_bind_ack, sizeof smb1_trans_resp_bind_ack);
	assert_int_equal(smb1_trans_resp_decode(&r, &t), WIRE_OK);
	assert_int_equal(t.hdr.status, 0);
	assert_int_equal(t.params.len, 0);
	assert_int_equal(t.data.len, 0x44);
	assert_ptr_equal(t.data.p, smb1_trans_resp_bind_ack + 0x38);

	r = rd_of(smb1_trans_resp_enum, sizeof smb1_trans_resp_enum);
	assert_int_equal(smb1_trans_resp_decode(&r, &t), WIRE_OK);
	assert_int_equal(t.data.len, 0x1a0);
	assert_int_equal(t.data.p[2], 2); /* DCE/RPC RESPONSE */

	/* a crafted trace whose WordCount (14) is not 10 + SetupCount (2) */
	r = rd_of(smb1_trans_resp_bad_wct, sizeof smb1_trans_resp_bad_wct);
	assert_int_equal(smb1_trans_resp_decode(&r, &t), WIRE_TRUNCATED);
	/* the same with the ByteCount of a 12-word answer: the parameters and
	 * data offsets are right, the WordCount is not */
	uint8_t m[sizeof smb1_trans_resp_bad_wct];
	memcpy(m, smb1_trans_resp_bad_wct, sizeof m);
	m[32] = 12;
	r = rd_of(m, sizeof m);
	assert_int_equal(smb1_trans_resp_decode(&r, &t), WIRE_OK);
	assert_int_equal(t.params.len, 11);
	assert_memory_equal(t.params.p, "some_params", 11);
	assert_int_equal(t.data.len, 9);
	assert_memory_equal(t.data.p, "some_data", 9);
	m[32] = 13; /* ByteCount then falls on "so": WordCount disagrees */
	r = rd_of(m, sizeof m);
	assert_int_equal(smb1_trans_resp_decode(&r, &t), WIRE_TRUNCATED);

	/* DataOffset out of range; too few words */
	uint8_t e[sizeof smb1_trans_resp_enum];
	memcpy(e, smb1_trans_resp_enum, sizeof e);
	e[33 + 14] = 0x39; /* DataOffset 0x39 + 0x1a0 > message */
	r = rd_of(e, sizeof e);
	assert_int_equal(smb1_trans_resp_decode(&r, &t), WIRE_MALFORMED);
	static const uint8_t few_words[] = {0x02, 0, 0, 0, 0, 0, 0};
	uint8_t f[32 + sizeof few_words];
	memcpy(f, smb1_trans_resp_enum, 32);
	memcpy(f + 32, few_words, sizeof few_words);
	r = rd_of(f, sizeof f);
	assert_int_equal(smb1_trans_resp_decode(&r, &t), WIRE_MALFORMED);
	/* a request is not an answer */
	r = rd_of(smb1_peek_req_wannacry, sizeof smb1_peek_req_wannacry);
	assert_int_equal(smb1_trans_resp_decode(&r, &t), WIRE_MALFORMED);
}

/* The share walk over SMB1 (probe/sharewalk.c): FIND_FIRST2 of the share
 * root, and READ_ANDX for the rest of a pipe answer. */
static void test_find_first2(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w;
	const struct smb1_req_ctx c = {.uid = 0x0800, .tid = 0x0801, .mid = 9};
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb1_find_first2_req_encode(&w, &c, "\\*", 4096), WIRE_OK);
	assert_int_equal(buf[4], SMB1_CMD_TRANSACTION2);
	assert_int_equal(buf[32], 15);             /* WordCount */
	assert_int_equal(le16(buf + 33), 18);      /* TotalParameterCount */
	assert_int_equal(le16(buf + 39), 4096);    /* MaxDataCount */
	assert_int_equal(le16(buf + 51), 18);      /* ParameterCount */
	assert_int_equal(le16(buf + 53), 68);      /* ParameterOffset, aligned to 4 */
	assert_int_equal(le16(buf + 55), 0);       /* DataCount */
	assert_int_equal(le16(buf + 57), 86);      /* DataOffset */
	assert_int_equal(buf[59], 1);              /* SetupCount */
	assert_int_equal(le16(buf + 61), TRANS2_FIND_FIRST2);
	assert_int_equal(le16(buf + 63), 86 - 65); /* ByteCount */
	assert_int_equal(le16(buf + 66), 0);       /* Name: a Unicode NUL */
	assert_int_equal(le16(buf + 68 + 6), 0x0104); /* InformationLevel */
	static const uint8_t pattern[] = {'\\', 0, '*', 0, 0, 0};
	assert_memory_equal(buf + 68 + 12, pattern, sizeof pattern);
	assert_int_equal(w.len, 86);
}

/* A READ_ANDX answer: 32-byte header (from a real TRANSACTION answer,
 * command changed), WordCount 12, DataOffset 60, then "hello". */
static size_t read_andx_answer(uint8_t *m, uint32_t status, uint16_t doff)
{
	memset(m, 0, 80);
	memcpy(m, smb1_trans_resp_enum, 32);
	m[4] = SMB1_CMD_READ_ANDX;
	m[5] = (uint8_t)status;
	m[6] = (uint8_t)(status >> 8);
	m[7] = (uint8_t)(status >> 16);
	m[8] = (uint8_t)(status >> 24);
	m[32] = 12;
	m[33] = 0xFF;
	m[33 + 10] = 5;             /* DataLength */
	m[33 + 12] = (uint8_t)doff; /* DataOffset */
	m[57] = 6;                  /* ByteCount: pad + 5 */
	memcpy(m + 60, "hello", 5);
	return 65;
}

static void test_read_andx(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct wr w;
	const struct smb1_req_ctx c = {.uid = 0x0800, .tid = 0x0801, .mid = 10};
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb1_read_andx_req_encode(&w, &c, 0x4000, 4280), WIRE_OK);
	assert_int_equal(buf[4], SMB1_CMD_READ_ANDX);
	assert_int_equal(buf[32], 12);
	assert_int_equal(le16(buf + 33 + 4), 0x4000); /* FID */
	assert_int_equal(le16(buf + 33 + 10), 4280);  /* MaxCountOfBytesToReturn */
	assert_int_equal(w.len, 33 + 24 + 2);

	uint8_t m[80];
	struct smb1_read_andx_resp ra;
	size_t n = read_andx_answer(m, 0, 60);
	struct rd r = rd_of(m, n);
	assert_int_equal(smb1_read_andx_resp_decode(&r, &ra), WIRE_OK);
	assert_int_equal(ra.data.len, 5);
	assert_ptr_equal(ra.data.p, m + 60);
	/* more still waiting in the pipe: the data is there all the same */
	n = read_andx_answer(m, STATUS_BUFFER_OVERFLOW, 60);
	r = rd_of(m, n);
	assert_int_equal(smb1_read_andx_resp_decode(&r, &ra), WIRE_OK);
	assert_int_equal(ra.hdr.status, STATUS_BUFFER_OVERFLOW);
	assert_int_equal(ra.data.len, 5);
	/* DataOffset past the message */
	n = read_andx_answer(m, 0, 62);
	r = rd_of(m, n);
	assert_true(smb1_read_andx_resp_decode(&r, &ra) < 0);
	/* an error answer carries only its status */
	n = read_andx_answer(m, STATUS_ACCESS_DENIED, 60);
	r = rd_of(m, n);
	assert_int_equal(smb1_read_andx_resp_decode(&r, &ra), WIRE_OK);
	assert_int_equal(ra.data.len, 0);
	/* a wrong WordCount */
	n = read_andx_answer(m, 0, 60);
	m[32] = 10;
	r = rd_of(m, n);
	assert_true(smb1_read_andx_resp_decode(&r, &ra) < 0);
}

static void test_tree_connect(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w;
	const struct smb1_req_ctx c = {.uid = 0x0800, .tid = 0xffff, .mid = 3, .pid = 1};
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb1_tree_connect_req_encode(&w, &c, "\\\\192.168.56.101\\IPC$"),
			 WIRE_OK);
	/* the macOS client's request (frame 25) byte for byte, Flags 0x0008
	 * (EXTENDED_RESPONSE: the answer carries the maximal access) too */
	assert_int_equal(w.len, sizeof smb1_tree_req_macos);
	assert_int_equal(le16(buf + 37), SMB1_TREE_CONNECT_EXTENDED_RESPONSE);
	assert_memory_equal(buf + 32, smb1_tree_req_macos + 32, w.len - 32);
	assert_int_equal(smb1_tree_connect_req_encode(&w, &c, NULL), WIRE_MALFORMED);

	struct smb1_tree_connect_resp t;
	struct rd r = rd_of(smb1_tree_resp_ipc, sizeof smb1_tree_resp_ipc);
	assert_int_equal(smb1_tree_connect_resp_decode(&r, &t), WIRE_OK);
	assert_string_equal(t.service, "IPC");
	assert_int_equal(t.hdr.tid, 0x0800);
	assert_int_equal(t.hdr.uid, 0x0800);
	r = rd_of(smb1_tree_resp_disk, sizeof smb1_tree_resp_disk);
	assert_int_equal(smb1_tree_connect_resp_decode(&r, &t), WIRE_OK);
	assert_string_equal(t.service, "A:");
	/* its extended response (WordCount 7): the session's maximal access
	 * 0x001200a9 (read, no FILE_WRITE_DATA/APPEND_DATA), guest 0 */
	assert_true(t.has_max_access);
	assert_int_equal(t.max_access, 0x001200a9);
	assert_int_equal(t.guest_max_access, 0);
	r = rd_of(smb1_tree_resp_ascii, sizeof smb1_tree_resp_ascii);
	assert_int_equal(smb1_tree_connect_resp_decode(&r, &t), WIRE_OK);
	assert_string_equal(t.service, "IPC");
	assert_int_equal(t.hdr.tid, 0xa2c5);

	/* error reply, and a WordCount no spec allows */
	uint8_t m[35];
	memcpy(m, smb1_peek_resp_vuln, sizeof m);
	m[4] = SMB1_CMD_TREE_CONNECT_ANDX;
	m[5] = 0x22;
	m[6] = 0x00;
	r = rd_of(m, sizeof m);
	assert_int_equal(smb1_tree_connect_resp_decode(&r, &t), WIRE_OK);
	assert_int_equal(t.hdr.status, 0xC0000022);
	assert_string_equal(t.service, "");
	static const uint8_t two_words[] = {0x02, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00};
	uint8_t b[32 + sizeof two_words];
	memcpy(b, smb1_tree_resp_ipc, 32);
	memcpy(b + 32, two_words, sizeof two_words);
	r = rd_of(b, sizeof b);
	assert_int_equal(smb1_tree_connect_resp_decode(&r, &t), WIRE_MALFORMED);
}

static void test_nt_create_and_session(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w;
	const struct smb1_req_ctx c = {.uid = 0x0800, .tid = 0x0800, .mid = 4, .pid = 1};
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb1_nt_create_req_encode(&w, &c, "\\srvsvc", 0xc0000000, 3, 1, 0),
			 WIRE_OK);
	/* the macOS request (frame 28) but for Flags 0x10 and attributes 0x80 */
	assert_int_equal(w.len, sizeof smb1_nt_create_req_macos);
	buf[33 + 7] = 0x10;
	buf[33 + 27] = 0x80;
	assert_memory_equal(buf + 32, smb1_nt_create_req_macos + 32, w.len - 32);

	struct smb1_nt_create_resp cr;
	struct rd r = rd_of(smb1_nt_create_resp, sizeof smb1_nt_create_resp);
	assert_int_equal(smb1_nt_create_resp_decode(&r, &cr), WIRE_OK);
	assert_int_equal(cr.fid, 0x4000);
	uint8_t m[sizeof smb1_nt_create_resp];
	memcpy(m, smb1_nt_create_resp, sizeof m);
	m[32] = 30;
	r = rd_of(m, sizeof m);
	assert_int_equal(smb1_nt_create_resp_decode(&r, &cr), WIRE_MALFORMED);

	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb1_session_setup_anon_req_encode(&w, &c), WIRE_OK);
	assert_int_equal(w.len, 32 + 1 + 26 + 2 + 9);
	assert_int_equal(buf[4], SMB1_CMD_SESSION_SETUP_ANDX);
	assert_int_equal(le16(buf + 10) & SMB1_FLAGS2_EXTENDED_SECURITY, 0);
	assert_int_equal(buf[32], 13);
	assert_int_equal(le16(buf + 33 + 14), 1); /* OEMPasswordLen */
	assert_int_equal(le16(buf + 33 + 16), 0); /* UnicodePasswordLen */
	assert_int_equal(le16(buf + 59), 9);      /* ByteCount */
	assert_int_equal(buf[61], 0);             /* OEMPassword */
}

typedef int (*dec_fn)(const uint8_t *p, size_t n);

static int d_tree(const uint8_t *p, size_t n)
{
	struct smb1_tree_connect_resp o;
	struct rd r = rd_of(p, n);
	return smb1_tree_connect_resp_decode(&r, &o);
}
static int d_create(const uint8_t *p, size_t n)
{
	struct smb1_nt_create_resp o;
	struct rd r = rd_of(p, n);
	return smb1_nt_create_resp_decode(&r, &o);
}
static int d_trans(const uint8_t *p, size_t n)
{
	struct smb1_trans_resp o;
	struct rd r = rd_of(p, n);
	return smb1_trans_resp_decode(&r, &o);
}

/* Every prefix fails, except those of at least min_ok bytes (only
 * trailing bytes past the last field were cut). */
static void sweep(dec_fn f, const uint8_t *p, size_t n, size_t min_ok)
{
	for (size_t cut = 0; cut < n; cut++) {
		int rc = f(p, cut);
		if (cut >= min_ok && rc == WIRE_OK)
			continue;
		if (rc != WIRE_TRUNCATED && rc != WIRE_MALFORMED)
			fail_msg("prefix %zu of %zu: rc %d", cut, n, rc);
	}
}

static void test_truncation(void **state)
{
	(void)state;
	sweep(d_tree, smb1_tree_resp_ipc, sizeof smb1_tree_resp_ipc, SIZE_MAX);
	sweep(d_tree, smb1_tree_resp_ascii, sizeof smb1_tree_resp_ascii, SIZE_MAX);
	/* Windows XP sends 16 bytes after ByteCount 0 (WordCount says 42,
	 * the NT server writes 50 words): a cut there still decodes */
	sweep(d_create, smb1_nt_create_resp, sizeof smb1_nt_create_resp, 119);
	sweep(d_trans, smb1_trans_resp_enum, sizeof smb1_trans_resp_enum, SIZE_MAX);
	sweep(d_trans, smb1_peek_resp_vuln, sizeof smb1_peek_resp_vuln, SIZE_MAX);
	sweep(d_trans, smb1_trans2_implant_reply, sizeof smb1_trans2_implant_reply, SIZE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peek_nmpipe),  cmocka_unit_test(test_doublepulsar),
		cmocka_unit_test(test_trans_pipe),   cmocka_unit_test(test_tree_connect),
		cmocka_unit_test(test_nt_create_and_session), cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_find_first2), cmocka_unit_test(test_read_andx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
