/* json.c - the service record as one JSON object (the JSON Lines contract
 * of the guide's architecture.md). Unknown fields are left out, never
 * written as guesses: empty strings, TRI_UNKNOWN, SIGN_UNKNOWN and
 * VULN_UNKNOWN all mean "absent". */
#include "record/json.h"

#include "check/check.h"
#include "assess/samba_version.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* A JSON string for s. Strings that came off the wire may not be valid
 * UTF-8 (jansson then refuses them); such bytes become '?' rather than
 * dropping the whole field. */
json_t *record_json_str(const char *s)
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

void record_json_set_str(json_t *o, const char *key, const char *s)
{
	if (s && s[0])
		json_object_set_new(o, key, record_json_str(s));
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
	record_json_set_str(o, "dialect", s->dialect);
	record_json_set_str(o, "signing", signing_name(s->signing));
	record_json_set_str(o, "native_os", s->native_os);
	record_json_set_str(o, "native_lanman", s->native_lanman);
	record_json_set_str(o, "domain", s->domain);
	record_json_set_str(o, "server_name", s->server_name);
	if (s->has_capabilities)
		json_object_set_new(o, "capabilities", cap_array(s->capabilities, rec_smb1_cap_name));
	/* the raw NEGOTIATE SecurityMode (share-level, plaintext) */
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
		record_json_set_str(o, "dialects_method", s->dialects_by_range ? "range" : "each");
	record_json_set_str(o, "signing", signing_name(s->signing));
	if (guid_known(s->server_guid)) {
		guid_to_string(s->server_guid, buf, sizeof buf);
		record_json_set_str(o, "server_guid", buf);
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
	record_json_set_str(o, "system_time", buf);
	/* ServerStartTime is 0 on Samba and modern Windows (smb-facts 2.2) */
	filetime_to_rfc3339(s->boot_time, buf, sizeof buf);
	record_json_set_str(o, "boot_time", buf);
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
	record_json_set_str(o, "netbios_computer", n->netbios_computer);
	record_json_set_str(o, "netbios_domain", n->netbios_domain);
	record_json_set_str(o, "dns_computer", n->dns_computer);
	record_json_set_str(o, "dns_domain", n->dns_domain);
	record_json_set_str(o, "dns_tree", n->dns_tree);
	record_os_version(r, ver, sizeof ver);
	record_json_set_str(o, "os_version", ver);
	/* MS-NLMP 2.2.2.10: NTLMRevisionCurrent is part of VERSION */
	if (n->has_version)
		json_object_set_new(o, "ntlm_revision", json_integer(n->ntlm_revision));
	return o;
}

json_t *record_json_tri(enum tri v)
{
	return v == TRI_UNKNOWN ? NULL : json_boolean(v == TRI_YES);
}

json_t *record_json_vuln(enum vuln v)
{
	return v == VULN_UNKNOWN ? NULL : json_string(vuln_name(v));
}

void record_json_put(json_t *root, const char *parent, const char *key, json_t *val)
{
	if (!val)
		return;
	json_t *o = root;
	if (parent) {
		o = json_object_get(root, parent);
		if (!json_is_object(o)) {
			o = json_object();
			json_object_set_new(root, parent, o);
		}
	}
	json_object_set_new(o, key, val);
}

json_t *record_to_json(const struct svc_record *rec)
{
	json_t *o = json_object();
	char buf[64];

	json_object_set_new(o, "type", json_string("service"));
	json_object_set_new(o, "ip", record_json_str(rec->ip));
	json_object_set_new(o, "port", json_integer(rec->port));
	json_object_set_new(o, "transport", json_string(rec->over_quic ? "quic"
							     : rec->udp     ? "udp"
							     : rec->netbios ? "netbios"
									    : "direct"));
	record_json_set_str(o, "view", rec->view);
	if (rec->scanned_at) {
		unix_to_rfc3339(rec->scanned_at, buf, sizeof buf);
		record_json_set_str(o, "scanned_at", buf);
	}
	if (rec->smb1.enabled != TRI_UNKNOWN)
		json_object_set_new(o, "smb1", smb1_json(&rec->smb1));
	if (rec->smb2.present)
		json_object_set_new(o, "smb2", smb2_json(&rec->smb2));
	if (rec->ntlm.present)
		json_object_set_new(o, "ntlm", ntlm_json(rec));

	/* each check's fields, in table order (check/checks.c) */
	for (unsigned i = 0; i < RCHK_N; i++)
		all_checks[i]->to_json(rec, o);

	/* not a check: read off the fingerprint (assess/samba_version.c) */
	struct samba_version sv;
	if (samba_version_of(rec, &sv)) {
		json_t *so = json_object();
		json_object_set_new(so, "version", record_json_str(sv.text));
		json_object_set_new(so, "source", json_string(sv.source));
		json_object_set_new(o, "samba", so);
	}

	/* every check, always: a consumer must tell "no" from "did not answer" */
	json_t *jchecks = json_object();
	for (unsigned i = 0; i < RCHK_N; i++) {
		const struct rec_check *c = &rec->checks[i];
		json_t *co = json_object();
		json_object_set_new(co, "status", json_string(rec_check_status_name(c->status)));
		if (c->status == RCHK_FAILED)
			json_object_set_new(co, "error", record_json_str(c->error[0] ? c->error : "no answer"));
		json_object_set_new(jchecks, all_checks[i]->id, co);
	}
	json_object_set_new(o, "checks", jchecks);
	if (rec->cost.connections) { /* absent where nothing was counted (UDP) */
		json_t *co = json_pack("{s:i,s:i}", "connections", (int)rec->cost.connections,
				       "retries", (int)rec->cost.retries);
		json_object_set_new(o, "cost", co);
	}

	/* findings and errors are always present (possibly empty): they are
	 * computed, never "unknown", and consumers iterate them directly */
	json_t *fa = json_array();
	for (unsigned i = 0; i < rec->n_findings && i < REC_MAX_FINDINGS; i++) {
		const struct rec_finding *f = &rec->findings[i];
		json_t *fo = json_object();
		json_object_set_new(fo, "id", record_json_str(f->id));
		json_object_set_new(fo, "severity", json_string(severity_name(f->severity)));
		record_json_set_str(fo, "title", f->title);
		record_json_set_str(fo, "evidence", f->evidence);
		record_json_set_str(fo, "remediation", f->remediation);
		if (f->rule[0]) {
			json_object_set_new(fo, "rule", record_json_str(f->rule));
			json_object_set_new(fo, "policy", record_json_str(f->policy_at));
		}
		json_array_append_new(fa, fo);
	}
	json_object_set_new(o, "findings", fa);

	json_t *ea = json_array();
	for (unsigned i = 0; i < rec->n_errors && i < REC_MAX_ERRORS; i++) {
		json_t *eo = json_object();
		json_object_set_new(eo, "stage", record_json_str(rec->errors[i].stage));
		json_object_set_new(eo, "message", record_json_str(rec->errors[i].message));
		json_array_append_new(ea, eo);
	}
	json_object_set_new(o, "errors", ea);
	return o;
}

void record_json_sort(json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr);
	if (n < 2)
		return;
	json_t **v = malloc(n * sizeof *v);
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof *v, cmp);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

json_t *record_json_cert(const struct rec_cert *c)
{
	char t[32];
	json_t *co = json_object();
	record_json_set_str(co, "subject", c->subject);
	record_json_set_str(co, "issuer", c->issuer);
	record_json_set_str(co, "sans", c->sans);
	if (c->not_before) {
		unix_to_rfc3339(c->not_before, t, sizeof t);
		json_object_set_new(co, "not_before", json_string(t));
	}
	if (c->not_after) {
		unix_to_rfc3339(c->not_after, t, sizeof t);
		json_object_set_new(co, "not_after", json_string(t));
	}
	json_object_set_new(co, "key_type", json_string(c->key_type));
	json_object_set_new(co, "key_bits", json_integer(c->key_bits));
	json_object_set_new(co, "self_signed", json_boolean(c->self_signed));
	record_json_set_str(co, "sha256", c->sha256);
	return co;
}
