/* fuzz_tls.c - what a server on 5986 sends back to our ClientHello: the
 * record header (wire/tls.c) cuts it into records as the conversation's
 * framer does, a non-TLS answer is described, and the records go into the
 * TLS client (net/tls_client.c: our buffers and GnuTLS behind them) until
 * the handshake fails, waits or completes; a completed one reads on. */
#include <stddef.h>
#include <stdint.h>

#include "net/tls_client.h"
#include "wire/tls.h"
#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r;
	char text[48];
	rd_init(&r, data, size);
	tls_not_tls_text(&r, text, sizeof text);

	struct tls_client *t = tls_client_new(NULL);
	if (!t)
		return 0;
	size_t n;
	if (tls_client_handshake(t) != TLS_STEP_AGAIN || !tls_client_pending(t, &n))
		__builtin_trap(); /* the ClientHello is always there first */
	tls_client_consume(t, n);
	size_t off = 0;
	bool done = false;
	while (off < size) {
		size_t len;
		int rc = tls_record_len(data + off, size - off, &len);
		if (rc != WIRE_OK)
			break;
		if (len < TLS_RECORD_HEADER || len > TLS_RECORD_HEADER + TLS_RECORD_MAX_BODY)
			__builtin_trap(); /* the contract: a header and a capped body */
		if (len > size - off)
			break; /* a cut record: the conversation would wait */
		if (!tls_client_input(t, data + off, len))
			break;
		off += len;
		if (!done) {
			enum tls_step st = tls_client_handshake(t);
			if (st == TLS_STEP_FAILED)
				break;
			done = st == TLS_STEP_DONE;
			if (done)
				(void)tls_client_write(t, "POST /wsman HTTP/1.1\r\n\r\n", 24);
		} else {
			uint8_t buf[512];
			if (tls_client_read(t, buf, sizeof buf) < 0)
				break;
		}
		if (tls_client_pending(t, &n))
			tls_client_consume(t, n);
	}
	tls_client_free(t);
	return 0;
}
