/* fuzz_cert_summary.c - the certificate summary (SMB over QUIC, WinRM over HTTPS)
 * (net/cert_summary.c): DER from the server's handshake, decoded by GnuTLS,
 * summarised into the record's fixed fields. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/cert_summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_cert c;
	int rc = cert_summary(data, size, &c);
	if (rc != 0 && c.present)
		__builtin_trap(); /* a failure leaves nothing half-filled */
	if (rc == 0) {
		/* the contract: every text field NUL-terminated within its array */
		if (!memchr(c.subject, 0, sizeof c.subject) || !memchr(c.issuer, 0, sizeof c.issuer) ||
		    !memchr(c.sans, 0, sizeof c.sans) || !memchr(c.key_type, 0, sizeof c.key_type) ||
		    !memchr(c.sha256, 0, sizeof c.sha256))
			__builtin_trap();
		if (c.sha256[0] && strlen(c.sha256) != 64)
			__builtin_trap();
	}
	return 0;
}
