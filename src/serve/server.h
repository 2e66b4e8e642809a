/* server.h - `smbwatch serve`: the dashboard and its JSON API over HTTP
 * (libmicrohttpd), read-only over the store. */
#ifndef SMBW_SERVE_SERVER_H
#define SMBW_SERVE_SERVER_H

#include <stdbool.h>

#include "store/store.h"

struct serve_opts {
	const char *listen;     /* HOST:PORT, [IPv6]:PORT */
	const char *token;      /* NULL: no authentication (loopback only) */
};

/* Serve until SIGINT/SIGTERM. 0 stopped cleanly, 2 usage (a non-loopback
 * bind without a token), 3 cannot listen. Messages go to stderr. */
int serve_run(struct store *st, const struct serve_opts *o);

/* Is the listen spec a loopback address? -1 when it does not parse. */
int serve_listen_is_loopback(const char *spec);

#endif
