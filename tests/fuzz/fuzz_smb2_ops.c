/* fuzz_smb2_ops.c - every SMB2 session-command response decoder on the
 * same input; views must stay inside the input. */
#include <stdint.h>
#include <stdlib.h>

#include "wire/smb2_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const struct rd *v, const uint8_t *data, size_t size)
{
	if (v->len && (v->p < data || v->len > size || (size_t)(v->p - data) > size - v->len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smb2_tree_connect_resp t;
	struct smb2_create_resp c;
	struct smb2_write_resp w;
	struct smb2_read_resp rr;
	struct smb2_ioctl_resp io;
	struct smb2_query_directory_resp q;
	struct rd r;
	rd_init(&r, data, size);
	(void)smb2_tree_connect_resp_decode(&r, &t);
	rd_init(&r, data, size);
	(void)smb2_create_resp_decode(&r, &c);
	rd_init(&r, data, size);
	(void)smb2_write_resp_decode(&r, &w);
	rd_init(&r, data, size);
	if (smb2_read_resp_decode(&r, &rr) == WIRE_OK)
		inside(&rr.data, data, size);
	rd_init(&r, data, size);
	if (smb2_ioctl_resp_decode(&r, &io) == WIRE_OK)
		inside(&io.output, data, size);
	rd_init(&r, data, size);
	if (smb2_query_directory_resp_decode(&r, &q) == WIRE_OK) {
		inside(&q.data, data, size);
		if (q.n_entries > WIRE_MAX_DIR_ENTRIES)
			abort();
	}
	return 0;
}
