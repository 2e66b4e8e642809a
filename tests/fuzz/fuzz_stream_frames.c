/* fuzz_stream_frames.c - SMB messages out of the QUIC stream's bytes
 * (probe/stream_frames.c, the Direct TCP header by wire/nbss.c): the input
 * is pushed in pieces whose sizes come from its first byte, as datagrams
 * cut a stream anywhere. */
#include <stddef.h>
#include <stdint.h>

#include "probe/stream_frames.h"
#include "wire/limits.h"
#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t piece = (size_t)data[0] + 1;
	data++;
	size--;
	struct stream_frames sf;
	stream_frames_init(&sf);
	size_t pushed = 0, taken = 0;
	for (size_t off = 0; off < size; off += piece) {
		size_t n = size - off < piece ? size - off : piece;
		if (stream_frames_push(&sf, data + off, n) != 0)
			break;
		pushed += n;
		for (;;) {
			struct rd msg;
			int rc = stream_frames_next(&sf, &msg);
			if (rc != WIRE_OK)
				break;
			if (msg.len > WIRE_MAX_FRAME)
				__builtin_trap();
			taken += msg.len + 4; /* a message is never more than was pushed */
			if (taken > pushed)
				__builtin_trap();
		}
	}
	stream_frames_free(&sf);
	return 0;
}
