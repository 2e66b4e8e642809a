/* srvsvc.c - NetrShareEnum (opnum 15) level 1 request and response stubs
 * (MS-SRVS 3.1.4.8, 2.2.4.23, 2.2.4.22; NDR per C706 chapter 14 and
 * MS-RPCE 2.2.5); see srvsvc.h for the contract. */
#include "wire/srvsvc.h"

#include <string.h>

/* Referent ids are opaque to the server (C706 14.3.11.1: only zero vs
 * non-zero matters); these are the values Samba's and impacket's
 * marshallers start with. */
#define REF_SERVER_NAME 0x00020000u
#define REF_CONTAINER 0x00020004u

/* Longest server name we put into a request, in characters. */
#define SRVSVC_MAX_SERVER 255

int srvsvc_share_enum_req_encode(struct wr *w, const char *server)
{
	size_t base = w->len, n;

	if (!server)
		return WIRE_MALFORMED;
	n = strlen(server);
	if (n > SRVSVC_MAX_SERVER)
		return WIRE_TOO_LARGE;
	/* MS-SRVS 3.1.4.8 ServerName: [in, string, unique] wchar_t *, marshalled
	 * as referent id, then a conformant varying string (C706 14.3.4.2):
	 * max_count, offset 0, actual_count, all in UTF-16 units with the NUL */
	uint32_t units = (uint32_t)n + 2 + 1;
	if (!wr_u32le(w, REF_SERVER_NAME) || !wr_u32le(w, units) || !wr_u32le(w, 0) ||
	    !wr_u32le(w, units) || !wr_utf16le_ascii(w, "\\\\") || !wr_utf16le_ascii(w, server) ||
	    !wr_u16le(w, 0) || !wr_align(w, base, 4))
		return w->err;
	/* InfoStruct (SHARE_ENUM_STRUCT, 2.2.4.38): Level 1, then the
	 * SHARE_ENUM_UNION discriminant 1 and a unique pointer to an empty
	 * SHARE_INFO_1_CONTAINER {EntriesRead 0, Buffer NULL} */
	if (!wr_u32le(w, 1) || !wr_u32le(w, 1) || !wr_u32le(w, REF_CONTAINER) || !wr_u32le(w, 0) ||
	    !wr_u32le(w, 0))
		return w->err;
	/* PreferedMaximumLength: MAX_PREFERRED_LENGTH asks for everything;
	 * ResumeHandle: NULL pointer (no resumption) */
	if (!wr_u32le(w, 0xFFFFFFFFu) || !wr_u32le(w, 0))
		return w->err;
	return WIRE_OK;
}

/* One deferred [string] wchar_t * (C706 14.3.4.2 conformant varying
 * string, 4-byte aligned) converted into out. */
static int ndr_string(struct rd *s, char *out, size_t outsz)
{
	uint32_t max, off, actual;
	const uint8_t *p;

	out[0] = '\0';
	if (!rd_align(s, 4) || !rd_u32le(s, &max) || !rd_u32le(s, &off) || !rd_u32le(s, &actual))
		return s->err;
	/* C706 14.3.3.3: the varying part [off, off+actual) lies inside the
	 * conformant bound max */
	if (off > max || actual > max - off)
		return WIRE_MALFORMED;
	if (actual > WIRE_MAX_NDR_STRING)
		return WIRE_TOO_LARGE;
	if (!rd_view(s, (size_t)actual * 2, &p))
		return s->err;
	return wire_utf16le_to_utf8(p, (size_t)actual * 2, out, outsz);
}

/* SHARE_INFO_1 (MS-SRVS 2.2.4.23): the fixed part of entry i. */
static bool info1_fixed(struct rd *a, uint32_t *name_ref, uint32_t *type, uint32_t *remark_ref)
{
	return rd_u32le(a, name_ref) && rd_u32le(a, type) && rd_u32le(a, remark_ref);
}

/* The SHARE_INFO_1_CONTAINER body after its pointer (2.2.4.33):
 * EntriesRead, unique pointer to the conformant array, the array's fixed
 * parts, then each entry's deferred strings in order. */
static int container_decode(struct rd *s, struct srvsvc_share_enum_resp *out)
{
	uint32_t entries, array_ref, max_count;
	struct rd arr;
	char scratch[WIRE_MAX_STR];
	int rc;

	if (!rd_u32le(s, &entries) || !rd_u32le(s, &array_ref))
		return s->err;
	if (array_ref == 0)
		return entries == 0 ? WIRE_OK : WIRE_MALFORMED;
	/* C706 14.3.3.2: conformant array; size_is(EntriesRead) */
	if (!rd_u32le(s, &max_count))
		return s->err;
	if (max_count != entries)
		return WIRE_MALFORMED;
	if (entries > WIRE_MAX_NDR_ENTRIES)
		return WIRE_TOO_LARGE;
	/* entries * 12 cannot overflow: entries <= WIRE_MAX_NDR_ENTRIES */
	if (!rd_sub(s, (size_t)entries * 12, &arr))
		return s->err;
	for (uint32_t i = 0; i < entries; i++) {
		uint32_t name_ref, type, remark_ref;
		bool keep = i < SRVSVC_MAX_SHARES;
		struct srvsvc_share *sh = keep ? &out->shares[i] : NULL;

		if (!info1_fixed(&arr, &name_ref, &type, &remark_ref))
			return arr.err;
		/* deferred referents follow in order of appearance (C706
		 * 14.3.12.1); a NULL pointer has no deferred data */
		if (name_ref) {
			rc = ndr_string(s, keep ? sh->name : scratch,
					keep ? sizeof sh->name : sizeof scratch);
			if (rc < 0)
				return rc;
		}
		if (remark_ref) {
			rc = ndr_string(s, keep ? sh->comment : scratch,
					keep ? sizeof sh->comment : sizeof scratch);
			if (rc < 0)
				return rc;
		}
		if (keep) {
			sh->type = type;
			out->n = i + 1;
		}
	}
	return WIRE_OK;
}

int srvsvc_share_enum_resp_decode(struct rd *stub, struct srvsvc_share_enum_resp *out)
{
	uint32_t level, sw, ctr_ref, resume_ref, resume;
	int rc;

	memset(out, 0, sizeof *out);
	/* MS-SRVS 3.1.4.8 response: InfoStruct (Level, union switch,
	 * container pointer), TotalEntries, ResumeHandle pointer, WERROR */
	if (!rd_u32le(stub, &level) || !rd_u32le(stub, &sw))
		return stub->err;
	if (level != 1)
		return WIRE_UNSUPPORTED;
	/* the union discriminant is switch_is(Level) (2.2.4.38) */
	if (sw != level)
		return WIRE_MALFORMED;
	if (!rd_u32le(stub, &ctr_ref))
		return stub->err;
	if (ctr_ref) {
		rc = container_decode(stub, out);
		if (rc < 0) {
			rd_fail(stub, rc);
			return rc;
		}
	}
	if (!rd_align(stub, 4) || !rd_u32le(stub, &out->total_entries) ||
	    !rd_u32le(stub, &resume_ref))
		return stub->err;
	if (resume_ref && !rd_u32le(stub, &resume))
		return stub->err;
	if (!rd_u32le(stub, &out->werror))
		return stub->err;
	return WIRE_OK;
}
