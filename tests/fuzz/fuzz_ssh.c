/* fuzz_ssh.c - the SSH identification line (wire/ssh.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	struct ssh_ident id;
	struct rd r;
	if (ssh_line_len(data, size, &len) == WIRE_OK) {
		if (len > size || len > SSH_LINE_MAX)
			__builtin_trap();
		rd_init(&r, data, len);
		if (ssh_ident_decode(&r, &id) == WIRE_OK && (!id.proto[0] || !id.software[0]))
			__builtin_trap(); /* a decoded line names both */
	}
	rd_init(&r, data, size);
	(void)ssh_ident_decode(&r, &id);
	return 0;
}
