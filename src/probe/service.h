/* service.h - everything smbwatch does with one address:port.
 *
 * Runs the conversations in order: the full SMB2 negotiate (which is also
 * the reachability test), the SMB1-only negotiate in parallel once the port
 * is known open, then the dialect probes. Enforces the per-service deadline.
 * Reports once, with the record when the port speaks SMB. */
#ifndef SMBW_PROBE_SERVICE_H
#define SMBW_PROBE_SERVICE_H

#include <sys/socket.h>

#include "net/engine.h"
#include "probe/probe.h"

enum svc_outcome { SVC_OPEN = 0, SVC_CLOSED, SVC_FILTERED, SVC_ERROR };

/* rec is NULL unless the port answered in SMB; it is valid only during the
 * call. */
/* why: for SVC_ERROR, a short reason ("connect: address not available"),
 * else NULL. */
/* The SVC_ERROR reason of a host that let the connection in and then never
 * said a word, retried, while servers were seen dropping connections: load,
 * not an answer. The scan tries such hosts once more at its end. */
#define SVC_WHY_OVERLOADED "accepted, then silent (servers overloaded)"

struct conv_result;
/* The outcome a first connection's result says (refused: closed; no answer
 * to the SYN: filtered, which the scan retries; any other failure: error,
 * with "connect: REASON" in why), SVC_OPEN once it connected. Shared by
 * every service kind (SMB, 135, 88/389, the management ports). */
enum svc_outcome svc_outcome_of_connect(const struct conv_result *res, char *why, size_t whysz);

typedef void (*service_done_fn)(enum svc_outcome o, struct svc_record *rec, const char *why,
				void *ud);

/* netbios: use the NetBIOS session service (port 139 style) with
 * "*SMBSERVER" as called name, then nb_fallback (may be NULL) if refused. */
/* patient_connect_ms: when not 0, the first connection waits this long to
 * connect (a retry of a target that timed out: long enough for the kernel
 * to resend the SYN into a full listen queue). */
void service_start(struct engine *e, const struct scan_opts *opts, const struct sockaddr *sa,
		   bool netbios, const char *nb_fallback, unsigned patient_connect_ms,
		   service_done_fn done, void *ud);

#endif
