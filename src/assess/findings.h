/* findings.h - every finding smbwatch can raise, as an enum, and the one
 * table of what each means (id string, severity, title, remediation,
 * references).
 *
 * Rules raise findings by enum (assess.c), so an id that does not exist
 * cannot compile; the id strings are the stable contract of
 * docs/record.md that reports, stores and alerts key on. Adding a finding =
 * one enum value and one row in findings.c (test_checks checks the table
 * has no hole). */
#ifndef SMBW_ASSESS_FINDINGS_H
#define SMBW_ASSESS_FINDINGS_H

#include "record/record.h"

enum finding_id {
	FIND_NONE = 0, /* no finding: ends a list (a zeroed list is empty) */
	FIND_SMB_EXPOSED_PUBLIC,
	FIND_MS17_010,
	FIND_DOUBLEPULSAR,
	FIND_CVE_2020_0796,
	FIND_SMB1_PLAINTEXT_PASSWORDS,
	FIND_SMB1_SHARE_LEVEL,
	FIND_SAMBA_CVE_2017_7494,
	FIND_SAMBA_CVE_2021_44142,
	FIND_SMB1_ENABLED,
	FIND_NULL_SESSION,
	FIND_ANON_SHARE_READABLE,
	FIND_ANON_SHARE_WRITABLE,
	FIND_GUEST_ACCESS,
	FIND_SIGNING_NOT_REQUIRED,
	FIND_RELAY_TARGET,
	FIND_NONSTANDARD_PORT,
	FIND_NO_ENCRYPTION,
	FIND_SMB_EXPOSED,
	FIND_COERCION_SURFACE,
	FIND_MULTI_HOMED,
	FIND_POLICY_VIOLATION, /* raised by policy/evaluate.c, not by assess.c */
	FIND_NBNS_EXPOSED,
	FIND_SMB_OVER_QUIC_EXPOSED,
	FIND_QUIC_CERT_EXPIRED,
	FIND_QUIC_CERT_SELF_SIGNED,
	FIND_MGMT_EXPOSED_WITH_SMB,
	FIND_RDP_STANDARD_SECURITY,
	FIND_N
};

struct finding_info {
	const char *id;          /* "MS17_010": the record's findings[].id */
	enum severity severity;
	const char *title;
	const char *remediation;
	const char *cve;         /* the published vulnerability, or NULL */
	const char *reference;   /* a page about it, or NULL */
};

/* The row of a finding; NULL only for FIND_NONE (or past FIND_N). */
const struct finding_info *finding_info(enum finding_id id);
/* The row of an id string read back from a record (a store, a file);
 * NULL for an id this build does not know. */
const struct finding_info *finding_info_by_name(const char *id);

#endif
