/* test_sensor_detect.c - detectors on flows built here, where no public
 * capture is vendored (issue 23):
 *  - EternalRomance/Synergy: 100 SMB1 transactions left open (grooming),
 *    then a WRITE_ANDX into one of them; a normal client beside it;
 *  - SMBGhost: the real probe of zeek-SMBGhost.pcap replayed as recorded,
 *    with RST instead of FIN, with a SESSION_SETUP put in (a real client),
 *    and with COMPRESSION_TRANSFORM headers built from MS-SMB2 2.2.42.
 * Every "no alert" case checks that the sensor decoded the flow (frames
 * counted) and has a positive control beside it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sensor/packet.h"
#include "sensor/sensor.h"
#include "sensor/source.h"
#include "net/targets.h"
#include "wire/buf.h"

#define MAX_ALERTS 32

struct alerts {
	char lines[MAX_ALERTS][96];
	char evidence[MAX_ALERTS][768];
	char json[MAX_ALERTS][1600];
	unsigned n;
};

static void collect(void *ctx, const struct sensor_alert *a)
{
	struct alerts *g = ctx;
	if (g->n < MAX_ALERTS) {
		snprintf(g->lines[g->n], sizeof g->lines[0], "%s %s", a->id, a->severity);
		snprintf(g->evidence[g->n], sizeof g->evidence[0], "%s", a->evidence);
		json_t *o = alert_to_json(a);
		char *txt = json_dumps(o, JSON_COMPACT);
		snprintf(g->json[g->n], sizeof g->json[0], "%s", txt ? txt : "");
		free(txt);
		json_decref(o);
	}
	g->n++;
}

/* ---- a TCP flow 198.18.0.1:40000 -> 198.18.1.10:445 built packet by packet ---- */

struct tflow {
	struct sensor *s;
	struct alerts got;
	uint32_t seq[2];
	uint64_t ts;
};

static void tf_send(struct tflow *t, int to_server, uint8_t flags, const uint8_t *p, size_t n)
{
	struct pkt k;
	memset(&k, 0, sizeof k);
	k.ts_us = 1700000000000000ull + t->ts++ * 1000;
	k.family = 4;
	uint8_t cli[4] = {198, 18, 0, 1}, srv[4] = {198, 18, 1, 10};
	memcpy(k.src, to_server ? cli : srv, 4);
	memcpy(k.dst, to_server ? srv : cli, 4);
	k.sport = to_server ? 40000 : 445;
	k.dport = to_server ? 445 : 40000;
	int dir = to_server ? 0 : 1;
	k.seq = t->seq[dir];
	k.flags = flags;
	k.payload = p;
	k.payload_len = n;
	t->seq[dir] += (uint32_t)n + ((flags & (PKT_TCP_SYN | PKT_TCP_FIN)) ? 1 : 0);
	sensor_packet(t->s, &k);
}

static const struct target_set *approved; /* --approved-scanners of the next run */

static void tf_open(struct tflow *t)
{
	memset(t, 0, sizeof *t);
	struct sensor_config cfg;
	sensor_config_defaults(&cfg);
	cfg.approved_scanners = approved;
	cfg.alert_fn = collect;
	cfg.alert_ctx = &t->got;
	t->s = sensor_new(&cfg);
	assert_non_null(t->s);
	t->seq[0] = 1000;
	t->seq[1] = 9000;
	tf_send(t, 1, PKT_TCP_SYN, NULL, 0);
	tf_send(t, 0, PKT_TCP_SYN | PKT_TCP_ACK, NULL, 0);
}

/* One SMB message in its NBSS frame. */
static void tf_msg(struct tflow *t, int to_server, const uint8_t *m, size_t n)
{
	uint8_t *f = malloc(n + 4);
	assert_non_null(f);
	f[0] = 0;
	f[1] = (uint8_t)(n >> 16);
	f[2] = (uint8_t)(n >> 8);
	f[3] = (uint8_t)n;
	memcpy(f + 4, m, n);
	tf_send(t, to_server, PKT_TCP_ACK | PKT_TCP_PSH, f, n + 4);
	free(f);
}

/* Close (client FIN, server FIN) and finish; returns SMB messages decoded. */
static uint64_t tf_close(struct tflow *t)
{
	tf_send(t, 1, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);
	tf_send(t, 0, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);
	sensor_finish(t->s);
	struct sensor_stats st;
	sensor_get_stats(t->s, &st);
	sensor_free(t->s);
	t->s = NULL;
	return st.frames;
}

/* ---- SMB1 messages (MS-CIFS 2.2.3.1 header, 2.2.4.33/34 transactions) ---- */

#define SMB1_TRANS 0x25
#define SMB1_TRANS_SEC 0x26
#define SMB1_WRITE_ANDX 0x2F

static void smb1_hdr(struct wr *w, uint8_t cmd, uint16_t mid, bool reply, uint32_t status)
{
	wr_bytes(w, "\xffSMB", 4);
	wr_u8(w, cmd);
	wr_u32le(w, status);
	wr_u8(w, reply ? 0x98 : 0x18);
	wr_u16le(w, 0xC803); /* unicode, NT status, extended security */
	wr_u16le(w, 0);      /* PIDHigh */
	wr_zeros(w, 8 + 2);  /* SecurityFeatures, Reserved */
	wr_u16le(w, 2048);   /* TID */
	wr_u16le(w, 0xFEFF); /* PIDLow */
	wr_u16le(w, 2048);   /* UID */
	wr_u16le(w, mid);
}

/* TRANSACTION primary on \PIPE\ declaring total bytes but sending sent. */
static void trans_primary(struct tflow *t, uint16_t mid, uint16_t total, uint16_t sent)
{
	uint8_t b[512];
	struct wr w;
	wr_init(&w, b, sizeof b);
	smb1_hdr(&w, SMB1_TRANS, mid, false, 0);
	wr_u8(&w, 16);          /* WordCount 14 + 2 setup words */
	wr_u16le(&w, 0);        /* TotalParameterCount */
	wr_u16le(&w, total);    /* TotalDataCount */
	wr_u16le(&w, 0);        /* MaxParameterCount */
	wr_u16le(&w, 1024);     /* MaxDataCount */
	wr_u8(&w, 0);
	wr_u8(&w, 0);
	wr_u16le(&w, 0);        /* Flags */
	wr_u32le(&w, 0);        /* Timeout */
	wr_u16le(&w, 0);
	wr_u16le(&w, 0);        /* ParameterCount */
	wr_u16le(&w, 0);        /* ParameterOffset */
	wr_u16le(&w, sent);     /* DataCount */
	wr_u16le(&w, 32 + 1 + 32 + 2 + 8); /* DataOffset */
	wr_u8(&w, 2);           /* SetupCount */
	wr_u8(&w, 0);
	wr_u16le(&w, 0x0026);   /* TransactNmPipe */
	wr_u16le(&w, 0x4000);   /* FID */
	wr_u16le(&w, (uint16_t)(8 + sent)); /* ByteCount */
	wr_bytes(&w, "\\PIPE\\\0", 7);
	wr_u8(&w, 0);
	wr_zeros(&w, sent);
	assert_int_equal(w.err, 0);
	tf_msg(t, 1, b, w.len);
}

/* TRANSACTION_SECONDARY carrying data bytes at displacement disp. */
static void trans_secondary(struct tflow *t, uint16_t mid, uint16_t total, uint16_t disp,
			    uint16_t n)
{
	uint8_t b[512];
	struct wr w;
	wr_init(&w, b, sizeof b);
	smb1_hdr(&w, SMB1_TRANS_SEC, mid, false, 0);
	wr_u8(&w, 8);
	wr_u16le(&w, 0);     /* TotalParameterCount */
	wr_u16le(&w, total); /* TotalDataCount */
	wr_u16le(&w, 0);     /* ParameterCount */
	wr_u16le(&w, 0);     /* ParameterOffset */
	wr_u16le(&w, 0);     /* ParameterDisplacement */
	wr_u16le(&w, n);     /* DataCount */
	wr_u16le(&w, 32 + 1 + 16 + 2); /* DataOffset */
	wr_u16le(&w, disp);  /* DataDisplacement */
	wr_u16le(&w, n);     /* ByteCount */
	wr_zeros(&w, n);
	assert_int_equal(w.err, 0);
	tf_msg(t, 1, b, w.len);
}

/* The server's answer to a transaction: WordCount 0 (interim or error) or
 * a final response with no data. */
static void trans_reply(struct tflow *t, uint16_t mid, uint32_t status)
{
	uint8_t b[64];
	struct wr w;
	wr_init(&w, b, sizeof b);
	smb1_hdr(&w, SMB1_TRANS, mid, true, status);
	wr_u8(&w, 0);
	wr_u16le(&w, 0);
	tf_msg(t, 0, b, w.len);
}

static void write_andx(struct tflow *t, uint16_t mid)
{
	uint8_t b[128];
	struct wr w;
	wr_init(&w, b, sizeof b);
	smb1_hdr(&w, SMB1_WRITE_ANDX, mid, false, 0);
	wr_u8(&w, 14);
	wr_u8(&w, 0xFF); /* no AndX */
	wr_u8(&w, 0);
	wr_u16le(&w, 0);
	wr_u16le(&w, 0x4000); /* FID */
	wr_u32le(&w, 0);      /* Offset */
	wr_u32le(&w, 0);      /* Timeout */
	wr_u16le(&w, 0);      /* WriteMode */
	wr_u16le(&w, 0);      /* Remaining */
	wr_u16le(&w, 0);      /* DataLengthHigh */
	wr_u16le(&w, 16);     /* DataLength */
	wr_u16le(&w, 64);     /* DataOffset */
	wr_u32le(&w, 0);      /* OffsetHigh */
	wr_u16le(&w, 16);     /* ByteCount */
	wr_zeros(&w, 16);
	assert_int_equal(w.err, 0);
	tf_msg(t, 1, b, w.len);
}

/* n transactions opened (100 of 4096 bytes declared, 100 sent), each
 * answered with an interim response, MIDs first..first+n-1. */
static void groom(struct tflow *t, uint16_t first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		trans_primary(t, (uint16_t)(first + i), 4096, 100);
		trans_reply(t, (uint16_t)(first + i), 0);
	}
}

static void expect_alerts(const struct alerts *g, const char *const *want, unsigned n)
{
	for (unsigned i = 0; i < g->n && i < MAX_ALERTS; i++)
		print_message("# alert %u: %s | %s\n", i, g->lines[i], g->evidence[i]);
	assert_int_equal(g->n, n);
	for (unsigned i = 0; i < n; i++)
		assert_string_equal(g->lines[i], want[i]);
}

static void test_romance_write_after_100_open(void **state)
{
	(void)state;
	/* the write targets MIDs 7 and 58: with the old 8-slot table indexed
	 * by mid % 8, both were overwritten long before */
	static const uint16_t targets[] = {7, 58};
	for (size_t k = 0; k < 2; k++) {
		struct tflow t;
		tf_open(&t);
		groom(&t, 1, 100);
		write_andx(&t, targets[k]);
		assert_true(tf_close(&t) >= 201);
		static const char *const want[] = {"SMB1_TRANS_GROOMING high",
						   "MS17_010_EXPLOIT critical"};
		expect_alerts(&t.got, want, 2);
		assert_non_null(strstr(t.got.evidence[0], "transactions left open"));
		assert_non_null(strstr(t.got.evidence[1], "write interleaved"));
		char mid[32];
		snprintf(mid, sizeof mid, "MID %u of an open", targets[k]);
		assert_non_null(strstr(t.got.evidence[1], mid));
	}
}

static void test_grooming_alone(void **state)
{
	(void)state;
	struct tflow t;
	tf_open(&t);
	groom(&t, 1, 100);
	assert_true(tf_close(&t) >= 200);
	static const char *const want[] = {"SMB1_TRANS_GROOMING high"};
	expect_alerts(&t.got, want, 1);
	/* raised when the 16th was open, not at the end */
	assert_non_null(strstr(t.got.evidence[0], "16 SMB1 transactions"));
}

/* The bound: 3000 open transactions (more than the 1024 held) raise one
 * grooming alert, and a write into one held still raises the exploit. */
static void test_grooming_past_the_bound(void **state)
{
	(void)state;
	struct tflow t;
	tf_open(&t);
	for (unsigned i = 0; i < 3000; i++)
		trans_primary(&t, (uint16_t)(1 + i), 4096, 100);
	write_andx(&t, 500);
	struct sensor_stats st;
	sensor_get_stats(t.s, &st);
	assert_true(st.peak_memory < (1u << 20)); /* per-flow table stays small */
	assert_true(tf_close(&t) >= 3001);
	static const char *const want[] = {"SMB1_TRANS_GROOMING high",
					   "MS17_010_EXPLOIT critical"};
	expect_alerts(&t.got, want, 2);
}

/* Negative control: a client with a few transactions, each completed by
 * its secondaries and answered; MIDs are then reused, as clients do. */
static void test_normal_client_quiet(void **state)
{
	(void)state;
	struct tflow t;
	tf_open(&t);
	for (uint16_t mid = 1; mid <= 3; mid++) {
		trans_primary(&t, mid, 300, 100);
		trans_reply(&t, mid, 0); /* interim */
		trans_secondary(&t, mid, 300, 100, 100);
		trans_secondary(&t, mid, 300, 200, 100);
		trans_reply(&t, mid, 0); /* final */
	}
	/* an aborted one: the error answer ends it too */
	trans_primary(&t, 4, 300, 100);
	trans_reply(&t, 4, 0xC0000022u);
	for (uint16_t mid = 1; mid <= 4; mid++)
		write_andx(&t, mid);
	assert_int_equal(tf_close(&t), 3 * 5 + 2 + 4);
	expect_alerts(&t.got, NULL, 0);

	/* positive control: the same write while transaction 2 is still open */
	tf_open(&t);
	trans_primary(&t, 1, 300, 100);
	trans_reply(&t, 1, 0);
	trans_primary(&t, 2, 300, 100);
	trans_reply(&t, 2, 0);
	write_andx(&t, 2);
	assert_int_equal(tf_close(&t), 5);
	static const char *const want[] = {"MS17_010_EXPLOIT critical"};
	expect_alerts(&t.got, want, 1);
}

/* ---- SMBGhost: the vendored probe, replayed with changes ---- */

static const char *pcap_dir(void)
{
	const char *env = getenv("SMBW_PCAPS");
	return env ? env : SMBW_PCAP_DIR;
}

enum close_mode { CLOSE_FIN, CLOSE_RST, CLOSE_NONE };

struct ghost_run {
	enum close_mode close;
	const uint8_t *inject[4]; /* whole NBSS frames sent by the client before it closes */
	size_t inject_len[4];
	unsigned n_inject;
};

/* zeek-SMBGhost.pcap: handshake, NEGOTIATE offering LZNT1, answer with
 * LZNT1, client ACK, client FIN, server ACK, server RST. */
static uint64_t ghost_replay(const struct ghost_run *r, struct alerts *g)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/zeek-SMBGhost.pcap", pcap_dir());
	struct sensor_source *src = source_open_file(path, err, sizeof err);
	if (!src)
		fail_msg("%s", err);
	struct sensor_config cfg;
	sensor_config_defaults(&cfg);
	cfg.approved_scanners = approved;
	cfg.alert_fn = collect;
	cfg.alert_ctx = g;
	struct sensor *s = sensor_new(&cfg);
	assert_non_null(s);
	const uint8_t *data;
	size_t caplen;
	uint64_t ts;
	int link = source_linktype(src);
	unsigned fins = 0;
	while (source_next(src, &data, &caplen, &ts, err, sizeof err) == SOURCE_PACKET) {
		struct pkt p;
		assert_int_equal(pkt_decode(link, data, caplen, &p), PKT_OK);
		p.ts_us = ts;
		bool client_fin = p.dport == 445 && (p.flags & PKT_TCP_FIN);
		if (client_fin) {
			fins++;
			for (unsigned i = 0; i < r->n_inject; i++) {
				struct pkt d = p;
				d.flags = PKT_TCP_ACK | PKT_TCP_PSH;
				d.payload = r->inject[i];
				d.payload_len = r->inject_len[i];
				sensor_packet(s, &d);
				p.seq += (uint32_t)r->inject_len[i];
			}
			if (r->close == CLOSE_NONE)
				continue;
			if (r->close == CLOSE_RST)
				p.flags = PKT_TCP_RST | PKT_TCP_ACK;
		}
		sensor_packet(s, &p);
	}
	assert_int_equal(fins, 1);
	sensor_finish(s);
	struct sensor_stats st;
	sensor_get_stats(s, &st);
	sensor_free(s);
	source_close(src);
	return st.frames;
}

/* An SMB2 message in an NBSS frame, in buf; returns the frame length. */
static size_t smb2_session_setup_frame(uint8_t *buf, size_t cap)
{
	struct wr w;
	wr_init(&w, buf, cap);
	wr_u32be(&w, 64 + 24 + 8);
	wr_bytes(&w, "\xfeSMB", 4);
	wr_u16le(&w, 64);
	wr_zeros(&w, 2 + 4); /* CreditCharge, Status */
	wr_u16le(&w, 1);     /* SESSION_SETUP */
	wr_u16le(&w, 1);     /* credits */
	wr_u32le(&w, 0);     /* flags */
	wr_u32le(&w, 0);     /* NextCommand */
	wr_u64le(&w, 1);     /* MessageId */
	wr_zeros(&w, 4 + 4 + 8 + 16);
	wr_u16le(&w, 25);    /* StructureSize */
	wr_u8(&w, 0);
	wr_u8(&w, 1);        /* SecurityMode */
	wr_u32le(&w, 1);     /* Capabilities */
	wr_u32le(&w, 0);     /* Channel */
	wr_u16le(&w, 64 + 24); /* SecurityBufferOffset */
	wr_u16le(&w, 8);     /* SecurityBufferLength */
	wr_u64le(&w, 0);     /* PreviousSessionId */
	wr_bytes(&w, "NTLMSSP\0", 8);
	assert_int_equal(w.err, 0);
	return w.len;
}

static void test_smbghost_probe(void **state)
{
	(void)state;
	/* as recorded: client FIN after the NEGOTIATE */
	struct alerts g = {0};
	struct ghost_run r = {.close = CLOSE_FIN};
	assert_int_equal(ghost_replay(&r, &g), 2);
	static const char *const want[] = {"SMBGHOST_CHECK high"};
	expect_alerts(&g, want, 1);
	assert_non_null(strstr(g.evidence[0], "answered with compression (LZNT1)"));

	/* the client resets instead */
	memset(&g, 0, sizeof g);
	r.close = CLOSE_RST;
	assert_int_equal(ghost_replay(&r, &g), 2);
	expect_alerts(&g, want, 1);

	/* the client never closes (only the server's RST): not the probe */
	memset(&g, 0, sizeof g);
	r.close = CLOSE_NONE;
	assert_int_equal(ghost_replay(&r, &g), 2);
	expect_alerts(&g, NULL, 0);
}

/* A Windows 10 client offers compression too, then logs on: silent. */
static void test_smbghost_real_client_quiet(void **state)
{
	(void)state;
	uint8_t ss[128];
	struct alerts g = {0};
	struct ghost_run r = {.close = CLOSE_FIN, .n_inject = 1};
	r.inject[0] = ss;
	r.inject_len[0] = smb2_session_setup_frame(ss, sizeof ss);
	assert_int_equal(ghost_replay(&r, &g), 3);
	expect_alerts(&g, NULL, 0);
}

/* COMPRESSION_TRANSFORM (MS-SMB2 2.2.42.1, unchained) from the client
 * after the real negotiate: original size, Offset, then prefix + data.
 * With lznt1_chunks, body is Offset bytes of prefix and then that many
 * real LZNT1 chunks (MS-XCA 2.5) of 4,096 bytes each: header 0xB003,
 * flags 0x02, literal 'A', copy token 0x0FFC (offset 1, length 4,095). */
static size_t compressed_frame(uint8_t *buf, size_t cap, uint32_t original, uint32_t offset,
			       size_t body, unsigned lznt1_chunks)
{
	struct wr w;
	if (lznt1_chunks)
		body = offset + 6u * lznt1_chunks;
	wr_init(&w, buf, cap);
	wr_u32be(&w, (uint32_t)(16 + body));
	wr_bytes(&w, "\xfcSMB", 4);
	wr_u32le(&w, original);
	wr_u16le(&w, 0x0001); /* LZNT1 */
	wr_u16le(&w, 0);      /* Flags: unchained */
	wr_u32le(&w, offset);
	for (size_t i = 0; i < (lznt1_chunks ? offset : body); i++)
		wr_u8(&w, (uint8_t)(0x41 + i % 26));
	for (unsigned i = 0; i < lznt1_chunks; i++) {
		wr_u16le(&w, 0xB003);
		wr_u8(&w, 0x02);
		wr_u8(&w, 'A');
		wr_u16le(&w, 0x0FFC);
	}
	assert_int_equal(w.err, 0);
	return w.len;
}

static void ghost_exploit_lznt1(uint32_t original, uint32_t offset, size_t body,
				unsigned lznt1_chunks, const char *why)
{
	uint8_t ss[128], cf[1200];
	struct alerts g = {0};
	struct ghost_run r = {.close = CLOSE_FIN, .n_inject = 2};
	r.inject[0] = ss;
	r.inject_len[0] = smb2_session_setup_frame(ss, sizeof ss);
	r.inject[1] = cf;
	r.inject_len[1] = compressed_frame(cf, sizeof cf, original, offset, body, lznt1_chunks);
	assert_int_equal(ghost_replay(&r, &g), 4);
	if (!why) {
		expect_alerts(&g, NULL, 0);
		return;
	}
	static const char *const want[] = {"SMBGHOST_EXPLOIT critical"};
	expect_alerts(&g, want, 1);
	if (!strstr(g.evidence[0], why))
		fail_msg("evidence \"%s\" lacks \"%s\"", g.evidence[0], why);
}

static void ghost_exploit_case(uint32_t original, uint32_t offset, size_t body,
			       const char *why)
{
	ghost_exploit_lznt1(original, offset, body, 0, why);
}

static void test_smbghost_exploit(void **state)
{
	(void)state;
	/* the published trigger: a huge OriginalCompressedSegmentSize that
	 * wraps when the server adds Offset */
	ghost_exploit_case(0xFFFFFFFFu, 0x10, 0x400, "wraps 32 bits");
	ghost_exploit_case(0xFFFFFFF0u, 0x100, 0x400, "wraps 32 bits");
	/* Offset beyond the declared uncompressed size */
	ghost_exploit_case(0x40, 0x80, 0x400, "Offset larger than");
	/* the uncompressed prefix is not in the frame */
	ghost_exploit_case(0x1000, 0x800, 0x100, "past the frame");
	/* larger than anything the server negotiated (8 MiB here) */
	ghost_exploit_case(0x04000000u, 0x70, 0x400, "above the negotiated maximum");
	/* negative control: a plausible compressed WRITE (112-byte prefix,
	 * 64 KiB decompressed) raises nothing */
	ghost_exploit_case(0x10000, 0x70, 0x400, NULL);
}

/* CVE-2020-1206 (SMBleed): a compressed WRITE whose LZNT1 data
 * decompresses to less than OriginalCompressedSegmentSize; the server
 * used the uninitialised rest of its buffer. Built from MS-SMB2 2.2.42.1
 * and MS-XCA 2.5 (no capture of the exploit is vendored). */
static void test_smbleed(void **state)
{
	(void)state;
	/* 16 chunks = 0x10000 bytes, declared 0x10000: nothing (control) */
	ghost_exploit_lznt1(0x10000, 0x70, 0, 16, NULL);
	/* 15 chunks = 0xF000 bytes, declared 0x10000: 4 KiB of the server's
	 * memory would be taken as data */
	ghost_exploit_lznt1(0x10000, 0x70, 0, 15, "memory (SMBleed, CVE-2020-1206)");
	ghost_exploit_lznt1(0x10000, 0x70, 0, 15, "decompressing to 61440");
	/* one chunk declared as 8 MiB (the negotiated maximum): still SMBleed */
	ghost_exploit_lznt1(8u << 20, 0, 0, 1, "(SMBleed, CVE-2020-1206)");
}

static struct target_set *approve(const char *list)
{
	char err[256];
	struct target_set *t = targets_new();
	assert_non_null(t);
	targets_set_resolve(t, false);
	if (targets_add_list(t, list, err, sizeof err) != 0)
		fail_msg("%s", err);
	targets_finalize(t);
	return t;
}

/* --approved-scanners: the probe from an approved source is recorded at
 * info with approved_scanner true; from any other source it keeps high;
 * a non-probe alert from an approved source keeps its severity. */
static void test_approved_scanner(void **state)
{
	(void)state;
	struct alerts *g = calloc(1, sizeof *g);
	assert_non_null(g);
	struct ghost_run r = {.close = CLOSE_FIN};
	static const char *const as_info[] = {"SMBGHOST_CHECK info"};
	static const char *const as_high[] = {"SMBGHOST_CHECK high"};

	struct target_set *in = approve("2001:2::/48, 10.0.0.0/24");
	approved = in;
	assert_int_equal(ghost_replay(&r, g), 2);
	expect_alerts(g, as_info, 1);
	assert_non_null(strstr(g->json[0], "\"approved_scanner\":true"));

	/* control: approved, but not this source (neighbours and IPv6) */
	struct target_set *out = approve("10.0.0.2,10.0.0.0/32,2001:2::1,::ffff:10.0.0.1");
	approved = out;
	memset(g, 0, sizeof *g);
	assert_int_equal(ghost_replay(&r, g), 2);
	expect_alerts(g, as_high, 1);
	assert_null(strstr(g->json[0], "approved_scanner"));

	/* an exploit from an approved address keeps its severity */
	struct target_set *lab = approve("198.18.0.0/15");
	approved = lab;
	struct tflow t;
	tf_open(&t);
	groom(&t, 1, 20);
	write_andx(&t, 3);
	assert_true(tf_close(&t) >= 41);
	static const char *const want[] = {"SMB1_TRANS_GROOMING high",
					   "MS17_010_EXPLOIT critical"};
	expect_alerts(&t.got, want, 2);
	assert_null(strstr(t.got.json[1], "approved_scanner"));
	approved = NULL;
	targets_free(in);
	targets_free(out);
	targets_free(lab);
	free(g);
}


/* ---- SMB2 (MS-SMB2 2.2.1.2 sync header, 2.2.1.1 async for interim replies) ---- */

#define SMB2_STATUS_PENDING 0x00000103u

static void smb2_hdr(struct wr *w, uint16_t cmd, uint64_t mid, bool reply, uint32_t status,
		     bool async)
{
	wr_bytes(w, "\xfeSMB", 4);
	wr_u16le(w, 64);
	wr_u16le(w, 1);      /* CreditCharge */
	wr_u32le(w, status);
	wr_u16le(w, cmd);
	wr_u16le(w, 1);      /* Credits */
	wr_u32le(w, (reply ? 1u : 0u) | (async ? 2u : 0u));
	wr_u32le(w, 0);      /* NextCommand */
	wr_u64le(w, mid);
	if (async)
		wr_u64le(w, 7);  /* AsyncId */
	else
		wr_zeros(w, 8);  /* Reserved, TreeId */
	wr_u64le(w, 0x11);   /* SessionId */
	wr_zeros(w, 16);     /* Signature */
}

static void smb2_send(struct tflow *t, int to_server, const uint8_t *m, size_t n)
{
	tf_msg(t, to_server, m, n);
}

/* UTF-16LE of an ASCII string */
static void wr_utf16(struct wr *w, const char *s)
{
	for (; *s; s++)
		wr_u16le(w, (uint8_t)*s);
}

/* Anonymous logon (SessionFlags IS_NULL), IPC$, open of \srvsvc; when
 * interim, the CREATE is first answered STATUS_PENDING (async) as smbd does
 * while samba-dcerpcd starts. */
static void anon_srvsvc_flow(struct tflow *t, bool interim)
{
	uint8_t b[256];
	struct wr w;

	wr_init(&w, b, sizeof b); /* SESSION_SETUP request, empty token */
	smb2_hdr(&w, 1, 1, false, 0, false);
	wr_u16le(&w, 25);
	wr_zeros(&w, 22);
	wr_u8(&w, 0);
	smb2_send(t, 1, b, w.len);
	wr_init(&w, b, sizeof b); /* response: IS_NULL */
	smb2_hdr(&w, 1, 1, true, 0, false);
	wr_u16le(&w, 9);
	wr_u16le(&w, 0x0002);
	wr_u16le(&w, 72);
	wr_u16le(&w, 0);
	wr_u8(&w, 0);
	smb2_send(t, 0, b, w.len);

	wr_init(&w, b, sizeof b); /* TREE_CONNECT \\h\IPC$ */
	smb2_hdr(&w, 3, 2, false, 0, false);
	wr_u16le(&w, 9);
	wr_u16le(&w, 0);
	wr_u16le(&w, 72);
	wr_u16le(&w, 2 * 9);
	wr_utf16(&w, "\\\\h\\IPC$");
	smb2_send(t, 1, b, w.len);
	wr_init(&w, b, sizeof b);
	smb2_hdr(&w, 3, 2, true, 0, false);
	wr_u16le(&w, 16);
	wr_u8(&w, 0x02); /* pipe */
	wr_zeros(&w, 13);
	smb2_send(t, 0, b, w.len);

	wr_init(&w, b, sizeof b); /* CREATE srvsvc */
	smb2_hdr(&w, 5, 3, false, 0, false);
	wr_u16le(&w, 57);
	wr_zeros(&w, 42);
	wr_u16le(&w, 120); /* NameOffset: 64 + 56 */
	wr_u16le(&w, 12);
	wr_zeros(&w, 8);
	wr_utf16(&w, "srvsvc");
	smb2_send(t, 1, b, w.len);
	if (interim) {
		wr_init(&w, b, sizeof b);
		smb2_hdr(&w, 5, 3, true, SMB2_STATUS_PENDING, true);
		wr_u16le(&w, 9); /* ERROR response */
		wr_zeros(&w, 7);
		smb2_send(t, 0, b, w.len);
	}
	wr_init(&w, b, sizeof b);
	smb2_hdr(&w, 5, 3, true, 0, interim);
	wr_u16le(&w, 89);
	wr_zeros(&w, 87);
	smb2_send(t, 0, b, w.len);
	assert_int_equal(w.err, 0);
}

/* CI saw smbclient -L raise no NULL_SESSION_USED: the srvsvc open waited
 * for samba-dcerpcd, smbd answered STATUS_PENDING first, and the sensor took
 * that interim reply for the (failed) answer. */
static void test_null_session_interim_reply(void **state)
{
	(void)state;
	static const char *const want[] = {"ANONYMOUS_IPC low", "NULL_SESSION_USED medium"};
	struct tflow t;
	tf_open(&t);
	anon_srvsvc_flow(&t, false); /* control: the answer comes at once */
	assert_int_equal(tf_close(&t), 6);
	expect_alerts(&t.got, want, 2);

	tf_open(&t);
	anon_srvsvc_flow(&t, true);
	assert_int_equal(tf_close(&t), 7);
	expect_alerts(&t.got, want, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_romance_write_after_100_open),
		cmocka_unit_test(test_grooming_alone),
		cmocka_unit_test(test_grooming_past_the_bound),
		cmocka_unit_test(test_normal_client_quiet),
		cmocka_unit_test(test_smbghost_probe),
		cmocka_unit_test(test_smbghost_real_client_quiet),
		cmocka_unit_test(test_smbghost_exploit),
		cmocka_unit_test(test_smbleed),
		cmocka_unit_test(test_approved_scanner),
		cmocka_unit_test(test_null_session_interim_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
