/* coercion_hold.h - a COERCION_SURFACE on TCP 135 is high when the same
 * host's SMB service is an NTLM relay target (issue 18 part 2): coerced
 * authentication relayed back to it; and when the host is a domain
 * controller by a sign its 135 record cannot see itself: TCP 88 or 389
 * open, or a <1C> name in its NBSTAT answer (U:137). These are separate
 * records that finish in any order, so the scan keeps the (few) 135
 * records until its end, notes every relay target and DC sign it sees, and
 * then lets the 135 records out with the role and severity decided. */
#ifndef SMBW_SCAN_COERCION_HOLD_H
#define SMBW_SCAN_COERCION_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "record/record.h"

struct coercion_hold;

struct coercion_hold *coercion_hold_new(void);
/* Every record the scan finishes, assessed: an SMB record that is a relay
 * target notes its host; a 135 record with COERCION_SURFACE is copied and
 * kept (true: the caller does not report it now). */
bool coercion_hold_take(struct coercion_hold *h, const struct svc_record *rec);
/* A port that answered and has no record (not SMB): 88 and 389 are DC
 * signs of ip (probe/dc_ports.h); other ports are ignored. */
void coercion_hold_note_open(struct coercion_hold *h, const char *ip, uint16_t port);
/* At the end of the scan: each kept record, raised where its host is a
 * relay target, through report (in the order they came); then empty. */
void coercion_hold_flush(struct coercion_hold *h, void (*report)(struct svc_record *rec, void *ud),
			 void *ud);
void coercion_hold_free(struct coercion_hold *h);

#endif
