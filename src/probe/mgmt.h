/* mgmt.h - the management services beside SMB (issue 18 part 3): RDP on
 * 3389, WinRM on 5985 and over HTTPS on 5986, SSH on 22. One first exchange
 * each, never a logon: RDP's X.224 Connection Request twice (offering TLS
 * and NLA, then standard RDP security alone), WinRM's POST /wsman without
 * credentials (on 5986 inside a TLS handshake whose certificate is kept,
 * never verified), SSH's identification line (nothing sent). */
#ifndef SMBW_PROBE_MGMT_H
#define SMBW_PROBE_MGMT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/engine.h"
#include "probe/probe.h"
#include "probe/service.h"

#define MGMT_SSH_PORT 22
#define MGMT_RDP_PORT 3389
#define MGMT_WINRM_PORT 5985
#define MGMT_WINRM_TLS_PORT 5986

/* Which management service a port is ("" none): MGMT_NONE for a port the
 * check does not probe. */
enum rec_mgmt_service mgmt_service_of_port(uint16_t port);
/* The port's service speaks inside TLS (5986). */
bool mgmt_port_is_tls(uint16_t port);

/* The service at sa, reported like service_start reports an SMB service:
 * SVC_OPEN with the record (its mgmt filled) when the service spoke. */
void mgmt_service_start(struct engine *e, const struct scan_opts *opts, const struct sockaddr *sa,
			unsigned patient_connect_ms, service_done_fn done, void *ud);

#endif
