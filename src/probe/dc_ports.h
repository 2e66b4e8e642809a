/* dc_ports.h - the ports only a domain controller usually listens on,
 * Kerberos (TCP 88) and LDAP (TCP 389): one TCP connect, nothing sent. An
 * open one is a sign of the DC role (issue 18 part 2); the scan gives it to
 * the host's 135 record (scan/coercion_hold.c). Runs with the epm check. */
#ifndef SMBW_PROBE_DC_PORTS_H
#define SMBW_PROBE_DC_PORTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/engine.h"
#include "probe/probe.h"
#include "probe/service.h"

#define DC_PORT_KERBEROS 88
#define DC_PORT_LDAP 389

bool dc_port_is(uint16_t port);
/* "TCP 88 open (Kerberos)" for the sign list; NULL for another port */
const char *dc_port_sign(uint16_t port);
/* The connect, reported as service_start reports: SVC_OPEN (rec NULL:
 * not SMB), SVC_CLOSED, SVC_FILTERED or SVC_ERROR. */
void dc_port_service_start(struct engine *e, const struct scan_opts *opts,
			   const struct sockaddr *sa, unsigned patient_connect_ms,
			   service_done_fn done, void *ud);

#endif
