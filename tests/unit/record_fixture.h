/* record_fixture.h - the sample record shared by the record and report
 * tests: an SMB1 + SMB2 host with every section filled, one finding and one
 * error. */
#ifndef SMBW_TESTS_RECORD_FIXTURE_H
#define SMBW_TESTS_RECORD_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "record/record.h"

/* 2023-11-14T22:13:20Z as unix seconds and as FILETIME */
#define T_UNIX 1700000000LL
#define T_FILETIME ((uint64_t)(T_UNIX + 11644473600LL) * 10000000u)

/* fill the sample record: 198.18.1.10:445, view "lab", scanned at T_UNIX */
static void fill(struct svc_record *r)
{
	record_init(r);
	record_set_str(r->ip, sizeof r->ip, "198.18.1.10");
	r->port = 445;
	record_set_str(r->view, sizeof r->view, "lab");
	r->scanned_at = T_UNIX;

	r->smb1.enabled = TRI_YES;
	record_set_str(r->smb1.dialect, sizeof r->smb1.dialect, "NT LM 0.12");
	r->smb1.signing = SIGN_ENABLED;
	record_set_str(r->smb1.native_os, sizeof r->smb1.native_os, "Windows 6.1");
	record_set_str(r->smb1.native_lanman, sizeof r->smb1.native_lanman, "Samba 4.17.12-Debian");
	record_set_str(r->smb1.domain, sizeof r->smb1.domain, "LAB");
	r->smb1.has_capabilities = true;
	r->smb1.capabilities = 0x80800054u; /* 0x00800000 has no name */

	r->smb2.present = true;
	record_add_dialect(r, 0x0311);
	record_add_dialect(r, 0x0202);
	record_add_dialect(r, 0x0300);
	record_add_dialect(r, 0x0210);
	record_add_dialect(r, 0x0311);
	record_add_dialect(r, 0x0302);
	r->smb2.signing = SIGN_ENABLED;
	for (int i = 0; i < 16; i++)
		r->smb2.server_guid[i] = (uint8_t)i;
	r->smb2.capabilities = 0x07;
	r->smb2.max_read = r->smb2.max_write = r->smb2.max_transact = 8388608;
	r->smb2.system_time = T_FILETIME;
	r->smb2.has_contexts = true;
	r->smb2.n_preauth = 1;
	r->smb2.preauth[0] = 1;
	r->smb2.n_ciphers = 2;
	r->smb2.ciphers[0] = 2;
	r->smb2.ciphers[1] = 1;
	r->smb2.n_signing_algs = 2;
	r->smb2.signing_algs[0] = 1;
	r->smb2.signing_algs[1] = 9;

	r->ntlm.present = true;
	record_set_str(r->ntlm.netbios_computer, REC_STR, "LAB-SMB1");
	record_set_str(r->ntlm.netbios_domain, REC_STR, "LAB");
	record_set_str(r->ntlm.dns_computer, REC_STR, "lab-smb1.lab.test");
	record_set_str(r->ntlm.dns_domain, REC_STR, "lab.test");
	r->ntlm.has_version = true;
	r->ntlm.os_major = 6;
	r->ntlm.os_minor = 1;
	r->ntlm.os_build = 0;
	r->ntlm.ntlm_revision = 15;

	r->auth.anonymous_logon = TRI_YES;
	r->auth.null_session = TRI_YES;

	r->has_shares = true;
	r->n_shares = 2;
	record_set_str(r->shares[0].name, sizeof r->shares[0].name, "IPC$");
	record_set_str(r->shares[0].type, sizeof r->shares[0].type, "ipc");
	record_set_str(r->shares[0].comment, REC_STR, "IPC Service");
	record_set_str(r->shares[1].name, sizeof r->shares[1].name, "public");
	record_set_str(r->shares[1].type, sizeof r->shares[1].type, "disk");
	r->shares[1].anonymous_read = TRI_YES;

	r->ms17_010 = VULN_NOT_VULNERABLE;

	r->n_findings = 1;
	record_set_str(r->findings[0].id, sizeof r->findings[0].id, "SMB1_ENABLED");
	r->findings[0].severity = SEV_HIGH;
	r->findings[0].title = "SMBv1 is enabled";
	record_set_str(r->findings[0].evidence, sizeof r->findings[0].evidence,
		       "NT LM 0.12 accepted");
	r->findings[0].remediation = "Disable SMBv1";

	record_add_error(r, "guest", "session setup: %s", "STATUS_LOGON_FAILURE");
}

#endif
