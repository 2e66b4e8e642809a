/* quic_probe.h - SMB over QUIC on one address (UDP 443): a QUIC v1
 * handshake offering ALPN "smb" (net/quic.c), the server's certificate as
 * evidence, then the full SMB2 negotiate and NTLM challenge
 * (probe_smb2_negotiate, the probe the TCP services run) on the first
 * bidirectional stream, framed as on Direct TCP (MS-SMB2 2.1).
 *
 * Outcomes: a handshake = a record with transport "quic" and the SMB part;
 * CONNECTION_CLOSE 0x0178 = a record with quic.alpn_refused (QUIC, not
 * SMB); silence = filtered (the scan's retry queue resends per --retries);
 * ICMP port unreachable = closed. Like the NBSTAT probe, each connection
 * waits for a token of the scan's UDP pacer (probe/nbns_probe.h, --rate)
 * before its Initial goes. */
#ifndef SMBW_PROBE_QUIC_PROBE_H
#define SMBW_PROBE_QUIC_PROBE_H

#include <sys/socket.h>
#include <uv.h>

#include "probe/service.h"

/* The QUIC port of -p U:443 and --quic. */
#define QUIC_SMB_PORT 443

/* Probe sa; done() once, as nbns_probe_start's. The record passed to
 * done() lives only during the call. */
struct nbns_pacer;
/* pacer: the scan's UDP pacer (probe/nbns_probe.h); the connection opens
 * when it gives a token. */
void quic_probe_start(struct nbns_pacer *pacer, uv_loop_t *loop, const struct scan_opts *opts,
		      const struct sockaddr *sa, service_done_fn done, void *ud);

#endif
