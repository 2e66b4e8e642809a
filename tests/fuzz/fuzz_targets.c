/* fuzz_targets.c - the target spec parser on arbitrary input, without name
 * resolution (no DNS from a fuzzer). The input is used both as one spec and
 * as an exclude list; afterwards count/get must agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[1024];
	char err[256];
	if (size >= sizeof spec)
		size = sizeof spec - 1;
	memcpy(spec, data, size);
	spec[size] = '\0';

	struct target_set *t = targets_new();
	targets_set_resolve(t, false);
	(void)targets_add(t, spec, err, sizeof err);
	(void)targets_add(t, "198.18.1.0/24", err, sizeof err);
	(void)targets_exclude_list(t, spec, err, sizeof err);
	targets_finalize(t);
	uint64_t n = targets_count(t);
	struct sockaddr_storage ss;
	if (n > 0) {
		if (!targets_get(t, 0, &ss) || !targets_get(t, n - 1, &ss))
			abort();
		(void)targets_get(t, n / 2, &ss);
	}
	if (n < UINT64_MAX && targets_get(t, n, &ss))
		abort();
	(void)targets_is_large(t);
	targets_free(t);
	return 0;
}
