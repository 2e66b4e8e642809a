/* record.c - the service record: init, small setters and the names and
 * formats every output shares (signing, vulns, severities, times, GUIDs). */
#include "record/record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void record_init(struct svc_record *r)
{
	/* zero is "unknown" for every field (TRI_UNKNOWN, SIGN_UNKNOWN, ...) */
	memset(r, 0, sizeof *r);
}

void record_release(struct svc_record *r)
{
	free(r->epm.ifaces);
	record_init(r);
}

bool record_copy(struct svc_record *dst, const struct svc_record *src)
{
	memcpy(dst, src, sizeof *dst);
	dst->epm.ifaces = NULL;
	dst->epm.cap_ifaces = 0;
	if (!src->epm.n_ifaces)
		return true;
	dst->epm.ifaces = malloc(src->epm.n_ifaces * sizeof *dst->epm.ifaces);
	if (!dst->epm.ifaces) {
		dst->epm.n_ifaces = 0;
		return false;
	}
	memcpy(dst->epm.ifaces, src->epm.ifaces, src->epm.n_ifaces * sizeof *dst->epm.ifaces);
	dst->epm.cap_ifaces = src->epm.n_ifaces;
	return true;
}

void record_set_str(char *dst, size_t dstsz, const char *s)
{
	if (dstsz == 0)
		return;
	if (!s)
		s = "";
	size_t n = strlen(s);
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

void record_add_error(struct svc_record *r, const char *stage, const char *fmt, ...)
{
	if (r->n_errors >= REC_MAX_ERRORS)
		return;
	struct rec_error *e = &r->errors[r->n_errors++];
	record_set_str(e->stage, sizeof e->stage, stage);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
}

void record_add_dialect(struct svc_record *r, uint16_t dialect)
{
	struct rec_smb2 *s = &r->smb2;
	unsigned i = 0;
	while (i < s->n_dialects && s->dialects[i] < dialect)
		i++;
	if (i < s->n_dialects && s->dialects[i] == dialect)
		return;
	if (s->n_dialects >= REC_MAX_DIALECTS)
		return; /* only five dialects exist; a sixth is a bug upstream */
	memmove(&s->dialects[i + 1], &s->dialects[i], (s->n_dialects - i) * sizeof s->dialects[0]);
	s->dialects[i] = dialect;
	s->n_dialects++;
}

bool record_has_dialect(const struct svc_record *r, uint16_t dialect)
{
	for (unsigned i = 0; i < r->smb2.n_dialects; i++)
		if (r->smb2.dialects[i] == dialect)
			return true;
	return false;
}

bool record_is_smb(const struct svc_record *r)
{
	return r->smb1.enabled != TRI_UNKNOWN || r->smb2.present;
}

struct rec_epm_iface *record_epm_iface(struct svc_record *r, const char *uuid, uint16_t ver_major,
				       uint16_t ver_minor)
{
	struct rec_epm *e = &r->epm;
	for (unsigned i = 0; i < e->n_ifaces; i++)
		if (strcmp(e->ifaces[i].uuid, uuid) == 0 && e->ifaces[i].ver_major == ver_major &&
		    e->ifaces[i].ver_minor == ver_minor)
			return &e->ifaces[i];
	if (e->n_ifaces >= REC_MAX_EPM_IFACES)
		return NULL;
	if (e->n_ifaces == e->cap_ifaces) {
		unsigned cap = e->cap_ifaces ? e->cap_ifaces * 2 : 4;
		struct rec_epm_iface *v = realloc(e->ifaces, cap * sizeof *v);
		if (!v)
			return NULL;
		e->ifaces = v;
		e->cap_ifaces = cap;
	}
	struct rec_epm_iface *f = &e->ifaces[e->n_ifaces++];
	memset(f, 0, sizeof *f);
	record_set_str(f->uuid, sizeof f->uuid, uuid);
	f->ver_major = ver_major;
	f->ver_minor = ver_minor;
	return f;
}

const char *rec_check_status_name(enum rec_check_status st)
{
	switch (st) {
	case RCHK_OK:
		return "ok";
	case RCHK_FAILED:
		return "failed";
	case RCHK_NOT_RUN:
		break;
	}
	return "not_run";
}

void record_check_set(struct svc_record *r, enum rec_check_id id, enum rec_check_status st,
		      const char *error)
{
	if ((unsigned)id >= RCHK_N)
		return;
	r->checks[id].status = st;
	record_set_str(r->checks[id].error, sizeof r->checks[id].error,
		       st == RCHK_FAILED ? error : "");
}

const char *signing_name(enum signing s)
{
	switch (s) {
	case SIGN_DISABLED:
		return "disabled";
	case SIGN_ENABLED:
		return "enabled";
	case SIGN_REQUIRED:
		return "required";
	case SIGN_UNKNOWN:
		break;
	}
	return NULL;
}

const char *vuln_name(enum vuln v)
{
	switch (v) {
	case VULN_VULNERABLE:
		return "vulnerable";
	case VULN_NOT_VULNERABLE:
		return "not_vulnerable";
	case VULN_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *severity_name(enum severity s)
{
	switch (s) {
	case SEV_CRITICAL:
		return "critical";
	case SEV_HIGH:
		return "high";
	case SEV_MEDIUM:
		return "medium";
	case SEV_LOW:
		return "low";
	case SEV_INFO:
		break;
	}
	return "info";
}

bool record_cert_expired(const struct rec_cert *c, int64_t now)
{
	return c->present && c->not_after && (now > c->not_after || now < c->not_before);
}

void unix_to_rfc3339(int64_t t, char *out, size_t outsz)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (outsz == 0)
		return;
	out[0] = '\0';
	if (!gmtime_r(&tt, &tm))
		return;
	if (strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

/* MS-DTYP 2.3.3: FILETIME counts 100 ns intervals since 1601-01-01;
 * 11644473600 s separate that epoch from 1970-01-01. */
#define FILETIME_UNIX_DIFF 11644473600LL

void filetime_to_rfc3339(uint64_t ft, char *out, size_t outsz)
{
	if (outsz == 0)
		return;
	out[0] = '\0';
	if (ft == 0)
		return;
	int64_t secs = (int64_t)(ft / 10000000u) - FILETIME_UNIX_DIFF;
	unix_to_rfc3339(secs, out, outsz);
}

void record_os_version(const struct svc_record *r, char *out, size_t outsz)
{
	if (outsz == 0)
		return;
	out[0] = '\0';
	if (!r->ntlm.has_version)
		return;
	snprintf(out, outsz, "%u.%u.%u", (unsigned)r->ntlm.os_major, (unsigned)r->ntlm.os_minor,
		 (unsigned)r->ntlm.os_build);
}

/* MS-DTYP 2.3.4.2: Data1 (4), Data2 (2), Data3 (2) are little-endian on the
 * wire, Data4 (8) is a byte array; Windows prints each field as a number. */
void guid_to_string(const uint8_t g[16], char *out, size_t outsz)
{
	unsigned long d1 = (unsigned long)g[0] | (unsigned long)g[1] << 8 |
			   (unsigned long)g[2] << 16 | (unsigned long)g[3] << 24;
	unsigned d2 = (unsigned)g[4] | (unsigned)g[5] << 8;
	unsigned d3 = (unsigned)g[6] | (unsigned)g[7] << 8;
	snprintf(out, outsz, "%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", d1, d2, d3, g[8],
		 g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

struct name_row {
	uint32_t v;
	const char *name;
};

static const char *name_lookup(const struct name_row *t, size_t n, uint32_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return NULL;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* MS-SMB2 2.2.3: DialectRevision values */
static const struct name_row dialects[] = {
	{ 0x0202, "2.0.2" }, { 0x0210, "2.1" }, { 0x0300, "3.0" },
	{ 0x0302, "3.0.2" }, { 0x0311, "3.1.1" },
};

/* MS-SMB2 2.2.3.1.1: HashAlgorithms */
static const struct name_row hashes[] = {
	{ 0x0001, "SHA-512" },
};

/* MS-SMB2 2.2.3.1.2: Ciphers */
static const struct name_row ciphers[] = {
	{ 0x0001, "AES-128-CCM" }, { 0x0002, "AES-128-GCM" },
	{ 0x0003, "AES-256-CCM" }, { 0x0004, "AES-256-GCM" },
};

/* MS-SMB2 2.2.3.1.3: CompressionAlgorithms */
static const struct name_row compressions[] = {
	{ 0x0000, "NONE" }, { 0x0001, "LZNT1" }, { 0x0002, "LZ77" },
	{ 0x0003, "LZ77+Huffman" }, { 0x0004, "Pattern_V1" }, { 0x0005, "LZ4" },
};

/* MS-SMB2 2.2.3.1.7: SigningAlgorithms */
static const struct name_row signing_algs[] = {
	{ 0x0000, "HMAC-SHA256" }, { 0x0001, "AES-CMAC" }, { 0x0002, "AES-GMAC" },
};

/* MS-CIFS 2.2.4.52.2 / smb-facts.md section 3 */
static const struct name_row smb1_caps[] = {
	{ 0x00000001, "RAW_MODE" },	     { 0x00000002, "MPX_MODE" },
	{ 0x00000004, "UNICODE" },	     { 0x00000008, "LARGE_FILES" },
	{ 0x00000010, "NT_SMBS" },	     { 0x00000020, "RPC_REMOTE_APIS" },
	{ 0x00000040, "STATUS32" },	     { 0x00000080, "LEVEL_II_OPLOCKS" },
	{ 0x00000100, "LOCK_AND_READ" },     { 0x00000200, "NT_FIND" },
	{ 0x00001000, "DFS" },		     { 0x00002000, "INFOLEVEL_PASSTHRU" },
	{ 0x00004000, "LARGE_READX" },	     { 0x00008000, "LARGE_WRITEX" },
	{ 0x80000000, "EXTENDED_SECURITY" },
};

/* MS-SMB2 2.2.4: Capabilities of the NEGOTIATE response */
static const struct name_row smb2_caps[] = {
	{ 0x01, "DFS" },
	{ 0x02, "LEASING" },
	{ 0x04, "LARGE_MTU" },
	{ 0x08, "MULTI_CHANNEL" },
	{ 0x10, "PERSISTENT_HANDLES" },
	{ 0x20, "DIRECTORY_LEASING" },
	{ 0x40, "ENCRYPTION" },
	{ 0x80, "NOTIFICATIONS" },
};

const char *rec_dialect_name(uint16_t dialect)
{
	return name_lookup(dialects, ARRAY_SIZE(dialects), dialect);
}

const char *rec_hash_name(uint16_t id)
{
	return name_lookup(hashes, ARRAY_SIZE(hashes), id);
}

const char *rec_cipher_name(uint16_t id)
{
	return name_lookup(ciphers, ARRAY_SIZE(ciphers), id);
}

const char *rec_compression_name(uint16_t id)
{
	return name_lookup(compressions, ARRAY_SIZE(compressions), id);
}

const char *rec_signing_alg_name(uint16_t id)
{
	return name_lookup(signing_algs, ARRAY_SIZE(signing_algs), id);
}

const char *rec_smb1_cap_name(uint32_t bit)
{
	return name_lookup(smb1_caps, ARRAY_SIZE(smb1_caps), bit);
}

const char *rec_smb2_cap_name(uint32_t bit)
{
	return name_lookup(smb2_caps, ARRAY_SIZE(smb2_caps), bit);
}
