/* guest1.c - guest mapping over SMB1, for hosts without SMB2: an
 * extended-security logon as a random user that cannot exist, empty
 * password. Success (the server sets Action bit 0x0001, "logged in as
 * guest") means unknown users are mapped to guest. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "probe/ntlm_info.h"
#include "probe/probe.h"
#include "probe/smb_client.h"
#include "wire/smb1.h"
#include "wire/smb2.h"

struct guest1_state {
	int step; /* 0 negotiate, 1 leg 1, 2 leg 2 */
	uint16_t uid;
	char user[24];
};

static int guest1_start(void *st, struct probe_ctx *ctx, struct wr *out)
{
	struct guest1_state *s = st;
	(void)ctx;
	uint8_t r[4] = {0};
	if (getrandom(r, sizeof r, 0) < 0)
		memset(r, 0x42, sizeof r);
	snprintf(s->user, sizeof s->user, "smbw%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
	static const char *const dialects[] = {"NT LM 0.12"};
	int rc = smb1_negotiate_req_encode(out, dialects, 1, SMBW_SMB1_FLAGS2_EXT);
	return rc < 0 ? rc : PROBE_SEND;
}

static int leg(struct guest1_state *s, struct wr *out);

/* On the SMB1 link: the negotiate is done; only an NTLMSSP logon can name
 * a user, so a link without extended security has nothing to ask. */
static int guest1_resume(void *st, struct probe_ctx *ctx, struct wr *out)
{
	struct guest1_state *s = st;
	if (!ctx->link1_ok || !ctx->link1_ext)
		return PROBE_DONE;
	uint8_t r[4] = {0};
	if (getrandom(r, sizeof r, 0) < 0)
		memset(r, 0x42, sizeof r);
	snprintf(s->user, sizeof s->user, "smbw%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
	s->step = 1;
	return leg(s, out);
}

static int leg(struct guest1_state *s, struct wr *out)
{
	uint8_t blob[640];
	struct wr wb;
	wr_init(&wb, blob, sizeof blob);
	int rc = s->step == 1 ? ntlm_negotiate_blob(&wb) : ntlm_authenticate_blob(&wb, s->user);
	if (rc < 0)
		return rc;
	rc = smb1_session_setup_ext_req_encode(out, s->uid, (uint16_t)(s->step + 1), wb.p,
					       (uint16_t)wb.len, SMBW_SMB1_CAPS);
	return rc < 0 ? rc : PROBE_SEND;
}

static int guest1_on_frame(void *st, struct probe_ctx *ctx, struct rd *msg, struct wr *out)
{
	struct guest1_state *s = st;
	struct svc_record *rec = ctx->rec;
	if (smb_magic_of(msg) != SMB_MAGIC_SMB1)
		return WIRE_UNSUPPORTED;
	int rc;
	if (s->step == 0) {
		struct smb1_negotiate_resp n;
		rc = smb1_negotiate_resp_decode(msg, &n);
		if (rc < 0)
			return rc;
		if (n.hdr.status != 0 || n.dialect_index != 0 || !n.extended_security)
			return PROBE_DONE; /* no NTLMSSP logon possible: guest stays unknown */
		ctx->link1_ok = true; /* a fresh connection: the next SMB1 link */
		ctx->link1_ext = true;
		s->step = 1;
		return leg(s, out);
	}
	struct smb1_session_setup_resp ss;
	rc = smb1_session_setup_resp_decode(msg, &ss);
	if (rc < 0)
		return rc;
	if (s->step == 1) {
		if (ss.hdr.status != STATUS_MORE_PROCESSING_REQUIRED)
			return PROBE_DONE;
		s->uid = ss.hdr.uid;
		s->step = 2;
		return leg(s, out);
	}
	/* a user that cannot exist got in: only guest mapping does that */
	rec->auth.guest = ss.hdr.status == 0 ? TRI_YES : TRI_NO;
	return PROBE_DONE;
}

static void guest1_finish(void *st, struct probe_ctx *ctx, enum probe_end why)
{
	struct guest1_state *s = st;
	if (why != PROBE_END_DONE && s->step > 0)
		record_add_error(ctx->rec, "guest", "SMB1 guest logon ended early (%s)",
				 probe_end_name(why));
}

const struct probe_ops probe_guest1 = {
	.name = "guest1",
	.help = "SMB1 logon as a random non-existent user (guest mapping), hosts without SMB2",
	.state_size = sizeof(struct guest1_state),
	.start = guest1_start,
	.resume = guest1_resume,
	.on_frame = guest1_on_frame,
	.finish = guest1_finish,
};
