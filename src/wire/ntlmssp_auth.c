/* ntlmssp_auth.c - NTLMSSP AUTHENTICATE decoder; see ntlmssp_auth.h. */
#include "wire/ntlmssp_auth.h"

#include <string.h>

static const uint8_t ntlm_sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

#define NTLM_FLAG_UNICODE 0x00000001u
#define NTLM_FLAG_ANONYMOUS 0x00000800u

int ntlmssp_message_type(const struct rd *msg, uint32_t *type)
{
	struct rd r = *msg;
	uint8_t sig[8];

	*type = 0;
	if (!rd_bytes(&r, sig, sizeof sig) || !rd_u32le(&r, type))
		return r.err;
	if (memcmp(sig, ntlm_sig, sizeof sig) != 0) {
		*type = 0;
		return WIRE_MALFORMED;
	}
	return WIRE_OK;
}

/* MS-NLMP 2.2.1.3: a field is Len(2) MaxLen(2) Offset(4); the offset is
 * from the start of the message. */
static bool auth_field(struct rd *msg, struct rd *child, uint16_t *len_out)
{
	uint16_t len, maxlen;
	uint32_t off;

	if (!rd_u16le(msg, &len) || !rd_u16le(msg, &maxlen) || !rd_u32le(msg, &off))
		return false;
	if (len_out)
		*len_out = len;
	if (len == 0) {
		rd_init(child, NULL, 0);
		return true;
	}
	return rd_at(msg, off, len, child);
}

static int auth_string(const struct rd *f, bool unicode, char *out, size_t outsz)
{
	out[0] = '\0';
	if (f->len == 0)
		return WIRE_OK;
	if (unicode)
		return wire_utf16le_to_utf8(f->p, f->len, out, outsz);
	return wire_oem_to_utf8(f->p, f->len, out, outsz);
}

int ntlmssp_authenticate_decode(struct rd *msg, struct ntlm_authenticate *out)
{
	struct rd lm, nt, dom, user, ws, key;
	uint32_t type;
	int rc;

	memset(out, 0, sizeof *out);
	rc = ntlmssp_message_type(msg, &type);
	if (rc < 0)
		return rc;
	if (type != NTLMSSP_TYPE_AUTHENTICATE)
		return WIRE_UNSUPPORTED;
	if (!rd_skip(msg, 12))
		return msg->err;
	/* MS-NLMP 2.2.1.3: LM, NT, Domain, User, Workstation,
	 * EncryptedRandomSessionKey fields, then NegotiateFlags */
	if (!auth_field(msg, &lm, &out->lm_len) || !auth_field(msg, &nt, &out->nt_len) ||
	    !auth_field(msg, &dom, NULL) || !auth_field(msg, &user, NULL) ||
	    !auth_field(msg, &ws, NULL) || !auth_field(msg, &key, NULL) ||
	    !rd_u32le(msg, &out->flags))
		return msg->err;
	bool uni = (out->flags & NTLM_FLAG_UNICODE) != 0;
	if ((rc = auth_string(&user, uni, out->user, sizeof out->user)) < 0 ||
	    (rc = auth_string(&dom, uni, out->domain, sizeof out->domain)) < 0 ||
	    (rc = auth_string(&ws, uni, out->workstation, sizeof out->workstation)) < 0)
		return rc;
	/* MS-NLMP 3.2.5.1.2: anonymous = empty user and empty NT response */
	out->anonymous = (out->user[0] == '\0' && out->nt_len == 0) ||
			 ((out->flags & NTLM_FLAG_ANONYMOUS) && out->user[0] == '\0');
	return WIRE_OK;
}
