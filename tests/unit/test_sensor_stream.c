/* test_sensor_stream.c - TCP reassembly and framing under reordering,
 * retransmission and sequence wrap-around.
 *  - reasm directly: in-order, out-of-order, overlaps, duplicates, wrap;
 *  - the whole sensor on real captures whose segments are cut in two and
 *    sent second half first, then again (retransmission): the alerts
 *    must be exactly those of the capture as recorded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sensor/packet.h"
#include "sensor/reasm.h"
#include "sensor/sensor.h"
#include "sensor/source.h"

struct sink {
	uint8_t buf[256];
	size_t len;
	unsigned gaps;
};

static void take(void *ctx, const uint8_t *d, size_t n, bool gap)
{
	struct sink *s = ctx;
	if (gap && d)
		s->gaps++;
	if (n && s->len + n <= sizeof s->buf) {
		memcpy(s->buf + s->len, d, n);
		s->len += n;
	}
}

static void test_reasm_orders(void **state)
{
	(void)state;
	const uint8_t *m = (const uint8_t *)"abcdefghijklmnop";
	/* every start sequence, including ones that wrap mid-message */
	const uint32_t isns[] = {0, 1000, 0xFFFFFFF8u, 0xFFFFFFFFu};
	for (size_t k = 0; k < 4; k++) {
		struct reasm r;
		struct sink s;
		memset(&r, 0, sizeof r);
		memset(&s, 0, sizeof s);
		uint32_t isn = isns[k];
		reasm_syn(&r, isn);
		uint32_t b = isn + 1;
		reasm_segment(&r, b + 8, m + 8, 4, 1024, take, &s);  /* ahead */
		reasm_segment(&r, b + 12, m + 12, 4, 1024, take, &s); /* ahead */
		reasm_segment(&r, b + 8, m + 8, 4, 1024, take, &s);  /* dup held */
		assert_int_equal(s.len, 0);
		reasm_segment(&r, b, m, 6, 1024, take, &s);           /* fills part */
		reasm_segment(&r, b + 2, m + 2, 8, 1024, take, &s);   /* overlaps */
		reasm_segment(&r, b, m, 16, 1024, take, &s);          /* full retransmit */
		assert_int_equal(s.len, 16);
		assert_memory_equal(s.buf, m, 16);
		assert_int_equal(s.gaps, 0);
		assert_int_equal(r.ooo_bytes, 0);
	}
}

static void test_reasm_cap_skips_hole(void **state)
{
	(void)state;
	struct reasm r;
	struct sink s;
	memset(&r, 0, sizeof r);
	memset(&s, 0, sizeof s);
	reasm_syn(&r, 99);
	const uint8_t *m = (const uint8_t *)"0123456789";
	/* a hole at 100..103 that never fills; cap 4 bytes held */
	reasm_segment(&r, 104, m + 4, 3, 4, take, &s);
	assert_int_equal(s.len, 0);
	reasm_segment(&r, 107, m + 7, 3, 4, take, &s);
	assert_int_equal(s.gaps, 1);
	assert_int_equal(s.len, 6);
	assert_memory_equal(s.buf, m + 4, 6);
	assert_int_equal(reasm_free(&r), 0);
}

/* ---- whole captures, reshuffled ---- */

#define MAX_PKTS 6000

struct cap_pkt {
	uint8_t *data;
	size_t len;
	uint64_t ts;
};

struct alerts {
	char lines[64][160];
	unsigned n;
};

static void collect(void *ctx, const struct sensor_alert *a)
{
	struct alerts *g = ctx;
	if (g->n < 64)
		snprintf(g->lines[g->n++], sizeof g->lines[0], "%s %s %s %s", a->id, a->severity,
			 a->src, a->dst);
}

static const char *pcap_dir(void)
{
	const char *env = getenv("SMBW_PCAPS");
	return env ? env : SMBW_PCAP_DIR;
}

/* mode 0: as recorded; 1: each payload cut in two, second half first,
 * then the whole segment again (reordering plus retransmission). */
static void run(const char *file, int mode, struct alerts *g)
{
	char path[512], err[256];
	const char *dir = pcap_dir();
	snprintf(path, sizeof path, "%s/%s", dir, file);
	struct sensor_source *src = source_open_file(path, err, sizeof err);
	if (!src)
		fail_msg("%s", err);
	struct sensor_config cfg;
	sensor_config_defaults(&cfg);
	cfg.alert_fn = collect;
	cfg.alert_ctx = g;
	struct sensor *s = sensor_new(&cfg);
	const uint8_t *data;
	size_t caplen;
	uint64_t ts;
	int link = source_linktype(src);
	while (source_next(src, &data, &caplen, &ts, err, sizeof err) == SOURCE_PACKET) {
		struct pkt p;
		if (pkt_decode(link, data, caplen, &p) != PKT_OK)
			continue;
		p.ts_us = ts;
		if (mode == 1 && p.payload_len >= 2) {
			struct pkt a = p, b = p;
			size_t h = p.payload_len / 2;
			a.payload_len = h;
			b.payload = p.payload + h;
			b.payload_len = p.payload_len - h;
			b.seq = p.seq + (uint32_t)h;
			b.flags &= (uint8_t) ~(PKT_TCP_FIN | PKT_TCP_RST);
			a.flags &= (uint8_t) ~(PKT_TCP_FIN | PKT_TCP_RST);
			sensor_packet(s, &b);
			sensor_packet(s, &a);
		}
		sensor_packet(s, &p);
	}
	sensor_finish(s);
	sensor_free(s);
	source_close(src);
}

static void same_alerts(const char *file)
{
	struct alerts *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	assert_non_null(a);
	assert_non_null(b);
	run(file, 0, a);
	run(file, 1, b);
	assert_true(a->n > 0);
	assert_int_equal(a->n, b->n);
	for (unsigned i = 0; i < a->n; i++)
		assert_string_equal(a->lines[i], b->lines[i]);
	free(a);
	free(b);
}

static void test_reorder_eternalblue(void **state)
{
	(void)state;
	same_alerts("eternalblue-success-unpatched-win7.pcap");
}

static void test_reorder_doublepulsar(void **state)
{
	(void)state;
	same_alerts("doublepulsar-backdoor-connect-win7.pcap");
}

static void test_reorder_smb2(void **state)
{
	(void)state;
	same_alerts("zeek-smb_v2_only_non_zero_reserved1.pcap");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasm_orders),
		cmocka_unit_test(test_reasm_cap_skips_hole),
		cmocka_unit_test(test_reorder_eternalblue),
		cmocka_unit_test(test_reorder_doublepulsar),
		cmocka_unit_test(test_reorder_smb2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
