/* metrics_http.c - GET /metrics over libmicrohttpd; see metrics_http.h. */
#include "monitor/metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/prom.h"

struct metrics_http {
	struct MHD_Daemon *d;
	struct metrics *m;
};

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
	return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
}

int metrics_listen_parse(const char *spec, bool allow_remote, struct sockaddr_storage *ss,
			 char *err, size_t errsz)
{
	char host[64] = "127.0.0.1";
	const char *port_s = spec;
	const char *colon = strrchr(spec, ':');
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof host) {
			snprintf(err, errsz, "bad --metrics-listen '%s': [IPv6]:PORT", spec);
			return -1;
		}
		snprintf(host, sizeof host, "%.*s", (int)(close - spec - 1), spec + 1);
		port_s = close + 2;
	} else if (colon) {
		if ((size_t)(colon - spec) >= sizeof host) {
			snprintf(err, errsz, "bad --metrics-listen '%s': HOST:PORT", spec);
			return -1;
		}
		if (colon != spec)
			snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
		port_s = colon + 1;
	}
	char *end;
	errno = 0;
	long port = strtol(port_s, &end, 10);
	if (end == port_s || *end || errno || port < 1 || port > 65535) {
		snprintf(err, errsz, "bad --metrics-listen '%s': the port is 1-65535", spec);
		return -1;
	}
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
	} else {
		snprintf(err, errsz,
			 "bad --metrics-listen '%s': the host is an IP address, [IPv6] or localhost",
			 spec);
		return -1;
	}
	if (!allow_remote && !is_loopback(ss)) {
		snprintf(err, errsz,
			 "--metrics-listen '%s' is not a loopback address: the metrics name hosts "
			 "and their findings; add --metrics-allow-remote to serve them there",
			 spec);
		return -1;
	}
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result text_reply(struct MHD_Connection *c, unsigned code, const char *text)
{
	char *body = strdup(text);
	if (!body)
		return MHD_NO;
	return reply(c, code, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct metrics_http *h = cls;
	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (*upload_data_size)
		return MHD_NO; /* no request has a body here */
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return text_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return text_reply(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are on /metrics\n");
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	int wrc = metrics_write(h->m, f);
	if (fclose(f) != 0 || wrc != 0) {
		free(body);
		return text_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot render metrics\n");
	}
	return reply(c, MHD_HTTP_OK, PROM_CONTENT_TYPE, body, len);
}

struct metrics_http *metrics_http_start(const char *spec, bool allow_remote, struct metrics *m,
					char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	if (metrics_listen_parse(spec, allow_remote, &ss, err, errsz) != 0)
		return NULL;
	struct metrics_http *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	h->m = m;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	uint16_t port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
						 : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	/* a scraper needs one connection; a handful bounds what a local
	 * client flooding the port can take */
	h->d = MHD_start_daemon(flags, port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errsz, "cannot listen on %s (in use, or not an address of this host)",
			 spec);
		free(h);
		return NULL;
	}
	return h;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
