/* syn.h - stateless SYN sending and SYN-ACK / RST receiving (raw IPv4).
 *
 * syn_io_open() needs CAP_NET_RAW: it opens a send-only raw socket
 * (IPPROTO_RAW: we write the IPv4 header, the kernel routes the packet, so
 * no Ethernet or ARP here) and a libpcap handle on the interface that
 * routes to the targets, filtered to TCP for our address and source port.
 * Call it before dropping privileges; nothing after it needs them.
 *
 * Every SYN carries a keyed cookie as its sequence number (wire/tcpip.h),
 * so a reply is recognised from its own bytes: no state per target here.
 * The kernel owns no socket on our source port and answers each SYN-ACK
 * with a RST, which closes the half-open connection on the target. */
#ifndef SMBW_NET_SYN_H
#define SMBW_NET_SYN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "wire/tcpip.h"

struct syn_io;

/* Why syn_io_open failed: privileges are a usage error (exit 2), the rest
 * a runtime failure. */
enum syn_open_rc {
	SYN_OPEN_OK = 0,
	SYN_OPEN_PERM = -1, /* no CAP_NET_RAW (raw socket or capture refused) */
	SYN_OPEN_FAIL = -2, /* no route, no such interface, pcap error, ... */
};

/* Open the sockets for a scan whose first target is route_to (IPv4, host
 * order). iface NULL: the interface that holds our source address for
 * route_to ("any" if none does). On failure *io is NULL and err holds one
 * line. */
int syn_io_open(const char *iface, uint32_t route_to, struct syn_io **io, char *err, size_t errsz);

/* A reply that is ours: SYN_OPEN or SYN_CLOSED from ip:port (host order). */
typedef void (*syn_reply_fn)(enum syn_verdict v, uint32_t ip, uint16_t port, void *ud);

/* Watch the capture from loop; fn is called for each reply that is ours. */
int syn_io_start(struct syn_io *io, uv_loop_t *loop, syn_reply_fn fn, void *ud);
/* Send one SYN to ip:port (host order). 0, or a negative errno:
 * -EAGAIN / -ENOBUFS mean "try again later". */
int syn_io_send(struct syn_io *io, uint32_t ip, uint16_t port);
/* Stop watching (closes the poll handle; run the loop once more before
 * syn_io_free). Idempotent. */
void syn_io_stop(struct syn_io *io);
void syn_io_free(struct syn_io *io);

/* For messages and the docs: our source address, port and interface. */
uint32_t syn_io_src(const struct syn_io *io);
uint16_t syn_io_sport(const struct syn_io *io);
const char *syn_io_iface(const struct syn_io *io);
/* Replies seen that were not ours (other flows, bad cookies, junk). */
uint64_t syn_io_foreign(const struct syn_io *io);

#endif
