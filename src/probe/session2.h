/* session2.h - the SMB2 steps every post-negotiate check shares: negotiate,
 * then an NTLMSSP logon (anonymous, or a chosen user with an empty
 * password), tracked as one small state machine that the check modules
 * embed. */
#ifndef SMBW_PROBE_SESSION2_H
#define SMBW_PROBE_SESSION2_H

#include <stdbool.h>
#include <stdint.h>

#include "probe/probe.h"
#include "wire/smb2_ops.h"

enum sess2_step {
	SESS2_NEGOTIATE = 0, /* negotiate sent */
	SESS2_NTLM_NEGOTIATE, /* session setup leg 1 sent */
	SESS2_NTLM_AUTH,      /* session setup leg 2 sent */
	SESS2_READY,          /* logged on: the module takes over */
	SESS2_FAILED,         /* logon refused: status in .status */
};

struct sess2 {
	enum sess2_step step;
	struct smb2_req_ctx rc; /* message id, session id, tree id */
	const char *user;       /* NULL = anonymous */
	uint32_t status;        /* last status seen */
	uint16_t session_flags; /* from the final SESSION_SETUP response */
	bool negotiated;        /* the NEGOTIATE succeeded */
	bool challenged;        /* the current logon got its NTLMSSP CHALLENGE */
};

/* First message: NEGOTIATE with every dialect. */
int sess2_start(struct sess2 *s, struct probe_ctx *ctx, const char *user, struct wr *out);
/* First message on a connection already negotiated (the service's SMB2
 * link, probe/conn.h conv_resume): a new logon, message ids from
 * ctx->link2_mid. */
int sess2_resume(struct sess2 *s, struct probe_ctx *ctx, const char *user, struct wr *out);
/* Feed a frame while step < SESS2_READY. Returns PROBE_SEND with the next
 * request in out, PROBE_DONE once READY or FAILED (look at s->step), or <0. */
int sess2_on_frame(struct sess2 *s, struct probe_ctx *ctx, struct rd *msg, struct wr *out);
/* Another logon on the same negotiated connection (SMB2 allows several
 * sessions per connection): session setup leg 1 with session id 0. */
int sess2_relogon(struct sess2 *s, const char *user, struct wr *out);
/* Next message id for a request (and count it). */
uint64_t sess2_next_mid(struct sess2 *s);
/* "\\\\<ip>\\<share>" into out. */
void sess2_unc(const struct probe_ctx *ctx, const char *share, char *out, size_t outsz);

#endif
