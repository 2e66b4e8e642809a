/* memcap.c - split of --max-memory; see memcap.h. */
#include "sensor/memcap.h"

#include <sys/resource.h>

#define MIB ((size_t)1 << 20)

int memcap_plan(size_t cap, size_t program, size_t capture, struct memcap_plan *out)
{
	out->cap = cap;
	out->program = program;
	out->capture = capture;
	/* measured slack is ~5% of the counted bytes plus well under 1 MiB;
	 * an eighth of the cap and 2 MiB leave room for other allocators
	 * and libraries than the one measured */
	out->slack = 2 * MIB + cap / 8;
	size_t reserved = program + capture + out->slack;
	out->budget = cap > reserved ? cap - reserved : 0;
	if (out->budget < MEMCAP_MIN_BUDGET) {
		out->budget = 0;
		return -1;
	}
	return 0;
}

size_t memcap_capture_buffer(size_t cap)
{
	size_t b = 32 * MIB;
	return b < cap / 8 ? b : cap / 8;
}

size_t memcap_peak_rss(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0 || ru.ru_maxrss < 0)
		return 0;
	return (size_t)ru.ru_maxrss * 1024; /* Linux: KiB */
}
