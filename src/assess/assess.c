/* assess.c - findings from a record; see assess.h. The remediation texts
 * live here, next to the rule that raises them. */
#include "assess/assess.h"
#include "assess/relay_verdict.h"
#include "assess/samba_version.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct rule_text {
	const char *id;
	enum severity severity;
	const char *title;
	const char *remediation;
};

static const struct rule_text texts[] = {
	{"SMB_EXPOSED_PUBLIC", SEV_CRITICAL, "SMB reachable on a globally routable address",
	 "Block inbound TCP 445 and 139 (and any port SMB was moved to) at the perimeter "
	 "firewall and the host firewall; give remote users VPN or an SMB-over-QUIC gateway "
	 "instead of exposing SMB to the internet."},
	{"MS17_010", SEV_CRITICAL, "Vulnerable to MS17-010 (EternalBlue, WannaCry)",
	 "Install MS17-010 (March 2017) or any later cumulative update now, disable SMBv1, and "
	 "isolate the host until it is patched; check it for compromise (DoublePulsar)."},
	{"DOUBLEPULSAR", SEV_CRITICAL, "DoublePulsar implant answers on this host",
	 "The host is compromised: isolate it from the network, investigate, rebuild it from "
	 "known-good media and patch MS17-010 before reconnecting."},
	{"CVE_2020_0796", SEV_CRITICAL,
	 "SMBGhost (CVE-2020-0796): affected Windows build with SMB 3.1.1 compression",
	 "Install KB4551762 (March 2020) or later; until then set DisableCompression=1 under "
	 "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters (ADV200005) and "
	 "block TCP 445 from untrusted networks. Patch level is not visible remotely."},
	{"SMB1_ENABLED", SEV_HIGH, "SMBv1 is enabled",
	 "SMBv1 cannot be fixed, only disabled. Windows: Set-SmbServerConfiguration "
	 "-EnableSMB1Protocol $false (or Disable-WindowsOptionalFeature -Online -FeatureName "
	 "SMB1Protocol). Samba: server min protocol = SMB2_02 (the default since 4.11)."},
	{"NULL_SESSION", SEV_HIGH, "Anonymous (null) session can connect to IPC$",
	 "Restrict anonymous access. Windows: RestrictAnonymous=1, RestrictNullSessAccess=1 and "
	 "empty NullSessionPipes/NullSessionShares (GPO: Network access: Do not allow anonymous "
	 "enumeration of SAM accounts and shares). Samba: restrict anonymous = 2."},
	{"ANON_SHARE_READABLE", SEV_HIGH, "A disk share can be listed without credentials",
	 "Remove guest/anonymous access from the share (Samba: guest ok = no; Windows: remove "
	 "Everyone/ANONYMOUS LOGON/Guest from share and NTFS permissions) unless it is meant to be "
	 "public, and then make sure it holds nothing sensitive."},
	{"GUEST_ACCESS", SEV_MEDIUM, "Logons with unknown user names are mapped to guest",
	 "Samba: map to guest = Never (and no guest ok shares). Windows: disable the Guest "
	 "account and insecure guest logons (AllowInsecureGuestAuth=0)."},
	{"SIGNING_NOT_REQUIRED", SEV_MEDIUM, "SMB signing is not required (NTLM relay possible)",
	 "Require signing. Windows GPO: Microsoft network server: Digitally sign communications "
	 "(always) = Enabled (RequireSecuritySignature=1). Samba: server signing = mandatory."},
	/* --- issue 16 part 2 (relay, writable shares, Samba CVEs, SMB1 security mode) */
	{"RELAY_TARGET", SEV_HIGH, "NTLM can be relayed to this service",
	 "Require signing (Windows: RequireSecuritySignature=1; Samba: server signing = "
	 "mandatory), or require encryption (Set-SmbServerConfiguration -EncryptData $true "
	 "-RejectUnencryptedAccess $true; Samba: server smb encrypt = required), or turn NTLM "
	 "off for SMB where Kerberos is available. Only an AUTHENTICATE with a real account "
	 "shows whether NTLM is refused late (Samba ntlm auth = disabled)."},
	{"ANON_SHARE_WRITABLE", SEV_HIGH, "A disk share is writable without credentials",
	 "Remove write access for guests and anonymous users (Samba: read only = yes or guest "
	 "ok = no, and check the directory's permissions; Windows: remove Everyone/ANONYMOUS "
	 "LOGON/Guest write from the share and NTFS permissions). Anyone who can reach it can "
	 "plant files (malware, SambaCry payloads) or destroy data."},
	{"SAMBA_CVE_2017_7494", SEV_MEDIUM,
	 "Samba version indicates CVE-2017-7494 (SambaCry), with a writable share",
	 "Upgrade Samba (4.6.4, 4.5.10, 4.4.14 or later) or install the distribution's fixed "
	 "package; until then set nt pipe support = no in [global] and remove anonymous write "
	 "access. Version-indicated, not probed: distributions backport fixes without changing "
	 "the version."},
	{"SAMBA_CVE_2021_44142", SEV_MEDIUM,
	 "Samba version indicates CVE-2021-44142 (vfs_fruit heap overflow)",
	 "Upgrade Samba (4.15.5, 4.14.12, 4.13.17 or later) or install the distribution's fixed "
	 "package; until then remove fruit from vfs objects. Version-indicated, not probed: "
	 "distributions backport fixes without changing the version, and only shares with "
	 "vfs_fruit are affected."},
	{"SMB1_PLAINTEXT_PASSWORDS", SEV_CRITICAL,
	 "SMB1 asks for plaintext passwords (no challenge/response)",
	 "Every logon sends the password in clear text over the network. Samba: remove encrypt "
	 "passwords = no (the default is yes) and disable SMB1 (server min protocol = SMB2_02); "
	 "Windows/NAS: enable encrypted passwords and disable SMBv1."},
	{"SMB1_SHARE_LEVEL", SEV_CRITICAL, "SMB1 share-level security (one password per share)",
	 "Share-level security has no user accounts: a share password is all it takes, and it "
	 "is shared by everyone. Move to user-level security (Samba 4 has no other) and disable "
	 "SMB1."},
	/* --- end of issue 16 part 2 rows */
	{"NONSTANDARD_PORT", SEV_LOW, "SMB answers on a non-standard port",
	 "Moving SMB to another port is not protection: scanners find it by what it answers. "
	 "Firewall it like 445 and apply the same hardening."},
	{"NO_ENCRYPTION", SEV_LOW, "No SMB 3.x dialect: traffic cannot be encrypted",
	 "Enable SMB 3.0 or later (Samba: server max protocol = SMB3) and require encryption on "
	 "sensitive shares (Set-SmbServerConfiguration -EncryptData $true; Samba: server smb "
	 "encrypt = required)."},
	{"SMB_EXPOSED", SEV_INFO, "SMB reachable from this view",
	 "Make sure only the networks that need file sharing can reach this port (segment, "
	 "host firewall)."},
};

static const struct rule_text *text_of(const char *id)
{
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (strcmp(texts[i].id, id) == 0)
			return &texts[i];
	return NULL;
}

static void add(struct svc_record *rec, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct svc_record *rec, const char *id, const char *fmt, ...)
{
	const struct rule_text *t = text_of(id);
	if (!t || rec->n_findings >= REC_MAX_FINDINGS)
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

/* issue 16 part 2: the relay verdict (assess/relay_verdict.c) */
static void assess_relay(struct svc_record *rec)
{
	struct relay_verdict v;
	relay_verdict_of(rec, &v);
	unsigned before = rec->n_findings;
	if (v.target)
		add(rec, "RELAY_TARGET", "%s", v.why);
	critical_if_external(rec, before);
}

/* issue 16 part 2: shares whose maximal access for the anonymous/guest
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
		add(rec, "ANON_SHARE_WRITABLE",
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

/* issue 16 part 2: CVEs the Samba version indicates (assess/samba_version.c) */
static void assess_samba_version(struct svc_record *rec)
{
	struct samba_version v;
	if (!samba_version_of(rec, &v))
		return;
	const char *caveat = v.distro_suffix ? "; a distribution build: fixes may be backported"
					     : "; backported fixes keep the version";
	if (samba_cve_2017_7494(&v) && any_share_writable(rec))
		add(rec, "SAMBA_CVE_2017_7494",
		    "Samba %s (%s) and a share writable without credentials: version-indicated, "
		    "not probed%s",
		    v.text, v.source, caveat);
	if (samba_cve_2021_44142(&v))
		add(rec, "SAMBA_CVE_2021_44142", "Samba %s (%s): version-indicated, not probed%s",
		    v.text, v.source, caveat);
}

/* issue 16 part 2: SMB1 NEGOTIATE SecurityMode (MS-CIFS 2.2.4.52.2) */
static void assess_smb1_security_mode(struct svc_record *rec)
{
	if (rec->smb1.enabled != TRI_YES || !rec->smb1.has_security_mode)
		return;
	uint8_t m = rec->smb1.security_mode;
	if (!(m & 0x02))
		add(rec, "SMB1_PLAINTEXT_PASSWORDS",
		    "SMB1 NEGOTIATE SecurityMode 0x%02x: ENCRYPT_PASSWORDS (0x02) clear", m);
	if (!(m & 0x01))
		add(rec, "SMB1_SHARE_LEVEL", "SMB1 NEGOTIATE SecurityMode 0x%02x: USER_SECURITY (0x01) clear",
		    m);
}

static uint16_t max_dialect(const struct svc_record *rec)
{
	return rec->smb2.n_dialects ? rec->smb2.dialects[rec->smb2.n_dialects - 1] : 0;
}

static bool is_standard_port(const struct svc_record *rec)
{
	return rec->port == 445 || rec->port == 139;
}

void assess_record(struct svc_record *rec)
{
	rec->n_findings = 0;
	if (!record_is_smb(rec))
		return;
	if (rec->doublepulsar == VULN_VULNERABLE)
		add(rec, "DOUBLEPULSAR", "Trans2 SESSION_SETUP knock answered with multiplex id 81");
	if (rec->ms17_010 == VULN_VULNERABLE)
		add(rec, "MS17_010",
		    "PeekNamedPipe on FID 0 over anonymous IPC$ returned "
		    "STATUS_INSUFF_SERVER_RESOURCES (0xC0000205)");
	if (rec->cve_2020_0796 == VULN_VULNERABLE) {
		char v[32];
		record_os_version(rec, v, sizeof v);
		add(rec, "CVE_2020_0796", "SMB 3.1.1 with compression offered, NTLM OS version %s",
		    v);
	}
	if (assess_ip_is_public(rec->ip))
		add(rec, "SMB_EXPOSED_PUBLIC", "SMB answered on %s port %u (view %s)", rec->ip,
		    (unsigned)rec->port, rec->view);
	assess_smb1_security_mode(rec);
	assess_samba_version(rec);
	if (rec->smb1.enabled == TRI_YES)
		add(rec, "SMB1_ENABLED", "SMB1-only NEGOTIATE accepted: dialect NT LM 0.12 chosen");
	if (rec->auth.null_session == TRI_YES)
		add(rec, "NULL_SESSION", "anonymous SESSION_SETUP and TREE_CONNECT to IPC$ succeeded");
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
			add(rec, "ANON_SHARE_READABLE", "listed without credentials: %s", names);
	}
	if (rec->has_shares)
		assess_writable_shares(rec);
	if (rec->auth.guest == TRI_YES)
		add(rec, "GUEST_ACCESS", "logon as a random non-existent user was accepted as guest");
	bool smb2_unsigned = rec->smb2.present && rec->smb2.signing != SIGN_REQUIRED &&
			     rec->smb2.signing != SIGN_UNKNOWN;
	bool smb1_unsigned = rec->smb1.enabled == TRI_YES && rec->smb1.signing != SIGN_REQUIRED &&
			     rec->smb1.signing != SIGN_UNKNOWN;
	if (smb2_unsigned || smb1_unsigned)
		add(rec, "SIGNING_NOT_REQUIRED", "%s%s%s%s",
		    smb2_unsigned ? "SMB2 security mode: signing " : "",
		    smb2_unsigned ? signing_name(rec->smb2.signing) : "",
		    smb2_unsigned && smb1_unsigned ? "; " : "",
		    smb1_unsigned ? (rec->smb1.signing == SIGN_DISABLED
					     ? "SMB1 security mode: signing disabled"
					     : "SMB1 security mode: signing enabled, not required")
				  : "");
	assess_relay(rec);
	if (!is_standard_port(rec))
		add(rec, "NONSTANDARD_PORT", "SMB answered on TCP port %u", (unsigned)rec->port);
	if (rec->smb2.present && rec->smb2.n_dialects && max_dialect(rec) < 0x0300)
		add(rec, "NO_ENCRYPTION", "highest SMB dialect is %s",
		    max_dialect(rec) == 0x0210 ? "2.1" : "2.0.2");
	else if (!rec->smb2.present && rec->smb1.enabled == TRI_YES)
		add(rec, "NO_ENCRYPTION", "only SMB1 is spoken");
	add(rec, "SMB_EXPOSED", "SMB answered on %s port %u (view %s)", rec->ip,
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
