/* test_sensor_frames.c - NBSS frames of every size through TCP reassembly
 * and the SMB stream decoder, under every segmentation (issue 23, defect 1:
 * one 128-256 KiB frame used to recurse until the stack overflowed).
 *
 * Each case is one client stream: an NBSS frame declaring BODY bytes that
 * holds an SMB2 WRITE request compounded (NextCommand) with an ECHO whose
 * header sits at the very end of the frame, then a NEGOTIATE request. The
 * stream goes through reasm (as the sensor feeds it) in 1,448-byte or
 * 1-byte segments, out of order, retransmitted, or with a hole in the big
 * frame's body. Every case must finish and:
 *  - the NEGOTIATE behind the big frame is decoded, exactly once;
 *  - the WRITE's header is decoded and counted, with the declared length;
 *  - a frame within SMB_STREAM_MAX_FRAME is decoded whole (the ECHO at its
 *    end is seen), a longer one is cut (SMB_EV_OVERSIZE, no ECHO);
 *  - the per-direction buffer never exceeds SMB_STREAM_MAX_FRAME, and the
 *    memory deltas the decoder reports add up to what it holds.
 * Lengths: 0..small, every power of two from 64 KiB to 8 MiB and the
 * NBSS maximum 0xFFFFFF, each +-1, +-4, +-8, both as body and as frame
 * length (4 + body). 1-byte segments up to 1 MiB + 8 by default, every
 * length with SMBW_FRAMES_FULL=1 (time). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sensor/reasm.h"
#include "sensor/smb_stream.h"

#define SEG 1448
#define OOO_CAP (256u << 10) /* the sensor's default --flow ooo cap */
/* 1-byte segments above this only with SMBW_FRAMES_FULL=1 (the whole
 * matrix takes ~4 s, ~20 s under ASan) */
#define ONE_BYTE_MAX (1024u * 1024u + 8u)
#define NBSS_MAX 0xFFFFFFu

/* an assertion that names the case it failed in */
#define CHECK(what, cond)                                                   \
	do {                                                                \
		if (!(cond)) {                                              \
			print_error("%s: %s\n", (what), #cond);            \
			fail();                                             \
		}                                                           \
	} while (0)

enum seg_mode { SEG_1448, SEG_1, SEG_OOO, SEG_RETRANS, SEG_GAP, SEG_MODES };
static const char *const mode_name[] = {"1448-byte", "1-byte", "out-of-order", "retransmitted",
					"gap"};

struct seen {
	unsigned negotiate, write, write_cut, echo, oversize, bad, not_smb;
	uint32_t write_len;
	size_t max_cap;
	long mem;
};

static void on_event(void *ctx, const struct smb_event *ev)
{
	struct seen *s = ctx;
	switch (ev->kind) {
	case SMB_EV_OVERSIZE: s->oversize++; return;
	case SMB_EV_BAD_SMB2: s->bad++; return;
	case SMB_EV_NOT_SMB: s->not_smb++; return;
	default: break;
	}
	if (ev->kind != SMB_EV_MESSAGE || ev->version != 2)
		return;
	if (ev->cmd == 0 && ev->what == SMB_W_NEGOTIATE && !ev->reply && ev->n_dialects == 3)
		s->negotiate++;
	if (ev->cmd == 9) {
		s->write++;
		s->write_cut += ev->cut;
		s->write_len = ev->frame_len;
	}
	if (ev->cmd == 0x0d)
		s->echo++;
}

struct pipe {
	struct smb_stream st;
	struct seen seen;
};

static void on_bytes(void *ctx, const uint8_t *data, size_t len, bool gap)
{
	struct pipe *p = ctx;
	p->seen.mem += smb_stream_feed(&p->st, 0, data, len, gap);
	if (p->st.d[0].cap > p->seen.max_cap)
		p->seen.max_cap = p->st.d[0].cap;
}

static void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

/* MS-SMB2 2.2.1 sync header: command, MessageId, NextCommand */
static void smb2_hdr(uint8_t *p, uint16_t cmd, uint32_t next, uint8_t mid)
{
	memset(p, 0, 64);
	memcpy(p, "\xfeSMB", 4);
	put_le16(p + 4, 64);
	put_le16(p + 12, cmd);
	put_le32(p + 20, next);
	p[24] = mid;
}

/* The stream of one case; *len_out its length. */
static uint8_t *build(uint32_t body, size_t *len_out)
{
	static const uint8_t dialects[] = {0x02, 0x02, 0x10, 0x02, 0x11, 0x03};
	size_t neg_body = 64 + 36 + sizeof dialects;
	size_t n = 4 + (size_t)body + 4 + neg_body;
	uint8_t *b = calloc(1, n);
	assert_non_null(b);
	b[1] = (uint8_t)(body >> 16);
	b[2] = (uint8_t)(body >> 8);
	b[3] = (uint8_t)body;
	uint8_t *m = b + 4;
	/* the ECHO header at the end of the frame, 8-aligned (2.2.1) */
	uint32_t echo_at = body >= 64 + 48 + 64 ? (body - 64) & ~7u : 0;
	uint8_t w[64 + 48];
	smb2_hdr(w, 9, echo_at, 1);
	/* 2.2.21 WRITE: StructureSize 49, DataOffset 0x70, Length */
	memset(w + 64, 0, 48);
	put_le16(w + 64, 49);
	put_le16(w + 66, 0x70);
	put_le32(w + 68, body > 0x70 ? body - 0x70 : 0);
	memcpy(m, w, body < sizeof w ? body : sizeof w);
	if (echo_at) {
		smb2_hdr(m + echo_at, 0x0d, 0, 2);
		/* 2.2.28 ECHO: StructureSize 4, in the frame when it fits */
		if (echo_at + 66 <= body)
			put_le16(m + echo_at + 64, 4);
	}
	/* the NEGOTIATE request behind it: 2.2.3, three dialects */
	uint8_t *q = m + body;
	q[1] = (uint8_t)(neg_body >> 16);
	q[2] = (uint8_t)(neg_body >> 8);
	q[3] = (uint8_t)neg_body;
	smb2_hdr(q + 4, 0, 0, 3);
	put_le16(q + 4 + 64, 36);
	put_le16(q + 4 + 66, 3);
	memcpy(q + 4 + 64 + 36, dialects, sizeof dialects);
	*len_out = n;
	return b;
}

static void seg(struct reasm *r, struct pipe *p, uint32_t isn, const uint8_t *b, size_t off,
		size_t len)
{
	(void)reasm_segment(r, isn + 1 + (uint32_t)off, b + off, len, OOO_CAP, on_bytes, p);
}

static void run_case(uint32_t body, enum seg_mode mode)
{
	size_t n;
	uint8_t *b = build(body, &n);
	struct pipe *p = calloc(1, sizeof *p);
	struct reasm r;
	/* sequence numbers wrap inside the stream */
	const uint32_t isn = 0xFFFFF000u;
	assert_non_null(p);
	memset(&r, 0, sizeof r);
	smb_stream_init(&p->st, on_event, &p->seen);
	reasm_syn(&r, isn);

	size_t step = mode == SEG_1 ? 1 : SEG;
	size_t nseg = (n + step - 1) / step;
	/* the hole: one segment in the middle of the big frame's body */
	size_t hole = mode == SEG_GAP ? (4 + (size_t)body / 2) / step : (size_t)-1;
	for (size_t i = 0; i < nseg; i++) {
		size_t off = i * step, len = n - off < step ? n - off : step;
		if (i == hole)
			continue;
		if (mode == SEG_OOO && i + 1 < nseg && i % 2 == 0) {
			size_t off2 = off + step, len2 = n - off2 < step ? n - off2 : step;
			seg(&r, p, isn, b, off2, len2); /* second first */
			seg(&r, p, isn, b, off, len);
			i++;
			continue;
		}
		seg(&r, p, isn, b, off, len);
		if (mode == SEG_RETRANS && i > 0) /* the last two again, as one */
			seg(&r, p, isn, b, off - step, len + step);
	}
	(void)reasm_flush(&r, on_bytes, p);
	/* the deltas the decoder reported add up to what it holds */
	bool mem_ok = p->seen.mem == (long)p->st.d[0].cap;
	p->seen.mem += smb_stream_free(&p->st);
	reasm_free(&r);

	const struct seen *s = &p->seen;
	bool big = 4 + (size_t)body > SMB_STREAM_MAX_FRAME;
	char what[96];
	snprintf(what, sizeof what, "body %u (0x%x), %s segments", body, body, mode_name[mode]);
	CHECK(what, s->negotiate == 1);
	CHECK(what, s->max_cap <= SMB_STREAM_MAX_FRAME);
	CHECK(what, mem_ok && s->mem == 0);
	CHECK(what, s->oversize == (big ? 1u : 0u));
	if (body >= 64 + 48) {
		/* the big frame's header is decoded and counted; a buffered
		 * frame with a hole in it is lost whole (no header peek) */
		unsigned want = mode == SEG_GAP && !big ? 0 : 1;
		CHECK(what, s->write == want);
		if (want) {
			CHECK(what, s->write_len == body);
			CHECK(what, s->write_cut == (big ? 1u : 0u));
		}
		/* decoded whole when buffered, so the ECHO at its end is seen */
		if (mode != SEG_GAP && body >= 64 + 48 + 64)
			CHECK(what, s->echo == (big ? 0u : 1u));
	}
	if (mode == SEG_GAP)
		CHECK(what, s->echo == 0);
	free(p);
	free(b);
}

static void run_lengths(enum seg_mode mode)
{
	static const int32_t deltas[] = {-8, -4, -1, 0, 1, 4, 8};
	static const uint32_t small[] = {0, 1, 3, 4, 63, 64, 111, 112, 175, 176, 177, 1448, 65535};
	unsigned cases = 0;
	bool full = getenv("SMBW_FRAMES_FULL") != NULL;
	for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
		if (mode == SEG_GAP && small[i] < 4 * SEG)
			continue;
		run_case(small[i], mode);
		cases++;
	}
	/* each power of two from 64 KiB to 8 MiB, as body and as frame length */
	for (uint32_t pw = 64u << 10; pw <= 8u << 20; pw <<= 1) {
		for (int frame = 0; frame < 2; frame++) {
			for (size_t k = 0; k < sizeof deltas / sizeof deltas[0]; k++) {
				uint32_t body = (uint32_t)((int64_t)pw - (frame ? 4 : 0) + deltas[k]);
				if (mode == SEG_1 && !full && body > ONE_BYTE_MAX)
					continue;
				run_case(body, mode);
				cases++;
			}
		}
	}
	/* the NBSS maximum and just below it */
	const uint32_t top[] = {NBSS_MAX - 8, NBSS_MAX - 4, NBSS_MAX - 1, NBSS_MAX};
	for (size_t k = 0; k < 4 && (mode != SEG_1 || full); k++) {
		run_case(top[k], mode);
		cases++;
	}
	print_message("# %s: %u lengths\n", mode_name[mode], cases);
}

static void test_frames_1448(void **state) { (void)state; run_lengths(SEG_1448); }
static void test_frames_1byte(void **state) { (void)state; run_lengths(SEG_1); }
static void test_frames_ooo(void **state) { (void)state; run_lengths(SEG_OOO); }
static void test_frames_retrans(void **state) { (void)state; run_lengths(SEG_RETRANS); }
static void test_frames_gap(void **state) { (void)state; run_lengths(SEG_GAP); }

/* The issue's reproduction, fed straight to the decoder: a 200,000-byte
 * frame in 1,400-byte deliveries (used to recurse with the same data). */
static void test_issue_reproduction(void **state)
{
	(void)state;
	size_t n;
	uint8_t *b = build(200000, &n);
	struct seen s;
	struct smb_stream st;
	memset(&s, 0, sizeof s);
	smb_stream_init(&st, on_event, &s);
	for (size_t off = 0; off < n; off += 1400)
		s.mem += smb_stream_feed(&st, 0, b + off, n - off < 1400 ? n - off : 1400, false);
	s.mem += smb_stream_free(&st);
	assert_int_equal(s.oversize, 1);
	assert_int_equal(s.write, 1);
	assert_int_equal(s.negotiate, 1);
	assert_int_equal(s.mem, 0);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_reproduction),
		cmocka_unit_test(test_frames_1448),
		cmocka_unit_test(test_frames_ooo),
		cmocka_unit_test(test_frames_retrans),
		cmocka_unit_test(test_frames_gap),
		cmocka_unit_test(test_frames_1byte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
