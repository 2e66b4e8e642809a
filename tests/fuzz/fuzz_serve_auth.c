/* fuzz_serve_auth.c - the Authorization header check of `smbwatch serve`
 * (src/serve/auth.c): any bytes a client sends as the header. Besides
 * memory safety: a header is accepted only as "Bearer" or "Basic" (any
 * case, after blanks), and the same bytes with one byte of the token
 * changed are never accepted for a bearer header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve/auth.h"

static const char token[] = "fuzz-token-0123456789";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *h = malloc(size + 1);
	if (!h)
		return 0;
	memcpy(h, data, size);
	h[size] = '\0'; /* libmicrohttpd hands over a C string */
	bool ok = serve_auth_ok(token, h);
	if (ok) {
		const char *p = h;
		while (*p == ' ')
			p++;
		if (strncasecmp(p, "Bearer ", 7) != 0 && strncasecmp(p, "Basic ", 6) != 0)
			abort();
		char *at = strstr(h, token);
		if (strncasecmp(p, "Bearer ", 7) == 0) {
			if (!at)
				abort(); /* a bearer header holds the token itself */
			at[0] ^= 1;
			if (serve_auth_ok(token, h))
				abort();
		}
	}
	free(h);
	return 0;
}
