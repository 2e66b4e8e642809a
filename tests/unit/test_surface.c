/* test_surface.c - the checks of issue 16 part 2 on records built by hand:
 * the relay verdict (assess/relay_verdict.c) and the facts it is fed
 * (probe/relay.c), writable shares from maximal access
 * (probe/share_access.c), the Samba version and the CVEs it indicates
 * (assess/samba_version.c), the SMB1 security mode findings; each with the
 * case that must not raise beside the one that must. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "assess/assess.h"
#include "assess/relay_verdict.h"
#include "assess/samba_version.h"
#include "check/check.h"
#include "probe/relay.h"
#include "probe/share_access.h"
#include "wire/ntstatus.h"

#define ACCESS_DENIED 0xC0000022u
#define LOGON_FAILURE 0xC000006Du

static const struct rec_finding *finding(const struct svc_record *r, const char *id)
{
	for (unsigned i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].id, id) == 0)
			return &r->findings[i];
	return NULL;
}

/* An SMB2 Samba-like service: signing enabled (not required), NTLM offered
 * and answered, the 2.x-only client accepted. */
static void relayable(struct svc_record *r, const char *ip)
{
	record_init(r);
	record_set_str(r->ip, sizeof r->ip, ip);
	r->port = 445;
	record_set_str(r->view, sizeof r->view, "internal");
	r->smb1.enabled = TRI_NO;
	r->smb2.present = true;
	r->smb2.signing = SIGN_ENABLED;
	record_add_dialect(r, 0x0210);
	record_add_dialect(r, 0x0311);
	r->relay.ntlm_offered = TRI_YES;
	r->relay.ntlm_challenge = TRI_YES;
	r->relay.session_encrypt = TRI_NO;
	r->relay.legacy_tried = true; /* let in */
	r->auth.anonymous_logon = TRI_YES;
}

static void test_relay_target(void **state)
{
	(void)state;
	struct svc_record r;
	struct relay_verdict v;
	relayable(&r, "198.18.1.12");
	relay_verdict_of(&r, &v);
	assert_true(v.target);
	assert_string_equal(relay_ntlm_name(v.ntlm), "offered");
	assert_string_equal(relay_encryption_name(v.encryption), "not_required");
	assess_record(&r);
	const struct rec_finding *f = finding(&r, "RELAY_TARGET");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_HIGH);
	assert_non_null(strstr(f->evidence, "NTLM offered (CHALLENGE returned)"));

	/* the same service from outside: critical */
	record_set_str(r.view, sizeof r.view, "external");
	assess_record(&r);
	assert_int_equal(finding(&r, "RELAY_TARGET")->severity, SEV_CRITICAL);
	/* on a globally routable address too */
	relayable(&r, "8.8.4.4");
	assess_record(&r);
	assert_int_equal(finding(&r, "RELAY_TARGET")->severity, SEV_CRITICAL);
}

static void test_relay_not_target(void **state)
{
	(void)state;
	struct svc_record r;
	struct relay_verdict v;

	relayable(&r, "198.18.1.13"); /* signing required */
	r.smb2.signing = SIGN_REQUIRED;
	relay_verdict_of(&r, &v);
	assert_false(v.target);
	assess_record(&r);
	assert_null(finding(&r, "RELAY_TARGET"));

	relayable(&r, "127.0.0.5"); /* Kerberos only: no NTLMSSP, no CHALLENGE */
	r.relay.ntlm_offered = TRI_NO;
	r.relay.ntlm_challenge = TRI_NO;
	relay_verdict_of(&r, &v);
	assert_false(v.target);
	assert_string_equal(relay_ntlm_name(v.ntlm), "not_offered");
	assess_record(&r);
	assert_null(finding(&r, "RELAY_TARGET"));
	assert_non_null(finding(&r, "SIGNING_NOT_REQUIRED")); /* still said */

	relayable(&r, "198.18.1.41"); /* ENCRYPT_DATA on the session */
	r.relay.session_encrypt = TRI_YES;
	relay_verdict_of(&r, &v);
	assert_false(v.target);
	assert_string_equal(relay_encryption_name(v.encryption), "required");

	relayable(&r, "198.18.1.41"); /* 2.x client refused, 3.x accepted (Windows) */
	r.relay.session_encrypt = TRI_UNKNOWN;
	r.relay.legacy_status = ACCESS_DENIED; /* at SESSION_SETUP */
	relay_verdict_of(&r, &v);
	assert_int_equal(v.encryption, RELAY_ENC_REQUIRED);
	assert_false(v.target);

	/* Samba "server smb encrypt = required": anonymous refused with
	 * ACCESS_DENIED on 3.x as well */
	r.auth.anonymous_logon = TRI_NO;
	r.relay.anon_refused_status = ACCESS_DENIED;
	relay_verdict_of(&r, &v);
	assert_int_equal(v.encryption, RELAY_ENC_REQUIRED);
	/* ... but LOGON_FAILURE says nothing about encryption: unknown, and
	 * unknown does not take a service off the list */
	r.relay.anon_refused_status = LOGON_FAILURE;
	relay_verdict_of(&r, &v);
	assert_int_equal(v.encryption, RELAY_ENC_UNKNOWN);
	assert_true(v.target);
}

static void test_relay_legacy_at_tree(void **state)
{
	(void)state;
	struct svc_record r;
	relayable(&r, "198.18.1.12");
	r.relay.legacy_at_tree = true; /* logon let in, IPC$ refused */
	r.relay.legacy_status = ACCESS_DENIED;
	r.auth.null_session = TRI_YES; /* the 3.x client got IPC$ */
	assert_int_equal(relay_legacy_refused(&r), TRI_YES);
	r.auth.null_session = TRI_NO; /* refused for everyone: not the dialect */
	assert_int_equal(relay_legacy_refused(&r), TRI_UNKNOWN);
	r.relay.legacy_tried = false;
	assert_int_equal(relay_legacy_refused(&r), TRI_UNKNOWN);
	r.relay.legacy_tried = true;
	r.relay.legacy_status = 0;
	assert_int_equal(relay_legacy_refused(&r), TRI_NO);
}

static void test_relay_unknowns(void **state)
{
	(void)state;
	struct svc_record r;
	struct relay_verdict v;
	/* signing unknown: never listed */
	relayable(&r, "198.18.1.12");
	r.smb2.signing = SIGN_UNKNOWN;
	relay_verdict_of(&r, &v);
	assert_false(v.target);
	/* NTLM unknown (no blob, no CHALLENGE leg): signing decides, as NetExec */
	relayable(&r, "198.18.1.12");
	r.relay.ntlm_offered = TRI_UNKNOWN;
	r.relay.ntlm_challenge = TRI_UNKNOWN;
	relay_verdict_of(&r, &v);
	assert_true(v.target);
	assert_null(relay_ntlm_name(v.ntlm));
	/* a CHALLENGE beats a mechanism list without NTLMSSP */
	r.relay.ntlm_offered = TRI_NO;
	r.relay.ntlm_challenge = TRI_YES;
	relay_verdict_of(&r, &v);
	assert_int_equal(v.ntlm, RELAY_NTLM_OFFERED);
}

/* RFC 4178 NegTokenInit with the given mechTypes, as a server sends it. */
static size_t neg_token_init(uint8_t *out, bool with_ntlm)
{
	static const uint8_t ms_krb5[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
	static const uint8_t krb5[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
	static const uint8_t ntlm[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01,
				       0x82, 0x37, 0x02, 0x02, 0x0a};
	uint8_t list[64];
	size_t n = 0;
	memcpy(list + n, ms_krb5, sizeof ms_krb5), n += sizeof ms_krb5;
	memcpy(list + n, krb5, sizeof krb5), n += sizeof krb5;
	if (with_ntlm)
		memcpy(list + n, ntlm, sizeof ntlm), n += sizeof ntlm;
	size_t o = 0;
	/* 60 L [06 06 spnego] [a0 L [30 L [a0 L [30 n list]]]] */
	out[o++] = 0x60;
	out[o++] = (uint8_t)(8 + 8 + n);
	static const uint8_t spnego[] = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
	memcpy(out + o, spnego, sizeof spnego), o += sizeof spnego;
	out[o++] = 0xa0, out[o++] = (uint8_t)(6 + n);
	out[o++] = 0x30, out[o++] = (uint8_t)(4 + n);
	out[o++] = 0xa0, out[o++] = (uint8_t)(2 + n);
	out[o++] = 0x30, out[o++] = (uint8_t)n;
	memcpy(out + o, list, n);
	return o + n;
}

/* SMB1 on (issue 17: no 2.x-only connection): the SMB1 checks' anonymous
 * logon and IPC$ are the client that cannot encrypt; noted only with the
 * relay check on and SMB2 present, never over a 2.x-only answer. */
static void test_relay_smb1_client(void **state)
{
	(void)state;
	struct svc_record r;
	struct relay_verdict v;
	struct scan_opts o = {.checks = CHECK_ALL};
	struct probe_ctx ctx = {.opts = &o};
	relayable(&r, "198.18.1.10");
	r.relay.legacy_tried = false;
	ctx.rec = &r;
	relay_note_smb1_client(&ctx, 0, true); /* IPC$ let in */
	assert_true(r.relay.legacy_tried && r.relay.legacy_smb1);
	relay_verdict_of(&r, &v);
	assert_string_equal(relay_encryption_name(v.encryption), "not_required");
	assert_non_null(strstr(v.why, "SMB1 client accepted"));
	/* refused at SESSION_SETUP with ACCESS_DENIED, 3.x let in: required */
	relay_note_smb1_client(&ctx, STATUS_ACCESS_DENIED, false);
	r.relay.session_encrypt = TRI_UNKNOWN;
	relay_verdict_of(&r, &v);
	assert_string_equal(relay_encryption_name(v.encryption), "required");
	assert_non_null(strstr(v.why, "SMB1 client refused, 3.x accepted"));
	/* a 2.x-only answer is kept (the better evidence) */
	relayable(&r, "198.18.1.10");
	relay_note_smb1_client(&ctx, STATUS_ACCESS_DENIED, false);
	assert_false(r.relay.legacy_smb1);
	assert_int_equal(r.relay.legacy_status, 0);
	/* SMB1 only: nothing to note (the verdict says "SMB1 only") */
	relayable(&r, "198.18.1.11");
	r.relay.legacy_tried = false;
	r.smb2.present = false;
	relay_note_smb1_client(&ctx, 0, true);
	assert_false(r.relay.legacy_tried);
	/* the relay check off: nothing */
	relayable(&r, "198.18.1.10");
	r.relay.legacy_tried = false;
	o.checks = CHECK_ALL & ~CHECK_BIT(RCHK_RELAY);
	relay_note_smb1_client(&ctx, 0, true);
	assert_false(r.relay.legacy_tried);
}

static void test_relay_notes(void **state)
{
	(void)state;
	struct svc_record r;
	uint8_t blob[128];
	struct rd b;

	record_init(&r);
	rd_init(&b, blob, neg_token_init(blob, false));
	relay_note_mechtypes(&r, &b);
	assert_int_equal(r.relay.ntlm_offered, TRI_NO);
	assert_int_equal(r.n_errors, 0);

	record_init(&r);
	rd_init(&b, blob, neg_token_init(blob, true));
	relay_note_mechtypes(&r, &b);
	assert_int_equal(r.relay.ntlm_offered, TRI_YES);

	record_init(&r); /* empty buffer (MS-SMB2 allows it): unknown */
	rd_init(&b, blob, 0);
	relay_note_mechtypes(&r, &b);
	assert_int_equal(r.relay.ntlm_offered, TRI_UNKNOWN);
	/* bad DER: an error, still unknown */
	size_t n = neg_token_init(blob, true);
	blob[1] = 0x7f;
	rd_init(&b, blob, n);
	relay_note_mechtypes(&r, &b);
	assert_int_equal(r.relay.ntlm_offered, TRI_UNKNOWN);
	assert_int_equal(r.n_errors, 1);

	record_init(&r); /* NOT_SUPPORTED, then a CHALLENGE over SMB1: answered */
	relay_note_challenge(&r, false, 0xC00000BBu);
	assert_int_equal(r.relay.ntlm_challenge, TRI_NO);
	assert_int_equal(r.relay.ntlm_refused_status, 0xC00000BBu);
	relay_note_challenge(&r, true, 0);
	relay_note_challenge(&r, false, 0xC00000BBu);
	assert_int_equal(r.relay.ntlm_challenge, TRI_YES);

	/* sessions: ENCRYPT_DATA on any of them wins */
	record_init(&r);
	struct sess2 s = {.step = SESS2_READY, .session_flags = 0x0001};
	relay_note_session(&r, &s);
	assert_int_equal(r.relay.session_encrypt, TRI_NO);
	s.session_flags = 0x0004;
	relay_note_session(&r, &s);
	assert_int_equal(r.relay.session_encrypt, TRI_YES);
	s.session_flags = 0;
	relay_note_session(&r, &s);
	assert_int_equal(r.relay.session_encrypt, TRI_YES);
	struct sess2 refused = {.step = SESS2_FAILED, .challenged = true, .status = ACCESS_DENIED};
	relay_note_session(&r, &refused);
	assert_int_equal(r.relay.anon_refused_status, ACCESS_DENIED);
}

static void test_share_access(void **state)
{
	(void)state;
	/* measured on Samba 4.17: read-only share 0x001f00a9 (DELETE among
	 * them), writable share 0x001f01ff; impacket 0x000f01ff */
	assert_false(share_access_writes(0x001f00a9));
	assert_false(share_access_writes(0x001200a9)); /* Windows XP A: (capture) */
	assert_true(share_access_writes(0x001f01ff));
	assert_true(share_access_writes(0x000f01ff));
	assert_true(share_access_writes(0x00000002)); /* FILE_WRITE_DATA */
	assert_true(share_access_writes(0x00000004)); /* FILE_APPEND_DATA */
	assert_true(share_access_writes(0x10000000)); /* GENERIC_ALL */
	assert_false(share_access_writes(0x00010000)); /* DELETE alone */

	struct rec_share sh;
	memset(&sh, 0, sizeof sh);
	share_access_note(&sh, 0x001f00a9);
	assert_int_equal(sh.anonymous_write, TRI_NO);
	share_access_note(&sh, 0x00000002); /* the guest session may write */
	assert_int_equal(sh.anonymous_write, TRI_YES);
	assert_int_equal(sh.max_access, 0x001f00ab);
}

static void add_share(struct svc_record *r, const char *name, uint32_t max_access)
{
	struct rec_share *sh = &r->shares[r->n_shares++];
	record_set_str(sh->name, sizeof sh->name, name);
	record_set_str(sh->type, sizeof sh->type, "disk");
	sh->anonymous_read = TRI_YES;
	share_access_note(sh, max_access);
}

static void test_writable_finding(void **state)
{
	(void)state;
	struct svc_record r;
	relayable(&r, "198.18.1.43");
	r.has_shares = true;
	add_share(&r, "public", 0x001f00a9);
	assess_record(&r);
	assert_null(finding(&r, "ANON_SHARE_WRITABLE"));
	add_share(&r, "drop", 0x001f01ff);
	assess_record(&r);
	const struct rec_finding *f = finding(&r, "ANON_SHARE_WRITABLE");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_HIGH);
	assert_non_null(strstr(f->evidence, "drop (0x001f01ff)"));
	assert_null(strstr(f->evidence, "public"));
	record_set_str(r.view, sizeof r.view, "external");
	assess_record(&r);
	assert_int_equal(finding(&r, "ANON_SHARE_WRITABLE")->severity, SEV_CRITICAL);
}

static void test_samba_version_parse(void **state)
{
	(void)state;
	struct samba_version v;
	assert_true(samba_version_parse("Samba 4.17.12-Debian", &v));
	assert_int_equal(v.major, 4);
	assert_int_equal(v.minor, 17);
	assert_int_equal(v.patch, 12);
	assert_true(v.distro_suffix);
	assert_string_equal(v.text, "4.17.12-Debian");
	assert_true(samba_version_parse("IPC Service (Samba 4.5.9)", &v));
	assert_string_equal(v.text, "4.5.9");
	assert_false(v.distro_suffix);
	assert_true(samba_version_parse("Samba 3.6", &v));
	assert_int_equal(v.patch, 0);
	assert_false(samba_version_parse("Samba", &v));
	assert_false(samba_version_parse("Samba x.1", &v));
	assert_false(samba_version_parse("IPC Service (smbwatch lab guest)", &v));
	assert_false(samba_version_parse("Windows 10 Enterprise 6.3", &v));
	assert_false(samba_version_parse("Samba 4.123456", &v)); /* 6 digits */
	/* the first "Samba N" wins over an earlier word that is not one */
	assert_true(samba_version_parse("Samba Samba 4.2.1", &v));
	assert_string_equal(v.text, "4.2.1");
}

static bool cve7494(const char *s)
{
	struct samba_version v;
	assert_true(samba_version_parse(s, &v));
	return samba_cve_2017_7494(&v);
}

static bool cve44142(const char *s)
{
	struct samba_version v;
	assert_true(samba_version_parse(s, &v));
	return samba_cve_2021_44142(&v);
}

static void test_samba_cves(void **state)
{
	(void)state;
	assert_false(cve7494("Samba 3.4.17"));
	assert_true(cve7494("Samba 3.5.0"));
	assert_true(cve7494("Samba 4.4.13"));
	assert_false(cve7494("Samba 4.4.14"));
	assert_true(cve7494("Samba 4.5.9"));
	assert_false(cve7494("Samba 4.5.10"));
	assert_true(cve7494("Samba 4.6.3"));
	assert_false(cve7494("Samba 4.6.4"));
	assert_false(cve7494("Samba 4.7.0"));
	assert_true(cve44142("Samba 4.13.16"));
	assert_false(cve44142("Samba 4.13.17"));
	assert_true(cve44142("Samba 4.14.11"));
	assert_false(cve44142("Samba 4.14.12"));
	assert_true(cve44142("Samba 4.15.4"));
	assert_false(cve44142("Samba 4.15.5"));
	assert_false(cve44142("Samba 4.16.0"));
	assert_false(cve44142("Samba 4.17.12-Debian"));
}

static void test_samba_findings(void **state)
{
	(void)state;
	struct svc_record r;
	relayable(&r, "198.18.1.14");
	r.has_shares = true;
	add_share(&r, "public", 0x001f00a9);
	struct rec_share *ipc = &r.shares[r.n_shares++];
	record_set_str(ipc->name, sizeof ipc->name, "IPC$");
	record_set_str(ipc->comment, sizeof ipc->comment, "IPC Service (Samba 4.5.9)");
	assess_record(&r);
	/* no writable share: SambaCry not indicated, vfs_fruit is */
	assert_null(finding(&r, "SAMBA_CVE_2017_7494"));
	const struct rec_finding *f = finding(&r, "SAMBA_CVE_2021_44142");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_MEDIUM);
	assert_non_null(strstr(f->evidence, "version-indicated, not probed"));
	assert_non_null(strstr(f->evidence, "srvsvc_comment"));
	add_share(&r, "drop", 0x001f01ff);
	assess_record(&r);
	assert_non_null(finding(&r, "SAMBA_CVE_2017_7494"));
	/* NativeLanMan comes first: a fixed version there clears both */
	r.smb1.enabled = TRI_YES;
	record_set_str(r.smb1.native_lanman, sizeof r.smb1.native_lanman, "Samba 4.17.12-Debian");
	assess_record(&r);
	assert_null(finding(&r, "SAMBA_CVE_2017_7494"));
	assert_null(finding(&r, "SAMBA_CVE_2021_44142"));
	struct samba_version v;
	assert_true(samba_version_of(&r, &v));
	assert_string_equal(v.source, "smb1_native_lanman");
}

static void test_smb1_security_mode(void **state)
{
	(void)state;
	static const struct {
		uint8_t mode;
		bool plaintext, share_level;
	} cases[] = {{0x03, false, false}, {0x0b, false, false}, {0x01, true, false},
		     {0x02, false, true},  {0x00, true, true}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct svc_record r;
		relayable(&r, "198.18.1.42");
		r.smb1.enabled = TRI_YES;
		r.smb1.signing = SIGN_DISABLED;
		r.smb1.has_security_mode = true;
		r.smb1.security_mode = cases[i].mode;
		assess_record(&r);
		const struct rec_finding *p = finding(&r, "SMB1_PLAINTEXT_PASSWORDS");
		const struct rec_finding *s = finding(&r, "SMB1_SHARE_LEVEL");
		assert_int_equal(p != NULL, cases[i].plaintext);
		assert_int_equal(s != NULL, cases[i].share_level);
		if (p)
			assert_int_equal(p->severity, SEV_CRITICAL);
		if (s)
			assert_int_equal(s->severity, SEV_CRITICAL);
	}
	/* SMB1 off (the mode is stale or absent): nothing */
	struct svc_record r;
	relayable(&r, "198.18.1.12");
	r.smb1.has_security_mode = true;
	r.smb1.security_mode = 0x00;
	assess_record(&r);
	assert_null(finding(&r, "SMB1_PLAINTEXT_PASSWORDS"));
	assert_null(finding(&r, "SMB1_SHARE_LEVEL"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_target),	   cmocka_unit_test(test_relay_not_target),
		cmocka_unit_test(test_relay_unknowns),	   cmocka_unit_test(test_relay_notes),
		cmocka_unit_test(test_relay_legacy_at_tree),
		cmocka_unit_test(test_relay_smb1_client),
		cmocka_unit_test(test_share_access),	   cmocka_unit_test(test_writable_finding),
		cmocka_unit_test(test_samba_version_parse), cmocka_unit_test(test_samba_cves),
		cmocka_unit_test(test_samba_findings),	   cmocka_unit_test(test_smb1_security_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
