/* json_read.c - a stored record's JSON back into a struct svc_record, so
 * the report writers (report/) render what the store kept: `serve`'s
 * exports of a stored run. The inverse of json.c for the fields the
 * writers show; a field that is absent or not understood stays unknown,
 * as json.c left it out. Names map back through the same tables json.c
 * wrote them with. */
#include "record/json_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assess/findings.h"
#include "check/check.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static void copy(char *dst, size_t n, json_t *o, const char *key)
{
	snprintf(dst, n, "%s", str(o, key));
}

static enum tri tri_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_boolean(v) ? (json_is_true(v) ? TRI_YES : TRI_NO) : TRI_UNKNOWN;
}

static enum signing signing_of(const char *s)
{
	for (enum signing g = SIGN_DISABLED; g <= SIGN_REQUIRED; g++)
		if (strcmp(s, signing_name(g)) == 0)
			return g;
	return SIGN_UNKNOWN;
}

static enum vuln vuln_of(json_t *o, const char *key)
{
	const char *s = str(o, key);
	for (enum vuln v = VULN_NOT_VULNERABLE; v <= VULN_VULNERABLE; v++)
		if (strcmp(s, vuln_name(v)) == 0)
			return v;
	return VULN_UNKNOWN;
}

/* A 16-bit id from its name (name_fn's table) or "0x%04x". */
static bool id_of(const char *s, const char *(*name_fn)(uint16_t), uint16_t *out)
{
	if (strncmp(s, "0x", 2) == 0) {
		char *end;
		unsigned long v = strtoul(s + 2, &end, 16);
		if (*end || v > 0xffff)
			return false;
		*out = (uint16_t)v;
		return true;
	}
	for (uint32_t v = 0; v < 0x400; v++) { /* every named id is below 0x400 */
		const char *n = name_fn((uint16_t)v);
		if (n && strcmp(n, s) == 0) {
			*out = (uint16_t)v;
			return true;
		}
	}
	return false;
}

static unsigned ids_of(json_t *arr, const char *(*name_fn)(uint16_t), uint16_t *out, unsigned max)
{
	unsigned n = 0;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (n < max && json_is_string(v) && id_of(json_string_value(v), name_fn, &out[n]))
			n++;
	return n;
}

static uint32_t caps_of(json_t *arr, const char *(*name_fn)(uint32_t))
{
	uint32_t caps = 0;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		for (unsigned b = 0; s && b < 32; b++) {
			uint32_t bit = (uint32_t)1 << b;
			const char *n = name_fn(bit);
			char hex[16];
			if (!n) {
				snprintf(hex, sizeof hex, "0x%08x", (unsigned)bit);
				n = hex;
			}
			if (strcmp(n, s) == 0)
				caps |= bit;
		}
	}
	return caps;
}

static void smb1_read(json_t *o, struct rec_smb1 *s)
{
	if (!json_is_object(o))
		return;
	s->enabled = tri_of(o, "enabled");
	copy(s->dialect, sizeof s->dialect, o, "dialect");
	s->signing = signing_of(str(o, "signing"));
	copy(s->native_os, sizeof s->native_os, o, "native_os");
	copy(s->native_lanman, sizeof s->native_lanman, o, "native_lanman");
	copy(s->domain, sizeof s->domain, o, "domain");
	copy(s->server_name, sizeof s->server_name, o, "server_name");
	json_t *caps = json_object_get(o, "capabilities");
	if ((s->has_capabilities = json_is_array(caps)))
		s->capabilities = caps_of(caps, rec_smb1_cap_name);
	json_t *mode = json_object_get(o, "security_mode");
	if ((s->has_security_mode = json_is_integer(mode)))
		s->security_mode = (uint8_t)json_integer_value(mode);
}

static void smb2_read(json_t *o, struct rec_smb2 *s)
{
	if (!(s->present = json_is_object(o)))
		return;
	s->n_dialects = ids_of(json_object_get(o, "dialects"), rec_dialect_name, s->dialects,
			       REC_MAX_DIALECTS);
	s->dialects_by_range = strcmp(str(o, "dialects_method"), "range") == 0;
	s->signing = signing_of(str(o, "signing"));
	s->capabilities = caps_of(json_object_get(o, "capabilities"), rec_smb2_cap_name);
	s->max_read = (uint32_t)json_integer_value(json_object_get(o, "max_read"));
	s->max_write = (uint32_t)json_integer_value(json_object_get(o, "max_write"));
	s->max_transact = (uint32_t)json_integer_value(json_object_get(o, "max_transact"));
	if ((s->has_contexts = json_is_array(json_object_get(o, "ciphers")))) {
		s->n_preauth = ids_of(json_object_get(o, "preauth_hashes"), rec_hash_name, s->preauth,
				      REC_MAX_ALGS);
		s->n_ciphers = ids_of(json_object_get(o, "ciphers"), rec_cipher_name, s->ciphers,
				      REC_MAX_ALGS);
		s->n_compression = ids_of(json_object_get(o, "compression"), rec_compression_name,
					  s->compression, REC_MAX_ALGS);
		s->n_signing_algs = ids_of(json_object_get(o, "signing_algorithms"),
					   rec_signing_alg_name, s->signing_algs, REC_MAX_ALGS);
	}
}

static void ntlm_read(json_t *o, struct rec_ntlm *n)
{
	if (!(n->present = json_is_object(o)))
		return;
	copy(n->netbios_computer, sizeof n->netbios_computer, o, "netbios_computer");
	copy(n->netbios_domain, sizeof n->netbios_domain, o, "netbios_domain");
	copy(n->dns_computer, sizeof n->dns_computer, o, "dns_computer");
	copy(n->dns_domain, sizeof n->dns_domain, o, "dns_domain");
	copy(n->dns_tree, sizeof n->dns_tree, o, "dns_tree");
	/* "major.minor.build", as record_os_version wrote it */
	const char *v = str(o, "os_version");
	char *end;
	unsigned long major = strtoul(v, &end, 10), minor = 0, build = 0;
	bool ok = end != v && *end == '.';
	if (ok) {
		v = end + 1;
		minor = strtoul(v, &end, 10);
		ok = end != v && *end == '.';
	}
	if (ok) {
		v = end + 1;
		build = strtoul(v, &end, 10);
		ok = end != v && *end == '\0';
	}
	json_t *rev = json_object_get(o, "ntlm_revision");
	if (ok && json_is_integer(rev)) {
		n->has_version = true;
		n->os_major = (uint8_t)major;
		n->os_minor = (uint8_t)minor;
		n->os_build = (uint16_t)build;
		n->ntlm_revision = (uint8_t)json_integer_value(rev);
	}
}

static void shares_read(json_t *arr, struct svc_record *r)
{
	if (!(r->has_shares = json_is_array(arr)))
		return;
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o) {
		if (r->n_shares == REC_MAX_SHARES)
			break;
		struct rec_share *s = &r->shares[r->n_shares++];
		copy(s->name, sizeof s->name, o, "name");
		copy(s->type, sizeof s->type, o, "type");
		copy(s->comment, sizeof s->comment, o, "comment");
		s->anonymous_read = tri_of(o, "anonymous_read");
		s->anonymous_write = tri_of(o, "anonymous_write");
		const char *acc = str(o, "maximal_access");
		if ((s->has_max_access = *acc != '\0'))
			s->max_access = (uint32_t)strtoul(acc, NULL, 16);
	}
}

static void checks_read(json_t *o, struct svc_record *r)
{
	for (unsigned i = 0; i < RCHK_N; i++) {
		json_t *c = json_object_get(o, all_checks[i]->id);
		const char *st = str(c, "status");
		for (enum rec_check_status s = RCHK_NOT_RUN; s <= RCHK_FAILED; s++)
			if (strcmp(st, rec_check_status_name(s)) == 0)
				r->checks[i].status = s;
		copy(r->checks[i].error, sizeof r->checks[i].error, c, "error");
	}
}

static void findings_read(json_t *arr, struct svc_record *r)
{
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o) {
		if (r->n_findings == REC_MAX_FINDINGS)
			break;
		struct rec_finding *f = &r->findings[r->n_findings++];
		copy(f->id, sizeof f->id, o, "id");
		const char *sev = str(o, "severity");
		for (enum severity s = SEV_INFO; s <= SEV_CRITICAL; s++)
			if (strcmp(sev, severity_name(s)) == 0)
				f->severity = s;
		/* the static texts of assess/ (titles and fixes are not per service) */
		const struct finding_info *fi = finding_info_by_name(f->id);
		f->title = fi ? fi->title : NULL;
		f->remediation = fi ? fi->remediation : NULL;
		copy(f->evidence, sizeof f->evidence, o, "evidence");
	}
}

/* "epm" (check/epm.c writes it): the interfaces and their bindings; the
 * names, coercion and role are derived from the uuids again. */
static void epm_read(json_t *o, struct svc_record *r)
{
	size_t i, k;
	json_t *f, *b;
	if (!(r->epm.present = json_is_object(o)))
		return;
	r->epm.complete = json_is_true(json_object_get(o, "complete"));
	copy(r->epm.arch, sizeof r->epm.arch, o, "arch");
	copy(r->epm.dc_signs, sizeof r->epm.dc_signs, o, "dc_signs");
	json_int_t n = json_integer_value(json_object_get(o, "entries"));
	r->epm.n_entries = n > 0 && n < (json_int_t)UINT32_MAX ? (unsigned)n : 0;
	json_t *addrs = json_object_get(o, "addresses");
	r->epm.has_addresses = json_is_array(addrs);
	json_array_foreach(addrs, i, f) {
		if (r->epm.n_addresses == REC_MAX_EPM_ADDRS || !json_is_string(f))
			break;
		record_set_str(r->epm.addresses[r->epm.n_addresses++], sizeof r->epm.addresses[0],
			       json_string_value(f));
	}
	json_array_foreach(json_object_get(o, "interfaces"), i, f) {
		/* "major.minor" */
		const char *v = str(f, "version");
		char *dot, *end;
		unsigned long maj = strtoul(v, &dot, 10), min = 0;
		if (dot == v || *dot != '.' || maj > UINT16_MAX)
			continue;
		min = strtoul(dot + 1, &end, 10);
		if (end == dot + 1 || *end || min > UINT16_MAX)
			continue;
		struct rec_epm_iface *e =
			record_epm_iface(r, str(f, "uuid"), (uint16_t)maj, (uint16_t)min);
		if (!e)
			break;
		copy(e->annotation, sizeof e->annotation, f, "annotation");
		json_array_foreach(json_object_get(f, "bindings"), k, b) {
			if (e->n_bindings == REC_MAX_EPM_BINDINGS || !json_is_string(b))
				break;
			record_set_str(e->bindings[e->n_bindings++], sizeof e->bindings[0],
				       json_string_value(b));
		}
	}
}

/* Two hex digits at s into *out; false if they are not. */
static bool hex_byte(const char *s, uint8_t *out)
{
	unsigned v = 0;
	for (int i = 0; i < 2; i++) {
		char c = s[i];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 16u;
		if (d == 16)
			return false;
		v = v * 16 + d;
	}
	*out = (uint8_t)v;
	return true;
}

/* "nbns": the name table and MAC (check/nbns.c writes it) */
static void nbns_read(json_t *o, struct rec_nbns *n)
{
	if (!json_is_object(o))
		return;
	n->present = true;
	json_int_t total = json_integer_value(json_object_get(o, "names_total"));
	n->n_total = total > 0 && total < 256 ? (unsigned)total : 0;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(o, "names"), i, e) {
		if (n->n_names == REC_MAX_NBNS_NAMES)
			break;
		struct rec_nbns_name *nm = &n->names[n->n_names++];
		copy(nm->name, sizeof nm->name, e, "name");
		const char *suffix = str(e, "suffix");
		if (strlen(suffix) == 2)
			hex_byte(suffix, &nm->suffix);
		nm->group = json_is_true(json_object_get(e, "group"));
		nm->active = json_is_true(json_object_get(e, "active"));
	}
	/* "aa:bb:cc:dd:ee:ff" */
	const char *mac = str(o, "mac");
	bool ok = strlen(mac) == 17;
	for (unsigned k = 0; ok && k < 6; k++)
		ok = hex_byte(mac + 3 * k, &n->mac[k]) && (k == 5 || mac[3 * k + 2] == ':');
	n->has_mac = ok;
	if (!ok)
		memset(n->mac, 0, sizeof n->mac);
}

/* "2026-12-05T16:40:00Z" -> unix seconds; 0 if it is not that shape. */
static int64_t rfc3339_to_unix(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return 0;
	return (int64_t)timegm(&tm);
}

/* "certificate" (record_json_cert writes it), under quic and mgmt */
static void cert_read(json_t *c, struct rec_cert *rc)
{
	if (!json_is_object(c))
		return;
	rc->present = true;
	copy(rc->subject, sizeof rc->subject, c, "subject");
	copy(rc->issuer, sizeof rc->issuer, c, "issuer");
	copy(rc->sans, sizeof rc->sans, c, "sans");
	copy(rc->key_type, sizeof rc->key_type, c, "key_type");
	copy(rc->sha256, sizeof rc->sha256, c, "sha256");
	json_int_t bits = json_integer_value(json_object_get(c, "key_bits"));
	rc->key_bits = bits > 0 && bits < 65536 ? (unsigned)bits : 0;
	rc->not_before = rfc3339_to_unix(str(c, "not_before"));
	rc->not_after = rfc3339_to_unix(str(c, "not_after"));
	rc->self_signed = json_is_true(json_object_get(c, "self_signed"));
}

/* "quic": the handshake and the certificate (check/quic.c writes it) */
static void quic_read(json_t *o, struct rec_quic *q)
{
	if (!json_is_object(o))
		return;
	q->present = true;
	q->handshake = json_is_true(json_object_get(o, "handshake"));
	q->alpn_refused = json_is_true(json_object_get(o, "alpn_refused"));
	q->client_cert = json_is_true(json_object_get(o, "client_cert_requested"));
	cert_read(json_object_get(o, "certificate"), &q->cert);
}

/* "mgmt": a management service beside SMB (check/mgmt.c writes it) */
static void mgmt_read(json_t *o, struct rec_mgmt *m)
{
	if (!json_is_object(o))
		return;
	const char *service = str(o, "service");
	for (int s = MGMT_RDP; s <= MGMT_SSH; s++)
		if (strcmp(service, mgmt_service_id((enum rec_mgmt_service)s)) == 0)
			m->service = (enum rec_mgmt_service)s;
	if (m->service == MGMT_NONE)
		return;
	m->smb_on_host = json_is_true(json_object_get(o, "smb_on_host"));
	copy(m->rdp_selected, sizeof m->rdp_selected, o, "selected_protocol");
	m->rdp_standard_security = tri_of(o, "standard_rdp_security");
	copy(m->rdp_refusal, sizeof m->rdp_refusal, o, "standard_rdp_refusal");
	json_int_t status = json_integer_value(json_object_get(o, "http_status"));
	m->http_status = status > 0 && status < 1000 ? (unsigned)status : 0;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(o, "auth_schemes"), i, e) {
		if (m->n_schemes == REC_MAX_MGMT_SCHEMES || !json_is_string(e))
			break;
		record_set_str(m->schemes[m->n_schemes++], sizeof m->schemes[0], json_string_value(e));
	}
	copy(m->http_server, sizeof m->http_server, o, "server");
	json_t *tls = json_object_get(o, "tls");
	copy(m->tls_version, sizeof m->tls_version, tls, "version");
	copy(m->tls_cipher, sizeof m->tls_cipher, tls, "cipher");
	cert_read(json_object_get(o, "certificate"), &m->cert);
	copy(m->ssh_proto, sizeof m->ssh_proto, o, "protocol_version");
	copy(m->ssh_software, sizeof m->ssh_software, o, "software");
	copy(m->ssh_comments, sizeof m->ssh_comments, o, "comments");
}

int record_from_json(json_t *o, int64_t scanned_at, struct svc_record *r)
{
	record_init(r);
	if (!json_is_object(o) || !json_is_string(json_object_get(o, "ip")))
		return -1;
	copy(r->ip, sizeof r->ip, o, "ip");
	json_int_t port = json_integer_value(json_object_get(o, "port"));
	if (port <= 0 || port > 65535)
		return -1;
	r->port = (uint16_t)port;
	r->netbios = strcmp(str(o, "transport"), "netbios") == 0;
	r->udp = strcmp(str(o, "transport"), "udp") == 0;
	r->over_quic = strcmp(str(o, "transport"), "quic") == 0;
	copy(r->view, sizeof r->view, o, "view");
	r->scanned_at = scanned_at;
	smb1_read(json_object_get(o, "smb1"), &r->smb1);
	smb2_read(json_object_get(o, "smb2"), &r->smb2);
	ntlm_read(json_object_get(o, "ntlm"), &r->ntlm);
	json_t *auth = json_object_get(o, "auth");
	r->auth.anonymous_logon = tri_of(auth, "anonymous_logon");
	r->auth.null_session = tri_of(auth, "null_session");
	r->auth.guest = tri_of(auth, "guest");
	json_t *relay = json_object_get(o, "relay");
	r->relay.ntlm_offered = tri_of(relay, "ntlm_in_mechtypes");
	r->relay.ntlm_challenge = tri_of(relay, "ntlm_challenge");
	r->relay.session_encrypt = tri_of(relay, "session_encrypt_data");
	shares_read(json_object_get(o, "shares"), r);
	json_t *vulns = json_object_get(o, "vulns");
	r->ms17_010 = vuln_of(vulns, "ms17_010");
	r->cve_2020_0796 = vuln_of(vulns, "cve_2020_0796");
	r->doublepulsar = vuln_of(vulns, "doublepulsar");
	epm_read(json_object_get(o, "epm"), r);
	nbns_read(json_object_get(o, "nbns"), &r->nbns);
	quic_read(json_object_get(o, "quic"), &r->quic);
	mgmt_read(json_object_get(o, "mgmt"), &r->mgmt);
	checks_read(json_object_get(o, "checks"), r);
	json_t *cost = json_object_get(o, "cost");
	json_int_t conns = json_integer_value(json_object_get(cost, "connections"));
	json_int_t retries = json_integer_value(json_object_get(cost, "retries"));
	r->cost.connections = conns > 0 && conns <= UINT16_MAX ? (uint16_t)conns : 0;
	r->cost.retries = retries > 0 && retries <= UINT16_MAX ? (uint16_t)retries : 0;
	findings_read(json_object_get(o, "findings"), r);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(o, "errors"), i, e) {
		if (r->n_errors == REC_MAX_ERRORS)
			break;
		copy(r->errors[r->n_errors].stage, sizeof r->errors[0].stage, e, "stage");
		copy(r->errors[r->n_errors].message, sizeof r->errors[0].message, e, "message");
		r->n_errors++;
	}
	return 0;
}
