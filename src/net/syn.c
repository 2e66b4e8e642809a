/* syn.c - raw SYN send, pcap receive; see syn.h. */
#include "net/syn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

/* a SYN-ACK with options and a cooked or VLAN header fits easily */
#define SYN_SNAPLEN 256
/* room for a burst of replies while the loop is busy elsewhere */
#define SYN_PCAP_BUFFER (8 << 20)
/* replies handled per wake-up, so one flood cannot starve the loop */
#define SYN_DISPATCH_MAX 4096

struct syn_io {
	int raw_fd;
	pcap_t *pcap;
	int link;
	uint32_t src;
	uint16_t sport;
	uint16_t ip_id;
	struct syn_key key;
	char iface[IF_NAMESIZE + 8];
	uv_poll_t poll;
	bool polling;
	syn_reply_fn fn;
	void *ud;
	uint64_t foreign;
};

/* The source address the kernel would use towards dst: connect() a UDP
 * socket (sends nothing) and read its local address. */
static int route_source(uint32_t dst, uint32_t *src)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(445)};
	sa.sin_addr.s_addr = htonl(dst);
	socklen_t len = sizeof sa;
	int rc = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		rc = -errno;
	close(fd);
	*src = ntohl(sa.sin_addr.s_addr);
	return rc;
}

/* The interface holding address src, or "any" (cooked capture) if none. */
static void iface_of(uint32_t src, char *out, size_t outsz)
{
	struct ifaddrs *ifa = NULL;
	snprintf(out, outsz, "any");
	if (getifaddrs(&ifa) != 0)
		return;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		const struct sockaddr_in *a = (const struct sockaddr_in *)(void *)i->ifa_addr;
		if (ntohl(a->sin_addr.s_addr) == src) {
			snprintf(out, outsz, "%s", i->ifa_name);
			break;
		}
	}
	freeifaddrs(ifa);
}

/* A source port outside the kernel's ephemeral range, so no connect() of
 * the SMB stage can share it (its replies would look like ours). */
static uint16_t pick_sport(void)
{
	unsigned lo = 32768, hi = 60999;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2 || lo > hi || hi > 65535)
			lo = 32768, hi = 60999;
		fclose(f);
	}
	uint16_t r = 0;
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (uint16_t)getpid();
	if (hi < 65535 - 64)
		return (uint16_t)(hi + 1 + r % (65535 - hi));
	return (uint16_t)(1024 + r % (lo > 2048 ? lo - 1024 : 1024));
}

static int fail(struct syn_io *io, int rc, char *err, size_t errsz, const char *what,
		const char *why)
{
	if (rc == SYN_OPEN_PERM)
		snprintf(err, errsz,
			 "--syn needs root or CAP_NET_RAW (%s: %s); run as root, "
			 "or setcap cap_net_raw+ep on the binary, or scan without --syn",
			 what, why);
	else
		snprintf(err, errsz, "--syn: %s: %s", what, why);
	syn_io_free(io);
	return rc;
}

static int open_raw(struct syn_io *io, char *err, size_t errsz)
{
	/* IPPROTO_RAW: send only (it never receives), IP header ours */
	io->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
	if (io->raw_fd >= 0)
		return 0;
	int e = errno;
	return fail(io, (e == EPERM || e == EACCES) ? SYN_OPEN_PERM : SYN_OPEN_FAIL, err, errsz,
		    "raw socket", strerror(e));
}

static int open_pcap(struct syn_io *io, char *err, size_t errsz)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	io->pcap = pcap_create(io->iface, perr);
	if (!io->pcap)
		return fail(io, SYN_OPEN_FAIL, err, errsz, io->iface, perr);
	pcap_set_snaplen(io->pcap, SYN_SNAPLEN);
	pcap_set_promisc(io->pcap, 0);
	pcap_set_immediate_mode(io->pcap, 1); /* each reply now, not per buffer */
	pcap_set_buffer_size(io->pcap, SYN_PCAP_BUFFER);
	int rc = pcap_activate(io->pcap);
	if (rc < 0)
		return fail(io, rc == PCAP_ERROR_PERM_DENIED ? SYN_OPEN_PERM : SYN_OPEN_FAIL, err,
			    errsz, io->iface, pcap_geterr(io->pcap));
	char src[INET_ADDRSTRLEN], filter[128];
	struct in_addr a = {.s_addr = htonl(io->src)};
	inet_ntop(AF_INET, &a, src, sizeof src);
	/* in the kernel: only TCP to our address and port reaches us */
	snprintf(filter, sizeof filter, "tcp and dst host %s and dst port %u", src, io->sport);
	struct bpf_program prog;
	if (pcap_compile(io->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
		return fail(io, SYN_OPEN_FAIL, err, errsz, filter, pcap_geterr(io->pcap));
	rc = pcap_setfilter(io->pcap, &prog);
	pcap_freecode(&prog);
	if (rc != 0 || pcap_setnonblock(io->pcap, 1, perr) != 0)
		return fail(io, SYN_OPEN_FAIL, err, errsz, io->iface, pcap_geterr(io->pcap));
	(void)pcap_setdirection(io->pcap, PCAP_D_IN);
	io->link = pcap_datalink(io->pcap);
	return 0;
}

int syn_io_open(const char *iface, uint32_t route_to, struct syn_io **out, char *err, size_t errsz)
{
	*out = NULL;
	struct syn_io *io = calloc(1, sizeof *io);
	if (!io)
		return fail(io, SYN_OPEN_FAIL, err, errsz, "memory", strerror(ENOMEM));
	io->raw_fd = -1;
	int rc = open_raw(io, err, errsz);
	if (rc != 0)
		return rc;
	rc = route_source(route_to, &io->src);
	if (rc != 0)
		return fail(io, SYN_OPEN_FAIL, err, errsz, "no route to the first target",
			    strerror(-rc));
	if (iface)
		snprintf(io->iface, sizeof io->iface, "%s", iface);
	else
		iface_of(io->src, io->iface, sizeof io->iface);
	io->sport = pick_sport();
	if (getrandom(&io->key, sizeof io->key, 0) != sizeof io->key)
		return fail(io, SYN_OPEN_FAIL, err, errsz, "getrandom", strerror(errno));
	rc = open_pcap(io, err, errsz);
	if (rc != 0)
		return rc;
	*out = io;
	return 0;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct syn_io *io = (struct syn_io *)(void *)user;
	struct tcpip_reply r;
	enum syn_verdict v = SYN_NOT_OURS;
	if (tcpip_reply_decode(io->link, bytes, h->caplen, &r) == WIRE_OK)
		v = tcpip_reply_classify(&r, &io->key, io->src, io->sport);
	if (v == SYN_NOT_OURS)
		io->foreign++;
	else
		io->fn(v, r.src, r.sport, io->ud);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	struct syn_io *io = h->data;
	(void)events;
	if (status < 0)
		return;
	/* nonblocking: returns 0 once the ring is empty */
	(void)pcap_dispatch(io->pcap, SYN_DISPATCH_MAX, on_packet, (u_char *)(void *)io);
}

int syn_io_start(struct syn_io *io, uv_loop_t *loop, syn_reply_fn fn, void *ud)
{
	io->fn = fn;
	io->ud = ud;
	int fd = pcap_get_selectable_fd(io->pcap);
	if (fd < 0)
		return -1;
	int rc = uv_poll_init(loop, &io->poll, fd);
	if (rc != 0)
		return rc;
	io->poll.data = io;
	io->polling = true;
	return uv_poll_start(&io->poll, UV_READABLE, on_readable);
}

int syn_io_send(struct syn_io *io, uint32_t ip, uint16_t port)
{
	uint8_t pkt[TCPIP_SYN_LEN];
	struct wr w;
	wr_init(&w, pkt, sizeof pkt);
	uint32_t seq = tcpip_syn_cookie(&io->key, io->src, ip, io->sport, port);
	if (!tcpip_syn_encode(&w, io->src, ip, io->sport, port, seq, io->ip_id++))
		return -EINVAL;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	sa.sin_addr.s_addr = htonl(ip);
	if (sendto(io->raw_fd, pkt, w.len, 0, (struct sockaddr *)&sa, sizeof sa) < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

void syn_io_stop(struct syn_io *io)
{
	if (io && io->polling) {
		io->polling = false;
		uv_close((uv_handle_t *)&io->poll, NULL);
	}
}

void syn_io_free(struct syn_io *io)
{
	if (!io)
		return;
	if (io->pcap)
		pcap_close(io->pcap);
	if (io->raw_fd >= 0)
		close(io->raw_fd);
	free(io);
}

uint32_t syn_io_src(const struct syn_io *io)
{
	return io->src;
}

uint16_t syn_io_sport(const struct syn_io *io)
{
	return io->sport;
}

const char *syn_io_iface(const struct syn_io *io)
{
	return io->iface;
}

uint64_t syn_io_foreign(const struct syn_io *io)
{
	return io->foreign;
}
