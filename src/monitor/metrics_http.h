/* metrics_http.h - the /metrics endpoint (libmicrohttpd, its own thread).
 * Bound to loopback unless the caller allows otherwise: the page tells
 * anyone who reads it which hosts have which holes. */
#ifndef SMBW_MONITOR_METRICS_HTTP_H
#define SMBW_MONITOR_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "monitor/metrics.h"

#define METRICS_DEFAULT_PORT 9466

struct metrics_http;

/* Parse "HOST:PORT" (HOST an IPv4 address, [IPv6] or localhost; PORT
 * 1-65535), or ":PORT" / "PORT" for 127.0.0.1. A HOST that is not a
 * loopback address needs allow_remote. 0, or -1 with the reason in err. */
int metrics_listen_parse(const char *spec, bool allow_remote, struct sockaddr_storage *ss,
			 char *err, size_t errsz);

/* Listen on spec and serve m until metrics_http_stop. NULL with the reason
 * in err (bad address, port in use). */
struct metrics_http *metrics_http_start(const char *spec, bool allow_remote, struct metrics *m,
					char *err, size_t errsz);
void metrics_http_stop(struct metrics_http *h);

#endif
