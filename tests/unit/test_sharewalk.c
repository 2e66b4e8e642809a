/* test_sharewalk.c - the share walk (probe/sharewalk.c) over a fake
 * transport: the same walk runs over SMB2 and SMB1, so what it means is
 * tested once here: the list gathered across a BUFFER_OVERFLOW
 * continuation, and anonymous_read = "the root could be listed" (a tree
 * connect alone is not enough). The SRVSVC answers are the Windows XP ones
 * of zeek-raw_ntlm_in_smb.pcap (captures.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "captures.h"
#include "probe/sharewalk.h"
#include "wire/ntstatus.h"

#define SMB1_TRANS_RESP_DATA 0x38
#define BIND_ACK (smb1_trans_resp_bind_ack + SMB1_TRANS_RESP_DATA)
#define BIND_ACK_LEN 0x44
#define ENUM (smb1_trans_resp_enum + SMB1_TRANS_RESP_DATA)
#define ENUM_LEN 0x1a0

/* What the fake server answers. */
struct fake {
	enum walk_req asked[64];
	char shares_asked[64][32];
	unsigned n;
	size_t split;           /* >0: the enum answer comes in two pieces */
	bool enum_sent;         /* the first PIPE_CALL (the BIND) was answered */
	uint32_t tree_status, open_status, list_status;
	const char *denied_share; /* its root cannot be opened */
	bool max_access;          /* tree connects carry a maximal access */
	const char *writable_share; /* ... that allows writing here */
	char share[32];
};

static int fake_request(void *t, enum walk_req req, const char *share, const uint8_t *data,
			size_t n, struct wr *out)
{
	struct fake *f = t;
	(void)data;
	(void)n;
	assert_true(f->n < 64);
	f->asked[f->n] = req;
	snprintf(f->shares_asked[f->n], sizeof f->shares_asked[0], "%s", share ? share : "");
	f->n++;
	if (req == WALK_TREE)
		snprintf(f->share, sizeof f->share, "%s", share);
	return wr_u8(out, 0) ? WIRE_OK : out->err; /* a message of some sort */
}

static int fake_answer(void *t, enum walk_req req, struct rd *msg, struct walk_answer *a)
{
	struct fake *f = t;
	(void)msg;
	a->status = 0;
	switch (req) {
	case WALK_PIPE_CALL:
		if (!f->enum_sent) {
			f->enum_sent = true;
			rd_init(&a->data, BIND_ACK, BIND_ACK_LEN);
		} else if (f->split) {
			a->status = STATUS_BUFFER_OVERFLOW;
			rd_init(&a->data, ENUM, f->split);
		} else {
			rd_init(&a->data, ENUM, ENUM_LEN);
		}
		break;
	case WALK_PIPE_READ:
		rd_init(&a->data, ENUM + f->split, ENUM_LEN - f->split);
		break;
	case WALK_TREE:
		a->status = f->tree_status;
		a->has_max_access = f->max_access && a->status == 0;
		/* FILE_WRITE_DATA among others; else Samba 4.17's read-only
		 * mask, DELETE included */
		a->max_access = f->writable_share && strcmp(f->share, f->writable_share) == 0
					? 0x001f01ffu
					: 0x001f00a9u;
		break;
	case WALK_OPEN_ROOT:
		a->status = f->denied_share && strcmp(f->share, f->denied_share) == 0
				    ? STATUS_ACCESS_DENIED
				    : f->open_status;
		break;
	case WALK_LIST_ROOT:
		a->status = f->list_status;
		break;
	default:
		break;
	}
	return WIRE_OK;
}

static const struct share_transport fake_tp = {"fake", fake_request, fake_answer};

/* Run a whole walk; the record gets what it learned. */
static int run(struct fake *f, struct svc_record *rec, bool list)
{
	struct probe_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.rec = rec;
	struct share_walk w;
	memset(&w, 0, sizeof w);
	uint8_t buf[2048];
	struct wr out;
	wr_init(&out, buf, sizeof buf);
	int rc = walk_start(&w, &fake_tp, f, &ctx, list, &out);
	for (int i = 0; i < 200 && (rc == PROBE_SEND || rc == PROBE_SEND_RPC); i++) {
		struct rd msg;
		rd_init(&msg, buf, out.len);
		wr_init(&out, buf, sizeof buf);
		rc = walk_on_frame(&w, &ctx, &msg, &out);
	}
	walk_free(&w);
	return rc;
}

static void new_record(struct svc_record *rec)
{
	record_init(rec);
	record_set_str(rec->ip, sizeof rec->ip, "198.18.1.10");
}

static const struct rec_share *share_named(const struct svc_record *rec, const char *name)
{
	for (unsigned i = 0; i < rec->n_shares; i++)
		if (strcmp(rec->shares[i].name, name) == 0)
			return &rec->shares[i];
	return NULL;
}

static unsigned count(const struct fake *f, enum walk_req req)
{
	unsigned n = 0;
	for (unsigned i = 0; i < f->n; i++)
		n += f->asked[i] == req;
	return n;
}

static void test_list_and_roots(void **state)
{
	(void)state;
	static struct svc_record rec;
	new_record(&rec);
	struct fake f = {0};
	assert_int_equal(run(&f, &rec, true), PROBE_DONE);
	assert_true(rec.has_shares);
	assert_int_equal(rec.n_errors, 0);
	/* every disk share: tree, open root, list; nothing else */
	unsigned disks = 0;
	for (unsigned i = 0; i < rec.n_shares; i++)
		if (strcmp(rec.shares[i].type, "disk") == 0) {
			disks++;
			assert_int_equal(rec.shares[i].anonymous_read, TRI_YES);
		} else {
			assert_int_equal(rec.shares[i].anonymous_read, TRI_UNKNOWN);
		}
	assert_true(disks >= 1);
	assert_int_equal(count(&f, WALK_TREE), disks);
	assert_int_equal(count(&f, WALK_LIST_ROOT), disks);
	assert_int_equal(count(&f, WALK_PIPE_READ), 0);
	assert_int_equal(f.asked[0], WALK_OPEN_PIPE);
}

/* The share list split over two messages (MS-SMB2 3.3.4.4 over SMB2,
 * TRANSACTION + READ_ANDX over SMB1): gathered, then decoded whole. */
static void test_continuation(void **state)
{
	(void)state;
	static struct svc_record whole, split;
	new_record(&whole);
	struct fake f = {0};
	assert_int_equal(run(&f, &whole, true), PROBE_DONE);
	for (size_t at = 1; at < ENUM_LEN; at += 37) {
		new_record(&split);
		struct fake g = {.split = at};
		assert_int_equal(run(&g, &split, true), PROBE_DONE);
		assert_int_equal(count(&g, WALK_PIPE_READ), 1);
		assert_true(split.has_shares);
		assert_int_equal(split.n_shares, whole.n_shares);
		for (unsigned i = 0; i < whole.n_shares; i++)
			assert_string_equal(split.shares[i].name, whole.shares[i].name);
	}
}

/* anonymous_read: the tree connect worked AND the root was listed. */
static void test_read_means_listed(void **state)
{
	(void)state;
	static struct svc_record rec;
	/* tree connect accepted, root open refused: not readable (before the
	 * one walk, SMB1 said "readable" here) */
	new_record(&rec);
	struct fake f = {.open_status = STATUS_ACCESS_DENIED};
	run(&f, &rec, true);
	for (unsigned i = 0; i < rec.n_shares; i++)
		if (strcmp(rec.shares[i].type, "disk") == 0)
			assert_int_equal(rec.shares[i].anonymous_read, TRI_NO);
	assert_int_equal(count(&f, WALK_LIST_ROOT), 0);
	/* listing refused */
	new_record(&rec);
	struct fake g = {.list_status = STATUS_ACCESS_DENIED};
	run(&g, &rec, true);
	for (unsigned i = 0; i < rec.n_shares; i++)
		if (strcmp(rec.shares[i].type, "disk") == 0)
			assert_int_equal(rec.shares[i].anonymous_read, TRI_NO);
	/* an empty root is listed all the same */
	new_record(&rec);
	struct fake h = {.list_status = STATUS_NO_MORE_FILES};
	run(&h, &rec, true);
	for (unsigned i = 0; i < rec.n_shares; i++)
		if (strcmp(rec.shares[i].type, "disk") == 0)
			assert_int_equal(rec.shares[i].anonymous_read, TRI_YES);
	/* tree connect refused */
	new_record(&rec);
	struct fake k = {.tree_status = STATUS_ACCESS_DENIED};
	run(&k, &rec, true);
	for (unsigned i = 0; i < rec.n_shares; i++)
		if (strcmp(rec.shares[i].type, "disk") == 0)
			assert_int_equal(rec.shares[i].anonymous_read, TRI_NO);
	assert_int_equal(count(&k, WALK_OPEN_ROOT), 0);
}

/* anonymous_write: from the maximal access the tree connect reports
 * (SMB2 MaximalAccess, SMB1 extended response), whichever transport;
 * unknown when the answer carries none or the tree connect was refused. */
static void test_write_from_max_access(void **state)
{
	(void)state;
	static struct svc_record rec;
	/* the last disk share of the capture's list is the writable one */
	char writable[sizeof rec.shares[0].name] = "";
	new_record(&rec);
	struct fake first = {0};
	run(&first, &rec, true);
	for (unsigned i = 0; i < rec.n_shares; i++)
		if (strcmp(rec.shares[i].type, "disk") == 0)
			snprintf(writable, sizeof writable, "%s", rec.shares[i].name);
	assert_true(writable[0] != '\0');

	new_record(&rec);
	struct fake f = {.max_access = true, .writable_share = writable};
	assert_int_equal(run(&f, &rec, true), PROBE_DONE);
	unsigned disks = 0, written = 0;
	for (unsigned i = 0; i < rec.n_shares; i++) {
		const struct rec_share *sh = &rec.shares[i];
		if (strcmp(sh->type, "disk") != 0) {
			assert_int_equal(sh->anonymous_write, TRI_UNKNOWN);
			continue;
		}
		disks++;
		bool w = strcmp(sh->name, writable) == 0;
		written += w;
		assert_true(sh->has_max_access);
		assert_int_equal(sh->max_access, w ? 0x001f01ffu : 0x001f00a9u);
		/* DELETE alone (0x001f00a9) is not writing */
		assert_int_equal(sh->anonymous_write, w ? TRI_YES : TRI_NO);
	}
	assert_true(disks >= 2); /* a writable one and a read-only one */
	assert_int_equal(written, 1);
	/* no maximal access in the answer (SMB1 without the extended response) */
	new_record(&rec);
	struct fake g = {0};
	run(&g, &rec, true);
	for (unsigned i = 0; i < rec.n_shares; i++) {
		assert_false(rec.shares[i].has_max_access);
		assert_int_equal(rec.shares[i].anonymous_write, TRI_UNKNOWN);
	}
	/* tree connect refused: nothing granted, nothing known */
	new_record(&rec);
	struct fake k = {.max_access = true, .tree_status = STATUS_ACCESS_DENIED};
	run(&k, &rec, true);
	for (unsigned i = 0; i < rec.n_shares; i++)
		assert_int_equal(rec.shares[i].anonymous_write, TRI_UNKNOWN);
}

/* A list already known (from SMB2): only the roots still unknown. */
static void test_known_list(void **state)
{
	(void)state;
	static struct svc_record rec;
	new_record(&rec);
	rec.has_shares = true;
	rec.n_shares = 3;
	record_set_str(rec.shares[0].name, sizeof rec.shares[0].name, "public");
	record_set_str(rec.shares[0].type, sizeof rec.shares[0].type, "disk");
	rec.shares[0].anonymous_read = TRI_YES;
	record_set_str(rec.shares[1].name, sizeof rec.shares[1].name, "IPC$");
	record_set_str(rec.shares[1].type, sizeof rec.shares[1].type, "ipc");
	record_set_str(rec.shares[2].name, sizeof rec.shares[2].name, "sealed");
	record_set_str(rec.shares[2].type, sizeof rec.shares[2].type, "disk");
	struct fake f = {.denied_share = "sealed"};
	assert_int_equal(run(&f, &rec, false), PROBE_DONE);
	assert_int_equal(count(&f, WALK_OPEN_PIPE), 0);
	assert_int_equal(count(&f, WALK_TREE), 1);
	assert_string_equal(f.shares_asked[0], "sealed");
	assert_int_equal(share_named(&rec, "sealed")->anonymous_read, TRI_NO);
	assert_int_equal(share_named(&rec, "public")->anonymous_read, TRI_YES);
	/* nothing left to check: the walk is over at once */
	struct fake g = {0};
	assert_int_equal(run(&g, &rec, false), PROBE_DONE);
	assert_int_equal(g.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_and_roots),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_read_means_listed),
		cmocka_unit_test(test_known_list),
		cmocka_unit_test(test_write_from_max_access),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
