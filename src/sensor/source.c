/* source.c - libpcap file and live sources; see source.h. */
#include "sensor/source.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SOURCE_SNAPLEN 65535
#define SOURCE_TIMEOUT_MS 500

struct sensor_source {
	pcap_t *p;
	int linktype;
	int live_fd; /* live: the fd to wait on (-1 for files) */
};

/* The source around an opened handle (closed on failure). */
static struct sensor_source *source_wrap(pcap_t *p, char *err, size_t errsz)
{
	struct sensor_source *s = calloc(1, sizeof *s);
	if (!s) {
		pcap_close(p);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	s->p = p;
	s->linktype = pcap_datalink(p);
	s->live_fd = -1;
	return s;
}

struct sensor_source *source_open_file(const char *path, char *err, size_t errsz)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO,
							    perr);
	if (!p) {
		/* libpcap names the file itself for some errors, not for others */
		const char *why = perr;
		size_t n = strlen(path);
		if (strncmp(why, path, n) == 0 && strncmp(why + n, ": ", 2) == 0)
			why += n + 2;
		snprintf(err, errsz, "%s: cannot read capture: %s", path, why);
		return NULL;
	}
	return source_wrap(p, err, errsz);
}

struct sensor_source *source_open_live(const char *iface, size_t buffer_bytes, char *err,
				       size_t errsz)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, perr);
	if (!p) {
		snprintf(err, errsz, "%s: %s", iface, perr);
		return NULL;
	}
	pcap_set_snaplen(p, SOURCE_SNAPLEN);
	pcap_set_promisc(p, 1);
	pcap_set_timeout(p, SOURCE_TIMEOUT_MS);
	/* a larger kernel buffer rides out bursts while we parse */
	pcap_set_buffer_size(p, buffer_bytes > INT_MAX ? INT_MAX : (int)buffer_bytes);
	int rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(err, errsz, "%s: %s", iface, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	/* Linux TPACKET_V3 only starts the read timeout once a packet came:
	 * a quiet interface would block for ever. Non-blocking reads and our
	 * own poll() give the caller its idle ticks (sensor_advance). */
	int fd = pcap_get_selectable_fd(p);
	if (fd < 0 || pcap_setnonblock(p, 1, perr) != 0) {
		snprintf(err, errsz, "%s: cannot read without blocking: %s", iface,
			 fd < 0 ? "no selectable descriptor" : perr);
		pcap_close(p);
		return NULL;
	}
	struct sensor_source *s = source_wrap(p, err, errsz);
	if (s)
		s->live_fd = fd;
	return s;
}

int source_set_filter(struct sensor_source *src, const char *bpf, char *err, size_t errsz)
{
	struct bpf_program prog;
	if (pcap_compile(src->p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errsz, "bad filter \"%s\": %s", bpf, pcap_geterr(src->p));
		return -1;
	}
	int rc = pcap_setfilter(src->p, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errsz, "cannot set filter: %s", pcap_geterr(src->p));
		return -1;
	}
	return 0;
}

int source_linktype(const struct sensor_source *src)
{
	return src->linktype;
}

int source_next(struct sensor_source *src, const uint8_t **data, size_t *caplen,
		uint64_t *ts_us, char *err, size_t errsz)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc = pcap_next_ex(src->p, &h, &d);
	if (rc == 1) {
		*data = d;
		*caplen = h->caplen;
		*ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
		return SOURCE_PACKET;
	}
	if (rc == 0) {
		/* nothing buffered: wait for the next block or the timeout (a
		 * signal ends the wait early: EINTR) */
		if (src->live_fd >= 0) {
			struct pollfd pfd = {.fd = src->live_fd, .events = POLLIN};
			(void)poll(&pfd, 1, SOURCE_TIMEOUT_MS);
		}
		return SOURCE_IDLE;
	}
	if (rc == PCAP_ERROR_BREAK)
		return SOURCE_EOF;
	snprintf(err, errsz, "%s", pcap_geterr(src->p));
	return SOURCE_ERROR;
}

void source_break(struct sensor_source *src)
{
	pcap_breakloop(src->p);
}

void source_close(struct sensor_source *src)
{
	if (!src)
		return;
	pcap_close(src->p);
	free(src);
}

int source_drop_privileges(const char *user, char *err, size_t errsz)
{
	if (geteuid() != 0 && getuid() != 0)
		return 0;
	if (!user)
		user = "nobody";
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errsz, "cannot drop privileges: unknown user \"%s\"", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errsz, "refusing to \"drop\" privileges to root (%s)", user);
		return -1;
	}
	/* order matters: groups and gid while still root, uid last */
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		snprintf(err, errsz, "cannot drop privileges to %s: %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		snprintf(err, errsz, "privileges not dropped: setuid(0) still works");
		return -1;
	}
	return 0;
}
