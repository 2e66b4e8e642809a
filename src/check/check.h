/* check.h - the security checks as rows of one table.
 *
 * A check is what the user names with --checks and sees with
 * --list-checks, a slot of the record's "checks" object, its fields in the
 * record and the findings its fields can raise. Everything that deals with
 * checks walks all_checks[] instead of naming them: the option parser, the
 * planner (probe/service.c), the record's JSON, the text and line writers.
 *
 * Adding a check (docs/architecture.md):
 *   1. a value in enum rec_check_id (record/record.h), before RCHK_N;
 *   2. one file src/check/NAME.c defining `const struct check check_NAME`,
 *      and its row in all_checks[] (check/checks.c) plus the file in meson.build;
 *   3. its conversation (a probe_ops in probe/, set as .conv) unless a shared
 *      conversation answers it, or .derive when the fingerprint already has
 *      the answer;
 *   4. its rules in assess/assess.c and its findings in assess/findings.c;
 *   5. its tests. */
#ifndef SMBW_CHECK_H
#define SMBW_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "assess/findings.h"
#include "record/record.h"

struct probe_ops;

/* What must be known before a check can run (from the fingerprint). */
enum check_needs {
	NEEDS_SESSION = 0, /* a logon over SMB1 or SMB2; nothing to run on: not_run */
	NEEDS_SMB1,        /* an SMB1 flaw: SMB1 off is the verdict "not vulnerable" */
	NEEDS_SMB2,        /* an SMB2 property: no SMB2 is the verdict */
	NEEDS_PORT_135,    /* the endpoint mapper on TCP 135 (probe/epm.c), not an SMB service */
	NEEDS_OWN_PORT,    /* its own probe on its own port (.ports), never over SMB */
};

/* The bit of a check in a --checks set (scan_opts.checks). */
#define CHECK_BIT(id) (1u << (id))
#define CHECK_ALL ((1u << RCHK_N) - 1u)

/* Text report: checks with the same group share one line, in table order. */
enum check_text_group { TEXT_AUTH = 0, TEXT_SHARES, TEXT_VULNS };

/* Words that must stay on one line in the text report ("not vulnerable"):
 * joined with this byte, printed as a space. */
#define CHECK_NBSP "\x1f"

#define CHECK_MAX_FINDINGS 4
#define CHECK_MAX_FIELDS 4
#define CHECK_MAX_FACTS 3

/* One value a check decided, typed, so that each tabular writer (a CSV
 * column, an HTML fact) words it in its own way. */
enum check_value_kind { CV_UNKNOWN = 0, CV_TRI, CV_VULN, CV_TEXT };
struct check_value {
	enum check_value_kind kind; /* CV_UNKNOWN: not learned, shown empty */
	enum tri tri;
	enum vuln vuln;
	char text[512];
};

struct check_fact {
	const char *key;   /* CSV column name: [a-z0-9_], stable */
	const char *label; /* HTML report label */
	void (*get)(const struct svc_record *rec, struct check_value *out);
};

/* A check that nmap-XML readers know as an NSE vulns script: written as
 * nmap writes that script's table, from the check's first fact (CV_VULN). */
struct check_nmap_vuln {
	const char *script; /* NSE script id ("smb-vuln-ms17-010") */
	const char *key;    /* the vulns table's key (its first id) */
	const char *title;
	const char *cve; /* NULL: none */
	const char *ref; /* NULL: none */
};

struct check {
	const char *id;                /* --checks name, record "checks" key */
	const char *summary;           /* one line: --list-checks, docs */
	const char *const *aliases;    /* other --checks names, NULL-terminated; may be NULL */
	enum check_needs needs;
	/* Where it runs, for --list-checks: NULL = the SMB services found
	 * on -p; else its own port ("U:137"), probed when -p or --surface
	 * names it. */
	const char *ports;
	/* Its own conversation, run by the planner once the fingerprint is
	 * done; NULL when a shared conversation answers it (probe/service.c
	 * lists those) or when derive does. */
	const struct probe_ops *conv;
	/* Is conv worth a connection on this service? NULL: whenever needs is
	 * met. (The relay check's 2.x-only logon runs only where no earlier
	 * conversation made it and a 2.x dialect is spoken.) */
	bool (*conv_applies)(const struct svc_record *rec);
	/* Decide from the fingerprint alone, nothing sent; NULL if it sends. */
	void (*derive)(struct svc_record *rec);
	/* Did the check learn its field(s)? (a verdict, whatever it is) */
	bool (*known)(const struct svc_record *rec);
	/* Its fields in the record's JSON ("auth.guest", "shares"),
	 * NULL-terminated: what the store's diff compares, drops and carries
	 * per check (store/diff.c). */
	const char *fields[CHECK_MAX_FIELDS];
	/* Its fields into the record's JSON object root (parents such as
	 * "auth" or "vulns" via record_json_child()). */
	void (*to_json)(const struct svc_record *rec, json_t *root);
	/* Its words for the text report, appended to line with ", " between
	 * (report_join-style); nothing when unknown. */
	enum check_text_group text_group;
	void (*to_text)(const struct svc_record *rec, char *line, size_t linesz);
	/* Its " (key:Value)" part of the line report; NULL: none. */
	void (*to_line)(const struct svc_record *rec, FILE *f);
	/* Its values for the tabular writers (CSV columns, HTML facts), in
	 * order, key NULL-terminated. */
	struct check_fact facts[CHECK_MAX_FACTS];
	/* nmap XML's script for it; NULL when nmap has none (its facts and
	 * findings are still written as smbwatch-* scripts). */
	const struct check_nmap_vuln *nmap_vuln;
	/* The findings its fields can raise (assess.c), FIND_NONE-terminated
	 * (walk them with CHECK_FOR_EACH_FINDING). */
	enum finding_id findings[CHECK_MAX_FINDINGS];
};

#define CHECK_FOR_EACH_FACT(c, fa)                                                      \
	for (const struct check_fact *fa = (c)->facts;                                   \
	     fa < (c)->facts + CHECK_MAX_FACTS && fa->key; fa++)

#define CHECK_FOR_EACH_FINDING(c, f)                                                    \
	for (const enum finding_id *f = (c)->findings;                                   \
	     f < (c)->findings + CHECK_MAX_FINDINGS && *f != FIND_NONE; f++)

/* check/epm.c: is a domain-controller interface (Netlogon) registered on
 * 135; the coercion surfaces registered there, joined into out, and how
 * many (assess.c words its finding with them). */
bool epm_is_dc(const struct svc_record *r);
/* Is Netlogon or drsuapi registered (the mapper's own sign)? */
bool epm_has_dc_iface(const struct svc_record *r);
unsigned epm_coercion_list(const struct svc_record *r, char *out, size_t outsz);

/* check/mgmt.c: "rdp", "winrm", "ssh" ("" for none): the record's
 * mgmt.service. */
const char *mgmt_service_id(enum rec_mgmt_service s);

/* The one list, indexed by enum rec_check_id. */
extern const struct check *const all_checks[RCHK_N];

/* The check whose id or alias is name; NULL if none. */
const struct check *check_find(const char *name);
/* The check that may raise a finding (by id string); NULL if none. */
const struct check *check_of_finding(const char *finding_id);
/* "auth,shares" -> CHECK_BIT set; "all" and "none" too. -1 with err set on
 * an unknown name (the message lists the valid ones). */
int check_parse_list(const char *list, unsigned *out, char *err, size_t errsz);
/* --list-checks: every check with its summary, one a line. */
void check_print_list(FILE *f);
/* Append ", text" (just text when line is empty) to line; used by to_text. */
void check_join(char *line, size_t linesz, const char *text);
/* to_text of a yes/no or vulnerable/not field: the words for its value,
 * nothing when unknown. */
void check_join_tri(char *line, size_t linesz, enum tri v, const char *yes, const char *no);
void check_join_vuln(char *line, size_t linesz, enum vuln v, const char *vulnerable,
		     const char *not_vulnerable);
/* Fill a fact's value: CV_UNKNOWN when v is unknown. */
void check_value_tri(struct check_value *out, enum tri v);
void check_value_vuln(struct check_value *out, enum vuln v);

#endif
