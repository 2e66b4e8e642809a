/* spnego.c - minimal DER for SPNEGO (RFC 4178) around NTLMSSP; see spnego.h.
 *
 * Only what the exchange needs: tags below 31, definite lengths of at most
 * 4 length bytes (X.690 8.1.3), no indefinite form. Non-minimal length
 * encodings are accepted (we are a reader, not a validator). */
#include "wire/spnego.h"

#include <string.h>

/* 1.3.6.1.5.5.2 (SPNEGO) and 1.3.6.1.4.1.311.2.2.10 (NTLMSSP), DER */
static const uint8_t oid_spnego[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
static const uint8_t oid_ntlmssp[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};

#define DER_SEQUENCE 0x30
#define DER_OID 0x06
#define DER_OCTET_STRING 0x04
#define DER_APP0 0x60  /* [APPLICATION 0] constructed: InitialContextToken */
#define DER_CTX(n) (0xA0 | (n))
/* RFC 4178 4.2: NegotiationToken CHOICE */
#define SPNEGO_NEG_TOKEN_INIT DER_CTX(0)
#define SPNEGO_NEG_TOKEN_RESP DER_CTX(1)

/* ---- writer ---- */

static size_t der_len_size(size_t n)
{
	if (n < 0x80)
		return 1;
	if (n <= 0xFF)
		return 2;
	if (n <= 0xFFFF)
		return 3;
	return 4;
}

/* Tag and definite length (X.690 8.1.3.4/8.1.3.5); n <= 0xFFFFFF */
static bool der_hdr(struct wr *w, uint8_t tag, size_t n)
{
	if (!wr_u8(w, tag))
		return false;
	switch (der_len_size(n)) {
	case 1: return wr_u8(w, (uint8_t)n);
	case 2: return wr_u8(w, 0x81) && wr_u8(w, (uint8_t)n);
	case 3: return wr_u8(w, 0x82) && wr_u16be(w, (uint16_t)n);
	default: return wr_u8(w, 0x83) && wr_u8(w, (uint8_t)(n >> 16)) && wr_u16be(w, (uint16_t)n);
	}
}

/* Size of a whole TLV with content length n */
static size_t der_tlv(size_t n)
{
	return 1 + der_len_size(n) + n;
}

/* Largest token we wrap: the length must fit the 3-byte form with room
 * for the wrappers around it. */
#define SPNEGO_MAX_TOKEN 0xFFFF00u

int spnego_init_encode(struct wr *w, const uint8_t *mech_token, size_t len)
{
	if (len > SPNEGO_MAX_TOKEN)
		return WIRE_TOO_LARGE;
	/* RFC 2743 3.1 InitialContextToken { thisMech SPNEGO OID,
	 * RFC 4178 4.2.1 NegTokenInit [0] SEQUENCE { mechTypes [0]
	 * SEQUENCE OF { NTLMSSP OID }, mechToken [2] OCTET STRING } } */
	size_t mech_seq = der_tlv(der_tlv(sizeof oid_ntlmssp));
	size_t mech_types = der_tlv(mech_seq);
	size_t octets = der_tlv(len);
	size_t seq = mech_types + der_tlv(octets);
	size_t init = der_tlv(der_tlv(seq));
	size_t app = der_tlv(sizeof oid_spnego) + init;

	if (!der_hdr(w, DER_APP0, app) || !der_hdr(w, DER_OID, sizeof oid_spnego) ||
	    !wr_bytes(w, oid_spnego, sizeof oid_spnego) ||
	    !der_hdr(w, SPNEGO_NEG_TOKEN_INIT, der_tlv(seq)) || !der_hdr(w, DER_SEQUENCE, seq) ||
	    !der_hdr(w, DER_CTX(0), mech_seq) ||
	    !der_hdr(w, DER_SEQUENCE, der_tlv(sizeof oid_ntlmssp)) ||
	    !der_hdr(w, DER_OID, sizeof oid_ntlmssp) ||
	    !wr_bytes(w, oid_ntlmssp, sizeof oid_ntlmssp) || !der_hdr(w, DER_CTX(2), octets) ||
	    !der_hdr(w, DER_OCTET_STRING, len) || !wr_bytes(w, mech_token, len))
		return w->err;
	return WIRE_OK;
}

int spnego_resp_encode(struct wr *w, const uint8_t *token, size_t len)
{
	if (len > SPNEGO_MAX_TOKEN)
		return WIRE_TOO_LARGE;
	/* RFC 4178 4.2.2 NegTokenResp [1] SEQUENCE { responseToken [2]
	 * OCTET STRING } */
	size_t octets = der_tlv(len);
	size_t seq = der_tlv(octets);

	if (!der_hdr(w, SPNEGO_NEG_TOKEN_RESP, der_tlv(seq)) || !der_hdr(w, DER_SEQUENCE, seq) ||
	    !der_hdr(w, DER_CTX(2), octets) || !der_hdr(w, DER_OCTET_STRING, len) ||
	    !wr_bytes(w, token, len))
		return w->err;
	return WIRE_OK;
}

/* ---- reader ---- */

/* Read one TLV from r: *tag and its content as a child window. Every
 * failure is WIRE_MALFORMED: the blob is a whole token, so a length that
 * leaves its parent is a contradiction, not "need more bytes". */
static int der_read(struct rd *r, uint8_t *tag, struct rd *content)
{
	uint8_t b;
	uint32_t n = 0;

	rd_init(content, NULL, 0);
	if (!rd_u8(r, tag) || !rd_u8(r, &b))
		return WIRE_MALFORMED;
	/* X.690 8.1.2.4: high tag numbers never occur in SPNEGO */
	if ((*tag & 0x1F) == 0x1F)
		return WIRE_MALFORMED;
	if (b < 0x80) {
		n = b;
	} else {
		unsigned nbytes = b & 0x7F;
		/* X.690 8.1.3.6: 0x80 is the indefinite form (not DER);
		 * more than 4 length bytes exceeds anything we accept */
		if (nbytes == 0 || nbytes > 4)
			return WIRE_MALFORMED;
		for (unsigned i = 0; i < nbytes; i++) {
			uint8_t d;
			if (!rd_u8(r, &d))
				return WIRE_MALFORMED;
			n = n << 8 | d;
		}
	}
	if (!rd_sub(r, n, content))
		return WIRE_MALFORMED;
	return WIRE_OK;
}

/* Read one TLV and require its tag. */
static int der_expect(struct rd *r, uint8_t want, struct rd *content)
{
	uint8_t tag;
	int rc = der_read(r, &tag, content);
	if (rc < 0)
		return rc;
	return tag == want ? WIRE_OK : WIRE_MALFORMED;
}

/* Find context element [n] in a SEQUENCE's content; WIRE_UNSUPPORTED when
 * absent. Elements are walked in order, others skipped. */
static int der_find_ctx(struct rd seq, uint8_t n, struct rd *content)
{
	while (rd_left(&seq) > 0) {
		uint8_t tag;
		int rc = der_read(&seq, &tag, content);
		if (rc < 0)
			return rc;
		if (tag == DER_CTX(n))
			return WIRE_OK;
	}
	rd_init(content, NULL, 0);
	return WIRE_UNSUPPORTED;
}

static bool bytes_equal(struct rd r, const uint8_t *want, size_t n)
{
	const uint8_t *p;
	return rd_left(&r) == n && rd_view(&r, n, &p) && memcmp(p, want, n) == 0;
}

/* The NegTokenInit / NegTokenResp SEQUENCE's content, and which it was. */
static int spnego_open(struct rd *blob, struct rd *seq, bool *is_init)
{
	struct rd outer, inner, oid;
	uint8_t tag;
	int rc;

	rd_init(seq, NULL, 0);
	*is_init = false;
	/* look at the tag before trusting any length: a raw NTLMSSP blob
	 * ("NTLMSSP\0") is not bad DER, just not SPNEGO */
	struct rd peek = *blob;
	if (!rd_u8(&peek, &tag) || (tag != DER_APP0 && tag != SPNEGO_NEG_TOKEN_RESP))
		return WIRE_UNSUPPORTED;
	rc = der_read(blob, &tag, &outer);
	if (rc < 0)
		return rc;
	if (tag == DER_APP0) {
		/* RFC 2743 3.1: thisMech must be the SPNEGO OID */
		rc = der_expect(&outer, DER_OID, &oid);
		if (rc < 0)
			return rc;
		if (!bytes_equal(oid, oid_spnego, sizeof oid_spnego))
			return WIRE_UNSUPPORTED;
		rc = der_expect(&outer, SPNEGO_NEG_TOKEN_INIT, &inner);
		if (rc < 0)
			return rc;
		*is_init = true;
	} else if (tag == SPNEGO_NEG_TOKEN_RESP) {
		inner = outer;
	} else {
		return WIRE_UNSUPPORTED; /* raw NTLMSSP or another mechanism */
	}
	return der_expect(&inner, DER_SEQUENCE, seq);
}

int spnego_token_decode(struct rd *blob, struct rd *token)
{
	struct rd seq, wrap;
	bool is_init;
	int rc;

	rd_init(token, NULL, 0);
	rc = spnego_open(blob, &seq, &is_init);
	if (rc < 0)
		return rc;
	/* mechToken (NegTokenInit) and responseToken (NegTokenResp) are
	 * both [2] OCTET STRING */
	rc = der_find_ctx(seq, 2, &wrap);
	if (rc < 0)
		return rc;
	return der_expect(&wrap, DER_OCTET_STRING, token);
}

int spnego_init_has_ntlmssp(struct rd *blob, bool *has_ntlm)
{
	struct rd seq, wrap, list;
	bool is_init;
	int rc;

	*has_ntlm = false;
	rc = spnego_open(blob, &seq, &is_init);
	if (rc < 0)
		return rc;
	if (!is_init)
		return WIRE_UNSUPPORTED;
	/* RFC 4178 4.2.1: mechTypes [0] MechTypeList (SEQUENCE OF OID) */
	rc = der_find_ctx(seq, 0, &wrap);
	if (rc == WIRE_UNSUPPORTED)
		return WIRE_OK;
	if (rc < 0)
		return rc;
	rc = der_expect(&wrap, DER_SEQUENCE, &list);
	if (rc < 0)
		return rc;
	while (rd_left(&list) > 0) {
		struct rd oid;
		rc = der_expect(&list, DER_OID, &oid);
		if (rc < 0)
			return rc;
		if (bytes_equal(oid, oid_ntlmssp, sizeof oid_ntlmssp))
			*has_ntlm = true;
	}
	return WIRE_OK;
}
