/* fuzz_stream.c - the sensor's per-connection path on arbitrary bytes:
 * reassembly (segments cut, reordered and repeated as the input says),
 * NBSS framing with resync, SMB1/SMB2 decoding and the flow detectors.
 * Input: byte 0 = segment size seed, byte 1 = shuffle seed; the rest is
 * split in two halves, client->server and server->client streams.
 * Big-frame mode (byte 0 >= 0xF0; run with -max_len >= 1 MiB): bytes 1-3
 * are a declared NBSS length (24 bits), byte 4 a chunk size seed; the
 * harness writes an NBSS header with that length, the rest of the input as
 * the frame's first bytes, zeros up to the declared length, then the rest
 * of the input again (the message behind the big frame), in chunks of
 * 1..64 KiB - so lengths a fuzzer would never type are reached. Byte 0
 * bit 0: server->client instead; bit 1: drop one chunk in the middle (a
 * hole); bit 2: deliver pairs of chunks in reverse order. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drop(void *ctx, const struct sensor_alert *a)
{
	(void)ctx;
	(void)a;
}

static void send_seg(struct sensor *s, int to_server, uint32_t seq, const uint8_t *p, size_t n,
		     uint64_t ts, uint8_t flags)
{
	struct pkt k;
	memset(&k, 0, sizeof k);
	k.ts_us = ts;
	k.family = 4;
	k.src[0] = to_server ? 198 : 198;
	k.src[3] = to_server ? 1 : 2;
	k.dst[0] = 198;
	k.dst[3] = to_server ? 2 : 1;
	k.sport = to_server ? 40000 : 445;
	k.dport = to_server ? 445 : 40000;
	k.seq = seq;
	k.flags = flags;
	k.payload = p;
	k.payload_len = n;
	sensor_packet(s, &k);
}

#define BIG_MODE 0xF0u
#define BIG_HDR 5u

/* Byte off of the synthetic big-frame stream: header, input, zeros, input. */
static size_t big_bytes(const uint8_t *in, size_t in_len, uint32_t declared, size_t off,
			uint8_t *out, size_t n)
{
	static const uint8_t zeros[4096];
	uint8_t hdr[4] = {0, (uint8_t)(declared >> 16), (uint8_t)(declared >> 8),
			  (uint8_t)declared};
	size_t frame = 4 + (size_t)declared, total = frame + in_len, k = 0;
	while (k < n && off + k < total) {
		size_t at = off + k, run;
		const uint8_t *src;
		if (at < 4) {
			src = hdr + at;
			run = 4 - at;
		} else if (at < frame && at - 4 < in_len) {
			src = in + (at - 4);
			run = in_len - (at - 4);
			if (run > frame - at)
				run = frame - at;
		} else if (at < frame) {
			src = zeros;
			run = frame - at < sizeof zeros ? frame - at : sizeof zeros;
		} else {
			src = in + (at - frame);
			run = total - at;
		}
		if (run > n - k)
			run = n - k;
		memcpy(out + k, src, run);
		k += run;
	}
	return k;
}

static void big_frame_mode(const uint8_t *data, size_t size)
{
	static uint8_t a[65536], b[65536];
	uint8_t mode = data[0];
	uint32_t declared = (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
	size_t chunk = 1024 + (size_t)data[4] * 252; /* 1 KiB .. ~64 KiB (GSO) */
	const uint8_t *in = data + BIG_HDR;
	size_t in_len = size - BIG_HDR;
	size_t total = 4 + (size_t)declared + in_len;
	int to_server = !(mode & 1);
	size_t hole = (mode & 2) ? (total / 2) / chunk : (size_t)-1;
	bool swap = (mode & 4) != 0;
	uint32_t isn = to_server ? 1001 : 5001;

	struct sensor_config cfg;
	sensor_config_defaults(&cfg);
	cfg.alert_fn = drop;
	cfg.flow_ooo_cap = 4096;
	struct sensor *s = sensor_new(&cfg);
	if (!s)
		return;
	send_seg(s, 1, 1000, NULL, 0, 1, 0x02);
	send_seg(s, 0, 5000, NULL, 0, 2, 0x12);
	uint64_t ts = 3;
	for (size_t i = 0; i * chunk < total; i++) {
		size_t off = i * chunk;
		size_t n = big_bytes(in, in_len, declared, off, a, chunk);
		if (swap && off + chunk < total) {
			size_t n2 = big_bytes(in, in_len, declared, off + chunk, b, chunk);
			if (i + 1 != hole)
				send_seg(s, to_server, isn + (uint32_t)(off + chunk), b, n2, ts++, 0x18);
			if (i != hole)
				send_seg(s, to_server, isn + (uint32_t)off, a, n, ts++, 0x18);
			i++;
			continue;
		}
		if (i != hole)
			send_seg(s, to_server, isn + (uint32_t)off, a, n, ts++, 0x18);
	}
	sensor_finish(s);
	sensor_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	if (data[0] >= BIG_MODE) {
		if (size >= BIG_HDR)
			big_frame_mode(data, size);
		return 0;
	}
	size_t seg = 1 + data[0] % 97;
	unsigned shuffle = data[1];
	data += 2;
	size -= 2;
	struct sensor_config cfg;
	sensor_config_defaults(&cfg);
	cfg.alert_fn = drop;
	cfg.flow_ooo_cap = 4096; /* small, so the skip-hole path runs too */
	struct sensor *s = sensor_new(&cfg);
	if (!s)
		return 0;
	size_t half = size / 2;
	send_seg(s, 1, 1000, NULL, 0, 1, 0x02);
	send_seg(s, 0, 5000, NULL, 0, 2, 0x12);
	uint64_t ts = 3;
	for (size_t off = 0; off < half || off < size - half; off += seg) {
		for (int dir = 0; dir < 2; dir++) {
			const uint8_t *base = dir ? data + half : data;
			size_t len = dir ? size - half : half;
			uint32_t isn = dir ? 5001 : 1001;
			if (off >= len)
				continue;
			size_t n = len - off < seg ? len - off : seg;
			/* sometimes send the next segment first, sometimes twice */
			if ((shuffle >> (off / seg % 8)) & 1 && off + seg < len) {
				size_t n2 = len - off - seg < seg ? len - off - seg : seg;
				send_seg(s, !dir, isn + (uint32_t)(off + seg), base + off + seg, n2,
					 ts++, 0x18);
			}
			send_seg(s, !dir, isn + (uint32_t)off, base + off, n, ts++, 0x18);
		}
	}
	sensor_finish(s);
	sensor_free(s);
	return 0;
}
