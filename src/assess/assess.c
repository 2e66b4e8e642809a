/* assess.c - findings from a record; see assess.h. The rules live here,
 * what each finding means in findings.c. */
#include "assess/assess.h"

#include "assess/findings.h"
#include "check/check.h"
#include "assess/relay_verdict.h"
#include "assess/samba_version.h"
#include "wire/smb1.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Raise finding `id` with its evidence. The id is an enum: a rule cannot
 * name a finding that does not exist. Past REC_MAX_FINDINGS the rest are
 * dropped (the record has room for every finding of the table). */
static void add(struct svc_record *rec, enum finding_id id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct svc_record *rec, enum finding_id id, const char *fmt, ...)
{
	const struct finding_info *t = finding_info(id);
	if (rec->n_findings >= REC_MAX_FINDINGS)
		return;
	struct rec_finding *f = &rec->findings[rec->n_findings++];
	memset(f, 0, sizeof *f);
	record_set_str(f->id, sizeof f->id, t->id);
	f->severity = t->severity;
	f->title = t->title;
	f->remediation = t->remediation;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->evidence, sizeof f->evidence, fmt, ap);
	va_end(ap);
}

static bool in4(uint32_t a, uint32_t net, unsigned bits)
{
	uint32_t mask = bits ? ~0u << (32 - bits) : 0;
	return (a & mask) == net;
}

bool assess_ip_is_public(const char *ip)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, ip, &a4) == 1) {
		uint32_t a = ntohl(a4.s_addr);
		static const struct {
			uint32_t net;
			unsigned bits;
		} special[] = {
			{0x00000000, 8},  {0x0A000000, 8},  {0x64400000, 10}, {0x7F000000, 8},
			{0xA9FE0000, 16}, {0xAC100000, 12}, {0xC0000000, 24}, {0xC0000200, 24},
			{0xC0A80000, 16}, {0xC6120000, 15}, {0xC6336400, 24}, {0xCB007100, 24},
			{0xE0000000, 4},  {0xF0000000, 4},
		};
		for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
			if (in4(a, special[i].net, special[i].bits))
				return false;
		return true;
	}
	if (inet_pton(AF_INET6, ip, &a6) == 1) {
		const uint8_t *b = a6.s6_addr;
		if ((b[0] & 0xE0) != 0x20)
			return false; /* only 2000::/3 is global unicast */
		if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)
			return false; /* 2001:db8::/32 documentation */
		if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x02 && b[4] == 0 &&
		    b[5] == 0)
			return false; /* 2001:2::/48 benchmarking */
		if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
			return false; /* 2001::/32 Teredo */
		return true;
	}
	return false;
}

/* Seen from outside: --view external, or a globally routable address. */
static bool external_view(const struct svc_record *rec)
{
	return strcmp(rec->view, "external") == 0 || assess_ip_is_public(rec->ip);
}

/* The last finding added, raised to critical from the external view. */
static void critical_if_external(struct svc_record *rec, unsigned before)
{
	if (rec->n_findings > before && external_view(rec))
		rec->findings[rec->n_findings - 1].severity = SEV_CRITICAL;
}

/* The relay verdict (assess/relay_verdict.c) */
static void assess_relay(struct svc_record *rec)
{
	struct relay_verdict v;
	relay_verdict_of(rec, &v);
	unsigned before = rec->n_findings;
	if (v.target)
		add(rec, FIND_RELAY_TARGET, "%s", v.why);
	critical_if_external(rec, before);
}

/* Shares whose maximal access for the anonymous/guest
 * session includes writing (probe/share_access.c) */
static void assess_writable_shares(struct svc_record *rec)
{
	char names[200] = "";
	size_t o = 0;
	unsigned n = 0;
	for (unsigned i = 0; i < rec->n_shares; i++) {
		const struct rec_share *sh = &rec->shares[i];
		if (sh->anonymous_write != TRI_YES)
			continue;
		int w = snprintf(names + o, sizeof names - o, "%s%s (0x%08x)", n ? ", " : "",
				 sh->name, (unsigned)sh->max_access);
		if (w > 0 && (size_t)w < sizeof names - o)
			o += (size_t)w;
		n++;
	}
	unsigned before = rec->n_findings;
	if (n)
		add(rec, FIND_ANON_SHARE_WRITABLE,
		    "maximal access of the anonymous/guest session allows writing: %s", names);
	critical_if_external(rec, before);
}

static bool any_share_writable(const struct svc_record *rec)
{
	for (unsigned i = 0; i < rec->n_shares; i++)
		if (rec->shares[i].anonymous_write == TRI_YES)
			return true;
	return false;
}

/* CVEs the Samba version indicates (assess/samba_version.c) */
static void assess_samba_version(struct svc_record *rec)
{
	struct samba_version v;
	if (!samba_version_of(rec, &v))
		return;
	const char *caveat = v.distro_suffix ? "; a distribution build: fixes may be backported"
					     : "; backported fixes keep the version";
	if (samba_cve_2017_7494(&v) && any_share_writable(rec))
		add(rec, FIND_SAMBA_CVE_2017_7494,
		    "Samba %s (%s) and a share writable without credentials: version-indicated, "
		    "not probed%s",
		    v.text, v.source, caveat);
	if (samba_cve_2021_44142(&v))
		add(rec, FIND_SAMBA_CVE_2021_44142, "Samba %s (%s): version-indicated, not probed%s",
		    v.text, v.source, caveat);
}

/* SMB1 NEGOTIATE SecurityMode (MS-CIFS 2.2.4.52.2) */
static void assess_smb1_security_mode(struct svc_record *rec)
{
	if (rec->smb1.enabled != TRI_YES || !rec->smb1.has_security_mode)
		return;
	uint8_t m = rec->smb1.security_mode;
	if (!(m & SMB1_SECMODE_ENCRYPT))
		add(rec, FIND_SMB1_PLAINTEXT_PASSWORDS,
		    "SMB1 NEGOTIATE SecurityMode 0x%02x: ENCRYPT_PASSWORDS (0x02) clear", m);
	if (!(m & SMB1_SECMODE_USER))
		add(rec, FIND_SMB1_SHARE_LEVEL, "SMB1 NEGOTIATE SecurityMode 0x%02x: USER_SECURITY (0x01) clear",
		    m);
}

static uint16_t max_dialect(const struct svc_record *rec)
{
	return rec->smb2.n_dialects ? rec->smb2.dialects[rec->smb2.n_dialects - 1] : 0;
}

static bool is_standard_port(const struct svc_record *rec)
{
	return rec->port == 445 || rec->port == 139 || (rec->over_quic && rec->port == 443);
}

/* The endpoint mapper on 135 (check/epm.c): coercion interfaces
 * registered there; high on a domain controller (Netlogon registered),
 * whose coerced machine account is worth the most. */
static void assess_epm(struct svc_record *rec)
{
	char list[200];
	if (!rec->epm.present || !epm_coercion_list(rec, list, sizeof list))
		return;
	bool dc = epm_is_dc(rec);
	char why[160] = "";
	if (epm_has_dc_iface(rec))
		snprintf(why, sizeof why, "; a domain controller (Netlogon registered)");
	else if (dc)
		snprintf(why, sizeof why, "; a domain controller (%s)", rec->epm.dc_signs);
	unsigned before = rec->n_findings;
	add(rec, FIND_COERCION_SURFACE, "registered on TCP %u: %s%s", (unsigned)rec->port, list,
	    why);
	if (dc)
		rec->findings[rec->n_findings - 1].severity = SEV_HIGH;
	critical_if_external(rec, before);
}

/* Is b outside a's segment: another /24 (IPv4) or /64 (IPv6), or another
 * family? Names (not addresses) are never counted. */
static bool other_segment(const char *a, const char *b)
{
	struct in_addr a4, b4;
	struct in6_addr a6, b6;
	if (inet_pton(AF_INET, b, &b4) == 1)
		return inet_pton(AF_INET, a, &a4) != 1 ||
		       (ntohl(a4.s_addr) >> 8) != (ntohl(b4.s_addr) >> 8);
	if (inet_pton(AF_INET6, b, &b6) == 1)
		return inet_pton(AF_INET6, a, &a6) != 1 || memcmp(a6.s6_addr, b6.s6_addr, 8) != 0;
	return false;
}

/* ServerAlive2's addresses (check/epm.c): one in another segment than the
 * scanned address makes the host a bridge between them. */
static void assess_multi_homed(struct svc_record *rec)
{
	char others[200] = "";
	size_t o = 0;
	unsigned n = 0;
	for (unsigned i = 0; i < rec->epm.n_addresses; i++) {
		if (!other_segment(rec->ip, rec->epm.addresses[i]))
			continue;
		int w = snprintf(others + o, sizeof others - o, "%s%s", n ? ", " : "",
				 rec->epm.addresses[i]);
		if (w > 0 && (size_t)w < sizeof others - o)
			o += (size_t)w;
		n++;
	}
	if (n)
		add(rec, FIND_MULTI_HOMED, "ServerAlive2 on %s port %u lists %s", rec->ip,
		    (unsigned)rec->port, others);
}

void assess_dc_signs(struct svc_record *rec, const char *signs)
{
	bool was_dc = epm_is_dc(rec);
	record_set_str(rec->epm.dc_signs, sizeof rec->epm.dc_signs, signs);
	if (was_dc)
		return; /* Netlogon said it already, in the evidence too */
	for (unsigned i = 0; i < rec->n_findings; i++) {
		struct rec_finding *f = &rec->findings[i];
		if (strcmp(f->id, finding_info(FIND_COERCION_SURFACE)->id) != 0)
			continue;
		if (f->severity < SEV_HIGH)
			f->severity = SEV_HIGH;
		size_t len = strlen(f->evidence);
		snprintf(f->evidence + len, sizeof f->evidence - len, "; a domain controller (%s)",
			 signs);
	}
}

void assess_coercion_relay_target(struct svc_record *rec)
{
	for (unsigned i = 0; i < rec->n_findings; i++) {
		struct rec_finding *f = &rec->findings[i];
		if (strcmp(f->id, finding_info(FIND_COERCION_SURFACE)->id) != 0)
			continue;
		if (f->severity < SEV_HIGH)
			f->severity = SEV_HIGH;
		size_t len = strlen(f->evidence);
		snprintf(f->evidence + len, sizeof f->evidence - len,
			 "; the host's SMB service is an NTLM relay target");
	}
}

/* The name service answered (UDP 137): an exposure whatever 139/445 do
 * (NBNS spoofing, the name table and MAC to anyone); high from outside. */
static void assess_nbns(struct svc_record *rec)
{
	if (!rec->nbns.present)
		return;
	const char *computer = "";
	for (unsigned i = 0; i < rec->nbns.n_names; i++)
		if (rec->nbns.names[i].suffix == 0x00 && !rec->nbns.names[i].group) {
			computer = rec->nbns.names[i].name;
			break;
		}
	add(rec, FIND_NBNS_EXPOSED, "NBSTAT on %s UDP %u answered %u names%s%s (view %s)",
	    rec->ip, (unsigned)rec->port, rec->nbns.n_total, computer[0] ? ", computer " : "",
	    computer, rec->view);
	if (external_view(rec))
		rec->findings[rec->n_findings - 1].severity = SEV_HIGH;
}

/* SMB over QUIC (UDP 443): SMB offered to whoever reaches the port, with
 * only NTLM/Kerberos in front unless client certificates are required;
 * high from outside, a step lower with client certificates. The
 * certificate's own faults are apart. */
static void assess_quic(struct svc_record *rec, int64_t now)
{
	const struct rec_quic *q = &rec->quic;
	if (!q->present)
		return;
	const struct rec_cert *c = &q->cert;
	if (q->handshake) {
		add(rec, FIND_SMB_OVER_QUIC_EXPOSED,
		    "QUIC handshake with ALPN smb on %s UDP %u%s%s (view %s)", rec->ip,
		    (unsigned)rec->port, q->client_cert ? ", client certificate requested" : "",
		    rec->smb2.present ? ", SMB2 negotiate answered" : "", rec->view);
		struct rec_finding *f = &rec->findings[rec->n_findings - 1];
		if (external_view(rec))
			f->severity = q->client_cert ? SEV_MEDIUM : SEV_HIGH;
		else if (q->client_cert)
			f->severity = SEV_LOW;
	}
	if (!q->handshake || !c->present)
		return; /* a QUIC server that is not SMB: its certificate is not ours to judge */
	if (record_cert_expired(c, now)) {
		char na[32];
		unix_to_rfc3339(c->not_after, na, sizeof na);
		add(rec, FIND_QUIC_CERT_EXPIRED, "certificate %s valid until %s", c->subject, na);
	}
	if (c->self_signed)
		add(rec, FIND_QUIC_CERT_SELF_SIGNED, "certificate %s is issued by itself", c->subject);
}

static const char *mgmt_service_name(const struct rec_mgmt *m)
{
	enum rec_mgmt_service s = m->service;
	if (s == MGMT_WINRM && m->tls_version[0])
		return "WinRM over HTTPS";
	return s == MGMT_RDP ? "RDP" : s == MGMT_WINRM ? "WinRM" : s == MGMT_SSH ? "SSH" : "?";
}

/* " (TLS1.3, certificate CN=x self-signed, expired)": what the evidence
 * says of a TLS service's certificate; "" not over TLS. No finding of its
 * own: a self-signed certificate is WinRM's usual HTTPS listener. */
static void mgmt_tls_words(const struct svc_record *rec, char *out, size_t outsz)
{
	const struct rec_mgmt *m = &rec->mgmt;
	const struct rec_cert *c = &m->cert;
	out[0] = '\0';
	if (!m->tls_version[0])
		return;
	int64_t now = rec->scanned_at ? rec->scanned_at : (int64_t)time(NULL);
	if (!c->present)
		snprintf(out, outsz, " (%s, no certificate)", m->tls_version);
	else
		snprintf(out, outsz, " (%s, certificate %.64s%s%s)", m->tls_version,
			 c->subject[0] ? c->subject : "with no subject",
			 c->self_signed ? " self-signed" : "",
			 record_cert_expired(c, now) ? ", expired" : "");
}

/* A management service (RDP, WinRM, SSH): beside SMB on the same host it is
 * the second half of the attack (issue 18 part 3); info inside, high from
 * outside. Standard RDP security is a finding of its own, SMB or not. */
static void mgmt_with_smb(struct svc_record *rec)
{
	const struct rec_mgmt *m = &rec->mgmt;
	char tls[128];
	mgmt_tls_words(rec, tls, sizeof tls);
	add(rec, FIND_MGMT_EXPOSED_WITH_SMB,
	    "%s answered on %s TCP %u%s; SMB answered on the same host (view %s)",
	    mgmt_service_name(m), rec->ip, (unsigned)rec->port, tls, rec->view);
	if (external_view(rec))
		rec->findings[rec->n_findings - 1].severity = SEV_HIGH;
}

void assess_mgmt_smb_on_host(struct svc_record *rec)
{
	if (rec->mgmt.service == MGMT_NONE || rec->mgmt.smb_on_host)
		return;
	rec->mgmt.smb_on_host = true;
	mgmt_with_smb(rec);
}

static void assess_mgmt(struct svc_record *rec)
{
	const struct rec_mgmt *m = &rec->mgmt;
	if (m->service == MGMT_NONE)
		return;
	if (m->smb_on_host)
		mgmt_with_smb(rec);
	if (m->service == MGMT_RDP && m->rdp_standard_security == TRI_YES)
		add(rec, FIND_RDP_STANDARD_SECURITY,
		    "X.224 Connection Request asking for standard RDP security (requestedProtocols 0) "
		    "was confirmed on %s TCP %u", rec->ip, (unsigned)rec->port);
}

void assess_record(struct svc_record *rec)
{
	rec->n_findings = 0;
	assess_mgmt(rec);
	assess_epm(rec);
	assess_multi_homed(rec);
	assess_nbns(rec);
	assess_quic(rec, rec->scanned_at ? rec->scanned_at : (int64_t)time(NULL));
	if (!record_is_smb(rec))
		return;
	if (rec->doublepulsar == VULN_VULNERABLE)
		add(rec, FIND_DOUBLEPULSAR, "Trans2 SESSION_SETUP knock answered with multiplex id 81");
	if (rec->ms17_010 == VULN_VULNERABLE)
		add(rec, FIND_MS17_010,
		    "PeekNamedPipe on FID 0 over anonymous IPC$ returned "
		    "STATUS_INSUFF_SERVER_RESOURCES (0xC0000205)");
	if (rec->cve_2020_0796 == VULN_VULNERABLE) {
		char v[32];
		record_os_version(rec, v, sizeof v);
		add(rec, FIND_CVE_2020_0796, "SMB 3.1.1 with compression offered, NTLM OS version %s",
		    v);
	}
	/* one finding for "reachable from outside", whichever way we know it:
	 * the external view saw it, or the address is globally routable */
	/* (over QUIC, SMB_OVER_QUIC_EXPOSED says it: the advice is not "block 445") */
	if (external_view(rec) && !rec->over_quic)
		add(rec, FIND_SMB_EXPOSED_PUBLIC, "SMB answered on %s port %u (view %s%s)",
		    rec->ip, (unsigned)rec->port, rec->view,
		    assess_ip_is_public(rec->ip) ? ", globally routable address" : "");
	assess_smb1_security_mode(rec);
	assess_samba_version(rec);
	if (rec->smb1.enabled == TRI_YES)
		add(rec, FIND_SMB1_ENABLED, "SMB1-only NEGOTIATE accepted: dialect NT LM 0.12 chosen");
	if (rec->auth.null_session == TRI_YES)
		add(rec, FIND_NULL_SESSION, "anonymous SESSION_SETUP and TREE_CONNECT to IPC$ succeeded");
	if (rec->has_shares) {
		char names[200] = "";
		size_t o = 0;
		unsigned n = 0;
		for (unsigned i = 0; i < rec->n_shares; i++) {
			if (rec->shares[i].anonymous_read != TRI_YES)
				continue;
			int w = snprintf(names + o, sizeof names - o, "%s%s", n ? ", " : "",
					 rec->shares[i].name);
			if (w > 0 && (size_t)w < sizeof names - o)
				o += (size_t)w;
			n++;
		}
		if (n)
			add(rec, FIND_ANON_SHARE_READABLE, "listed without credentials: %s", names);
	}
	if (rec->has_shares)
		assess_writable_shares(rec);
	if (rec->auth.guest == TRI_YES)
		add(rec, FIND_GUEST_ACCESS, "logon as a random non-existent user was accepted as guest");
	bool smb2_unsigned = rec->smb2.present && rec->smb2.signing != SIGN_REQUIRED &&
			     rec->smb2.signing != SIGN_UNKNOWN;
	bool smb1_unsigned = rec->smb1.enabled == TRI_YES && rec->smb1.signing != SIGN_REQUIRED &&
			     rec->smb1.signing != SIGN_UNKNOWN;
	if (smb2_unsigned || smb1_unsigned)
		add(rec, FIND_SIGNING_NOT_REQUIRED, "%s%s%s%s",
		    smb2_unsigned ? "SMB2 security mode: signing " : "",
		    smb2_unsigned ? signing_name(rec->smb2.signing) : "",
		    smb2_unsigned && smb1_unsigned ? "; " : "",
		    smb1_unsigned ? (rec->smb1.signing == SIGN_DISABLED
					     ? "SMB1 security mode: signing disabled"
					     : "SMB1 security mode: signing enabled, not required")
				  : "");
	assess_relay(rec);
	if (!is_standard_port(rec))
		add(rec, FIND_NONSTANDARD_PORT, "SMB answered on TCP port %u", (unsigned)rec->port);
	if (rec->smb2.present && rec->smb2.n_dialects && max_dialect(rec) < 0x0300)
		add(rec, FIND_NO_ENCRYPTION, "highest SMB dialect is %s",
		    max_dialect(rec) == 0x0210 ? "2.1" : "2.0.2");
	else if (!rec->smb2.present && rec->smb1.enabled == TRI_YES)
		add(rec, FIND_NO_ENCRYPTION, "only SMB1 is spoken");
	add(rec, FIND_SMB_EXPOSED, "SMB answered on %s port %u (view %s)", rec->ip,
	    (unsigned)rec->port, rec->view);
}

int assess_severity_parse(const char *s)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int assess_worst(const struct svc_record *rec)
{
	int worst = -1;
	for (unsigned i = 0; i < rec->n_findings; i++)
		if ((int)rec->findings[i].severity > worst)
			worst = (int)rec->findings[i].severity;
	return worst;
}
