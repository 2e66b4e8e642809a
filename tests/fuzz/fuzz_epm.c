/* fuzz_epm.c - ept_lookup response stub decoder (entries, annotations and
 * the protocol towers inside), the tower decoder on the same bytes, and the
 * NDR64 bind's answer (a whole PDU: bind_ack results, the arch read). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/epm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tower(const struct epm_tower *t)
{
	if (strlen(t->binding) >= sizeof t->binding || strlen(t->endpoint) >= sizeof t->endpoint ||
	    strlen(t->host) >= sizeof t->host)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct epm_lookup_resp resp;
	struct epm_tower t;
	struct rd r;
	rd_init(&r, data, size);
	if (epm_lookup_resp_decode(&r, &resp) == WIRE_OK) {
		if (resp.n > EPM_LOOKUP_MAX_ENTS)
			abort();
		for (unsigned i = 0; i < resp.n; i++) {
			if (strlen(resp.entries[i].annotation) >= sizeof resp.entries[i].annotation)
				abort();
			check_tower(&resp.entries[i].tower);
		}
	}
	if (epm_tower_decode(&r, &t) == WIRE_OK)
		check_tower(&t);
	struct dcerpc_pdu pdu;
	struct rd p;
	rd_init(&p, data, size);
	if (dcerpc_pdu_decode(&p, &pdu) == WIRE_OK) {
		if (pdu.n_results > DCERPC_MAX_CTX)
			abort();
		enum epm_arch a = epm_arch_of_bind_answer(&pdu);
		if (a != EPM_ARCH_UNKNOWN && (pdu.ptype != DCERPC_PTYPE_BIND_ACK || !epm_arch_name(a)))
			abort();
	}
	return 0;
}
