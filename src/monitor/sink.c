/* sink.c - the sink table, stdout/file/syslog, and the retry loop; see
 * sink.h. */
#include "monitor/sink.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>
#include <time.h>

static int stdout_send(struct sink *s, const char *ev, const char *name, char *err, size_t errsz)
{
	(void)s;
	(void)name;
	if (fputs(ev, stdout) < 0 || fputc('\n', stdout) < 0 || fflush(stdout) != 0) {
		snprintf(err, errsz, "writing stdout: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int file_open(struct sink *s, char *err, size_t errsz)
{
	s->f = fopen(s->arg, "a");
	if (!s->f) {
		snprintf(err, errsz, "cannot open '%s': %s", s->arg, strerror(errno));
		return -1;
	}
	return 0;
}

static int file_send(struct sink *s, const char *ev, const char *name, char *err, size_t errsz)
{
	(void)name;
	if (fputs(ev, s->f) < 0 || fputc('\n', s->f) < 0 || fflush(s->f) != 0) {
		snprintf(err, errsz, "writing '%s': %s", s->arg, strerror(errno));
		clearerr(s->f);
		return -1;
	}
	return 0;
}

static void file_close(struct sink *s)
{
	if (s->f)
		fclose(s->f);
	s->f = NULL;
}

/* syslog and syslog:SOCKET - the message, RFC 3164 framed, as one datagram
 * to /dev/log or a Unix socket of the user's choice (a relay, a container's
 * log socket). LOG_DAEMON|LOG_WARNING = <28>. Not syslog(3): it drops a
 * message silently when /dev/log is missing, and an event that was not
 * delivered must stay undelivered (retried next cycle, --once exits 3). */
static const char *syslog_path(const struct sink *s)
{
	return s->arg[0] ? s->arg : "/dev/log";
}

static int syslog_sock_open(struct sink *s, char *err, size_t errsz)
{
	struct sockaddr_un sun;
	if (strlen(syslog_path(s)) >= sizeof sun.sun_path) {
		snprintf(err, errsz, "bad sink '%s': socket path too long", s->spec);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", s->spec, strerror(errno));
		return -1;
	}
	s->fd = fd;
	if (access(syslog_path(s), W_OK) != 0)
		fprintf(stderr,
			"smbwatch: warning: sink %s: %s: %s (events are kept and retried until "
			"it is there)\n",
			s->spec, syslog_path(s), strerror(errno));
	return 0;
}

static int syslog_sock_send(struct sink *s, const char *ev, const char *name, char *err,
			    size_t errsz)
{
	(void)name;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", syslog_path(s));
	char head[64];
	int n = snprintf(head, sizeof head, "<%d>smbwatch[%d]: ", LOG_DAEMON | LOG_WARNING,
			 (int)getpid());
	struct iovec iov[2] = {{head, (size_t)n}, {(void *)ev, strlen(ev)}};
	struct msghdr mh = {.msg_name = &sun, .msg_namelen = sizeof sun, .msg_iov = iov,
			    .msg_iovlen = 2};
	if (sendmsg(s->fd, &mh, 0) < 0) {
		snprintf(err, errsz, "%s: %s", syslog_path(s), strerror(errno));
		return -1;
	}
	return 0;
}

static void syslog_sock_close(struct sink *s)
{
	if (s->fd > 0)
		close(s->fd);
	s->fd = 0;
}

static const struct sink_ops stdout_ops = {
	.prefix = "stdout",
	.send = stdout_send,
};
static const struct sink_ops file_ops = {
	.prefix = "file:",
	.takes_arg = true,
	.open = file_open,
	.send = file_send,
	.close = file_close,
};
static const struct sink_ops syslog_ops = {
	.prefix = "syslog",
	.open = syslog_sock_open,
	.send = syslog_sock_send,
	.close = syslog_sock_close,
	.retry = true,
};

static const struct sink_ops syslog_sock_ops = {
	.prefix = "syslog:",
	.takes_arg = true,
	.open = syslog_sock_open,
	.send = syslog_sock_send,
	.close = syslog_sock_close,
	.retry = true,
};

static const struct sink_ops *const sinks[] = {
	&stdout_ops, &file_ops, &syslog_ops, &syslog_sock_ops, &sink_webhook_ops, &sink_exec_ops,
};

int sink_parse(const char *spec, struct sink *s, char *err, size_t errsz)
{
	memset(s, 0, sizeof *s);
	size_t len = strlen(spec);
	if (len >= sizeof s->spec) {
		snprintf(err, errsz, "bad sink: too long");
		return -1;
	}
	memcpy(s->spec, spec, len + 1);
	/* the encoding is part of the spec, hence of the delivery log's key:
	 * an ecs+file: sink is another sink than file: on the same path */
	size_t skip = 0;
	if (strncmp(s->spec, "ecs+", 4) == 0) {
		s->encoding = SINK_ECS;
		skip = 4;
	}
	const char *kind = s->spec + skip; /* the spec without its encoding */
	for (size_t i = 0; i < sizeof sinks / sizeof sinks[0]; i++) {
		const struct sink_ops *o = sinks[i];
		size_t n = strlen(o->prefix);
		if (o->takes_arg ? strncmp(kind, o->prefix, n) != 0 : strcmp(kind, o->prefix) != 0)
			continue;
		if (o->takes_arg && kind[n] == '\0') {
			snprintf(err, errsz, "bad sink '%s': %s needs a value", s->spec, o->prefix);
			return -1;
		}
		s->ops = o;
		s->arg = kind + n;
		s->retries = 3;
		s->backoff_ms = 500;
		s->timeout_ms = 5000;
		return 0;
	}
	snprintf(err, errsz,
		 "bad sink '%s': use stdout, file:PATH, syslog, syslog:SOCKET, webhook:URL or "
		 "exec:COMMAND, with ecs+ before it for ECS documents",
		 s->spec);
	return -1;
}

int sink_open(struct sink *s, char *err, size_t errsz)
{
	return s->ops->open ? s->ops->open(s, err, errsz) : 0;
}

void sink_close(struct sink *s)
{
	if (s->ops && s->ops->close)
		s->ops->close(s);
}

const char *sink_kind(const struct sink *s)
{
	static const struct {
		const char *prefix, *kind;
	} kinds[] = {{"stdout", "stdout"},   {"file:", "file"},	  {"syslog:", "syslog"},
		     {"syslog", "syslog"},   {"webhook:", "webhook"}, {"exec:", "exec"}};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (s->ops && strcmp(s->ops->prefix, kinds[i].prefix) == 0)
			return kinds[i].kind;
	return "sink";
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int sink_deliver(struct sink *s, const char *ev, const char *name)
{
	unsigned attempts = s->ops->retry ? s->retries + 1 : 1;
	unsigned wait = s->backoff_ms;
	for (unsigned a = 1; a <= attempts; a++) {
		char err[512] = "";
		if (s->ops->send(s, ev, name, err, sizeof err) == 0)
			return 0;
		if (a < attempts) {
			fprintf(stderr,
				"smbwatch monitor: sink %s: attempt %u/%u failed: %s; retrying in "
				"%u ms\n",
				s->spec, a, attempts, err, wait);
			sleep_ms(wait);
			wait = wait > 30000 ? 60000 : wait * 2;
		} else {
			fprintf(stderr,
				"smbwatch monitor: sink %s: attempt %u/%u failed: %s; giving up "
				"for now (retried next cycle)\n",
				s->spec, a, attempts, err);
		}
	}
	return -1;
}

void sink_hmac_hex(const char *key, const char *msg, size_t len, char out[65])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	if (!HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg, len, mac,
		  &maclen))
		maclen = 0;
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < maclen && i < 32; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[maclen < 32 ? 2 * maclen : 64] = '\0';
}
