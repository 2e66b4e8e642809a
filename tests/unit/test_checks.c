/* test_checks.c - the check table (check/check.h) and the finding table
 * (assess/findings.h): every row complete, every finding a check names
 * exists, --checks accepts every name and alias, --list-checks lists every
 * check, and each check's declared fields are what its to_json writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assess/assess.h"
#include "assess/findings.h"
#include "store/diff.h"
#include "check/check.h"
#include "record/json_read.h"
#include "record/json.h"
#include "record_fixture.h"

static void test_every_check_complete(void **state)
{
	(void)state;
	for (unsigned i = 0; i < RCHK_N; i++) {
		const struct check *c = all_checks[i];
		assert_non_null(c);
		assert_non_null(c->id);
		assert_true(c->id[0] != '\0');
		assert_non_null(c->summary);
		assert_true(strlen(c->summary) > 10);
		/* one line of --list-checks: id column + summary in 100 columns */
		assert_true(strlen(c->summary) <= 84);
		assert_non_null(c->known);
		assert_non_null(c->to_json);
		assert_non_null(c->to_text);
		assert_non_null(c->fields[0]);
		/* a check sends (conv or a shared conversation) or derives, not both */
		assert_false(c->conv && c->derive);
		for (unsigned k = 0; k < i; k++)
			assert_string_not_equal(all_checks[k]->id, c->id);
	}
}

static void test_finding_table_complete(void **state)
{
	(void)state;
	assert_null(finding_info(FIND_NONE));
	for (unsigned i = FIND_NONE + 1; i < FIND_N; i++) {
		const struct finding_info *f = finding_info((enum finding_id)i);
		assert_non_null(f);
		assert_non_null(f->id); /* no hole in the designated initializers */
		assert_non_null(f->title);
		assert_non_null(f->remediation);
		assert_true(f->severity <= SEV_CRITICAL);
		assert_ptr_equal(finding_info_by_name(f->id), f);
		for (unsigned k = FIND_NONE + 1; k < i; k++)
			assert_string_not_equal(finding_info((enum finding_id)k)->id, f->id);
	}
	assert_null(finding_info_by_name("NO_SUCH_FINDING"));
}

static void test_check_findings_exist(void **state)
{
	(void)state;
	unsigned raised = 0;
	for (unsigned i = 0; i < RCHK_N; i++) {
		const struct check *c = all_checks[i];
		unsigned n = 0;
		CHECK_FOR_EACH_FINDING(c, f) {
			n++;
			assert_true((unsigned)*f < FIND_N);
			assert_ptr_equal(check_of_finding(finding_info(*f)->id), c);
			raised++;
		}
		assert_true(n >= 1);
	}
	/* one each, and shares two (readable, writable), epm two (coercion,
	 * multi-homed), quic three (exposed, expired, self-signed), mgmt two
	 * (beside SMB, standard RDP security) */
	assert_int_equal(raised, RCHK_N + 5);
	/* fingerprint findings belong to no check */
	assert_null(check_of_finding("SMB1_ENABLED"));
	assert_null(check_of_finding("SMB_EXPOSED"));
	assert_null(check_of_finding("SMB1_PLAINTEXT_PASSWORDS"));
	assert_null(check_of_finding("SAMBA_CVE_2021_44142"));
	assert_ptr_equal(check_of_finding("RELAY_TARGET"), all_checks[RCHK_RELAY]);
	assert_ptr_equal(check_of_finding("ANON_SHARE_WRITABLE"), all_checks[RCHK_SHARES]);
	assert_ptr_equal(check_of_finding("MULTI_HOMED"), all_checks[RCHK_EPM]);
	assert_ptr_equal(check_of_finding("RDP_STANDARD_SECURITY"), all_checks[RCHK_MGMT]);
}

static void test_parse_every_name(void **state)
{
	(void)state;
	char err[300];
	unsigned bits;
	for (unsigned i = 0; i < RCHK_N; i++) {
		const struct check *c = all_checks[i];
		assert_int_equal(check_parse_list(c->id, &bits, err, sizeof err), 0);
		assert_true(bits & CHECK_BIT(i));
		assert_ptr_equal(check_find(c->id), c);
		for (const char *const *a = c->aliases; a && *a; a++) {
			assert_int_equal(check_parse_list(*a, &bits, err, sizeof err), 0);
			assert_true(bits & CHECK_BIT(i));
		}
	}
	/* the names the docs and tests use, and what each selects */
	static const struct {
		const char *list;
		unsigned bits;
	} cases[] = {
		{"auth", CHECK_BIT(RCHK_AUTH) | CHECK_BIT(RCHK_GUEST)},
		{"guest", CHECK_BIT(RCHK_GUEST)},
		{"shares", CHECK_BIT(RCHK_SHARES)},
		{"ms17_010", CHECK_BIT(RCHK_MS17_010)},
		{"doublepulsar", CHECK_BIT(RCHK_DOUBLEPULSAR)},
		{"cve_2020_0796", CHECK_BIT(RCHK_CVE_2020_0796)},
		{"smbghost", CHECK_BIT(RCHK_CVE_2020_0796)},
		{"ms17_010, smbghost", CHECK_BIT(RCHK_MS17_010) | CHECK_BIT(RCHK_CVE_2020_0796)},
		{"all", CHECK_ALL},
		{"none", 0},
		{"none,shares", CHECK_BIT(RCHK_SHARES)},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(check_parse_list(cases[i].list, &bits, err, sizeof err), 0);
		assert_int_equal(bits, cases[i].bits);
	}
	assert_int_equal(CHECK_ALL, (1u << RCHK_N) - 1);
}

static void test_parse_unknown(void **state)
{
	(void)state;
	char err[300];
	unsigned bits;
	assert_int_equal(check_parse_list("shares,smbghots", &bits, err, sizeof err), -1);
	assert_non_null(strstr(err, "'smbghots'"));
	/* the message names every check */
	for (unsigned i = 0; i < RCHK_N; i++)
		assert_non_null(strstr(err, all_checks[i]->id));
	assert_null(check_find("bogus"));
}

static void test_list_checks_output(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	check_print_list(f);
	fclose(f);
	unsigned lines = 0;
	for (const char *p = buf; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, RCHK_N);
	const char *line = buf;
	for (unsigned i = 0; i < RCHK_N; i++) {
		/* in table order, each line "id  summary" */
		assert_int_equal(strncmp(line, all_checks[i]->id, strlen(all_checks[i]->id)), 0);
		const char *eol = strchr(line, '\n');
		char one[512];
		snprintf(one, sizeof one, "%.*s", (int)(eol - line), line);
		assert_non_null(strstr(one, all_checks[i]->summary));
		line = eol + 1;
	}
	assert_non_null(strstr(buf, "(also selected by: smbghost)"));
	free(buf);
}

/* A record where every check learned its field(s): the shared sample
 * (record_fixture.h) plus the fields it leaves unknown. */
static void full_record(struct svc_record *r)
{
	fill(r);
	r->auth.guest = TRI_NO;
	r->ms17_010 = VULN_VULNERABLE;
	r->cve_2020_0796 = VULN_NOT_VULNERABLE;
	r->doublepulsar = VULN_NOT_VULNERABLE;
	/* relay: NTLM answered with a CHALLENGE, the 2.x-only logon let in */
	r->relay.ntlm_challenge = TRI_YES;
	r->relay.legacy_tried = true;
	r->relay.legacy_status = 0;
	/* epm: the print spooler registered on 135, and Netlogon (a DC) */
	r->epm.present = r->epm.complete = true;
	r->epm.n_entries = 2;
	struct rec_epm_iface *f = record_epm_iface(r, "12345678-1234-abcd-ef00-0123456789ab", 1, 0);
	record_set_str(f->bindings[f->n_bindings++], sizeof f->bindings[0], "ncacn_np:[\\pipe\\spoolss]");
	record_epm_iface(r, "12345678-1234-abcd-ef00-01234567cffb", 1, 0);
	r->epm.has_addresses = true;
	r->epm.n_addresses = 1;
	record_set_str(r->epm.addresses[0], sizeof r->epm.addresses[0], "198.19.7.5");
	/* the public share's maximal access allows writing (FILE_WRITE_DATA) */
	r->shares[1].has_max_access = true;
	r->shares[1].max_access = 0x001f01ffu;
	r->shares[1].anonymous_write = TRI_YES;
	/* the name service's answer (here on the same record, as a unit) */
	r->nbns.present = true;
	r->nbns.n_total = r->nbns.n_names = 1;
	memcpy(r->nbns.names[0].name, "LAB-SMB1", 9);
	r->nbns.names[0].suffix = 0x20;
	r->nbns.names[0].active = true;
	/* SMB over QUIC (as a unit: on this record too), a self-signed
	 * certificate that expired before the scan */
	r->quic.present = r->quic.handshake = true;
	r->quic.cert.present = r->quic.cert.self_signed = true;
	record_set_str(r->quic.cert.subject, sizeof r->quic.cert.subject, "CN=fs.lab.test");
	record_set_str(r->quic.cert.issuer, sizeof r->quic.cert.issuer, "CN=fs.lab.test");
	r->quic.cert.not_before = 1600000000;
	r->quic.cert.not_after = 1650000000;
	/* a management service beside SMB: RDP taking standard security */
	r->mgmt.service = MGMT_RDP;
	r->mgmt.smb_on_host = true;
	record_set_str(r->mgmt.rdp_selected, sizeof r->mgmt.rdp_selected, "tls");
	r->mgmt.rdp_standard_security = TRI_YES;
}

/* The mgmt record of each service: its JSON, read back the same, its
 * words; MGMT_EXPOSED_WITH_SMB only with SMB on the host (info inside,
 * high from outside), RDP_STANDARD_SECURITY only when standard security
 * was confirmed. */
static void test_mgmt_record(void **state)
{
	(void)state;
	static struct svc_record r, back;
	record_init(&r);
	memcpy(r.ip, "198.18.0.9", 11);
	r.port = 3389;
	memcpy(r.view, "internal", 9);
	r.mgmt.service = MGMT_RDP;
	record_set_str(r.mgmt.rdp_selected, sizeof r.mgmt.rdp_selected, "tls");
	r.mgmt.rdp_standard_security = TRI_NO;
	record_set_str(r.mgmt.rdp_refusal, sizeof r.mgmt.rdp_refusal, "ssl required by server");
	assess_record(&r);
	assert_int_equal(r.n_findings, 0); /* no SMB on the host, standard refused */
	assess_mgmt_smb_on_host(&r);
	assert_true(r.mgmt.smb_on_host);
	assert_int_equal(r.n_findings, 1);
	assert_string_equal(r.findings[0].id, "MGMT_EXPOSED_WITH_SMB");
	assert_int_equal(r.findings[0].severity, SEV_INFO);
	assert_string_equal(r.findings[0].evidence,
			    "RDP answered on 198.18.0.9 TCP 3389; SMB answered on the same host (view internal)");
	assess_mgmt_smb_on_host(&r); /* once only */
	assert_int_equal(r.n_findings, 1);
	/* from the external view: high; with standard security: its own finding */
	memcpy(r.view, "external", 9);
	r.mgmt.rdp_standard_security = TRI_YES;
	assess_record(&r);
	assert_int_equal(r.n_findings, 2);
	assert_string_equal(r.findings[0].id, "MGMT_EXPOSED_WITH_SMB");
	assert_int_equal(r.findings[0].severity, SEV_HIGH);
	assert_string_equal(r.findings[1].id, "RDP_STANDARD_SECURITY");
	json_t *o = record_to_json(&r);
	char *txt = json_dumps(json_object_get(o, "mgmt"), JSON_COMPACT);
	assert_string_equal(txt, "{\"service\":\"rdp\",\"smb_on_host\":true,\"selected_protocol\":\"tls\","
				 "\"standard_rdp_security\":true,\"standard_rdp_refusal\":\"ssl required by server\"}");
	free(txt);
	assert_int_equal(record_from_json(o, 0, &back), 0);
	json_t *again = record_to_json(&back);
	assert_true(json_equal(json_object_get(o, "mgmt"), json_object_get(again, "mgmt")));
	json_decref(again);
	json_decref(o);
	char line[256] = "";
	all_checks[RCHK_MGMT]->to_text(&r, line, sizeof line);
	assert_string_equal(line, "RDP" CHECK_NBSP "tls, standard RDP security accepted");

	/* WinRM and SSH */
	record_init(&r);
	memcpy(r.ip, "198.18.0.9", 11);
	r.port = 5985;
	r.mgmt.service = MGMT_WINRM;
	r.mgmt.http_status = 401;
	r.mgmt.n_schemes = 2;
	record_set_str(r.mgmt.schemes[0], sizeof r.mgmt.schemes[0], "Negotiate");
	record_set_str(r.mgmt.schemes[1], sizeof r.mgmt.schemes[1], "Basic");
	record_set_str(r.mgmt.http_server, sizeof r.mgmt.http_server, "Microsoft-HTTPAPI/2.0");
	o = record_to_json(&r);
	txt = json_dumps(json_object_get(o, "mgmt"), JSON_COMPACT);
	assert_string_equal(txt, "{\"service\":\"winrm\",\"smb_on_host\":false,\"http_status\":401,"
				 "\"auth_schemes\":[\"Negotiate\",\"Basic\"],\"server\":\"Microsoft-HTTPAPI/2.0\"}");
	free(txt);
	assert_int_equal(record_from_json(o, 0, &back), 0);
	again = record_to_json(&back);
	assert_true(json_equal(json_object_get(o, "mgmt"), json_object_get(again, "mgmt")));
	json_decref(again);
	json_decref(o);
	line[0] = '\0';
	all_checks[RCHK_MGMT]->to_text(&r, line, sizeof line);
	assert_string_equal(line, "WinRM" CHECK_NBSP "401" CHECK_NBSP "Negotiate" CHECK_NBSP "Basic");
	r.mgmt = (struct rec_mgmt){.service = MGMT_SSH};
	r.port = 22;
	record_set_str(r.mgmt.ssh_proto, sizeof r.mgmt.ssh_proto, "2.0");
	record_set_str(r.mgmt.ssh_software, sizeof r.mgmt.ssh_software, "OpenSSH_9.2p1");
	record_set_str(r.mgmt.ssh_comments, sizeof r.mgmt.ssh_comments, "Debian-2+deb12u3");
	o = record_to_json(&r);
	txt = json_dumps(json_object_get(o, "mgmt"), JSON_COMPACT);
	assert_string_equal(txt, "{\"service\":\"ssh\",\"smb_on_host\":false,\"protocol_version\":\"2.0\","
				 "\"software\":\"OpenSSH_9.2p1\",\"comments\":\"Debian-2+deb12u3\"}");
	free(txt);
	assert_int_equal(record_from_json(o, 0, &back), 0);
	assert_int_equal(back.mgmt.service, MGMT_SSH);
	assert_string_equal(back.mgmt.ssh_software, "OpenSSH_9.2p1");
	json_decref(o);
}

/* WinRM over HTTPS (5986): the TLS session and the certificate in the
 * record's mgmt, in the same shape as quic.certificate, read back the
 * same; the words and the evidence say self-signed and expired; a TLS
 * listener that said nothing over HTTP has no http_status. */
static void test_mgmt_tls_record(void **state)
{
	(void)state;
	static struct svc_record r, back;
	record_init(&r);
	memcpy(r.ip, "198.18.0.9", 11);
	r.port = 5986;
	memcpy(r.view, "internal", 9);
	r.scanned_at = 1700000000; /* after not_after below: expired */
	struct rec_mgmt *m = &r.mgmt;
	m->service = MGMT_WINRM;
	m->http_status = 401;
	m->n_schemes = 1;
	record_set_str(m->schemes[0], sizeof m->schemes[0], "Negotiate");
	record_set_str(m->tls_version, sizeof m->tls_version, "TLS1.2");
	record_set_str(m->tls_cipher, sizeof m->tls_cipher, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	m->cert.present = m->cert.self_signed = true;
	record_set_str(m->cert.subject, sizeof m->cert.subject, "CN=WIN-LAB");
	record_set_str(m->cert.issuer, sizeof m->cert.issuer, "CN=WIN-LAB");
	record_set_str(m->cert.sans, sizeof m->cert.sans, "DNS:WIN-LAB");
	record_set_str(m->cert.key_type, sizeof m->cert.key_type, "RSA");
	m->cert.key_bits = 2048;
	m->cert.not_before = 1600000000;
	m->cert.not_after = 1650000000;
	memset(m->cert.sha256, 'a', 64);
	json_t *o = record_to_json(&r);
	char *txt = json_dumps(json_object_get(o, "mgmt"), JSON_COMPACT);
	assert_string_equal(
		txt, "{\"service\":\"winrm\",\"smb_on_host\":false,\"http_status\":401,"
		     "\"auth_schemes\":[\"Negotiate\"],\"tls\":{\"version\":\"TLS1.2\","
		     "\"cipher\":\"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\"},\"certificate\":{"
		     "\"subject\":\"CN=WIN-LAB\",\"issuer\":\"CN=WIN-LAB\",\"sans\":\"DNS:WIN-LAB\","
		     "\"not_before\":\"2020-09-13T12:26:40Z\",\"not_after\":\"2022-04-15T05:20:00Z\","
		     "\"key_type\":\"RSA\",\"key_bits\":2048,\"self_signed\":true,\"sha256\":"
		     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}");
	free(txt);
	/* the same shape as the QUIC record's certificate */
	static struct svc_record q;
	record_init(&q);
	q.quic.present = true;
	q.quic.cert = m->cert;
	json_t *qo = record_to_json(&q);
	assert_true(json_equal(json_object_get(json_object_get(qo, "quic"), "certificate"),
			       json_object_get(json_object_get(o, "mgmt"), "certificate")));
	json_decref(qo);
	assert_int_equal(record_from_json(o, 0, &back), 0);
	json_t *again = record_to_json(&back);
	assert_true(json_equal(json_object_get(o, "mgmt"), json_object_get(again, "mgmt")));
	json_decref(again);
	json_decref(o);
	char line[256] = "";
	all_checks[RCHK_MGMT]->to_text(&r, line, sizeof line);
	assert_string_equal(line, "WinRM" CHECK_NBSP "401" CHECK_NBSP "Negotiate," CHECK_NBSP
				  "TLS1.2, self-signed certificate, certificate expired");
	assess_mgmt_smb_on_host(&r);
	assert_int_equal(r.n_findings, 1);
	assert_string_equal(r.findings[0].evidence,
			    "WinRM over HTTPS answered on 198.18.0.9 TCP 5986 (TLS1.2, certificate "
			    "CN=WIN-LAB self-signed, expired); SMB answered on the same host (view "
			    "internal)");
	/* a valid CA-issued certificate: neither word */
	m->cert.self_signed = false;
	m->cert.not_after = 1800000000;
	assess_record(&r);
	assert_string_equal(r.findings[0].evidence,
			    "WinRM over HTTPS answered on 198.18.0.9 TCP 5986 (TLS1.2, certificate "
			    "CN=WIN-LAB); SMB answered on the same host (view internal)");
	/* TLS, then nothing over HTTP: kept, without http_status */
	m->http_status = 0;
	m->n_schemes = 0;
	o = record_to_json(&r);
	json_t *mo = json_object_get(o, "mgmt");
	assert_null(json_object_get(mo, "http_status"));
	assert_null(json_object_get(mo, "auth_schemes"));
	assert_non_null(json_object_get(mo, "certificate"));
	json_decref(o);
	line[0] = '\0';
	all_checks[RCHK_MGMT]->to_text(&r, line, sizeof line);
	assert_string_equal(line, "WinRM" CHECK_NBSP "no" CHECK_NBSP "HTTP" CHECK_NBSP "answer," CHECK_NBSP
				  "TLS1.2");
}

/* The nbns record: names with their roles, the MAC; NBNS_EXPOSED medium
 * inside, high from the external view, none without an answer. */
static void test_nbns_record(void **state)
{
	(void)state;
	static struct svc_record r;
	record_init(&r);
	memcpy(r.ip, "198.18.0.9", 11);
	r.port = 137;
	r.udp = true;
	memcpy(r.view, "internal", 9);
	assess_record(&r);
	assert_int_equal(r.n_findings, 0); /* nothing answered: no finding */
	r.nbns.present = true;
	r.nbns.n_total = r.nbns.n_names = 2;
	memcpy(r.nbns.names[0].name, "FILER", 6);
	r.nbns.names[0].suffix = 0x20;
	memcpy(r.nbns.names[1].name, "LAB", 4);
	r.nbns.names[1].suffix = 0x1C;
	r.nbns.names[1].group = true;
	r.nbns.has_mac = true;
	static const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
	memcpy(r.nbns.mac, mac, 6);
	assess_record(&r);
	assert_int_equal(r.n_findings, 1);
	assert_string_equal(r.findings[0].id, "NBNS_EXPOSED");
	assert_int_equal(r.findings[0].severity, SEV_MEDIUM);
	memcpy(r.view, "external", 9);
	assess_record(&r);
	assert_int_equal(r.n_findings, 1);
	assert_int_equal(r.findings[0].severity, SEV_HIGH);
	json_t *o = record_to_json(&r);
	char *txt = json_dumps(json_object_get(o, "nbns"), JSON_COMPACT);
	assert_string_equal(txt, "{\"names\":[{\"name\":\"FILER\",\"suffix\":\"20\",\"role\":"
				 "\"file server\",\"group\":false,\"active\":false},{\"name\":"
				 "\"LAB\",\"suffix\":\"1C\",\"role\":\"domain controllers\","
				 "\"group\":true,\"active\":false}],\"names_total\":2,\"mac\":"
				 "\"02:00:5e:10:00:01\"}");
	free(txt);
	assert_string_equal(json_string_value(json_object_get(o, "transport")), "udp");
	/* read back (the store's reports): the same JSON again */
	static struct svc_record back;
	assert_int_equal(record_from_json(o, 0, &back), 0);
	assert_true(back.udp);
	json_t *again = record_to_json(&back);
	assert_true(json_equal(json_object_get(o, "nbns"), json_object_get(again, "nbns")));
	json_decref(again);
	json_decref(o);
}

static json_t *at_path(json_t *root, const char *path)
{
	const char *dot = strchr(path, '.');
	if (!dot)
		return json_object_get(root, path);
	char parent[32];
	snprintf(parent, sizeof parent, "%.*s", (int)(dot - path), path);
	return json_object_get(json_object_get(root, parent), dot + 1);
}

static void test_fields_match_json(void **state)
{
	(void)state;
	static struct svc_record r;
	full_record(&r);
	json_t *all = record_to_json(&r);
	for (unsigned i = 0; i < RCHK_N; i++) {
		const struct check *c = all_checks[i];
		assert_true(c->known(&r));
		json_t *mine = json_object();
		c->to_json(&r, mine);
		for (const char *const *f = c->fields; *f; f++) {
			/* its own JSON holds each declared field, and so does the record's */
			assert_non_null(at_path(mine, *f));
			assert_non_null(at_path(all, *f));
			assert_true(json_equal(at_path(mine, *f), at_path(all, *f)));
		}
		json_decref(mine);
	}
	json_decref(all);
	/* an unknown record: nothing known, no field written */
	record_release(&r);
	for (unsigned i = 0; i < RCHK_N; i++) {
		json_t *mine = json_object();
		assert_false(all_checks[i]->known(&r));
		all_checks[i]->to_json(&r, mine);
		assert_int_equal(json_object_size(mine), 0);
		json_decref(mine);
	}
}

static void test_text_words(void **state)
{
	(void)state;
	static struct svc_record r;
	full_record(&r);
	char line[512] = "";
	all_checks[RCHK_MS17_010]->to_text(&r, line, sizeof line);
	all_checks[RCHK_CVE_2020_0796]->to_text(&r, line, sizeof line);
	all_checks[RCHK_DOUBLEPULSAR]->to_text(&r, line, sizeof line);
	assert_string_equal(line, "MS17-010" CHECK_NBSP "VULNERABLE, SMBGhost" CHECK_NBSP
				  "not" CHECK_NBSP "vulnerable, DoublePulsar" CHECK_NBSP
				  "not" CHECK_NBSP "infected");
	line[0] = '\0';
	all_checks[RCHK_SHARES]->to_text(&r, line, sizeof line);
	assert_string_equal(line, "shares IPC$, public (anonymous read, write)");
	/* the maximal access that allows writing is what says "write" */
	r.shares[1].anonymous_write = TRI_NO;
	line[0] = '\0';
	all_checks[RCHK_SHARES]->to_text(&r, line, sizeof line);
	assert_string_equal(line, "shares IPC$, public (anonymous read)");
}

/* Every finding a check can raise is raised by assess for a record that
 * proves it: a row whose rule is missing would be dead. */
static void test_assess_raises_check_findings(void **state)
{
	(void)state;
	static struct svc_record r;
	full_record(&r);
	r.auth.guest = TRI_YES;
	r.cve_2020_0796 = VULN_VULNERABLE;
	r.doublepulsar = VULN_VULNERABLE;
	assess_record(&r);
	for (unsigned i = 0; i < RCHK_N; i++) {
		CHECK_FOR_EACH_FINDING(all_checks[i], f) {
			bool seen = false;
			for (unsigned k = 0; k < r.n_findings; k++)
				seen |= strcmp(r.findings[k].id, finding_info(*f)->id) == 0;
			assert_true(seen);
		}
	}
}

/* A management service that starts taking standard RDP security is a
 * change the store's diff (and so the monitor) reports: its field and the
 * finding that rests on it; the same record twice is none (the control). */
static void test_mgmt_diff(void **state)
{
	(void)state;
	static struct svc_record r;
	record_init(&r);
	memcpy(r.ip, "198.18.0.9", 11);
	r.port = 3389;
	memcpy(r.view, "internal", 9);
	r.mgmt.service = MGMT_RDP;
	record_set_str(r.mgmt.rdp_selected, sizeof r.mgmt.rdp_selected, "tls");
	r.mgmt.rdp_standard_security = TRI_NO;
	record_check_set(&r, RCHK_MGMT, RCHK_OK, NULL);
	assess_record(&r);
	json_t *old = record_to_json(&r);
	json_t *d = diff_records(old, old);
	assert_int_equal(json_array_size(d), 0);
	json_decref(d);
	r.mgmt.rdp_standard_security = TRI_YES;
	assess_record(&r);
	json_t *now = record_to_json(&r);
	d = diff_records(old, now);
	char fields[256] = "";
	for (size_t i = 0; i < json_array_size(d); i++)
		check_join(fields, sizeof fields,
			   json_string_value(json_object_get(json_array_get(d, i), "field")));
	assert_string_equal(fields, "findings.RDP_STANDARD_SECURITY, mgmt.standard_rdp_security");
	json_decref(d);
	json_decref(old);
	json_decref(now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_check_complete),
		cmocka_unit_test(test_finding_table_complete),
		cmocka_unit_test(test_check_findings_exist),
		cmocka_unit_test(test_nbns_record),
		cmocka_unit_test(test_mgmt_record),
		cmocka_unit_test(test_mgmt_tls_record),
		cmocka_unit_test(test_mgmt_diff),
		cmocka_unit_test(test_parse_every_name),
		cmocka_unit_test(test_parse_unknown),
		cmocka_unit_test(test_list_checks_output),
		cmocka_unit_test(test_fields_match_json),
		cmocka_unit_test(test_text_words),
		cmocka_unit_test(test_assess_raises_check_findings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
