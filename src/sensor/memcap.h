/* memcap.h - how `sensor --max-memory N` is split so that the process's
 * peak resident size (what /usr/bin/time -v reports) stays at or below N.
 *
 * The sensor counts the bytes of its own tables (flows, their buffers,
 * per-source entries) and evicts to stay under a budget. What it does not
 * count is reserved off the top first: the program itself as it stands
 * before the first packet (code and data of smbwatch, libc, libpcap,
 * jansson: ~10 MiB resident), the live capture ring (filled by the kernel,
 * resident once touched), and allocator slack (malloc headers and
 * rounding, hash buckets, freed pages not returned: ~5% of the counted
 * bytes, measured with bench/sensor.sh's SYN flood). */
#ifndef SMBW_SENSOR_MEMCAP_H
#define SMBW_SENSOR_MEMCAP_H

#include <stddef.h>

struct memcap_plan {
	size_t cap;      /* --max-memory, bytes */
	size_t program;  /* peak resident size before the first packet */
	size_t capture;  /* live capture ring (0 when reading a file) */
	size_t slack;    /* allocator overhead on the counted bytes */
	size_t budget;   /* what the sensor's tables may count: the rest */
};

/* The sensor needs at least this much budget to hold a few flows. */
#define MEMCAP_MIN_BUDGET ((size_t)1 << 20)

/* Split cap. 0 when the budget left is at least MEMCAP_MIN_BUDGET, -1
 * (plan still filled in, budget 0) when cap is too small for this process. */
int memcap_plan(size_t cap, size_t program, size_t capture, struct memcap_plan *out);

/* The capture ring for a live source under cap: 32 MiB, but no more than
 * an eighth of the cap (it is resident once the kernel has filled it). */
size_t memcap_capture_buffer(size_t cap);

/* This process's peak resident size so far, bytes (getrusage). */
size_t memcap_peak_rss(void);

#endif
