/* doublepulsar.c - the DoublePulsar implant: a Trans2 SESSION_SETUP knock
 * over SMB1 (probe/smb1_checks.c); an implant answers with multiplex id
 * 81. An SMB1 implant: no SMB1, none there. */
#include "check/check.h"
#include "record/json.h"

static bool dp_known(const struct svc_record *r)
{
	return r->doublepulsar != VULN_UNKNOWN;
}

static void dp_json(const struct svc_record *r, json_t *root)
{
	record_json_put(root, "vulns", "doublepulsar", record_json_vuln(r->doublepulsar));
}

/* An implant found, not a weakness: "INFECTED", as the line format says. */
static void dp_text(const struct svc_record *r, char *line, size_t linesz)
{
	check_join_vuln(line, linesz, r->doublepulsar, "DoublePulsar" CHECK_NBSP "INFECTED",
			"DoublePulsar" CHECK_NBSP "not" CHECK_NBSP "infected");
}

static void dp_line(const struct svc_record *r, FILE *f)
{
	if (r->doublepulsar == VULN_VULNERABLE)
		fputs(" (DoublePulsar:INFECTED)", f);
}

static void dp_fact(const struct svc_record *r, struct check_value *v)
{
	check_value_vuln(v, r->doublepulsar);
}

static const struct check_nmap_vuln dp_nmap = {
	.script = "smb-double-pulsar-backdoor",
	.key = "Double Pulsar SMB Backdoor",
	.title = "Double Pulsar SMB Backdoor",
	.ref = "https://github.com/countercept/doublepulsar-detection-script",
};

const struct check check_doublepulsar = {
	.id = "doublepulsar",
	.summary = "DoublePulsar implant: Trans2 SESSION_SETUP knock over SMB1",
	.needs = NEEDS_SMB1,
	.fields = {"vulns.doublepulsar", NULL},
	.known = dp_known,
	.to_json = dp_json,
	.text_group = TEXT_VULNS,
	.to_text = dp_text,
	.to_line = dp_line,
	.facts = {{"doublepulsar", "DoublePulsar", dp_fact}},
	.nmap_vuln = &dp_nmap,
	.findings = {FIND_DOUBLEPULSAR},
};
