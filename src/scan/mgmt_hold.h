/* mgmt_hold.h - the management services (RDP, WinRM, SSH) are checked
 * "on every host where SMB answers, and only there, unless asked" (issue
 * 18 part 3). Their records and the host's SMB records finish in any
 * order, so the scan keeps the management records until its end, notes
 * every host whose SMB answered, and then lets out those on such a host
 * (marked smb_on_host: MGMT_EXPOSED_WITH_SMB) - and the others only when
 * -p itself named a management port. */
#ifndef SMBW_SCAN_MGMT_HOLD_H
#define SMBW_SCAN_MGMT_HOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "record/record.h"

struct mgmt_hold;

/* keep_alone: report management services on hosts without SMB too (-p
 * named their port). */
struct mgmt_hold *mgmt_hold_new(bool keep_alone);
/* Every record the scan finishes, assessed: an SMB record notes its host;
 * a management record is copied and kept (true: the caller does not
 * report it now). */
bool mgmt_hold_take(struct mgmt_hold *h, const struct svc_record *rec);
/* At the end of the scan: each kept record that is reported, through
 * report (in the order they came); then empty. Returns how many were
 * dropped (no SMB on their host, not asked for). */
size_t mgmt_hold_flush(struct mgmt_hold *h, void (*report)(struct svc_record *rec, void *ud),
		     void *ud);
void mgmt_hold_free(struct mgmt_hold *h);

#endif
