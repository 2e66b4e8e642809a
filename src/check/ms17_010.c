/* ms17_010.c - MS17-010 (EternalBlue): PeekNamedPipe on FID 0 over the
 * anonymous IPC$ of SMB1 (probe/smb1_checks.c); the reply status is the
 * verdict (assess.c). An SMB1 flaw: no SMB1, not vulnerable. */
#include "check/check.h"
#include "record/json.h"

static bool ms17_known(const struct svc_record *r)
{
	return r->ms17_010 != VULN_UNKNOWN;
}

static void ms17_json(const struct svc_record *r, json_t *root)
{
	record_json_put(root, "vulns", "ms17_010", record_json_vuln(r->ms17_010));
}

static void ms17_text(const struct svc_record *r, char *line, size_t linesz)
{
	check_join_vuln(line, linesz, r->ms17_010, "MS17-010" CHECK_NBSP "VULNERABLE",
			"MS17-010" CHECK_NBSP "not" CHECK_NBSP "vulnerable");
}

static void ms17_line(const struct svc_record *r, FILE *f)
{
	if (r->ms17_010 == VULN_VULNERABLE)
		fputs(" (MS17-010:VULNERABLE)", f);
}

static void ms17_fact(const struct svc_record *r, struct check_value *v)
{
	check_value_vuln(v, r->ms17_010);
}

static const struct check_nmap_vuln ms17_nmap = {
	.script = "smb-vuln-ms17-010",
	.key = "CVE-2017-0143",
	.title = "Remote Code Execution vulnerability in Microsoft SMBv1 servers (ms17-010)",
	.cve = "CVE-2017-0143",
	.ref = "https://technet.microsoft.com/en-us/library/security/ms17-010.aspx",
};

const struct check check_ms17_010 = {
	.id = "ms17_010",
	.summary = "MS17-010 (EternalBlue): PeekNamedPipe on FID 0 over anonymous IPC$, SMB1",
	.needs = NEEDS_SMB1,
	.fields = {"vulns.ms17_010", NULL},
	.known = ms17_known,
	.to_json = ms17_json,
	.text_group = TEXT_VULNS,
	.to_text = ms17_text,
	.to_line = ms17_line,
	.facts = {{"ms17_010", "MS17-010", ms17_fact}},
	.nmap_vuln = &ms17_nmap,
	.findings = {FIND_MS17_010},
};
