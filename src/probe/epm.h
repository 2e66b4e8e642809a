/* epm.h - the endpoint mapper on TCP 135: one connection that binds to EPM
 * and walks ept_lookup with its entry handle to the end, recording every
 * registered interface and binding in the record's epm (issue 18 part 2).
 * Nothing registered there is ever called. */
#ifndef SMBW_PROBE_EPM_H
#define SMBW_PROBE_EPM_H

#include <sys/socket.h>

#include "net/engine.h"
#include "probe/probe.h"
#include "probe/service.h"

#define EPM_PORT 135

extern const struct probe_ops probe_epm;
extern const struct probe_ops probe_oxid; /* ServerAlive2: the host's addresses */
extern const struct probe_ops probe_epm_arch; /* a BIND offering NDR64: 64-bit or not */

/* The service at sa (port 135), reported like service_start reports an SMB
 * service: SVC_OPEN with the record when the mapper answered. */
void epm_service_start(struct engine *e, const struct scan_opts *opts, const struct sockaddr *sa,
		       unsigned patient_connect_ms, service_done_fn done, void *ud);

#endif
