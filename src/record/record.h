/* record.h - the service record: one per SMB service (ip + port) found.
 *
 * Everything a scan learns about a service lands here; stores keep it,
 * reports render it, assess/ reads it. Fields that were not learned keep
 * their "unknown" value (TRI_UNKNOWN, empty string, has_* false) and are
 * left out of the JSON, never guessed. The record owns all its memory
 * (fixed arrays, no pointers into frames); record_init() zeroes it. */
#ifndef SMBW_RECORD_H
#define SMBW_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REC_STR 256
#define REC_MAX_DIALECTS 5
#define REC_MAX_ALGS 8
#define REC_MAX_ERRORS 8
#define REC_MAX_SHARES 64
#define REC_MAX_FINDINGS 24

enum tri { TRI_UNKNOWN = 0, TRI_NO, TRI_YES };

enum signing { SIGN_UNKNOWN = 0, SIGN_DISABLED, SIGN_ENABLED, SIGN_REQUIRED };

enum vuln { VULN_UNKNOWN = 0, VULN_NOT_VULNERABLE, VULN_VULNERABLE };

enum severity { SEV_INFO = 0, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

struct rec_error {
	char stage[32];
	char message[160];
};

struct rec_smb1 {
	enum tri enabled;
	char dialect[32]; /* "NT LM 0.12" */
	enum signing signing;
	char native_os[REC_STR];
	char native_lanman[REC_STR];
	char domain[REC_STR];
	char server_name[REC_STR];
	bool has_capabilities;
	uint32_t capabilities;
	/* NEGOTIATE SecurityMode (MS-CIFS 2.2.4.52.2): bit 0x01 clear =
	 * share-level security, 0x02 clear = plaintext passwords */
	bool has_security_mode;
	uint8_t security_mode;
};

struct rec_smb2 {
	bool present;          /* answered an SMB2 NEGOTIATE */
	unsigned n_dialects;   /* ascending */
	uint16_t dialects[REC_MAX_DIALECTS];
	bool dialects_complete; /* every dialect probe got an answer */
	bool dialects_by_range; /* min found, the ones between inferred (see service.c) */
	enum signing signing;
	uint8_t server_guid[16];
	uint32_t capabilities;
	uint32_t max_read, max_write, max_transact;
	uint64_t system_time;  /* FILETIME; 0 = unknown */
	uint64_t boot_time;    /* FILETIME; 0 = not reported */
	unsigned n_preauth, n_ciphers, n_compression, n_signing_algs;
	uint16_t preauth[REC_MAX_ALGS], ciphers[REC_MAX_ALGS];
	uint16_t compression[REC_MAX_ALGS], signing_algs[REC_MAX_ALGS];
	bool has_contexts;     /* a 3.1.1 answer with contexts was seen */
};

struct rec_ntlm {
	bool present;
	char netbios_computer[REC_STR];
	char netbios_domain[REC_STR];
	char dns_computer[REC_STR];
	char dns_domain[REC_STR];
	char dns_tree[REC_STR];
	bool has_version;
	uint8_t os_major, os_minor;
	uint16_t os_build;
	uint8_t ntlm_revision;
};

struct rec_auth {
	enum tri anonymous_logon;
	enum tri null_session;
	enum tri guest;
};

struct rec_share {
	char name[96];
	char type[16];
	char comment[REC_STR];
	enum tri anonymous_read;
	/* MaximalAccess of the anonymous/guest session on this share (SMB2
	 * TREE_CONNECT, SMB1 extended TREE_CONNECT_ANDX): seen, never tried */
	bool has_max_access;
	uint32_t max_access;
	enum tri anonymous_write;
};

/* What decides whether NTLM can be relayed to the service (relay check,
 * probe/relay.c; the verdict is assess/relay_verdict.c). */
struct rec_relay {
	enum tri ntlm_offered;    /* NTLMSSP OID in the NEGOTIATE's SPNEGO mechTypes */
	enum tri ntlm_challenge;  /* an NTLMSSP NEGOTIATE got a CHALLENGE back */
	uint32_t ntlm_refused_status; /* the status instead of a CHALLENGE */
	enum tri session_encrypt; /* SessionFlags ENCRYPT_DATA on the anonymous/guest session */
	uint32_t anon_refused_status; /* 3.x anonymous logon refused after the CHALLENGE */
	/* the 2.0.2/2.1-only anonymous client (probe/relay.c): what it got, at
	 * SESSION_SETUP or at TREE_CONNECT IPC$ (0 = let in); the verdict
	 * reads it with the 3.x answers (relay_legacy_refused) */
	bool legacy_tried;
	bool legacy_at_tree;
	uint32_t legacy_status;
	/* the client that cannot encrypt was the SMB1 checks' anonymous
	 * logon and IPC$ (SMB1 on: no connection of its own for a 2.x one,
	 * docs/checks.md) */
	bool legacy_smb1;
};

/* The RPC endpoint mapper on TCP 135 (probe/epm.c): every registered
 * interface with its bindings, grouped by interface (uuid + version).
 * The interfaces live on the heap, allocated as the walk finds them: a
 * record without 135 pays a pointer for them, not 55 kB (the nmap XML
 * writer keeps every record of a scan). Samba's AD DC lists 17 bindings of
 * its mgmt interface: 32 keeps them all. */
#define REC_MAX_EPM_IFACES 128
#define REC_MAX_EPM_BINDINGS 32
#define REC_MAX_EPM_ADDRS 16
struct rec_epm_iface {
	char uuid[40];       /* 8-4-4-4-12, lower case */
	uint16_t ver_major, ver_minor;
	char annotation[65]; /* the server's words for it ("spoolss"); may be "" */
	unsigned n_bindings;
	char bindings[REC_MAX_EPM_BINDINGS][80]; /* "ncacn_ip_tcp:198.18.1.50[49152]" */
};
struct rec_epm {
	bool present;        /* the mapper answered ept_lookup */
	bool complete;       /* walked to its end (not cut by a limit or an error) */
	unsigned n_entries;  /* entries seen (one per interface and binding) */
	unsigned n_ifaces, cap_ifaces;
	/* NULL until the first interface; record_release frees it,
	 * record_copy duplicates it (a plain struct copy would share it) */
	struct rec_epm_iface *ifaces;
	/* IObjectExporter::ServerAlive2 on the same port: every network
	 * address the host lists (names and IPs), when it answered */
	bool has_addresses;
	/* signs of the DC role from the host's other records of the same
	 * scan ("TCP 88 open (Kerberos), <1C> name (LABAD)"); "" none */
	char dc_signs[128];
	/* "x64" / "x86" from a BIND offering NDR64 only; "" unknown */
	char arch[4];
	unsigned n_addresses;
	char addresses[REC_MAX_EPM_ADDRS][64];
};

/* The NetBIOS name service's node status (NBSTAT on UDP 137, wire/nbns.h):
 * the node's name table and unit id. */
#define REC_MAX_NBNS_NAMES 24
struct rec_nbns_name {
	char name[16];  /* 15 bytes at most, trailing spaces cut */
	uint8_t suffix; /* <20> file server, ... (check/nbns.c names them) */
	bool group;     /* a group name (G flag), else unique */
	bool active;    /* ACT flag */
};
struct rec_nbns {
	bool present;     /* a node status answer was decoded */
	unsigned n_total; /* names the node listed */
	unsigned n_names; /* kept below */
	struct rec_nbns_name names[REC_MAX_NBNS_NAMES];
	bool has_mac;     /* unit id present and not all zero */
	uint8_t mac[6];
};

/* A server's TLS certificate, kept as evidence (net/cert_summary.c): SMB
 * over QUIC's and WinRM over HTTPS's; never trusted nor verified. */
struct rec_cert {
	bool present;          /* the server sent a certificate that decoded */
	char subject[192];     /* RFC 4514 DN */
	char issuer[192];
	char sans[256];        /* "DNS:a, IP:198.18.0.1", comma-joined, cut if long */
	int64_t not_before;    /* unix seconds UTC */
	int64_t not_after;
	char key_type[12];     /* "RSA", "EC", "Ed25519", ... */
	unsigned key_bits;
	bool self_signed;      /* issuer == subject and its own key verifies it */
	char sha256[65];       /* of the DER, hex: what a change of certificate shows */
};
/* SMB over QUIC on UDP 443 (net/quic.c, probe/quic_probe.c): what the
 * handshake showed and the server's certificate. */
struct rec_quic {
	bool present;          /* a QUIC server answered (handshake or close) */
	bool handshake;        /* the TLS handshake completed with ALPN smb */
	bool alpn_refused;     /* CONNECTION_CLOSE 0x0178: QUIC, but not SMB */
	bool client_cert;      /* a CertificateRequest came: client access control */
	struct rec_cert cert;
};

/* A management service beside SMB (issue 18 part 3): RDP on 3389, WinRM
 * on 5985 and over HTTPS on 5986, SSH on 22; what its first exchange said
 * (probe/mgmt.c). */
enum rec_mgmt_service { MGMT_NONE = 0, MGMT_RDP, MGMT_WINRM, MGMT_SSH };
#define REC_MAX_MGMT_SCHEMES 6
struct rec_mgmt {
	enum rec_mgmt_service service; /* MGMT_NONE: nothing learned */
	/* RDP: the protocol chosen when offered TLS and NLA (wire/rdp.h
	 * names, "" unknown), and whether standard RDP security alone (no
	 * TLS, no NLA) was accepted; its refusal's words when refused */
	char rdp_selected[12];
	enum tri rdp_standard_security;
	char rdp_refusal[48];
	/* WinRM: the HTTP status of POST /wsman without credentials and the
	 * WWW-Authenticate schemes offered */
	unsigned http_status;
	unsigned n_schemes;
	char schemes[REC_MAX_MGMT_SCHEMES][24];
	char http_server[64];
	/* over TLS (WinRM on 5986): the session's version and cipher suite
	 * ("" not over TLS) and the server's certificate */
	char tls_version[16];
	char tls_cipher[64];
	struct rec_cert cert;
	/* SSH: the identification line's parts */
	char ssh_proto[16];
	char ssh_software[96];
	char ssh_comments[128];
	/* the same host's SMB answered in the same scan (scan/mgmt_hold.c):
	 * what makes it MGMT_EXPOSED_WITH_SMB */
	bool smb_on_host;
};

/* The checks (check/check.h: one row each in all_checks[], in this order),
 * and whether each ran, per the record's "checks" object: a field whose
 * check did not answer is unknown, not absent (docs/record.md). */
enum rec_check_id {
	RCHK_AUTH = 0,     /* auth.anonymous_logon, auth.null_session */
	RCHK_GUEST,        /* auth.guest */
	RCHK_SHARES,       /* shares */
	RCHK_MS17_010,     /* vulns.ms17_010 */
	RCHK_CVE_2020_0796,/* vulns.cve_2020_0796 (SMBGhost) */
	RCHK_DOUBLEPULSAR, /* vulns.doublepulsar */
	RCHK_RELAY,        /* relay (NTLM, encryption, the verdict) */
	RCHK_EPM,          /* epm (TCP 135: the endpoint mapper's interfaces) */
	RCHK_NBNS,         /* nbns (name table, MAC) from UDP 137 */
	RCHK_QUIC,         /* quic (handshake, certificate) from UDP 443 */
	RCHK_MGMT,         /* mgmt (RDP, WinRM, SSH beside SMB) */
	RCHK_N
};

enum rec_check_status {
	RCHK_NOT_RUN = 0, /* not asked for, or nothing to run it on */
	RCHK_OK,          /* the server answered: the fields are its verdict */
	RCHK_FAILED,      /* asked, but no answer (error says why): fields unknown */
};

struct rec_check {
	enum rec_check_status status;
	char error[48]; /* "timeout", "reset", "deadline", ... when failed */
};

struct rec_finding {
	char id[32];
	enum severity severity;
	const char *title;       /* static text from assess/ */
	char evidence[256];
	const char *remediation; /* static text from assess/ */
	/* POLICY_VIOLATION only (policy/evaluate.c): the rule broken,
	 * "[segment guest] smb = deny", and where it is written, "FILE:LINE";
	 * "" for every other finding */
	char rule[80];
	char policy_at[200];
};

struct svc_record {
	char ip[64];          /* textual address, no brackets */
	uint16_t port;
	bool netbios;         /* transport: NetBIOS session service (139-style) */
	bool udp;             /* transport: UDP (the name service on 137), not SMB */
	bool over_quic;       /* transport: QUIC on UDP 443 (SMB over QUIC, or its refusal) */
	char view[32];
	int64_t scanned_at;   /* unix seconds UTC */

	struct rec_smb1 smb1;
	struct rec_smb2 smb2;
	struct rec_ntlm ntlm;
	struct rec_auth auth;
	struct rec_relay relay;
	struct rec_nbns nbns;
	struct rec_quic quic;
	bool has_shares;
	unsigned n_shares;
	struct rec_share shares[REC_MAX_SHARES];
	enum vuln ms17_010, cve_2020_0796, doublepulsar;
	struct rec_epm epm;
	struct rec_mgmt mgmt;

	struct rec_check checks[RCHK_N];
	/* what checking this service cost its server: connections opened for
	 * it, first tries and retries after a failure apart (issue 17) */
	struct rec_cost {
		uint16_t connections, retries;
	} cost;

	unsigned n_findings;
	struct rec_finding findings[REC_MAX_FINDINGS];
	unsigned n_errors;
	struct rec_error errors[REC_MAX_ERRORS];
};

void record_init(struct svc_record *r);
/* Free what the record holds on the heap (its epm interfaces) and leave
 * it as record_init does; before free() or reuse. */
void record_release(struct svc_record *r);
/* dst = src, with its own copy of the heap parts (dst's own are not freed:
 * dst is uninitialised or released). false when out of memory (dst then
 * has no epm interfaces). */
bool record_copy(struct svc_record *dst, const struct svc_record *src);
/* Copy s into dst[dstsz], cut if needed, always NUL-terminated. */
void record_set_str(char *dst, size_t dstsz, const char *s);
/* Append {stage, message}; printf-style; silently drops past REC_MAX_ERRORS. */
void record_add_error(struct svc_record *r, const char *stage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add a dialect keeping the list sorted and unique. */
void record_add_dialect(struct svc_record *r, uint16_t dialect);
bool record_has_dialect(const struct svc_record *r, uint16_t dialect);
/* Is this an SMB service at all (some SMB answer seen)? */
bool record_is_smb(const struct svc_record *r);
/* The interface uuid+version of the record's epm, adding it (empty) when
 * new; NULL when the record has no room left. */
struct rec_epm_iface *record_epm_iface(struct svc_record *r, const char *uuid, uint16_t ver_major,
				       uint16_t ver_minor);

/* The certificate is outside its validity at now (unix seconds): expired,
 * or not yet valid. false when its dates are unknown. */
bool record_cert_expired(const struct rec_cert *c, int64_t now);

/* "ok", "failed", "not_run" */
const char *rec_check_status_name(enum rec_check_status st);
void record_check_set(struct svc_record *r, enum rec_check_id id, enum rec_check_status st,
		      const char *error);

const char *signing_name(enum signing s);  /* NULL for SIGN_UNKNOWN */
const char *vuln_name(enum vuln v);
const char *severity_name(enum severity s);
/* FILETIME to RFC 3339 UTC ("2026-11-25T13:12:48Z") in out; "" for 0. */
void filetime_to_rfc3339(uint64_t ft, char *out, size_t outsz);
void unix_to_rfc3339(int64_t t, char *out, size_t outsz);
/* "6.1.0" style OS version, "" when absent. */
void record_os_version(const struct svc_record *r, char *out, size_t outsz);
/* GUID in the usual 8-4-4-4-12 form (mixed-endian as Windows prints it). */
void guid_to_string(const uint8_t g[16], char *out, size_t outsz);

/* Names of protocol values as the JSON contract spells them; static
 * strings, NULL when the value is not one we know (callers print it in
 * hex). record/ keeps its own tables so it does not depend on wire/. */
const char *rec_dialect_name(uint16_t dialect);   /* 0x0311 -> "3.1.1" */
const char *rec_hash_name(uint16_t id);           /* 1 -> "SHA-512" */
const char *rec_cipher_name(uint16_t id);         /* 2 -> "AES-128-GCM" */
const char *rec_compression_name(uint16_t id);    /* 3 -> "LZ77+Huffman" */
const char *rec_signing_alg_name(uint16_t id);    /* 1 -> "AES-CMAC" */
/* bit is a single-bit mask of the SMB1 / SMB2 Capabilities field. */
const char *rec_smb1_cap_name(uint32_t bit);      /* 0x80000000 -> "EXTENDED_SECURITY" */
const char *rec_smb2_cap_name(uint32_t bit);      /* 0x04 -> "LARGE_MTU" */

#endif
