/* findings.c - the one table of findings; see findings.h. The texts live
 * here, the rules that raise them in assess.c. */
#include "assess/findings.h"

#include <stddef.h>
#include <string.h>

static const struct finding_info table[FIND_N] = {
	[FIND_SMB_EXPOSED_PUBLIC] = {"SMB_EXPOSED_PUBLIC", SEV_CRITICAL, "SMB reachable from outside (the external view or a globally routable address)",
	 "Block inbound TCP 445 and 139 (and any port SMB was moved to) at the perimeter "
	 "firewall and the host firewall; give remote users VPN or an SMB-over-QUIC gateway "
	 "instead of exposing SMB to the internet.",
		NULL, NULL},
	[FIND_MS17_010] = {"MS17_010", SEV_CRITICAL, "Vulnerable to MS17-010 (EternalBlue, WannaCry)",
	 "Install MS17-010 (March 2017) or any later cumulative update now, disable SMBv1, and "
	 "isolate the host until it is patched; check it for compromise (DoublePulsar).",
		"CVE-2017-0143", "https://learn.microsoft.com/en-us/security-updates/securitybulletins/2017/ms17-010"},
	[FIND_DOUBLEPULSAR] = {"DOUBLEPULSAR", SEV_CRITICAL, "DoublePulsar implant answers on this host",
	 "The host is compromised: isolate it from the network, investigate, rebuild it from "
	 "known-good media and patch MS17-010 before reconnecting.",
		NULL, NULL},
	[FIND_CVE_2020_0796] = {"CVE_2020_0796", SEV_CRITICAL,
	 "SMBGhost (CVE-2020-0796): affected Windows build with SMB 3.1.1 compression",
	 "Install KB4551762 (March 2020) or later; until then set DisableCompression=1 under "
	 "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters (ADV200005) and "
	 "block TCP 445 from untrusted networks. Patch level is not visible remotely.",
		"CVE-2020-0796", "https://msrc.microsoft.com/update-guide/vulnerability/CVE-2020-0796"},
	[FIND_SMB1_PLAINTEXT_PASSWORDS] = {"SMB1_PLAINTEXT_PASSWORDS", SEV_CRITICAL,
	 "SMB1 asks for plaintext passwords (no challenge/response)",
	 "Every logon sends the password in clear text over the network. Samba: remove encrypt "
	 "passwords = no (the default is yes) and disable SMB1 (server min protocol = SMB2_02); "
	 "Windows/NAS: enable encrypted passwords and disable SMBv1.",
		NULL, NULL},
	[FIND_SMB1_SHARE_LEVEL] = {"SMB1_SHARE_LEVEL", SEV_CRITICAL, "SMB1 share-level security (one password per share)",
	 "Share-level security has no user accounts: a share password is all it takes, and it "
	 "is shared by everyone. Move to user-level security (Samba 4 has no other) and disable "
	 "SMB1.",
		NULL, NULL},
	[FIND_SAMBA_CVE_2017_7494] = {"SAMBA_CVE_2017_7494", SEV_MEDIUM,
	 "Samba version indicates CVE-2017-7494 (SambaCry), with a writable share",
	 "Upgrade Samba (4.6.4, 4.5.10, 4.4.14 or later) or install the distribution's fixed "
	 "package; until then set nt pipe support = no in [global] and remove anonymous write "
	 "access. Version-indicated, not probed: distributions backport fixes without changing "
	 "the version.",
		"CVE-2017-7494", "https://www.samba.org/samba/security/CVE-2017-7494.html"},
	[FIND_SAMBA_CVE_2021_44142] = {"SAMBA_CVE_2021_44142", SEV_MEDIUM,
	 "Samba version indicates CVE-2021-44142 (vfs_fruit heap overflow)",
	 "Upgrade Samba (4.15.5, 4.14.12, 4.13.17 or later) or install the distribution's fixed "
	 "package; until then remove fruit from vfs objects. Version-indicated, not probed: "
	 "distributions backport fixes without changing the version, and only shares with "
	 "vfs_fruit are affected.",
		"CVE-2021-44142", "https://www.samba.org/samba/security/CVE-2021-44142.html"},
	[FIND_SMB1_ENABLED] = {"SMB1_ENABLED", SEV_HIGH, "SMBv1 is enabled",
	 "SMBv1 cannot be fixed, only disabled. Windows: Set-SmbServerConfiguration "
	 "-EnableSMB1Protocol $false (or Disable-WindowsOptionalFeature -Online -FeatureName "
	 "SMB1Protocol). Samba: server min protocol = SMB2_02 (the default since 4.11).",
		NULL, NULL},
	[FIND_NULL_SESSION] = {"NULL_SESSION", SEV_HIGH, "Anonymous (null) session can connect to IPC$",
	 "Restrict anonymous access. Windows: RestrictAnonymous=1, RestrictNullSessAccess=1 and "
	 "empty NullSessionPipes/NullSessionShares (GPO: Network access: Do not allow anonymous "
	 "enumeration of SAM accounts and shares). Samba: restrict anonymous = 2.",
		NULL, NULL},
	[FIND_ANON_SHARE_READABLE] = {"ANON_SHARE_READABLE", SEV_HIGH, "A disk share can be listed without credentials",
	 "Remove guest/anonymous access from the share (Samba: guest ok = no; Windows: remove "
	 "Everyone/ANONYMOUS LOGON/Guest from share and NTFS permissions) unless it is meant to be "
	 "public, and then make sure it holds nothing sensitive.",
		NULL, NULL},
	[FIND_ANON_SHARE_WRITABLE] = {"ANON_SHARE_WRITABLE", SEV_HIGH, "A disk share is writable without credentials",
	 "Remove write access for guests and anonymous users (Samba: read only = yes or guest "
	 "ok = no, and check the directory's permissions; Windows: remove Everyone/ANONYMOUS "
	 "LOGON/Guest write from the share and NTFS permissions). Anyone who can reach it can "
	 "plant files (malware, SambaCry payloads) or destroy data.",
		NULL, NULL},
	[FIND_GUEST_ACCESS] = {"GUEST_ACCESS", SEV_MEDIUM, "Logons with unknown user names are mapped to guest",
	 "Samba: map to guest = Never (and no guest ok shares). Windows: disable the Guest "
	 "account and insecure guest logons (AllowInsecureGuestAuth=0).",
		NULL, NULL},
	[FIND_SIGNING_NOT_REQUIRED] = {"SIGNING_NOT_REQUIRED", SEV_MEDIUM, "SMB signing is not required (NTLM relay possible)",
	 "Require signing. Windows GPO: Microsoft network server: Digitally sign communications "
	 "(always) = Enabled (RequireSecuritySignature=1). Samba: server signing = mandatory.",
		NULL, NULL},
	[FIND_RELAY_TARGET] = {"RELAY_TARGET", SEV_HIGH, "NTLM can be relayed to this service",
	 "Require signing (Windows: RequireSecuritySignature=1; Samba: server signing = "
	 "mandatory), or require encryption (Set-SmbServerConfiguration -EncryptData $true "
	 "-RejectUnencryptedAccess $true; Samba: server smb encrypt = required), or turn NTLM "
	 "off for SMB where Kerberos is available. Only an AUTHENTICATE with a real account "
	 "shows whether NTLM is refused late (Samba ntlm auth = disabled).",
		NULL, NULL},
	[FIND_COERCION_SURFACE] = {"COERCION_SURFACE", SEV_MEDIUM,
	 "RPC interfaces that coerce authentication are registered on the endpoint mapper",
	 "Disable the Print Spooler on servers that do not print (Stop-Service Spooler; "
	 "Set-Service Spooler -StartupType Disabled), filter EFSRPC (KB5005413: RPC filters or "
	 "disable EFS where unused), remove the DFS Namespace and File Server VSS Agent roles "
	 "where unused, require EPA/signing so coerced NTLM cannot be relayed, and block TCP 135 "
	 "(and 139/445) at the perimeter.",
		NULL, "https://learn.microsoft.com/en-us/windows/security/threat-protection/"
		      "vulnerabilities/kb5005413"},
	[FIND_MULTI_HOMED] = {"MULTI_HOMED", SEV_MEDIUM,
	 "The host has network addresses in other segments (it can bridge them)",
	 "Check that the host is meant to sit in each segment it lists; remove the extra "
	 "interfaces or firewall between them, and block TCP 135 where DCOM is not needed "
	 "(ServerAlive2 answers anyone who can reach it).",
		NULL, NULL},
	[FIND_NONSTANDARD_PORT] = {"NONSTANDARD_PORT", SEV_LOW, "SMB answers on a non-standard port",
	 "Moving SMB to another port is not protection: scanners find it by what it answers. "
	 "Firewall it like 445 and apply the same hardening.",
		NULL, NULL},
	[FIND_NO_ENCRYPTION] = {"NO_ENCRYPTION", SEV_LOW, "No SMB 3.x dialect: traffic cannot be encrypted",
	 "Enable SMB 3.0 or later (Samba: server max protocol = SMB3) and require encryption on "
	 "sensitive shares (Set-SmbServerConfiguration -EncryptData $true; Samba: server smb "
	 "encrypt = required).",
		NULL, NULL},
	[FIND_SMB_EXPOSED] = {"SMB_EXPOSED", SEV_INFO, "SMB reachable from this view",
	 "Make sure only the networks that need file sharing can reach this port (segment, "
	 "host firewall).",
		NULL, NULL},
	/* the row's severity is the default; policy/evaluate.c gives each
	 * violation the severity of the finding its rule mirrors (docs/policy.md) */
	[FIND_POLICY_VIOLATION] = {"POLICY_VIOLATION", SEV_HIGH, "Breaks the exposure policy",
	 "Bring the service in line with the rule named in the evidence (firewall the port "
	 "from that network, disable SMB1, require signing, ...), or change the policy file "
	 "if the rule is what is wrong.",
		NULL, NULL},
	[FIND_NBNS_EXPOSED] = {"NBNS_EXPOSED", SEV_MEDIUM,
	 "NetBIOS name service answers: name table and MAC to anyone, NBNS spoofing surface",
	 "Block UDP 137/138 (and TCP 139) at the perimeter and between segments that do not "
	 "need it; disable NetBIOS over TCP/IP on the interface (Windows: adapter WINS "
	 "settings or DHCP option 001; Samba: disable netbios = yes, stop nmbd).",
		NULL, "https://www.rfc-editor.org/rfc/rfc1002#section-4.2.18"},
	[FIND_SMB_OVER_QUIC_EXPOSED] = {"SMB_OVER_QUIC_EXPOSED", SEV_MEDIUM,
	 "SMB over QUIC answers on UDP 443: SMB reachable with only NTLM/Kerberos in front",
	 "If remote SMB is intended, require client certificates (SMB over QUIC client access "
	 "control: Set-SmbServerCertificateMapping -RequireClientAuthentication), disable NTLM "
	 "for it and restrict the users; if it is not intended, disable the QUIC transport "
	 "(Set-SmbServerConfiguration -EnableSMBQUIC $false) or block UDP 443 to the host.",
		NULL, "https://learn.microsoft.com/en-us/windows-server/storage/file-server/smb-over-quic"},
	[FIND_QUIC_CERT_EXPIRED] = {"QUIC_CERT_EXPIRED", SEV_MEDIUM,
	 "The SMB over QUIC certificate is expired (or not yet valid)",
	 "Issue a new certificate and map it (New-SmbServerCertificateMapping); clients that "
	 "validate the certificate cannot connect, and users learn to click through.",
		NULL, NULL},
	[FIND_QUIC_CERT_SELF_SIGNED] = {"QUIC_CERT_SELF_SIGNED", SEV_MEDIUM,
	 "The SMB over QUIC certificate is self-signed",
	 "Use a certificate from a CA the clients trust: a self-signed one is either rejected "
	 "or trusted by hand, and neither lets a client tell the server from an impostor.",
		NULL, NULL},
	/* the row says info (inside); assess.c makes it high from the
	 * external view */
	[FIND_MGMT_EXPOSED_WITH_SMB] = {"MGMT_EXPOSED_WITH_SMB", SEV_INFO,
	 "A management interface (RDP, WinRM, SSH) answers on a host that also serves SMB",
	 "Reach management ports only from an administration network or a jump host: "
	 "firewall TCP 3389, 5985/5986 and 22 (and TCP 135, 139, 445) at the perimeter; "
	 "an attacker pairs credentials or relayed authentication from SMB with them.",
		NULL, NULL},
	[FIND_RDP_STANDARD_SECURITY] = {"RDP_STANDARD_SECURITY", SEV_MEDIUM,
	 "RDP accepts standard RDP security: no TLS and no Network Level Authentication",
	 "Require NLA (Windows: System Properties > Remote > \"Allow connections only from "
	 "computers running Remote Desktop with Network Level Authentication\", or "
	 "UserAuthentication = 1 and SecurityLayer = 2 under RDP-Tcp; xrdp: security_layer "
	 "= tls or hybrid).",
		NULL, "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/"},
};

const struct finding_info *finding_info(enum finding_id id)
{
	return id != FIND_NONE && (unsigned)id < FIND_N ? &table[id] : NULL;
}

const struct finding_info *finding_info_by_name(const char *id)
{
	for (size_t i = FIND_NONE + 1; i < FIND_N; i++)
		if (table[i].id && strcmp(table[i].id, id) == 0)
			return &table[i];
	return NULL;
}
