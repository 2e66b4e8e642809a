/* sharelist.h - the SRVSVC share list, shared by the SMB2 and SMB1 checks:
 * the two DCE/RPC PDUs to send through \srvsvc and the answer into the record. */
#ifndef SMBW_PROBE_SHARELIST_H
#define SMBW_PROBE_SHARELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record/record.h"
#include "wire/buf.h"
#include "wire/srvsvc.h"

/* BIND to SRVSVC v3.0 (call id 1). */
int sharelist_bind_encode(struct wr *w);
/* True when pdu holds a BIND_ACK accepting our context. */
bool sharelist_bind_ok(struct rd *pdu);
/* REQUEST NetShareEnumAll level 1 for \\server (call id 2). */
int sharelist_request_encode(struct wr *w, const char *server);
/* Decode the RESPONSE PDU and store the list in rec unless one is already
 * there. scratch is caller memory (the decoded list is large). Records an
 * error and returns false when the answer is not a share list. */
bool sharelist_store(struct svc_record *rec, const uint8_t *pdu, size_t n,
		     struct srvsvc_share_enum_resp *scratch);

#endif
