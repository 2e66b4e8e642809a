/* fuzz_stream.c - the sensor's per-connection path on arbitrary bytes:
 * reassembly (segments cut, reordered and repeated as the input says),
 * NBSS framing with resync, SMB1/SMB2 decoding and the flow detectors.
 * Input: byte 0 = segment size seed, byte 1 = shuffle seed; the rest is
 * split in two halves, client->server and server->client streams. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
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
