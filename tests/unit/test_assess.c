/* test_assess.c - findings from records: which ids, which severities, and
 * that nothing is raised on evidence that does not prove it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "assess/assess.h"
#include "assess/osname.h"
#include "assess/smbghost.h"

static bool has(const struct svc_record *r, const char *id)
{
	for (unsigned i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].id, id) == 0)
			return true;
	return false;
}

static void base(struct svc_record *r, const char *ip, uint16_t port)
{
	record_init(r);
	record_set_str(r->ip, sizeof r->ip, ip);
	r->port = port;
	record_set_str(r->view, sizeof r->view, "internal");
	r->smb2.present = true;
	r->smb2.signing = SIGN_REQUIRED;
	record_add_dialect(r, 0x0300);
	record_add_dialect(r, 0x0311);
	r->smb1.enabled = TRI_NO;
}

static void test_hardened_host_only_exposed(void **state)
{
	(void)state;
	struct svc_record r;
	base(&r, "198.18.1.13", 445);
	assess_record(&r);
	assert_int_equal(r.n_findings, 1);
	assert_true(has(&r, "SMB_EXPOSED"));
	assert_int_equal(assess_worst(&r), SEV_INFO);
}

static void test_smb1_unsigned_public(void **state)
{
	(void)state;
	struct svc_record r;
	base(&r, "8.8.8.8", 445); /* classification only: nothing is sent */
	r.smb1.enabled = TRI_YES;
	r.smb1.signing = SIGN_DISABLED;
	r.smb2.signing = SIGN_ENABLED;
	assess_record(&r);
	assert_true(has(&r, "SMB_EXPOSED_PUBLIC"));
	assert_true(has(&r, "SMB1_ENABLED"));
	assert_true(has(&r, "SIGNING_NOT_REQUIRED"));
	assert_false(has(&r, "NULL_SESSION"));
	assert_int_equal(assess_worst(&r), SEV_CRITICAL);
	/* every finding carries a title, evidence and a remediation */
	for (unsigned i = 0; i < r.n_findings; i++) {
		assert_non_null(r.findings[i].title);
		assert_true(strlen(r.findings[i].remediation) > 20);
		assert_true(strlen(r.findings[i].evidence) > 5);
	}
}

/* Issue 22: a lab address seen from the view named "external" is the same
 * one finding as a public address (SMB_EXPOSED_PUBLIC, critical) from the
 * first run that saw it; the same record from the internal view is not. */
static void test_external_view_is_exposed_public(void **state)
{
	(void)state;
	struct svc_record r;
	base(&r, "198.18.1.13", 445);
	record_set_str(r.view, sizeof r.view, "external");
	assess_record(&r);
	assert_true(has(&r, "SMB_EXPOSED_PUBLIC"));
	assert_int_equal(assess_worst(&r), SEV_CRITICAL);
	unsigned n = 0;
	for (unsigned i = 0; i < r.n_findings; i++)
		n += strcmp(r.findings[i].id, "SMB_EXPOSED_PUBLIC") == 0;
	assert_int_equal(n, 1); /* one id, not one per reason */
	/* control: same host, internal view */
	base(&r, "198.18.1.13", 445);
	record_set_str(r.view, sizeof r.view, "internal");
	assess_record(&r);
	assert_false(has(&r, "SMB_EXPOSED_PUBLIC"));
	assert_int_equal(assess_worst(&r), SEV_INFO);
}

static void test_restrict_anonymous_is_not_null_session(void **state)
{
	(void)state;
	struct svc_record r;
	base(&r, "198.18.1.13", 445);
	r.auth.anonymous_logon = TRI_YES;
	r.auth.null_session = TRI_NO;
	assess_record(&r);
	assert_false(has(&r, "NULL_SESSION"));
}

static void test_shares_guest_nonstandard(void **state)
{
	(void)state;
	struct svc_record r;
	base(&r, "198.18.1.15", 8445);
	r.auth.null_session = TRI_YES;
	r.auth.guest = TRI_YES;
	r.has_shares = true;
	r.n_shares = 2;
	record_set_str(r.shares[0].name, sizeof r.shares[0].name, "public");
	record_set_str(r.shares[0].type, sizeof r.shares[0].type, "disk");
	r.shares[0].anonymous_read = TRI_YES;
	record_set_str(r.shares[1].name, sizeof r.shares[1].name, "IPC$");
	record_set_str(r.shares[1].type, sizeof r.shares[1].type, "ipc");
	assess_record(&r);
	assert_true(has(&r, "NULL_SESSION"));
	assert_true(has(&r, "GUEST_ACCESS"));
	assert_true(has(&r, "ANON_SHARE_READABLE"));
	assert_true(has(&r, "NONSTANDARD_PORT"));
	assert_false(has(&r, "SMB_EXPOSED_PUBLIC"));
}

static void test_vulns(void **state)
{
	(void)state;
	struct svc_record r;
	base(&r, "198.18.1.40", 445);
	r.ms17_010 = VULN_VULNERABLE;
	r.doublepulsar = VULN_VULNERABLE;
	r.cve_2020_0796 = VULN_NOT_VULNERABLE;
	assess_record(&r);
	assert_true(has(&r, "MS17_010"));
	assert_true(has(&r, "DOUBLEPULSAR"));
	assert_false(has(&r, "CVE_2020_0796"));
	r.ms17_010 = VULN_UNKNOWN;
	assess_record(&r);
	assert_false(has(&r, "MS17_010"));
}

static void test_no_encryption(void **state)
{
	(void)state;
	struct svc_record r;
	base(&r, "198.18.1.41", 445);
	r.smb2.n_dialects = 0;
	record_add_dialect(&r, 0x0202);
	record_add_dialect(&r, 0x0210);
	assess_record(&r);
	assert_true(has(&r, "NO_ENCRYPTION"));
}

static void test_public_ranges(void **state)
{
	(void)state;
	assert_false(assess_ip_is_public("198.18.1.10"));
	assert_false(assess_ip_is_public("198.19.255.1"));
	assert_false(assess_ip_is_public("10.1.2.3"));
	assert_false(assess_ip_is_public("172.16.0.1"));
	assert_false(assess_ip_is_public("192.168.1.1"));
	assert_false(assess_ip_is_public("100.64.0.1"));
	assert_false(assess_ip_is_public("127.0.0.1"));
	assert_false(assess_ip_is_public("169.254.1.1"));
	assert_false(assess_ip_is_public("2001:2::10"));
	assert_false(assess_ip_is_public("fe80::1"));
	assert_false(assess_ip_is_public("2001:db8::1"));
	assert_true(assess_ip_is_public("8.8.8.8"));
	assert_true(assess_ip_is_public("2a00:1450::1"));
	assert_true(assess_ip_is_public("198.20.0.1"));
}

static void test_smbghost(void **state)
{
	(void)state;
	struct svc_record r;
	base(&r, "198.18.1.42", 445);
	r.smb2.dialects_complete = true;
	r.ntlm.present = r.ntlm.has_version = true;
	r.ntlm.os_major = 10;
	r.ntlm.os_build = 18362;
	/* affected build but no compression: mitigated */
	assert_int_equal(smbghost_verdict(&r), VULN_NOT_VULNERABLE);
	r.smb2.n_compression = 1;
	r.smb2.compression[0] = 0x0001; /* LZNT1 */
	assert_int_equal(smbghost_verdict(&r), VULN_VULNERABLE);
	/* compression alone on a later build: not affected */
	r.ntlm.os_build = 19041;
	assert_int_equal(smbghost_verdict(&r), VULN_NOT_VULNERABLE);
	/* no OS version: cannot say */
	r.ntlm.has_version = false;
	assert_int_equal(smbghost_verdict(&r), VULN_UNKNOWN);
	/* no 3.1.1 at all */
	r.smb2.n_dialects = 0;
	record_add_dialect(&r, 0x0302);
	assert_int_equal(smbghost_verdict(&r), VULN_NOT_VULNERABLE);
}

static void test_osname(void **state)
{
	(void)state;
	struct svc_record r;
	char buf[128];
	record_init(&r);
	r.ntlm.has_version = true;
	r.ntlm.os_major = 6;
	r.ntlm.os_minor = 1;
	osname_describe(&r, buf, sizeof buf);
	assert_string_equal(buf, "Samba (NTLM version 6.1 build 0)");
	r.ntlm.os_major = 10;
	r.ntlm.os_minor = 0;
	r.ntlm.os_build = 17763;
	osname_describe(&r, buf, sizeof buf);
	assert_string_equal(buf, "Windows 10 1809 / Server 2019 (10.0.17763)");
	record_set_str(r.smb1.native_lanman, sizeof r.smb1.native_lanman, "Samba 4.17.12-Debian");
	osname_describe(&r, buf, sizeof buf);
	assert_string_equal(buf, "Samba 4.17.12-Debian");
	assert_null(osname_windows(10, 0, 12345));
}

static void test_severity_parse(void **state)
{
	(void)state;
	assert_int_equal(assess_severity_parse("critical"), SEV_CRITICAL);
	assert_int_equal(assess_severity_parse("info"), SEV_INFO);
	assert_int_equal(assess_severity_parse("bogus"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hardened_host_only_exposed),
		cmocka_unit_test(test_smb1_unsigned_public),
		cmocka_unit_test(test_external_view_is_exposed_public),
		cmocka_unit_test(test_restrict_anonymous_is_not_null_session),
		cmocka_unit_test(test_shares_guest_nonstandard),
		cmocka_unit_test(test_vulns),
		cmocka_unit_test(test_no_encryption),
		cmocka_unit_test(test_public_ranges),
		cmocka_unit_test(test_smbghost),
		cmocka_unit_test(test_osname),
		cmocka_unit_test(test_severity_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
