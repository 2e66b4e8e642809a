/* fuzz_smb1_ops.c - every SMB1 session-command response decoder on the
 * same input; views must stay inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/smb1_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const struct rd *v, const uint8_t *data, size_t size)
{
	if (v->len && (v->p < data || v->len > size || (size_t)(v->p - data) > size - v->len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smb1_tree_connect_resp t;
	struct smb1_nt_create_resp c;
	struct smb1_trans_resp tr;
	struct smb1_read_andx_resp ra;
	struct rd r;
	rd_init(&r, data, size);
	if (smb1_tree_connect_resp_decode(&r, &t) == WIRE_OK &&
	    strlen(t.service) >= sizeof t.service)
		abort();
	rd_init(&r, data, size);
	(void)smb1_nt_create_resp_decode(&r, &c);
	rd_init(&r, data, size);
	if (smb1_trans_resp_decode(&r, &tr) == WIRE_OK) {
		inside(&tr.params, data, size);
		inside(&tr.data, data, size);
	}
	rd_init(&r, data, size);
	if (smb1_read_andx_resp_decode(&r, &ra) == WIRE_OK)
		inside(&ra.data, data, size);
	return 0;
}
