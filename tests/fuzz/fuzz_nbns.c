/* fuzz_nbns.c - an NBSTAT response datagram (wire/nbns.c). */
#include <stddef.h>
#include <stdint.h>

#include "wire/nbns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nbns_status st;
	if (nbns_nbstat_parse(data, size, &st) == WIRE_OK) {
		if (st.n_names > NBNS_MAX_NAMES || st.n_names > st.n_total)
			__builtin_trap(); /* the contract: never more than kept */
		for (unsigned i = 0; i < st.n_names; i++)
			if (st.names[i].name[15] != '\0')
				__builtin_trap();
	}
	return 0;
}
