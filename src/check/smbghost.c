/* smbghost.c - CVE-2020-0796 (SMBGhost), derived from the fingerprint:
 * nothing extra is sent; the rule (build, 3.1.1, compression) is
 * assess/smbghost.c. Its record key and --checks name is cve_2020_0796;
 * "smbghost" is accepted on --checks as well. */
#include "assess/smbghost.h"
#include "check/check.h"
#include "record/json.h"

static const char *const smbghost_aliases[] = {"smbghost", NULL};

static void smbghost_derive(struct svc_record *r)
{
	r->cve_2020_0796 = smbghost_verdict(r);
}

static bool smbghost_known(const struct svc_record *r)
{
	return r->cve_2020_0796 != VULN_UNKNOWN;
}

static void smbghost_json(const struct svc_record *r, json_t *root)
{
	record_json_put(root, "vulns", "cve_2020_0796", record_json_vuln(r->cve_2020_0796));
}

static void smbghost_text(const struct svc_record *r, char *line, size_t linesz)
{
	check_join_vuln(line, linesz, r->cve_2020_0796, "SMBGhost" CHECK_NBSP "VULNERABLE",
			"SMBGhost" CHECK_NBSP "not" CHECK_NBSP "vulnerable");
}

static void smbghost_line(const struct svc_record *r, FILE *f)
{
	if (r->cve_2020_0796 == VULN_VULNERABLE)
		fputs(" (SMBGhost:VULNERABLE)", f);
}

static void smbghost_fact(const struct svc_record *r, struct check_value *v)
{
	check_value_vuln(v, r->cve_2020_0796);
}

/* nmap has no script for SMBGhost: ours, in the same table shape */
static const struct check_nmap_vuln smbghost_nmap = {
	.script = "smbwatch-cve-2020-0796",
	.key = "CVE-2020-0796",
	.title = "SMBv3 compression remote code execution (SMBGhost)",
	.cve = "CVE-2020-0796",
	.ref = "https://msrc.microsoft.com/update-guide/vulnerability/CVE-2020-0796",
};

const struct check check_smbghost = {
	.id = "cve_2020_0796",
	.summary = "SMBGhost (CVE-2020-0796): affected build with 3.1.1 compression (nothing sent)",
	.aliases = smbghost_aliases,
	.needs = NEEDS_SMB2,
	.derive = smbghost_derive,
	.fields = {"vulns.cve_2020_0796", NULL},
	.known = smbghost_known,
	.to_json = smbghost_json,
	.text_group = TEXT_VULNS,
	.to_text = smbghost_text,
	.to_line = smbghost_line,
	.facts = {{"cve_2020_0796", "CVE-2020-0796", smbghost_fact}},
	.nmap_vuln = &smbghost_nmap,
	.findings = {FIND_CVE_2020_0796},
};
