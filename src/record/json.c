/* json.c - the service record as one JSON object (the JSON Lines contract
 * of the guide's architecture.md). Unknown fields are left out, never
 * written as guesses: empty strings, TRI_UNKNOWN, SIGN_UNKNOWN and
 * VULN_UNKNOWN all mean "absent". */
#include "record/json.h"

#include "assess/relay_verdict.h"
#include "assess/samba_version.h"

#include <stdio.h>
#include <string.h>

/* A JSON string for s. Strings that came off the wire may not be valid
 * UTF-8 (jansson then refuses them); such bytes become '?' rather than
 * dropping the whole field. */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	char clean[REC_STR * 2];
	size_t i;
	for (i = 0; s[i] && i < sizeof clean - 1; i++)
		clean[i] = (s[i] & 0x80) ? '?' : s[i];
	clean[i] = '\0';
	return json_string(clean);
}

/* Set key to a string unless s is empty. */
static void set_str(json_t *o, const char *key, const char *s)
{
	if (s && s[0])
		json_object_set_new(o, key, jstr(s));
}

static void set_tri(json_t *o, const char *key, enum tri v)
{
	if (v != TRI_UNKNOWN)
		json_object_set_new(o, key, json_boolean(v == TRI_YES));
}

/* Name from a table, or "0x%04x" for a value we have no name for, so an
 * unexpected algorithm is still visible rather than dropped. */
static json_t *id_string(const char *name, unsigned v)
{
	char hex[16];
	if (name)
		return json_string(name);
	snprintf(hex, sizeof hex, "0x%04x", v);
	return json_string(hex);
}

static json_t *cap_array(uint32_t caps, const char *(*name_fn)(uint32_t))
{
	json_t *a = json_array();
	for (unsigned b = 0; b < 32; b++) {
		uint32_t bit = (uint32_t)1 << b;
		if (!(caps & bit))
			continue;
		const char *n = name_fn(bit);
		char hex[16];
		if (!n) {
			snprintf(hex, sizeof hex, "0x%08x", (unsigned)bit);
			n = hex;
		}
		json_array_append_new(a, json_string(n));
	}
	return a;
}

static json_t *id_array(const uint16_t *ids, unsigned n, const char *(*name_fn)(uint16_t))
{
	json_t *a = json_array();
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, id_string(name_fn(ids[i]), ids[i]));
	return a;
}

static json_t *smb1_json(const struct rec_smb1 *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "enabled", json_boolean(s->enabled == TRI_YES));
	set_str(o, "dialect", s->dialect);
	set_str(o, "signing", signing_name(s->signing));
	set_str(o, "native_os", s->native_os);
	set_str(o, "native_lanman", s->native_lanman);
	set_str(o, "domain", s->domain);
	set_str(o, "server_name", s->server_name);
	if (s->has_capabilities)
		json_object_set_new(o, "capabilities", cap_array(s->capabilities, rec_smb1_cap_name));
	/* issue 16 part 2: the raw NEGOTIATE SecurityMode (share-level, plaintext) */
	if (s->has_security_mode)
		json_object_set_new(o, "security_mode", json_integer(s->security_mode));
	return o;
}

static bool guid_known(const uint8_t g[16])
{
	for (int i = 0; i < 16; i++)
		if (g[i])
			return true;
	return false;
}

static json_t *smb2_json(const struct rec_smb2 *s)
{
	json_t *o = json_object();
	char buf[64];
	json_object_set_new(o, "dialects", id_array(s->dialects, s->n_dialects, rec_dialect_name));
	if (s->n_dialects > 1)
		set_str(o, "dialects_method", s->dialects_by_range ? "range" : "each");
	set_str(o, "signing", signing_name(s->signing));
	if (guid_known(s->server_guid)) {
		guid_to_string(s->server_guid, buf, sizeof buf);
		set_str(o, "server_guid", buf);
	}
	json_object_set_new(o, "capabilities", cap_array(s->capabilities, rec_smb2_cap_name));
	/* zero sizes mean "not learned" (MS-SMB2 2.2.4 sizes are never 0) */
	if (s->max_read)
		json_object_set_new(o, "max_read", json_integer(s->max_read));
	if (s->max_write)
		json_object_set_new(o, "max_write", json_integer(s->max_write));
	if (s->max_transact)
		json_object_set_new(o, "max_transact", json_integer(s->max_transact));
	filetime_to_rfc3339(s->system_time, buf, sizeof buf);
	set_str(o, "system_time", buf);
	/* ServerStartTime is 0 on Samba and modern Windows (smb-facts 2.2) */
	filetime_to_rfc3339(s->boot_time, buf, sizeof buf);
	set_str(o, "boot_time", buf);
	if (s->has_contexts) {
		json_object_set_new(o, "preauth_hashes",
				    id_array(s->preauth, s->n_preauth, rec_hash_name));
		json_object_set_new(o, "ciphers", id_array(s->ciphers, s->n_ciphers, rec_cipher_name));
		json_object_set_new(o, "compression",
				    id_array(s->compression, s->n_compression, rec_compression_name));
		json_object_set_new(o, "signing_algorithms",
				    id_array(s->signing_algs, s->n_signing_algs, rec_signing_alg_name));
	}
	return o;
}

static json_t *ntlm_json(const struct svc_record *r)
{
	const struct rec_ntlm *n = &r->ntlm;
	json_t *o = json_object();
	char ver[32];
	set_str(o, "netbios_computer", n->netbios_computer);
	set_str(o, "netbios_domain", n->netbios_domain);
	set_str(o, "dns_computer", n->dns_computer);
	set_str(o, "dns_domain", n->dns_domain);
	set_str(o, "dns_tree", n->dns_tree);
	record_os_version(r, ver, sizeof ver);
	set_str(o, "os_version", ver);
	/* MS-NLMP 2.2.2.10: NTLMRevisionCurrent is part of VERSION */
	if (n->has_version)
		json_object_set_new(o, "ntlm_revision", json_integer(n->ntlm_revision));
	return o;
}

static json_t *shares_json(const struct svc_record *r)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < r->n_shares && i < REC_MAX_SHARES; i++) {
		const struct rec_share *s = &r->shares[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", jstr(s->name));
		set_str(o, "type", s->type);
		set_str(o, "comment", s->comment);
		set_tri(o, "anonymous_read", s->anonymous_read);
		set_tri(o, "anonymous_write", s->anonymous_write); /* from maximal access */
		if (s->has_max_access) {
			char hex[16];
			snprintf(hex, sizeof hex, "0x%08x", (unsigned)s->max_access);
			json_object_set_new(o, "maximal_access", json_string(hex));
		}
		json_array_append_new(a, o);
	}
	return a;
}

/* issue 16 part 2: the relay check's facts and verdict (docs/checks.md) */
static json_t *relay_json(const struct svc_record *r)
{
	struct relay_verdict v;
	relay_verdict_of(r, &v);
	json_t *o = json_object();
	const char *ntlm = relay_ntlm_name(v.ntlm), *enc = relay_encryption_name(v.encryption);
	if (ntlm)
		json_object_set_new(o, "ntlm", json_string(ntlm));
	set_tri(o, "ntlm_in_mechtypes", r->relay.ntlm_offered);
	set_tri(o, "ntlm_challenge", r->relay.ntlm_challenge);
	if (enc)
		json_object_set_new(o, "encryption", json_string(enc));
	set_tri(o, "session_encrypt_data", r->relay.session_encrypt);
	set_tri(o, "legacy_client_refused", relay_legacy_refused(r));
	json_object_set_new(o, "target", json_boolean(v.target));
	return o;
}

/* Attach o under key when it has any member, else drop it. */
static void set_nonempty(json_t *parent, const char *key, json_t *o)
{
	if (json_object_size(o) > 0)
		json_object_set_new(parent, key, o);
	else
		json_decref(o);
}

static void set_vuln(json_t *o, const char *key, enum vuln v)
{
	if (v != VULN_UNKNOWN)
		json_object_set_new(o, key, json_string(vuln_name(v)));
}

json_t *record_to_json(const struct svc_record *rec)
{
	json_t *o = json_object();
	char buf[64];

	json_object_set_new(o, "type", json_string("service"));
	json_object_set_new(o, "ip", jstr(rec->ip));
	json_object_set_new(o, "port", json_integer(rec->port));
	json_object_set_new(o, "transport", json_string(rec->netbios ? "netbios" : "direct"));
	set_str(o, "view", rec->view);
	if (rec->scanned_at) {
		unix_to_rfc3339(rec->scanned_at, buf, sizeof buf);
		set_str(o, "scanned_at", buf);
	}
	if (rec->smb1.enabled != TRI_UNKNOWN)
		json_object_set_new(o, "smb1", smb1_json(&rec->smb1));
	if (rec->smb2.present)
		json_object_set_new(o, "smb2", smb2_json(&rec->smb2));
	if (rec->ntlm.present)
		json_object_set_new(o, "ntlm", ntlm_json(rec));

	json_t *auth = json_object();
	set_tri(auth, "anonymous_logon", rec->auth.anonymous_logon);
	set_tri(auth, "null_session", rec->auth.null_session);
	set_tri(auth, "guest", rec->auth.guest);
	set_nonempty(o, "auth", auth);

	if (rec->has_shares)
		json_object_set_new(o, "shares", shares_json(rec));
	struct samba_version sv; /* issue 16 part 2: version-indicated CVEs */
	if (samba_version_of(rec, &sv)) {
		json_t *so = json_object();
		json_object_set_new(so, "version", jstr(sv.text));
		json_object_set_new(so, "source", json_string(sv.source));
		json_object_set_new(o, "samba", so);
	}
	const struct rec_relay *rl = &rec->relay;
	if (rl->ntlm_offered || rl->ntlm_challenge || rl->session_encrypt || rl->legacy_tried)
		json_object_set_new(o, "relay", relay_json(rec)); /* only once something is known */

	json_t *vulns = json_object();
	set_vuln(vulns, "ms17_010", rec->ms17_010);
	set_vuln(vulns, "cve_2020_0796", rec->cve_2020_0796);
	set_vuln(vulns, "doublepulsar", rec->doublepulsar);
	set_nonempty(o, "vulns", vulns);

	/* every check, always: a consumer must tell "no" from "did not answer" */
	json_t *checks = json_object();
	for (unsigned i = 0; i < RCHK_N; i++) {
		const struct rec_check *c = &rec->checks[i];
		json_t *co = json_object();
		json_object_set_new(co, "status", json_string(rec_check_status_name(c->status)));
		if (c->status == RCHK_FAILED)
			json_object_set_new(co, "error", jstr(c->error[0] ? c->error : "no answer"));
		json_object_set_new(checks, rec_check_name((enum rec_check_id)i), co);
	}
	json_object_set_new(o, "checks", checks);

	/* findings and errors are always present (possibly empty): they are
	 * computed, never "unknown", and consumers iterate them directly */
	json_t *fa = json_array();
	for (unsigned i = 0; i < rec->n_findings && i < REC_MAX_FINDINGS; i++) {
		const struct rec_finding *f = &rec->findings[i];
		json_t *fo = json_object();
		json_object_set_new(fo, "id", jstr(f->id));
		json_object_set_new(fo, "severity", json_string(severity_name(f->severity)));
		set_str(fo, "title", f->title);
		set_str(fo, "evidence", f->evidence);
		set_str(fo, "remediation", f->remediation);
		json_array_append_new(fa, fo);
	}
	json_object_set_new(o, "findings", fa);

	json_t *ea = json_array();
	for (unsigned i = 0; i < rec->n_errors && i < REC_MAX_ERRORS; i++) {
		json_t *eo = json_object();
		json_object_set_new(eo, "stage", jstr(rec->errors[i].stage));
		json_object_set_new(eo, "message", jstr(rec->errors[i].message));
		json_array_append_new(ea, eo);
	}
	json_object_set_new(o, "errors", ea);
	return o;
}
