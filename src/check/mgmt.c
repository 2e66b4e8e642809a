/* mgmt.c - management services beside SMB (issue 18 part 3): RDP on 3389
 * (the security protocol chosen, and whether standard RDP security is
 * accepted), WinRM on 5985 (the WWW-Authenticate schemes of POST /wsman
 * without credentials) and on 5986 (the same inside TLS: also the TLS
 * version, cipher suite and the server's certificate), SSH on 22 (the
 * identification line). Its own probe
 * on its own port (probe/mgmt.c); each service is its own record, kept
 * only where SMB answered on the host unless the port was asked for
 * (scan/mgmt_hold.c). Nothing is logged in to, no credential is sent. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check/check.h"
#include "record/json.h"

static bool mgmt_known(const struct svc_record *r)
{
	return r->mgmt.service != MGMT_NONE;
}

const char *mgmt_service_id(enum rec_mgmt_service s)
{
	switch (s) {
	case MGMT_RDP:
		return "rdp";
	case MGMT_WINRM:
		return "winrm";
	case MGMT_SSH:
		return "ssh";
	case MGMT_NONE:
		break;
	}
	return "";
}

static void mgmt_json(const struct svc_record *r, json_t *root)
{
	const struct rec_mgmt *m = &r->mgmt;
	if (!mgmt_known(r))
		return;
	json_t *o = json_object();
	json_object_set_new(o, "service", json_string(mgmt_service_id(m->service)));
	json_object_set_new(o, "smb_on_host", json_boolean(m->smb_on_host));
	if (m->service == MGMT_RDP) {
		record_json_set_str(o, "selected_protocol", m->rdp_selected);
		if (m->rdp_standard_security != TRI_UNKNOWN)
			json_object_set_new(o, "standard_rdp_security",
					    json_boolean(m->rdp_standard_security == TRI_YES));
		record_json_set_str(o, "standard_rdp_refusal", m->rdp_refusal);
	} else if (m->service == MGMT_WINRM) {
		/* no status: a TLS listener on 5986 that said nothing over HTTP */
		if (m->http_status) {
			json_t *a = json_array();
			json_object_set_new(o, "http_status", json_integer(m->http_status));
			for (unsigned i = 0; i < m->n_schemes; i++)
				json_array_append_new(a, record_json_str(m->schemes[i]));
			json_object_set_new(o, "auth_schemes", a);
			record_json_set_str(o, "server", m->http_server);
		}
		if (m->tls_version[0]) {
			json_t *t = json_object();
			record_json_set_str(t, "version", m->tls_version);
			record_json_set_str(t, "cipher", m->tls_cipher);
			json_object_set_new(o, "tls", t);
		}
		if (m->cert.present)
			json_object_set_new(o, "certificate", record_json_cert(&m->cert));
	} else if (m->service == MGMT_SSH) {
		record_json_set_str(o, "protocol_version", m->ssh_proto);
		record_json_set_str(o, "software", m->ssh_software);
		record_json_set_str(o, "comments", m->ssh_comments);
	}
	json_object_set_new(root, "mgmt", o);
}

/* ", TLS1.3, self-signed certificate" after WinRM's words on 5986 */
static void tls_words(const struct svc_record *r, char *out, size_t outsz, char space)
{
	const struct rec_mgmt *m = &r->mgmt;
	if (!m->tls_version[0] || outsz == 0)
		return;
	int64_t now = r->scanned_at ? r->scanned_at : (int64_t)time(NULL);
	snprintf(out, outsz, ",%c%s%s%s", space, m->tls_version,
		 m->cert.present && m->cert.self_signed ? ", self-signed certificate" : "",
		 m->cert.present && record_cert_expired(&m->cert, now) ? ", certificate expired" : "");
}

/* "RDP tls, standard security accepted", "WinRM 401 Negotiate Basic",
 * "WinRM 401 Negotiate, TLS1.3, self-signed certificate", "SSH OpenSSH_9.2p1" */
static void mgmt_words(const struct svc_record *r, char *out, size_t outsz, char space)
{
	const struct rec_mgmt *m = &r->mgmt;
	out[0] = '\0';
	if (m->service == MGMT_RDP) {
		snprintf(out, outsz, "RDP%c%s%s", space, m->rdp_selected[0] ? m->rdp_selected : "?",
			 m->rdp_standard_security == TRI_YES  ? ", standard RDP security accepted"
			 : m->rdp_standard_security == TRI_NO ? ", standard RDP security refused"
							      : "");
	} else if (m->service == MGMT_WINRM) {
		size_t n = m->http_status
				   ? (size_t)snprintf(out, outsz, "WinRM%c%u", space, m->http_status)
				   : (size_t)snprintf(out, outsz, "WinRM%cno%cHTTP%canswer", space, space,
						      space);
		for (unsigned i = 0; i < m->n_schemes && n < outsz; i++)
			n += (size_t)snprintf(out + n, outsz - n, "%c%s", space, m->schemes[i]);
		if (n < outsz)
			tls_words(r, out + n, outsz - n, space);
	} else if (m->service == MGMT_SSH) {
		snprintf(out, outsz, "SSH%c%s", space, m->ssh_software);
	}
}

static void mgmt_text(const struct svc_record *r, char *line, size_t linesz)
{
	if (!mgmt_known(r))
		return;
	char words[256];
	mgmt_words(r, words, sizeof words, CHECK_NBSP[0]);
	check_join(line, linesz, words);
}

static void mgmt_line(const struct svc_record *r, FILE *f)
{
	if (!mgmt_known(r))
		return;
	char words[256];
	mgmt_words(r, words, sizeof words, ' ');
	fprintf(f, " (mgmt:%s)", words);
}

static void mgmt_fact(const struct svc_record *r, struct check_value *v)
{
	if (!mgmt_known(r))
		return;
	v->kind = CV_TEXT;
	mgmt_words(r, v->text, sizeof v->text, ' ');
}

static void smb_on_host_fact(const struct svc_record *r, struct check_value *v)
{
	if (mgmt_known(r))
		check_value_tri(v, r->mgmt.smb_on_host ? TRI_YES : TRI_NO);
}

const struct check check_mgmt = {
	.id = "mgmt",
	.summary = "beside SMB: RDP security, WinRM auth schemes, TLS certificate, SSH banner; no logon",
	.needs = NEEDS_OWN_PORT,
	.ports = "22,3389,5985,5986",
	.fields = {"mgmt", NULL},
	.known = mgmt_known,
	.to_json = mgmt_json,
	.text_group = TEXT_AUTH,
	.to_text = mgmt_text,
	.to_line = mgmt_line,
	.facts = {{"mgmt", "Management service", mgmt_fact},
		  {"mgmt_smb_on_host", "SMB on the same host", smb_on_host_fact}},
	.findings = {FIND_MGMT_EXPOSED_WITH_SMB, FIND_RDP_STANDARD_SECURITY},
};
