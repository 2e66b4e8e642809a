/* fuzz_tcpip.c - captured frames for the --syn stage: the first byte
 * picks the link type, the rest is the frame. Decode, then classify
 * against a fixed key (the cookie check must never trust the bytes). */
#include <stddef.h>
#include <stdint.h>

#include "wire/tcpip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[] = {TCPIP_LINK_EN10MB, TCPIP_LINK_LINUX_SLL,  TCPIP_LINK_RAW,
				    TCPIP_LINK_NULL,   TCPIP_LINK_LINUX_SLL2, TCPIP_LINK_LOOP};
	if (size < 1)
		return 0;
	struct syn_key key = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
	struct tcpip_reply r;
	int link = links[data[0] % (sizeof links / sizeof links[0])];
	if (tcpip_reply_decode(link, data + 1, size - 1, &r) == WIRE_OK)
		(void)tcpip_reply_classify(&r, &key, r.dst, r.dport);
	return 0;
}
