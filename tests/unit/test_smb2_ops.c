/* test_smb2_ops.c - SMB2 TREE_CONNECT/CREATE/CLOSE/READ/WRITE/IOCTL/
 * QUERY_DIRECTORY codecs: encoders against a Windows 7 client's bytes,
 * decoders on Samba, Windows 10 and Server 2019 answers (sync, async,
 * compound, error bodies), malformed offsets, truncation sweeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "captures.h"
#include "wire/smb2_ops.h"

static const uint8_t fid_srvsvc[16] = {0xec, 0xaf, 0x58, 0x77, 0, 0, 0, 0,
				       0x0f, 0xaa, 0xf5, 0x53, 0, 0, 0, 0};

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

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_tree_connect(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w;
	struct smb2_req_ctx c = {.message_id = 4, .session_id = 0x03f12bb6, .tree_id = 0};
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb2_tree_connect_req_encode(&w, &c, "\\\\192.168.2.69\\IPC$"), WIRE_OK);
	/* body identical to Windows 7's (frame 41) */
	const size_t n41 = 0x6e;
	assert_int_equal(w.len, n41);
	static const uint8_t body41[] = {0x09, 0x00, 0x00, 0x00, 0x48, 0x00, 0x26, 0x00};
	assert_memory_equal(buf + 64, body41, sizeof body41);
	assert_memory_equal(buf + 72, "\\\0\\\0" "1\0" "9\0" "2\0", 10);
	assert_memory_equal(buf + 72 + 0x1e, "I\0P\0C\0$\0", 8);
	assert_int_equal(le16(buf + 12), SMB2_CMD_TREE_CONNECT);
	assert_int_equal(buf[24], 4);
	assert_int_equal(le32(buf + 40), 0x03f12bb6);

	struct smb2_tree_connect_resp t;
	struct rd r = rd_of(smb2_tree_resp_ipc, sizeof smb2_tree_resp_ipc);
	assert_int_equal(smb2_tree_connect_resp_decode(&r, &t), WIRE_OK);
	assert_int_equal(t.hdr.status, 0);
	assert_int_equal(t.hdr.tree_id, 0xe8cc527f);
	assert_int_equal(t.share_type, SMB2_SHARE_TYPE_PIPE);
	assert_int_equal(t.share_flags, 0);
	assert_int_equal(t.maximal_access, 0x001f00a9);
	assert_true(rd_end(&r));

	r = rd_of(smb2_tree_resp_disk, sizeof smb2_tree_resp_disk);
	assert_int_equal(smb2_tree_connect_resp_decode(&r, &t), WIRE_OK);
	assert_int_equal(t.hdr.tree_id, 0x4a6ccc8e);
	assert_int_equal(t.share_type, SMB2_SHARE_TYPE_DISK);
	assert_int_equal(t.maximal_access, 0x001f01ff);

	/* STATUS_ACCESS_DENIED with the 9-byte error body: only hdr set */
	static const uint8_t denied_body[] = {0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	uint8_t m[64 + sizeof denied_body];
	memcpy(m, smb2_tree_resp_ipc, 64);
	m[8] = 0x22;
	m[11] = 0xc0;
	memcpy(m + 64, denied_body, sizeof denied_body);
	r = rd_of(m, sizeof m);
	assert_int_equal(smb2_tree_connect_resp_decode(&r, &t), WIRE_OK);
	assert_int_equal(t.hdr.status, 0xC0000022);
	assert_int_equal(t.share_type, 0);
}

static void test_create(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w;
	struct smb2_req_ctx c = {.message_id = 5, .session_id = 1, .tree_id = 2};
	struct smb2_create_req req = {.name = "srvsvc",
				      .desired_access = 0x0012019f,
				      .share_access = 3,
				      .create_disposition = 1,
				      .create_options = 0x40};
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb2_create_req_encode(&w, &c, &req), WIRE_OK);
	assert_int_equal(w.len, 64 + 56 + 12);
	assert_int_equal(le16(buf + 64), 57);
	assert_int_equal(le32(buf + 64 + 4), 2);     /* ImpersonationLevel */
	assert_int_equal(le32(buf + 64 + 24), 0x0012019f);
	assert_int_equal(le32(buf + 64 + 36), 1);    /* disposition */
	assert_int_equal(le32(buf + 64 + 40), 0x40); /* options */
	assert_int_equal(le16(buf + 64 + 44), 120);  /* NameOffset */
	assert_int_equal(le16(buf + 64 + 46), 12);   /* NameLength */
	assert_memory_equal(buf + 120, "s\0r\0v\0s\0v\0c\0", 12);
	/* empty name: one Buffer byte, NameLength 0 */
	req.name = "";
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb2_create_req_encode(&w, &c, &req), WIRE_OK);
	assert_int_equal(w.len, 121);
	assert_int_equal(le16(buf + 64 + 46), 0);
	req.name = NULL;
	assert_int_equal(smb2_create_req_encode(&w, &c, &req), WIRE_MALFORMED);

	struct smb2_create_resp cr;
	struct rd r = rd_of(smb2_create_resp_srvsvc, sizeof smb2_create_resp_srvsvc);
	assert_int_equal(smb2_create_resp_decode(&r, &cr), WIRE_OK);
	assert_memory_equal(cr.file_id, fid_srvsvc, 16);
	assert_int_equal(cr.file_attributes, 0x80);

	/* create-context range outside the message */
	uint8_t m[sizeof smb2_create_resp_srvsvc];
	memcpy(m, smb2_create_resp_srvsvc, sizeof m);
	m[64 + 84] = 0x10; /* CreateContextsLength */
	m[64 + 80] = 0x90; /* CreateContextsOffset 0x90 + 0x10 > 152 */
	r = rd_of(m, sizeof m);
	assert_int_equal(smb2_create_resp_decode(&r, &cr), WIRE_MALFORMED);
}

static void test_close_write_read(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w;
	struct smb2_req_ctx c = {.message_id = 8, .session_id = 1, .tree_id = 2};
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb2_close_req_encode(&w, &c, fid_srvsvc), WIRE_OK);
	assert_int_equal(w.len, 64 + 24);
	assert_int_equal(le16(buf + 12), SMB2_CMD_CLOSE);
	assert_memory_equal(buf + 64 + 8, fid_srvsvc, 16);

	const uint8_t data[4] = {1, 2, 3, 4};
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb2_write_req_encode(&w, &c, fid_srvsvc, 0, data, 4), WIRE_OK);
	assert_int_equal(w.len, 64 + 48 + 4);
	assert_int_equal(le16(buf + 64 + 2), 112);
	assert_int_equal(le32(buf + 64 + 4), 4);
	assert_memory_equal(buf + 112, data, 4);
	assert_int_equal(smb2_write_req_encode(&w, &c, fid_srvsvc, 0, NULL, 4), WIRE_MALFORMED);

	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb2_read_req_encode(&w, &c, fid_srvsvc, 0, 1024), WIRE_OK);
	assert_int_equal(w.len, 64 + 49);
	assert_int_equal(buf[64 + 2], 0x50);
	assert_int_equal(le32(buf + 64 + 4), 1024);

	struct smb2_write_resp wr_;
	struct rd r = rd_of(smb2_write_resp, sizeof smb2_write_resp);
	assert_int_equal(smb2_write_resp_decode(&r, &wr_), WIRE_OK);
	assert_int_equal(wr_.count, 160);

	struct smb2_read_resp rr;
	r = rd_of(smb2_read_resp_bind_ack, sizeof smb2_read_resp_bind_ack);
	assert_int_equal(smb2_read_resp_decode(&r, &rr), WIRE_OK);
	assert_int_equal(rr.data.len, sizeof smb2_read_resp_bind_ack - 0x50);
	assert_ptr_equal(rr.data.p, smb2_read_resp_bind_ack + 0x50);
	assert_int_equal(rr.data.p[2], 12); /* BIND_ACK */

	/* STATUS_BUFFER_OVERFLOW still carries data */
	uint8_t m[sizeof smb2_read_resp_ndr64];
	memcpy(m, smb2_read_resp_ndr64, sizeof m);
	m[8] = 0x05;
	m[11] = 0x80;
	r = rd_of(m, sizeof m);
	assert_int_equal(smb2_read_resp_decode(&r, &rr), WIRE_OK);
	assert_int_equal(rr.hdr.status, STATUS_BUFFER_OVERFLOW);
	assert_int_equal(rr.data.len, 0x1b4);
	/* DataLength past the end */
	m[64 + 4] = 0xb5;
	r = rd_of(m, sizeof m);
	assert_int_equal(smb2_read_resp_decode(&r, &rr), WIRE_MALFORMED);
	/* a WRITE answer is not a READ answer */
	r = rd_of(smb2_write_resp, sizeof smb2_write_resp);
	assert_int_equal(smb2_read_resp_decode(&r, &rr), WIRE_MALFORMED);
}

static void test_ioctl(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w;
	struct smb2_req_ctx c = {.message_id = 6, .session_id = 0x03f12bb6, .tree_id = 0xe8cc527f};
	/* Windows 7's IOCTL carrying the BIND (frame 53): same body */
	const uint8_t *bind = smb2_ioctl_req_bind + 0x78;
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb2_ioctl_transceive_req_encode(&w, &c, fid_srvsvc, bind, 0x48, 65536),
			 WIRE_OK);
	assert_int_equal(w.len, sizeof smb2_ioctl_req_bind);
	assert_memory_equal(buf + 64, smb2_ioctl_req_bind + 64, sizeof smb2_ioctl_req_bind - 64);
	assert_int_equal(le16(buf + 12), SMB2_CMD_IOCTL);
	assert_int_equal(le32(buf + 36), 0xe8cc527f);
	assert_int_equal(smb2_ioctl_transceive_req_encode(&w, &c, fid_srvsvc, NULL, 1, 1),
			 WIRE_MALFORMED);
	wr_init(&w, buf, 100);
	assert_int_equal(smb2_ioctl_transceive_req_encode(&w, &c, fid_srvsvc, bind, 0x48, 65536),
			 WIRE_NOSPACE);

	struct smb2_ioctl_resp io;
	struct rd r = rd_of(smb2_ioctl_resp_bind_ack, sizeof smb2_ioctl_resp_bind_ack);
	assert_int_equal(smb2_ioctl_resp_decode(&r, &io), WIRE_OK);
	assert_int_equal(io.ctl_code, FSCTL_PIPE_TRANSCEIVE);
	assert_int_equal(io.output.len, 0x44);
	assert_ptr_equal(io.output.p, smb2_ioctl_resp_bind_ack + 0x70);

	/* interim STATUS_PENDING (async header, error body) */
	r = rd_of(smb2_ioctl_resp_pending, sizeof smb2_ioctl_resp_pending);
	assert_int_equal(smb2_ioctl_resp_decode(&r, &io), WIRE_OK);
	assert_int_equal(io.hdr.status, 0x00000103);
	assert_int_equal(io.hdr.message_id, 7);
	assert_int_equal(io.output.len, 0);

	/* the final async answer */
	r = rd_of(smb2_ioctl_resp_enum, sizeof smb2_ioctl_resp_enum);
	assert_int_equal(smb2_ioctl_resp_decode(&r, &io), WIRE_OK);
	assert_int_equal(io.hdr.status, 0);
	assert_int_equal(io.hdr.message_id, 7);
	assert_int_equal(io.output.len, 0x124);

	/* OutputOffset out of range, OutputCount above the cap, bad size */
	uint8_t m[sizeof smb2_ioctl_resp_enum];
	memcpy(m, smb2_ioctl_resp_enum, sizeof m);
	m[64 + 32] = 0x71;
	r = rd_of(m, sizeof m);
	assert_int_equal(smb2_ioctl_resp_decode(&r, &io), WIRE_MALFORMED);
	memcpy(m, smb2_ioctl_resp_enum, sizeof m);
	m[64 + 39] = 0x01;
	r = rd_of(m, sizeof m);
	assert_int_equal(smb2_ioctl_resp_decode(&r, &io), WIRE_TOO_LARGE);
	memcpy(m, smb2_ioctl_resp_enum, sizeof m);
	m[64] = 48;
	r = rd_of(m, sizeof m);
	assert_int_equal(smb2_ioctl_resp_decode(&r, &io), WIRE_MALFORMED);
	/* a request reflected back is not an answer */
	r = rd_of(smb2_ioctl_req_bind, sizeof smb2_ioctl_req_bind);
	assert_int_equal(smb2_ioctl_resp_decode(&r, &io), WIRE_MALFORMED);
}

static void test_query_directory(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w;
	struct smb2_req_ctx c = {.message_id = 9, .session_id = 1, .tree_id = 2};
	wr_init(&w, buf, sizeof buf);
	assert_int_equal(smb2_query_directory_req_encode(&w, &c, fid_srvsvc, 65536), WIRE_OK);
	assert_int_equal(w.len, 64 + 32 + 2);
	assert_int_equal(buf[64 + 2], 0x0C);
	assert_int_equal(buf[64 + 3], 0x01);
	assert_int_equal(le16(buf + 64 + 24), 96);
	assert_int_equal(le16(buf + 64 + 26), 2);
	assert_memory_equal(buf + 96, "*\0", 2);

	/* Server 2019 compound: CREATE, QUERY_DIRECTORY, QUERY_DIRECTORY
	 * (STATUS_NO_MORE_FILES); msg advances through the chain */
	struct rd r = rd_of(smb2_compound_find, sizeof smb2_compound_find);
	struct smb2_create_resp cr;
	struct smb2_query_directory_resp q;
	assert_int_equal(smb2_create_resp_decode(&r, &cr), WIRE_OK);
	assert_int_equal(r.off, 0xb8);
	assert_int_equal(smb2_query_directory_resp_decode(&r, &q), WIRE_OK);
	assert_int_equal(q.hdr.status, 0);
	assert_int_equal(q.data.len, 344);
	assert_int_equal(q.n_entries, 3);
	assert_int_equal(r.off, 0xb8 + 0x1a0);
	assert_int_equal(smb2_query_directory_resp_decode(&r, &q), WIRE_OK);
	assert_int_equal(q.hdr.status, STATUS_NO_MORE_FILES);
	assert_int_equal(q.n_entries, 0);
	assert_true(rd_end(&r));

	/* NextEntryOffset 4 (below the fixed part) and one past the end */
	static uint8_t m[sizeof smb2_compound_find];
	const size_t first = 0xb8 + 0x48; /* first entry of the find answer */
	memcpy(m, smb2_compound_find, sizeof m);
	m[first] = 4;
	r = rd_of(m, sizeof m);
	assert_int_equal(smb2_create_resp_decode(&r, &cr), WIRE_OK);
	assert_int_equal(smb2_query_directory_resp_decode(&r, &q), WIRE_MALFORMED);
	memcpy(m, smb2_compound_find, sizeof m);
	m[first] = 0x58;
	m[first + 1] = 0x01;
	r = rd_of(m, sizeof m);
	assert_int_equal(smb2_create_resp_decode(&r, &cr), WIRE_OK);
	assert_int_equal(smb2_query_directory_resp_decode(&r, &q), WIRE_MALFORMED);
	/* NextCommand beyond the data */
	memcpy(m, smb2_compound_find, sizeof m);
	m[20] = 0xff;
	m[21] = 0x0f;
	r = rd_of(m, sizeof m);
	assert_int_equal(smb2_create_resp_decode(&r, &cr), WIRE_MALFORMED);
}

typedef int (*dec_fn)(const uint8_t *p, size_t n);

static int d_tree(const uint8_t *p, size_t n)
{
	struct smb2_tree_connect_resp o;
	struct rd r = rd_of(p, n);
	return smb2_tree_connect_resp_decode(&r, &o);
}
static int d_create(const uint8_t *p, size_t n)
{
	struct smb2_create_resp o;
	struct rd r = rd_of(p, n);
	return smb2_create_resp_decode(&r, &o);
}
static int d_write(const uint8_t *p, size_t n)
{
	struct smb2_write_resp o;
	struct rd r = rd_of(p, n);
	return smb2_write_resp_decode(&r, &o);
}
static int d_read(const uint8_t *p, size_t n)
{
	struct smb2_read_resp o;
	struct rd r = rd_of(p, n);
	return smb2_read_resp_decode(&r, &o);
}
static int d_ioctl(const uint8_t *p, size_t n)
{
	struct smb2_ioctl_resp o;
	struct rd r = rd_of(p, n);
	return smb2_ioctl_resp_decode(&r, &o);
}
static int d_find(const uint8_t *p, size_t n)
{
	struct smb2_query_directory_resp o;
	struct rd r = rd_of(p, n);
	return smb2_query_directory_resp_decode(&r, &o);
}

static void sweep(dec_fn f, const uint8_t *p, size_t n, size_t min_ok)
{
	for (size_t cut = 0; cut < n; cut++) {
		int rc = f(p, cut);
		if (cut >= min_ok && rc == WIRE_OK)
			continue; /* only padding after the last field was cut */
		if (rc != WIRE_TRUNCATED && rc != WIRE_MALFORMED)
			fail_msg("prefix %zu of %zu: rc %d", cut, n, rc);
	}
}

static void test_truncation(void **state)
{
	(void)state;
	sweep(d_tree, smb2_tree_resp_ipc, sizeof smb2_tree_resp_ipc, 80);
	sweep(d_create, smb2_create_resp_srvsvc, sizeof smb2_create_resp_srvsvc, 152);
	sweep(d_write, smb2_write_resp, sizeof smb2_write_resp, 80);
	sweep(d_read, smb2_read_resp_bind_ack, sizeof smb2_read_resp_bind_ack, 196);
	sweep(d_ioctl, smb2_ioctl_resp_enum, sizeof smb2_ioctl_resp_enum, 404);
	/* the error body's ErrorData byte is not needed: 66 bytes decode */
	sweep(d_ioctl, smb2_ioctl_resp_pending, sizeof smb2_ioctl_resp_pending, 66);
	/* the find answer alone (second message of the compound) */
	sweep(d_find, smb2_compound_find + 0xb8, 0x1a0, 0x1a0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_connect),     cmocka_unit_test(test_create),
		cmocka_unit_test(test_close_write_read), cmocka_unit_test(test_ioctl),
		cmocka_unit_test(test_query_directory),  cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
