/* test_record.c - record helpers and the JSON Lines contract of a filled
 * record (exact keys, values and order). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "record/json.h"
#include "record/record.h"
#include "record_fixture.h"

static char *dump(const struct svc_record *r)
{
	json_t *o = record_to_json(r);
	assert_non_null(o);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	assert_non_null(s);
	return s;
}

static void test_json_full(void **state)
{
	(void)state;
	static struct svc_record r;
	fill(&r);
	record_check_set(&r, RCHK_AUTH, RCHK_OK, NULL);
	record_check_set(&r, RCHK_SHARES, RCHK_OK, "ignored when ok");
	record_check_set(&r, RCHK_MS17_010, RCHK_OK, NULL);
	record_check_set(&r, RCHK_GUEST, RCHK_FAILED, "timeout");
	char *s = dump(&r);
	const char *want =
		"{\"type\":\"service\",\"ip\":\"198.18.1.10\",\"port\":445,\"transport\":\"direct\","
		"\"view\":\"lab\",\"scanned_at\":\"2023-11-14T22:13:20Z\","
		"\"smb1\":{\"enabled\":true,\"dialect\":\"NT LM 0.12\",\"signing\":\"enabled\","
		"\"native_os\":\"Windows 6.1\",\"native_lanman\":\"Samba 4.17.12-Debian\","
		"\"domain\":\"LAB\",\"capabilities\":[\"UNICODE\",\"NT_SMBS\",\"STATUS32\","
		"\"0x00800000\",\"EXTENDED_SECURITY\"]},"
		"\"smb2\":{\"dialects\":[\"2.0.2\",\"2.1\",\"3.0\",\"3.0.2\",\"3.1.1\"],\"dialects_method\":\"each\","
		"\"signing\":\"enabled\",\"server_guid\":\"03020100-0504-0706-0809-0a0b0c0d0e0f\","
		"\"capabilities\":[\"DFS\",\"LEASING\",\"LARGE_MTU\"],\"max_read\":8388608,"
		"\"max_write\":8388608,\"max_transact\":8388608,"
		"\"system_time\":\"2023-11-14T22:13:20Z\",\"preauth_hashes\":[\"SHA-512\"],"
		"\"ciphers\":[\"AES-128-GCM\",\"AES-128-CCM\"],\"compression\":[],"
		"\"signing_algorithms\":[\"AES-CMAC\",\"0x0009\"]},"
		"\"ntlm\":{\"netbios_computer\":\"LAB-SMB1\",\"netbios_domain\":\"LAB\","
		"\"dns_computer\":\"lab-smb1.lab.test\",\"dns_domain\":\"lab.test\","
		"\"os_version\":\"6.1.0\",\"ntlm_revision\":15},"
		"\"auth\":{\"anonymous_logon\":true,\"null_session\":true},"
		"\"shares\":[{\"name\":\"IPC$\",\"type\":\"ipc\",\"comment\":\"IPC Service\"},"
		"{\"name\":\"public\",\"type\":\"disk\",\"anonymous_read\":true}],"
		"\"vulns\":{\"ms17_010\":\"not_vulnerable\"},"
		/* the version NativeLanMan tells (assess/samba_version.c) */
		"\"samba\":{\"version\":\"4.17.12-Debian\",\"source\":\"smb1_native_lanman\"},"
		"\"checks\":{\"auth\":{\"status\":\"ok\"},"
		"\"guest\":{\"status\":\"failed\",\"error\":\"timeout\"},"
		"\"shares\":{\"status\":\"ok\"},\"ms17_010\":{\"status\":\"ok\"},"
		"\"cve_2020_0796\":{\"status\":\"not_run\"},"
		"\"doublepulsar\":{\"status\":\"not_run\"},"
		"\"relay\":{\"status\":\"not_run\"},\"epm\":{\"status\":\"not_run\"},\"nbns\":{\"status\":\"not_run\"},\"quic\":{\"status\":\"not_run\"},\"mgmt\":{\"status\":\"not_run\"}},"
		"\"findings\":[{\"id\":\"SMB1_ENABLED\",\"severity\":\"high\","
		"\"title\":\"SMBv1 is enabled\",\"evidence\":\"NT LM 0.12 accepted\","
		"\"remediation\":\"Disable SMBv1\"}],"
		"\"errors\":[{\"stage\":\"guest\",\"message\":\"session setup: STATUS_LOGON_FAILURE\"}]}";
	assert_string_equal(s, want);
	free(s);
}

static void test_json_minimal(void **state)
{
	(void)state;
	static struct svc_record r;
	record_init(&r);
	record_set_str(r.ip, sizeof r.ip, "2001:2::10");
	r.port = 139;
	r.netbios = true;
	char *s = dump(&r);
	assert_string_equal(s, "{\"type\":\"service\",\"ip\":\"2001:2::10\",\"port\":139,"
			       "\"transport\":\"netbios\",\"checks\":{\"auth\":{\"status\":\"not_run\"},"
			       "\"guest\":{\"status\":\"not_run\"},\"shares\":{\"status\":\"not_run\"},"
			       "\"ms17_010\":{\"status\":\"not_run\"},"
			       "\"cve_2020_0796\":{\"status\":\"not_run\"},"
			       "\"doublepulsar\":{\"status\":\"not_run\"},"
			       "\"relay\":{\"status\":\"not_run\"},\"epm\":{\"status\":\"not_run\"},\"nbns\":{\"status\":\"not_run\"},\"quic\":{\"status\":\"not_run\"},\"mgmt\":{\"status\":\"not_run\"}},"
			       "\"findings\":[],\"errors\":[]}");
	free(s);

	/* SMB1 known absent; SMB2 answered with nothing else learned; a
	 * boot time; vulns all known */
	r.smb1.enabled = TRI_NO;
	r.smb2.present = true;
	r.smb2.boot_time = T_FILETIME;
	r.auth.guest = TRI_NO;
	r.ms17_010 = VULN_UNKNOWN;
	r.cve_2020_0796 = VULN_VULNERABLE;
	r.doublepulsar = VULN_NOT_VULNERABLE;
	r.has_shares = true;
	s = dump(&r);
	assert_string_equal(s, "{\"type\":\"service\",\"ip\":\"2001:2::10\",\"port\":139,"
			       "\"transport\":\"netbios\",\"smb1\":{\"enabled\":false},"
			       "\"smb2\":{\"dialects\":[],\"capabilities\":[],"
			       "\"boot_time\":\"2023-11-14T22:13:20Z\"},\"auth\":{\"guest\":false},"
			       "\"shares\":[],\"vulns\":{\"cve_2020_0796\":\"vulnerable\","
			       "\"doublepulsar\":\"not_vulnerable\"},"
			       "\"checks\":{\"auth\":{\"status\":\"not_run\"},"
			       "\"guest\":{\"status\":\"not_run\"},\"shares\":{\"status\":\"not_run\"},"
			       "\"ms17_010\":{\"status\":\"not_run\"},"
			       "\"cve_2020_0796\":{\"status\":\"not_run\"},"
			       "\"doublepulsar\":{\"status\":\"not_run\"},"
			       "\"relay\":{\"status\":\"not_run\"},\"epm\":{\"status\":\"not_run\"},\"nbns\":{\"status\":\"not_run\"},\"quic\":{\"status\":\"not_run\"},\"mgmt\":{\"status\":\"not_run\"}},"
			       "\"findings\":[],\"errors\":[]}");
	free(s);
}

static void test_json_bad_utf8(void **state)
{
	(void)state;
	static struct svc_record r;
	record_init(&r);
	record_set_str(r.ip, sizeof r.ip, "198.18.1.1");
	r.ntlm.present = true;
	record_set_str(r.ntlm.netbios_computer, REC_STR, "AB\xff\xfe" "C");
	char *s = dump(&r);
	assert_non_null(strstr(s, "\"ntlm\":{\"netbios_computer\":\"AB??C\"}"));
	free(s);
}

static void test_set_str(void **state)
{
	(void)state;
	char b[4];
	record_set_str(b, sizeof b, "abcdef");
	assert_string_equal(b, "abc");
	record_set_str(b, sizeof b, NULL);
	assert_string_equal(b, "");
	record_set_str(b, sizeof b, "ab");
	assert_string_equal(b, "ab");
}

static void test_errors_cap(void **state)
{
	(void)state;
	static struct svc_record r;
	record_init(&r);
	for (int i = 0; i < REC_MAX_ERRORS + 3; i++)
		record_add_error(&r, "negotiate", "error %d", i);
	assert_int_equal(r.n_errors, REC_MAX_ERRORS);
	assert_string_equal(r.errors[0].stage, "negotiate");
	assert_string_equal(r.errors[7].message, "error 7");
	/* long messages are cut, never overflow */
	record_init(&r);
	char big[400];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	record_add_error(&r, "a-very-long-stage-name-that-does-not-fit-32", "%s", big);
	assert_int_equal(strlen(r.errors[0].message), sizeof r.errors[0].message - 1);
	assert_int_equal(strlen(r.errors[0].stage), sizeof r.errors[0].stage - 1);
}

static void test_dialects(void **state)
{
	(void)state;
	static struct svc_record r;
	record_init(&r);
	assert_false(record_is_smb(&r));
	record_add_dialect(&r, 0x0302);
	record_add_dialect(&r, 0x0202);
	record_add_dialect(&r, 0x0302);
	assert_int_equal(r.smb2.n_dialects, 2);
	assert_int_equal(r.smb2.dialects[0], 0x0202);
	assert_int_equal(r.smb2.dialects[1], 0x0302);
	assert_true(record_has_dialect(&r, 0x0302));
	assert_false(record_has_dialect(&r, 0x0311));
	record_add_dialect(&r, 0x0311);
	record_add_dialect(&r, 0x0210);
	record_add_dialect(&r, 0x0300);
	record_add_dialect(&r, 0x02ff); /* a sixth is dropped */
	assert_int_equal(r.smb2.n_dialects, 5);
	assert_int_equal(r.smb2.dialects[4], 0x0311);

	assert_false(record_is_smb(&r)); /* dialects alone are not an answer */
	r.smb2.present = true;
	assert_true(record_is_smb(&r));
	r.smb2.present = false;
	r.smb1.enabled = TRI_NO;
	assert_true(record_is_smb(&r));
}

static void test_names(void **state)
{
	(void)state;
	assert_null(signing_name(SIGN_UNKNOWN));
	assert_string_equal(signing_name(SIGN_DISABLED), "disabled");
	assert_string_equal(signing_name(SIGN_ENABLED), "enabled");
	assert_string_equal(signing_name(SIGN_REQUIRED), "required");
	assert_string_equal(vuln_name(VULN_UNKNOWN), "unknown");
	assert_string_equal(vuln_name(VULN_VULNERABLE), "vulnerable");
	assert_string_equal(vuln_name(VULN_NOT_VULNERABLE), "not_vulnerable");
	assert_string_equal(severity_name(SEV_INFO), "info");
	assert_string_equal(severity_name(SEV_LOW), "low");
	assert_string_equal(severity_name(SEV_MEDIUM), "medium");
	assert_string_equal(severity_name(SEV_HIGH), "high");
	assert_string_equal(severity_name(SEV_CRITICAL), "critical");
	assert_string_equal(rec_dialect_name(0x0202), "2.0.2");
	assert_string_equal(rec_dialect_name(0x0210), "2.1");
	assert_string_equal(rec_dialect_name(0x0300), "3.0");
	assert_string_equal(rec_dialect_name(0x0302), "3.0.2");
	assert_string_equal(rec_dialect_name(0x0311), "3.1.1");
	assert_null(rec_dialect_name(0x02ff));
	assert_string_equal(rec_hash_name(1), "SHA-512");
	assert_string_equal(rec_cipher_name(3), "AES-256-CCM");
	assert_string_equal(rec_cipher_name(4), "AES-256-GCM");
	assert_string_equal(rec_compression_name(0), "NONE");
	assert_string_equal(rec_compression_name(3), "LZ77+Huffman");
	assert_string_equal(rec_compression_name(4), "Pattern_V1");
	assert_string_equal(rec_compression_name(5), "LZ4");
	assert_null(rec_compression_name(6));
	assert_string_equal(rec_signing_alg_name(0), "HMAC-SHA256");
	assert_string_equal(rec_signing_alg_name(2), "AES-GMAC");
	assert_string_equal(rec_smb2_cap_name(0x08), "MULTI_CHANNEL");
	assert_string_equal(rec_smb2_cap_name(0x10), "PERSISTENT_HANDLES");
	assert_string_equal(rec_smb2_cap_name(0x20), "DIRECTORY_LEASING");
	assert_string_equal(rec_smb2_cap_name(0x40), "ENCRYPTION");
	assert_string_equal(rec_smb2_cap_name(0x80), "NOTIFICATIONS");
	assert_null(rec_smb2_cap_name(0x100));
	assert_string_equal(rec_smb1_cap_name(0x1), "RAW_MODE");
	assert_string_equal(rec_smb1_cap_name(0x8000), "LARGE_WRITEX");
	assert_null(rec_smb1_cap_name(0x400));
}

static void test_times(void **state)
{
	(void)state;
	char b[32];
	filetime_to_rfc3339(0, b, sizeof b);
	assert_string_equal(b, "");
	filetime_to_rfc3339(T_FILETIME, b, sizeof b);
	assert_string_equal(b, "2023-11-14T22:13:20Z");
	/* 1601-01-01 epoch and 1970-01-01 */
	filetime_to_rfc3339(116444736000000000ULL, b, sizeof b);
	assert_string_equal(b, "1970-01-01T00:00:00Z");
	/* sub-second part is dropped, not rounded */
	filetime_to_rfc3339(T_FILETIME + 9999999, b, sizeof b);
	assert_string_equal(b, "2023-11-14T22:13:20Z");
	unix_to_rfc3339(0, b, sizeof b);
	assert_string_equal(b, "1970-01-01T00:00:00Z");
	unix_to_rfc3339(1798204368, b, sizeof b);
	assert_string_equal(b, "2026-12-25T13:12:48Z");
	/* too small a buffer gives "", not a cut date */
	unix_to_rfc3339(0, b, 10);
	assert_string_equal(b, "");
}

static void test_os_version_guid(void **state)
{
	(void)state;
	static struct svc_record r;
	char b[64];
	record_init(&r);
	record_os_version(&r, b, sizeof b);
	assert_string_equal(b, "");
	r.ntlm.present = r.ntlm.has_version = true;
	r.ntlm.os_major = 10;
	r.ntlm.os_minor = 0;
	r.ntlm.os_build = 17763;
	record_os_version(&r, b, sizeof b);
	assert_string_equal(b, "10.0.17763");

	const uint8_t g[16] = { 0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
				0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	guid_to_string(g, b, sizeof b);
	assert_string_equal(b, "12345678-9abc-def0-0123-456789abcdef");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_full),
		cmocka_unit_test(test_json_minimal),
		cmocka_unit_test(test_json_bad_utf8),
		cmocka_unit_test(test_set_str),
		cmocka_unit_test(test_errors_cap),
		cmocka_unit_test(test_dialects),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_os_version_guid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
