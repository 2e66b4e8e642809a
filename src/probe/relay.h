/* relay.h - the relay check's observations (exposure-facts.md 1): whether
 * NTLM is offered and answered, and whether sessions are forced to
 * encrypt. The other probes report what they saw here; probe_relay_legacy
 * is the one conversation of its own (a client that speaks 2.0.2/2.1 only).
 * The verdict from these facts is assess/relay_verdict.c. */
#ifndef SMBW_PROBE_RELAY_H
#define SMBW_PROBE_RELAY_H

#include <stdbool.h>
#include <stdint.h>

#include "probe/session2.h"
#include "record/record.h"
#include "wire/buf.h"

/* The SMB2 NEGOTIATE response's security buffer: NTLMSSP in mechTypes? An
 * empty buffer (allowed by MS-SMB2 2.2.4) or one that is not SPNEGO leaves
 * it unknown. */
void relay_note_mechtypes(struct svc_record *rec, const struct rd *security_blob);
/* The answer to the NTLMSSP NEGOTIATE leg: a CHALLENGE came back or not
 * (status is what came instead: STATUS_NOT_SUPPORTED when NTLM is off). */
void relay_note_challenge(struct svc_record *rec, bool challenged, uint32_t status);
/* An anonymous or guest SMB2 logon ended (3.x-capable client). */
void relay_note_session(struct svc_record *rec, const struct sess2 *s);
/* The SMB1 checks' anonymous logon (at_tree false) or its IPC$ (true) as
 * the client that cannot encrypt, on a host that also speaks SMB2 with
 * 2.0.2 or 2.1 (its range learned from SMB1): SMB1 cannot encrypt, so a
 * server that insists on encryption refuses it as it refuses a 2.x-only
 * client, and the relay check needs no 2.x-only connection. */
void relay_note_smb1_client(struct probe_ctx *ctx, uint32_t status, bool at_tree);

/* The 2.0.2/2.1-only anonymous logon and IPC$, as a continuation of a
 * conversation that has just negotiated 2.0.2 or 2.1 (the dialect probe's
 * 2.0.2-alone offer): begin() writes the SESSION_SETUP, step() takes every
 * later frame (PROBE_* or WIRE_*), end() from the conversation's finish. */
struct relay_legacy {
	struct sess2 sess;
	bool active;
	bool tree_sent;
};
/* next_mid: the MessageId after the accepted negotiate's */
int relay_legacy_begin(struct relay_legacy *s, uint64_t next_mid, struct wr *out);
int relay_legacy_step(struct relay_legacy *s, struct probe_ctx *ctx, struct rd *msg,
		      struct wr *out);
void relay_legacy_end(const struct relay_legacy *s, struct probe_ctx *ctx, enum probe_end why);

#endif
