/* ntlmssp.c - NTLMSSP NEGOTIATE / CHALLENGE / AUTHENTICATE; see ntlmssp.h. */
#include "wire/ntlmssp.h"

#include <string.h>

static const uint8_t ntlm_sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

#define NTLM_FLAG_UNICODE 0x00000001u
#define NTLM_FLAG_KEY_EXCH 0x40000000u
/* MS-NLMP 2.2.1.2: fixed CHALLENGE part before the optional VERSION */
#define NTLM_CHALLENGE_FIXED 48
#define NTLM_VERSION_LEN 8

/* MS-NLMP 2.2.2.1 AV_PAIR ids */
enum {
	MSV_AV_EOL = 0,
	MSV_AV_NB_COMPUTER = 1,
	MSV_AV_NB_DOMAIN = 2,
	MSV_AV_DNS_COMPUTER = 3,
	MSV_AV_DNS_DOMAIN = 4,
	MSV_AV_DNS_TREE = 5,
	MSV_AV_TIMESTAMP = 7,
};

int ntlmssp_negotiate_encode(struct wr *w, uint32_t flags)
{
	/* MS-NLMP 2.2.1.1: empty DomainName/Workstation fields point at the
	 * end of the fixed part (32 bytes, 40 with VERSION) */
	uint32_t end = (flags & NTLMSSP_FLAG_VERSION) ? 40 : 32;

	if (!wr_bytes(w, ntlm_sig, sizeof ntlm_sig) || !wr_u32le(w, 1) || !wr_u32le(w, flags) ||
	    !wr_u16le(w, 0) || !wr_u16le(w, 0) || !wr_u32le(w, end) ||
	    !wr_u16le(w, 0) || !wr_u16le(w, 0) || !wr_u32le(w, end))
		return w->err;
	/* 2.2.2.10 VERSION: sent zeroed; it is informational only */
	if ((flags & NTLMSSP_FLAG_VERSION) && !wr_zeros(w, NTLM_VERSION_LEN))
		return w->err;
	return WIRE_OK;
}

/* A (Len, MaxLen, Offset) field (MS-NLMP 2.2.1.2) */
struct ntlm_field {
	uint16_t len, maxlen;
	uint32_t off;
};

static bool rd_field(struct rd *r, struct ntlm_field *f)
{
	return rd_u16le(r, &f->len) && rd_u16le(r, &f->maxlen) && rd_u32le(r, &f->off);
}

/* Convert the n bytes left in r to a string (UTF-16LE or OEM). */
static int rd_string(struct rd *r, bool unicode, char *out, size_t outsz)
{
	const uint8_t *p;
	size_t n = rd_left(r);

	if (!rd_view(r, n, &p))
		return r->err;
	if (unicode)
		return wire_utf16le_to_utf8(p, n, out, outsz);
	return wire_oem_to_utf8(p, n, out, outsz);
}

static int av_pairs_decode(struct rd *ti, struct ntlm_challenge *out)
{
	/* MS-NLMP 2.2.2.1: AvId, AvLen, Value; the list ends with MsvAvEOL.
	 * Stop walking (keeping what was found) after WIRE_MAX_AV_PAIRS. */
	for (unsigned i = 0; i < WIRE_MAX_AV_PAIRS; i++) {
		uint16_t id, len;
		struct rd v;
		char *dst = NULL;
		int rc;

		if (rd_left(ti) == 0)
			return WIRE_OK; /* no EOL: tolerated, list simply ends */
		if (!rd_u16le(ti, &id) || !rd_u16le(ti, &len))
			return WIRE_MALFORMED;
		if (id == MSV_AV_EOL)
			return WIRE_OK;
		/* AvLen must stay inside TargetInfoLen */
		if (!rd_sub(ti, len, &v))
			return WIRE_MALFORMED;
		switch (id) {
		case MSV_AV_NB_COMPUTER: dst = out->nb_computer; break;
		case MSV_AV_NB_DOMAIN: dst = out->nb_domain; break;
		case MSV_AV_DNS_COMPUTER: dst = out->dns_computer; break;
		case MSV_AV_DNS_DOMAIN: dst = out->dns_domain; break;
		case MSV_AV_DNS_TREE: dst = out->dns_tree; break;
		case MSV_AV_TIMESTAMP:
			/* 2.2.2.1: MsvAvTimestamp is a FILETIME (8 bytes) */
			if (len != 8 || !rd_u64le(&v, &out->timestamp))
				return WIRE_MALFORMED;
			out->has_timestamp = true;
			continue;
		default:
			continue;
		}
		/* the name pairs are always UTF-16LE, whatever the flags */
		rc = rd_string(&v, true, dst, WIRE_MAX_STR);
		if (rc < 0)
			return rc;
	}
	return WIRE_OK;
}

int ntlmssp_challenge_decode(struct rd *msg, struct ntlm_challenge *out)
{
	uint8_t sig[8];
	uint32_t type;
	struct ntlm_field tn, ti;
	struct rd name, info;
	size_t payload = msg->len;
	int rc;

	memset(out, 0, sizeof *out);
	if (!rd_bytes(msg, sig, sizeof sig))
		return msg->err;
	if (memcmp(sig, ntlm_sig, sizeof sig) != 0)
		return WIRE_MALFORMED;
	/* MS-NLMP 2.2.1.2: MessageType MUST be 2 */
	if (!rd_u32le(msg, &type))
		return msg->err;
	if (type != 2)
		return WIRE_MALFORMED;
	if (!rd_field(msg, &tn) || !rd_u32le(msg, &out->flags) ||
	    !rd_bytes(msg, out->server_challenge, sizeof out->server_challenge) ||
	    !rd_skip(msg, 8) || !rd_field(msg, &ti))
		return msg->err;
	/* the fields' (offset, length) pairs are relative to the message
	 * start: the window's start. An empty field's offset is not used. */
	rd_init(&name, NULL, 0);
	rd_init(&info, NULL, 0);
	if ((tn.len && !rd_at(msg, tn.off, tn.len, &name)) ||
	    (ti.len && !rd_at(msg, ti.off, ti.len, &info)))
		return msg->err;

	/* 2.2.1.2 / 2.2.2.10: VERSION sits at 48..55 only when negotiated;
	 * old servers put the payload right after byte 48, so also require
	 * that no field's data starts before byte 56 */
	if (tn.len && tn.off < payload)
		payload = tn.off;
	if (ti.len && ti.off < payload)
		payload = ti.off;
	if ((out->flags & NTLMSSP_FLAG_VERSION) &&
	    payload >= NTLM_CHALLENGE_FIXED + NTLM_VERSION_LEN &&
	    rd_left(msg) >= NTLM_VERSION_LEN) {
		if (!rd_u8(msg, &out->os_major) || !rd_u8(msg, &out->os_minor) ||
		    !rd_u16le(msg, &out->os_build) || !rd_skip(msg, 3) ||
		    !rd_u8(msg, &out->ntlm_revision))
			return msg->err;
		out->has_version = true;
	}

	rc = rd_string(&name, out->flags & NTLM_FLAG_UNICODE, out->target_name, WIRE_MAX_STR);
	if (rc < 0)
		return rc;
	return av_pairs_decode(&info, out);
}

int ntlmssp_find(const struct rd *blob, struct rd *out)
{
	struct rd all = *blob;

	rd_init(out, NULL, 0);
	if (blob->err)
		return WIRE_UNSUPPORTED;
	for (size_t off = 0; blob->len >= sizeof ntlm_sig && off <= blob->len - sizeof ntlm_sig;
	     off++) {
		struct rd at;
		const uint8_t *p;
		if (!rd_at(&all, off, sizeof ntlm_sig, &at) || !rd_view(&at, sizeof ntlm_sig, &p))
			return WIRE_UNSUPPORTED;
		if (memcmp(p, ntlm_sig, sizeof ntlm_sig) == 0) {
			if (!rd_at(&all, off, blob->len - off, out))
				return WIRE_UNSUPPORTED;
			return WIRE_OK;
		}
	}
	return WIRE_UNSUPPORTED;
}

/* Write a string for an AUTHENTICATE payload field and patch its
 * (Len, MaxLen, Offset) triple at field_at. */
static bool auth_str(struct wr *w, size_t base, size_t field_at, const char *s, bool unicode)
{
	size_t start = w->len;

	if (s) {
		if (unicode) {
			if (!wr_utf16le_ascii(w, s))
				return false;
		} else if (!wr_bytes(w, s, strlen(s))) {
			return false;
		}
	}
	size_t n = w->len - start;
	if (n > 0xFFFF) {
		w->err = WIRE_TOO_LARGE;
		return false;
	}
	return wr_patch_u16le(w, field_at, (uint16_t)n) &&
	       wr_patch_u16le(w, field_at + 2, (uint16_t)n) &&
	       wr_patch_u32le(w, field_at + 4, (uint32_t)(start - base));
}

int ntlmssp_authenticate_encode(struct wr *w, uint32_t flags, const char *user,
				const char *domain, const char *workstation)
{
	size_t base = w->len;
	size_t lm_at, nt_at, dom_at, user_at, ws_at, key_at;
	bool unicode = flags & NTLM_FLAG_UNICODE;

	/* MS-NLMP 3.1.5.1.2: an anonymous AUTHENTICATE says so */
	if (!user)
		flags |= NTLMSSP_FLAG_ANONYMOUS;
	/* MS-NLMP 2.2.1.3: fixed part, the six fields patched below */
	if (!wr_bytes(w, ntlm_sig, sizeof ntlm_sig) || !wr_u32le(w, 3) ||
	    !wr_hole(w, 8, &lm_at) || !wr_hole(w, 8, &nt_at) || !wr_hole(w, 8, &dom_at) ||
	    !wr_hole(w, 8, &user_at) || !wr_hole(w, 8, &ws_at) || !wr_hole(w, 8, &key_at) ||
	    !wr_u32le(w, flags))
		return w->err;
	if ((flags & NTLMSSP_FLAG_VERSION) && !wr_zeros(w, NTLM_VERSION_LEN))
		return w->err;
	/* no MIC: we send no MsvAvFlags, so none is expected (2.2.1.3) */
	if (!auth_str(w, base, dom_at, domain, unicode) ||
	    !auth_str(w, base, user_at, user, unicode) ||
	    !auth_str(w, base, ws_at, workstation, unicode))
		return w->err;
	/* 3.3.1/3.1.5.1.2: anonymous is NtChallengeResponse empty and
	 * LmChallengeResponse Z(1); the guest probe sends the same empty
	 * responses (an empty password without computing a hash) */
	size_t lm_off = w->len - base;
	if (!wr_u8(w, 0) || !wr_patch_u16le(w, lm_at, 1) || !wr_patch_u16le(w, lm_at + 2, 1) ||
	    !wr_patch_u32le(w, lm_at + 4, (uint32_t)lm_off))
		return w->err;
	if (!wr_patch_u32le(w, nt_at + 4, (uint32_t)(w->len - base)))
		return w->err;
	/* With KEY_EXCH a server expects a 16-byte EncryptedRandomSessionKey
	 * (Samba rejects other lengths); for a session without a key any
	 * value will do, so send zeros */
	size_t key_off = w->len - base;
	if (flags & NTLM_FLAG_KEY_EXCH) {
		if (!wr_zeros(w, 16) || !wr_patch_u16le(w, key_at, 16) ||
		    !wr_patch_u16le(w, key_at + 2, 16))
			return w->err;
	}
	if (!wr_patch_u32le(w, key_at + 4, (uint32_t)key_off))
		return w->err;
	return WIRE_OK;
}
