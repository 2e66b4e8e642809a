/* relay.c - can an NTLM logon be relayed to this service? Signing not
 * required (the fingerprint), NTLM offered (the negotiate's mechTypes and
 * CHALLENGE leg) and the session not forced to encrypt (ENCRYPT_DATA on
 * the anonymous/guest session; a 2.0.2/2.1-only anonymous logon refused).
 * The facts are noted by the other conversations (probe/relay.h); its one
 * conversation of its own is that 2.x-only logon, and only where the
 * dialect probe's 2.0.2 connection did not already make it. The verdict is
 * assess/relay_verdict.c, shared with --relay-list. */
#include "assess/relay_verdict.h"
#include "check/check.h"
#include "probe/probe.h"
#include "record/json.h"
#include "wire/smb2.h"

static bool relay_conv_applies(const struct svc_record *r)
{
	return !r->relay.legacy_tried && (record_has_dialect(r, SMB2_DIALECT_202) ||
					  record_has_dialect(r, SMB2_DIALECT_210));
}

static bool relay_known(const struct svc_record *r)
{
	const struct rec_relay *rl = &r->relay;
	return rl->ntlm_offered != TRI_UNKNOWN || rl->ntlm_challenge != TRI_UNKNOWN ||
	       rl->session_encrypt != TRI_UNKNOWN || rl->legacy_tried;
}

static void relay_json(const struct svc_record *r, json_t *root)
{
	if (!relay_known(r))
		return; /* only once something is known */
	struct relay_verdict v;
	relay_verdict_of(r, &v);
	const char *ntlm = relay_ntlm_name(v.ntlm), *enc = relay_encryption_name(v.encryption);
	json_t *o = json_object();
	if (ntlm)
		json_object_set_new(o, "ntlm", json_string(ntlm));
	record_json_put(o, NULL, "ntlm_in_mechtypes", record_json_tri(r->relay.ntlm_offered));
	record_json_put(o, NULL, "ntlm_challenge", record_json_tri(r->relay.ntlm_challenge));
	if (enc)
		json_object_set_new(o, "encryption", json_string(enc));
	record_json_put(o, NULL, "session_encrypt_data", record_json_tri(r->relay.session_encrypt));
	record_json_put(o, NULL, "legacy_client_refused", record_json_tri(relay_legacy_refused(r)));
	json_object_set_new(o, "target", json_boolean(v.target));
	json_object_set_new(root, "relay", o);
}

static void relay_text(const struct svc_record *r, char *line, size_t linesz)
{
	if (!relay_known(r))
		return;
	struct relay_verdict v;
	relay_verdict_of(r, &v);
	check_join(line, linesz,
		   v.target ? "NTLM" CHECK_NBSP "relay" CHECK_NBSP "target"
			    : "no" CHECK_NBSP "NTLM" CHECK_NBSP "relay");
}

static void relay_target_fact(const struct svc_record *r, struct check_value *v)
{
	struct relay_verdict rv;
	relay_verdict_of(r, &rv);
	check_value_tri(v, !relay_known(r) ? TRI_UNKNOWN : rv.target ? TRI_YES : TRI_NO);
}

const struct check check_relay = {
	.id = "relay",
	.summary = "NTLM relay target: signing not required, NTLM offered, encryption not forced",
	.needs = NEEDS_SESSION,
	.conv = &probe_relay_legacy,
	.conv_applies = relay_conv_applies,
	.fields = {"relay", NULL},
	.known = relay_known,
	.to_json = relay_json,
	.text_group = TEXT_AUTH,
	.to_text = relay_text,
	.facts = {{"relay_target", "NTLM relay target", relay_target_fact}},
	.findings = {FIND_RELAY_TARGET},
};
