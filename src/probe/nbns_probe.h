/* nbns_probe.h - the NBSTAT probe of one address on UDP 137: one query
 * datagram, then the node status answer, an ICMP port unreachable (closed)
 * or silence (open|filtered; the scan's retry queue resends it --retries
 * times, as it does a TCP connect that timed out).
 *
 * Datagrams have no connection to pace them, so the sends share a rate cap
 * of their own (struct nbns_pacer, one per scan); the scan's slots bound how
 * many probes wait at once. */
#ifndef SMBW_PROBE_NBNS_PROBE_H
#define SMBW_PROBE_NBNS_PROBE_H

#include <sys/socket.h>
#include <uv.h>

#include "probe/service.h"

struct nbns_pacer;

/* The scan's one UDP pacer: NBSTAT queries and QUIC connections
 * (probe/quic_probe.c) take their first datagram's token from it. A waiter
 * is called back once, when its token comes (at once if one is there). */
struct pacer_waiter {
	struct pacer_waiter *next;
	void (*go)(struct pacer_waiter *w);
};
void nbns_pacer_wait(struct nbns_pacer *p, struct pacer_waiter *w);

/* rate: datagrams per second, 0 = NBNS_RATE_UNCAPPED. */
#define NBNS_RATE_UNCAPPED 1000
struct nbns_pacer *nbns_pacer_new(uv_loop_t *loop, unsigned rate);
/* After every probe has reported (the loop still runs to close its timer). */
void nbns_pacer_free(struct nbns_pacer *p);
/* Tokens given: NBSTAT queries and QUIC connections started. */
uint64_t nbns_pacer_sent(const struct nbns_pacer *p);

/* Probe sa (its port is used as given, 137 by -p U:137). done() is called
 * once: SVC_OPEN with the record (transport udp, the nbns fields and check
 * set), SVC_CLOSED on port unreachable, SVC_FILTERED on silence within
 * opts->read_timeout_ms, SVC_ERROR on a local failure. */
void nbns_probe_start(struct nbns_pacer *p, const struct scan_opts *opts,
		      const struct sockaddr *sa, service_done_fn done, void *ud);

#endif
