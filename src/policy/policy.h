/* policy.h - exposure policy as code (--policy FILE, docs/policy.md): where
 * SMB may answer, and with which settings.
 *
 * Three parts, one file each:
 *   parse.c     the INI-like text -> struct policy, every error with
 *               FILE:LINE (also `smbwatch policy check`)
 *   match.c     cidrs, the segment of an address, the rule that governs a
 *               key for a record (vantage section, segment, [default])
 *   evaluate.c  a record against the policy -> POLICY_VIOLATION findings
 *
 * The file is trusted as far as memory goes (it is the operator's), but it
 * is parsed as if it were not: every length is bounded (fuzz_policy). */
#ifndef SMBW_POLICY_H
#define SMBW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record/record.h"

#define POLICY_NAME_MAX 32     /* a segment name, NUL included */
#define POLICY_MAX_SECTIONS 256
#define POLICY_MAX_CIDRS 32    /* per segment */
#define POLICY_MAX_LINE 1024
#define POLICY_MAX_ERRORS 32   /* kept; the count goes on */

/* The keys a section may set. Each maps to one field of the record. */
enum policy_key {
	POLICY_SMB = 0,           /* smb = allow|deny: any SMB service answering */
	POLICY_SMB1,              /* smb1 = allow|deny: smb1.enabled */
	POLICY_SIGNING,           /* signing = required|optional */
	POLICY_NULL_SESSION,      /* null_session = allow|deny: auth.null_session */
	POLICY_GUEST,             /* guest = allow|deny: auth.guest */
	POLICY_ANONYMOUS_SHARES,  /* anonymous_shares = allow|deny: shares[].anonymous_* */
	POLICY_KEY_N
};

enum policy_value { PV_UNSET = 0, PV_ALLOW, PV_DENY, PV_REQUIRED, PV_OPTIONAL };

enum policy_section_kind { PSEC_DEFAULT, PSEC_EXTERNAL, PSEC_SEGMENT };

struct policy_cidr {
	int family;           /* AF_INET or AF_INET6 */
	uint8_t addr[16];     /* network order; IPv4 in the first 4 bytes */
	unsigned bits;
	unsigned line;
};

struct policy_rule {
	enum policy_value value; /* PV_UNSET: falls through */
	unsigned line;
};

struct policy_section {
	enum policy_section_kind kind;
	char name[POLICY_NAME_MAX]; /* segment name; "" otherwise */
	unsigned line;              /* of the [header] */
	unsigned n_cidrs;
	struct policy_cidr cidrs[POLICY_MAX_CIDRS];
	struct policy_rule rules[POLICY_KEY_N];
};

struct policy {
	char file[256];   /* as given: the "FILE" of FILE:LINE */
	unsigned n_sections;
	struct policy_section sections[POLICY_MAX_SECTIONS];
};

/* Errors of one parse, each "FILE:LINE: what". */
struct policy_diag {
	unsigned n;       /* total found (may exceed POLICY_MAX_ERRORS) */
	char msg[POLICY_MAX_ERRORS][200];
};

/* --- parse.c --- */
/* Parse text[len] (the file called `file`). NULL when there is any error
 * (all of them in d) or on memory exhaustion (d->n == 0). */
struct policy *policy_parse(const char *file, const char *text, size_t len, struct policy_diag *d);
/* Read and parse the file at path; a file that cannot be read is one error. */
struct policy *policy_load(const char *path, struct policy_diag *d);
void policy_free(struct policy *p);

const char *policy_key_name(enum policy_key k);
const char *policy_value_name(enum policy_value v);

/* --- match.c --- */
/* "198.18.40.0/24", "2001:2::/48", or a bare address (a host). 0, or -1
 * with why (a static string) set. Host bits set is an error. */
int policy_cidr_parse(const char *s, struct policy_cidr *out, const char **why);
bool policy_cidr_contains(const struct policy_cidr *c, const char *ip);
/* The segment whose cidr contains ip with the longest prefix; NULL if none. */
const struct policy_section *policy_segment_of(const struct policy *p, const char *ip);
/* [external] for view "external", [segment NAME] for view "segment:NAME";
 * NULL for other views or when the policy has no such section. */
const struct policy_section *policy_vantage_section(const struct policy *p, const char *view);
/* The section whose rule decides key for a service at ip seen from view:
 * the vantage section, then the address's segment, then [default]; the
 * first that sets the key. NULL when none does (no rule: allowed). */
const struct policy_section *policy_rule_for(const struct policy *p, const char *view,
					     const char *ip, enum policy_key key);
/* The check (check/check.h id) the rule text of a finding rests on:
 * "auth" for null_session, "guest", "shares" for anonymous_shares; NULL
 * for rules on what every connection sees (smb, smb1, signing). A check
 * that did not answer makes no policy_violation_resolved (monitor/events.c). */
const char *policy_rule_check(const char *rule);
/* "[default]", "[external]", "[segment guest]" */
void policy_section_label(const struct policy_section *s, char *out, size_t outsz);

/* --- evaluate.c --- */
/* Append one POLICY_VIOLATION finding per rule the record breaks (after
 * assess_record). A field that is unknown (its check did not answer)
 * breaks no rule. Returns the number added. */
unsigned policy_evaluate(const struct policy *p, struct svc_record *rec);
/* The text a finding's "rule" carries for section s and key k:
 * "[segment guest] smb = deny". */
void policy_rule_text(const struct policy_section *s, enum policy_key k, char *out, size_t outsz);

/* A scan from a vantage point whose section says smb = deny verifies that
 * nothing answers SMB from there ("from the guest network, no SMB
 * answers"): a check with a result. NONE when the view has no such rule;
 * else the verdict, with one line saying it in out. */
enum policy_vantage {
	POLICY_VANTAGE_NONE = 0,
	POLICY_VANTAGE_PASSED,
	POLICY_VANTAGE_FAILED,
	POLICY_VANTAGE_INCOMPLETE, /* nothing answered, but errors or Ctrl-C */
};
enum policy_vantage policy_vantage_verdict(const struct policy *p, const char *view,
					   uint64_t smb_services, uint64_t errors, bool interrupted,
					   char *out, size_t outsz);

#endif
