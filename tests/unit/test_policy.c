/* test_policy.c - the exposure policy (src/policy): parse errors with their
 * line numbers, which section's rule wins (vantage, most specific segment,
 * [default]), fall-through of unset keys, IPv6, and the POLICY_VIOLATION
 * findings and monitor events that come out of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assess/assess.h"
#include "policy/policy.h"
#include "record/json.h"
#include "report/report.h"
#include "serve/api.h"
#include "store/diff.h"

/* The example, with an IPv6 cidr and a /16 around the /24s. */
static const char example[] =
	"# nothing at all from outside\n"
	"[external]\n"
	"smb = deny\n"
	"# the guest network: no SMB may answer there\n"
	"[segment guest]\n"
	"cidr = 198.18.40.0/24\n"
	"smb = deny\n"
	"; the one place SMBv1 may still live\n"
	"[segment legacy]\n"
	"cidr = 198.18.5.0/24\n"
	"cidr = 2001:2:0:5::/64\n"
	"smb1 = allow\n"
	"[segment lab]\n"
	"cidr = 198.18.0.0/16\n"
	"signing = optional\n"
	"[default]\n"
	"smb1 = deny\n"
	"signing = required\n"
	"null_session = deny\n";

static struct policy *parse(const char *text, struct policy_diag *d)
{
	return policy_parse("p.ini", text, strlen(text), d);
}

static struct policy *example_policy(void)
{
	struct policy_diag d;
	struct policy *p = parse(example, &d);
	assert_non_null(p);
	assert_int_equal(d.n, 0);
	return p;
}

/* every error of `text`, one per line, as a single string */
static const char *errors_of(const char *text)
{
	static struct policy_diag d;
	static char all[4096];
	struct policy *p = parse(text, &d);
	assert_null(p);
	all[0] = '\0';
	for (unsigned i = 0; i < d.n && i < POLICY_MAX_ERRORS; i++) {
		strcat(all, d.msg[i]);
		strcat(all, "\n");
	}
	return all;
}

static void test_example_parses(void **state)
{
	(void)state;
	struct policy *p = example_policy();
	assert_int_equal(p->n_sections, 5);
	assert_int_equal(p->sections[2].n_cidrs, 2);
	assert_int_equal(p->sections[4].rules[POLICY_SIGNING].value, PV_REQUIRED);
	assert_int_equal(p->sections[4].rules[POLICY_SIGNING].line, 18);
	policy_free(p);
}

static void test_errors_carry_line_numbers(void **state)
{
	(void)state;
	assert_string_equal(errors_of("[default]\nsmb1 = deny\n[externel]\nsmb = deny\n"),
			    "p.ini:3: unknown section '[externel]': [external], [default] or "
			    "[segment NAME]\n");
	assert_string_equal(errors_of("[default]\n\ncolour = blue\n"),
			    "p.ini:3: unknown key 'colour' (cidr, smb, smb1, signing, "
			    "null_session, guest, anonymous_shares)\n");
	assert_string_equal(errors_of("[default]\nsmb = maybe\nsigning = deny\n"),
			    "p.ini:2: unknown value 'maybe' for smb: allow or deny\n"
			    "p.ini:3: unknown value 'deny' for signing: required or optional\n");
	assert_string_equal(errors_of("[segment a]\ncidr = 198.18.40.7/24\n"),
			    "p.ini:2: bad cidr '198.18.40.7/24': host bits set after the prefix\n"
			    "p.ini:1: segment 'a' has no cidr\n");
	assert_string_equal(errors_of("[segment a]\ncidr = 198.18.300.0/24\n"
				      "cidr = 2001:2::/129\ncidr = 198.18.1.0/\n"),
			    "p.ini:2: bad cidr '198.18.300.0/24': not an IPv4 or IPv6 address\n"
			    "p.ini:3: bad cidr '2001:2::/129': prefix longer than 128\n"
			    "p.ini:4: bad cidr '198.18.1.0/': the prefix length is not a number\n"
			    "p.ini:1: segment 'a' has no cidr\n");
	assert_string_equal(errors_of("[segment a]\ncidr = 198.18.1.0/24\n[segment a]\n"
				      "cidr = 198.18.2.0/24\n"),
			    "p.ini:3: duplicate segment 'a' (first at line 1)\n");
	assert_string_equal(errors_of("[segment a]\ncidr = 2001:2::/48\n[segment b]\n"
				      "cidr = 2001:2:0::/48\n"),
			    "p.ini:4: cidr 2001:2:0::/48 is already in [segment a] (line 2)\n"
			    "p.ini:3: segment 'b' has no cidr\n");
	assert_string_equal(errors_of("smb = deny\n[default]\n"),
			    "p.ini:1: 'smb' outside a section: start with [default], [external] or "
			    "[segment NAME]\n");
	assert_string_equal(errors_of("[default]\nsmb1 = deny\nsmb1 = allow\n[default]\n"),
			    "p.ini:3: smb1 set twice in this section (first at line 2)\n"
			    "p.ini:4: duplicate section [default] (first at line 1)\n");
	assert_string_equal(errors_of("[default]\ncidr = 198.18.0.0/16\nsmb deny\n[default\n"),
			    "p.ini:2: cidr belongs in a [segment NAME] section\n"
			    "p.ini:3: expected 'key = value', a [section], or a comment (# or ;)\n"
			    "p.ini:4: section header without its closing ']'\n");
	/* an inline comment is not one: the value is then unknown */
	assert_string_equal(errors_of("[default]\nsmb1 = deny # old\n"),
			    "p.ini:2: unknown value 'deny # old' for smb1: allow or deny\n");
}

static void test_comments_blank_lines_and_crlf(void **state)
{
	(void)state;
	struct policy_diag d;
	struct policy *p = parse("\r\n  # a comment\r\n\t; another\r\n[default]\r\n  smb1=deny  \r\n", &d);
	assert_non_null(p);
	assert_int_equal(p->sections[0].rules[POLICY_SMB1].value, PV_DENY);
	assert_int_equal(p->sections[0].rules[POLICY_SMB1].line, 5);
	policy_free(p);
	/* an empty file is a policy with no rule: nothing is a violation */
	p = parse("", &d);
	assert_non_null(p);
	assert_int_equal(p->n_sections, 0);
	policy_free(p);
}

static void test_most_specific_segment_wins(void **state)
{
	(void)state;
	struct policy *p = example_policy();
	/* 198.18.5.9 is in legacy (/24) and in lab (/16): legacy is more specific */
	assert_string_equal(policy_segment_of(p, "198.18.5.9")->name, "legacy");
	assert_string_equal(policy_segment_of(p, "198.18.7.9")->name, "lab");
	assert_null(policy_segment_of(p, "10.0.0.1"));
	/* smb1: legacy allows it, so [default]'s deny does not apply there */
	const struct policy_section *s = policy_rule_for(p, "internal", "198.18.5.9", POLICY_SMB1);
	assert_int_equal(s->kind, PSEC_SEGMENT);
	assert_int_equal(s->rules[POLICY_SMB1].value, PV_ALLOW);
	s = policy_rule_for(p, "internal", "198.18.7.9", POLICY_SMB1);
	assert_int_equal(s->kind, PSEC_DEFAULT);
	/* signing: lab says optional, legacy says nothing: legacy falls through
	 * to [default] (unset keys go to [default], not to a wider segment) */
	assert_int_equal(policy_rule_for(p, "internal", "198.18.7.9", POLICY_SIGNING)->kind,
			 PSEC_SEGMENT);
	assert_int_equal(policy_rule_for(p, "internal", "198.18.5.9", POLICY_SIGNING)->kind,
			 PSEC_DEFAULT);
	/* no section sets guest: no rule at all */
	assert_null(policy_rule_for(p, "internal", "198.18.5.9", POLICY_GUEST));
	policy_free(p);
}

static void test_vantage_sections(void **state)
{
	(void)state;
	struct policy *p = example_policy();
	assert_int_equal(policy_vantage_section(p, "external")->kind, PSEC_EXTERNAL);
	assert_string_equal(policy_vantage_section(p, "segment:guest")->name, "guest");
	assert_null(policy_vantage_section(p, "segment:nope"));
	assert_null(policy_vantage_section(p, "internal"));
	/* from external, smb is denied anywhere; from inside only in guest */
	assert_int_equal(policy_rule_for(p, "external", "198.18.7.9", POLICY_SMB)->kind,
			 PSEC_EXTERNAL);
	assert_null(policy_rule_for(p, "internal", "198.18.7.9", POLICY_SMB));
	assert_string_equal(policy_rule_for(p, "segment:guest", "198.18.7.9", POLICY_SMB)->name,
			    "guest");
	/* the vantage section sets no smb1: the target's segment decides */
	assert_int_equal(policy_rule_for(p, "external", "198.18.5.9", POLICY_SMB1)->rules[POLICY_SMB1].value,
			 PV_ALLOW);
	policy_free(p);
}

static void test_ipv6(void **state)
{
	(void)state;
	struct policy *p = example_policy();
	assert_string_equal(policy_segment_of(p, "2001:2:0:5::10")->name, "legacy");
	assert_string_equal(policy_segment_of(p, "2001:2:0:5:ffff:ffff:ffff:ffff")->name, "legacy");
	assert_null(policy_segment_of(p, "2001:2:0:6::10"));
	/* an IPv4 cidr never holds an IPv6 address, nor the other way */
	struct policy_cidr c;
	const char *why;
	assert_int_equal(policy_cidr_parse("0.0.0.0/0", &c, &why), 0);
	assert_true(policy_cidr_contains(&c, "198.18.1.1"));
	assert_false(policy_cidr_contains(&c, "2001:2::1"));
	assert_int_equal(policy_cidr_parse("::/0", &c, &why), 0);
	assert_true(policy_cidr_contains(&c, "2001:2::1"));
	assert_false(policy_cidr_contains(&c, "198.18.1.1"));
	/* a bare address is one host; an odd prefix splits a byte */
	assert_int_equal(policy_cidr_parse("2001:2::7", &c, &why), 0);
	assert_int_equal(c.bits, 128);
	assert_int_equal(policy_cidr_parse("2001:2::/31", &c, &why), 0);
	assert_true(policy_cidr_contains(&c, "2001:3::1"));
	assert_false(policy_cidr_contains(&c, "2001:4::1"));
	policy_free(p);
}

static void smb_record(struct svc_record *r, const char *ip, const char *view)
{
	record_init(r);
	record_set_str(r->ip, sizeof r->ip, ip);
	r->port = 445;
	record_set_str(r->view, sizeof r->view, view);
	r->smb2.present = true;
	r->smb2.signing = SIGN_REQUIRED;
	record_add_dialect(r, 0x0311);
	r->smb1.enabled = TRI_NO;
	r->auth.null_session = TRI_NO;
}

static const struct rec_finding *violation(const struct svc_record *r, const char *rule)
{
	for (unsigned i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].id, "POLICY_VIOLATION") == 0 &&
		    strcmp(r->findings[i].rule, rule) == 0)
			return &r->findings[i];
	return NULL;
}

static void test_evaluate_findings(void **state)
{
	(void)state;
	struct policy *p = example_policy();
	struct svc_record r;
	/* compliant: signing required, no SMB1, no null session, not in guest */
	smb_record(&r, "198.18.7.9", "internal");
	assess_record(&r);
	unsigned before = r.n_findings;
	assert_int_equal(policy_evaluate(p, &r), 0);
	assert_int_equal(r.n_findings, before);

	/* positive control: the same host with SMB1 and a null session */
	r.smb1.enabled = TRI_YES;
	r.auth.null_session = TRI_YES;
	assess_record(&r);
	assert_int_equal(policy_evaluate(p, &r), 2);
	const struct rec_finding *f = violation(&r, "[default] smb1 = deny");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_HIGH); /* SMB1_ENABLED's */
	assert_string_equal(f->policy_at, "p.ini:17");
	assert_string_equal(f->evidence, "[default] smb1 = deny (p.ini:17, view internal): "
					 "SMB1-only NEGOTIATE accepted");
	assert_non_null(violation(&r, "[default] null_session = deny"));

	/* SMB1 in legacy is allowed: only the null session breaks a rule */
	smb_record(&r, "198.18.5.20", "internal");
	r.smb1.enabled = TRI_YES;
	r.auth.null_session = TRI_YES;
	assess_record(&r);
	assert_int_equal(policy_evaluate(p, &r), 1);
	assert_null(violation(&r, "[default] smb1 = deny"));

	/* signing not required: [default] required (medium) vs lab optional */
	smb_record(&r, "198.18.5.20", "internal");
	r.smb2.signing = SIGN_ENABLED;
	assess_record(&r);
	assert_int_equal(policy_evaluate(p, &r), 1);
	f = violation(&r, "[default] signing = required");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_MEDIUM);
	smb_record(&r, "198.18.7.9", "internal");
	r.smb2.signing = SIGN_ENABLED;
	assess_record(&r);
	assert_int_equal(policy_evaluate(p, &r), 0);

	/* unknown (the check did not answer) breaks nothing */
	smb_record(&r, "198.18.7.9", "internal");
	r.auth.null_session = TRI_UNKNOWN;
	r.smb2.signing = SIGN_UNKNOWN;
	assess_record(&r);
	assert_int_equal(policy_evaluate(p, &r), 0);
	policy_free(p);
}

static void test_evaluate_segments_and_external(void **state)
{
	(void)state;
	struct policy *p = example_policy();
	struct svc_record r;
	/* any SMB in guest breaks its smb = deny, high */
	smb_record(&r, "198.18.40.3", "internal");
	assess_record(&r);
	assert_int_equal(policy_evaluate(p, &r), 1);
	const struct rec_finding *f = violation(&r, "[segment guest] smb = deny");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_HIGH);
	assert_string_equal(f->policy_at, "p.ini:7");
	/* from the guest segment's vantage point, any host that answers */
	smb_record(&r, "198.18.7.9", "segment:guest");
	assess_record(&r);
	assert_int_equal(policy_evaluate(p, &r), 1);
	assert_non_null(violation(&r, "[segment guest] smb = deny"));
	/* seen from outside: critical, and the other rules still apply */
	smb_record(&r, "198.18.7.9", "external");
	r.smb1.enabled = TRI_YES;
	assess_record(&r);
	assert_int_equal(policy_evaluate(p, &r), 2);
	f = violation(&r, "[external] smb = deny");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_CRITICAL);
	assert_int_equal(violation(&r, "[default] smb1 = deny")->severity, SEV_CRITICAL);
	/* no policy: nothing */
	smb_record(&r, "198.18.40.3", "internal");
	assert_int_equal(policy_evaluate(NULL, &r), 0);
	policy_free(p);
}

static void test_vantage_verdict(void **state)
{
	(void)state;
	struct policy *p = example_policy();
	char line[400];
	assert_int_equal(policy_vantage_verdict(p, "segment:guest", 0, 0, false, line, sizeof line),
			 POLICY_VANTAGE_PASSED);
	assert_string_equal(line, "policy check [segment guest] smb = deny (p.ini:7) from view "
				  "segment:guest: passed: no SMB answered");
	assert_int_equal(policy_vantage_verdict(p, "segment:guest", 2, 0, false, line, sizeof line),
			 POLICY_VANTAGE_FAILED);
	assert_string_equal(line, "policy check [segment guest] smb = deny (p.ini:7) from view "
				  "segment:guest: failed: 2 SMB services answered (POLICY_VIOLATION)");
	assert_int_equal(policy_vantage_verdict(p, "external", 0, 3, false, line, sizeof line),
			 POLICY_VANTAGE_INCOMPLETE);
	/* legacy sets no smb rule; internal is no vantage section */
	assert_int_equal(policy_vantage_verdict(p, "segment:legacy", 0, 0, false, line, sizeof line),
			 POLICY_VANTAGE_NONE);
	assert_int_equal(policy_vantage_verdict(p, "internal", 5, 0, false, line, sizeof line),
			 POLICY_VANTAGE_NONE);
	policy_free(p);
}

/* Two violations on one service are two findings in the JSON record, and
 * diff_findings keeps both (keyed by rule), which is what gives one
 * policy_violation_opened per rule. */
static void test_record_json_and_diff_keys(void **state)
{
	(void)state;
	struct policy *p = example_policy();
	struct svc_record r;
	smb_record(&r, "198.18.40.3", "internal");
	r.smb1.enabled = TRI_YES;
	assess_record(&r);
	assert_int_equal(policy_evaluate(p, &r), 2);
	json_t *j = record_to_json(&r);
	json_t *m = diff_findings(j);
	json_t *a = json_object_get(m, "POLICY_VIOLATION/[segment guest] smb = deny");
	json_t *b = json_object_get(m, "POLICY_VIOLATION/[default] smb1 = deny");
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(json_string_value(json_object_get(a, "policy")), "p.ini:7");
	assert_non_null(json_object_get(m, "SMB1_ENABLED"));
	/* other findings carry no rule */
	assert_null(json_object_get(json_object_get(m, "SMB1_ENABLED"), "rule"));
	json_decref(m);
	json_decref(j);
	assert_string_equal(policy_rule_check("[default] null_session = deny"), "auth");
	assert_string_equal(policy_rule_check("[segment x] anonymous_shares = deny"), "shares");
	assert_null(policy_rule_check("[default] smb1 = deny"));
	assert_null(policy_rule_check(NULL));
	policy_free(p);
}

/* DefectDojo dedups on unique_id_from_tool: two rules broken on one
 * service must be two ids, or the import keeps one of them */
static void test_defectdojo_ids_per_rule(void **state)
{
	(void)state;
	struct policy *p = example_policy();
	struct svc_record r;
	smb_record(&r, "198.18.40.3", "internal");
	r.smb1.enabled = TRI_YES;
	assess_record(&r);
	assert_int_equal(policy_evaluate(p, &r), 2);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct report *rep = report_new(REPORT_DEFECTDOJO, f);
	report_service(rep, &r);
	struct scan_summary sum = {0};
	report_finish(rep, &sum);
	report_free(rep);
	fclose(f);
	json_t *j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	unsigned n = 0;
	size_t i;
	json_t *fd;
	json_array_foreach(json_object_get(j, "findings"), i, fd) {
		const char *uid = json_string_value(json_object_get(fd, "unique_id_from_tool"));
		if (strncmp(uid, "POLICY_VIOLATION", 16) != 0)
			continue;
		n++;
		assert_true(strcmp(uid, "POLICY_VIOLATION/[segment guest] smb = deny/198.18.40.3/445") == 0 ||
			    strcmp(uid, "POLICY_VIOLATION/[default] smb1 = deny/198.18.40.3/445") == 0);
	}
	assert_int_equal(n, 2);
	json_decref(j);
	free(buf);
	policy_free(p);
}

/* serve --policy: GET /api/policy shows the rules with their lines, and
 * an empty answer without a policy */
static void test_api_policy(void **state)
{
	(void)state;
	struct policy *p = example_policy();
	struct api_req rq = {0};
	struct api_reply out = {0};
	api_policy(&rq, &out);
	assert_int_equal(out.code, 200);
	assert_string_equal(out.body, "{\"file\":null,\"sections\":[]}");
	free(out.body);
	api_policy_set(p);
	api_policy(&rq, &out);
	assert_int_equal(out.code, 200);
	json_t *j = json_loads(out.body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "file")), "p.ini");
	json_t *legacy = json_array_get(json_object_get(j, "sections"), 2);
	char *t = json_dumps(legacy, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(t, "{\"cidrs\":[{\"cidr\":\"198.18.5.0/24\",\"line\":10},"
			       "{\"cidr\":\"2001:2:0:5::/64\",\"line\":11}],\"line\":9,"
			       "\"name\":\"legacy\",\"rules\":{\"smb1\":{\"line\":12,\"value\":\"allow\"}},"
			       "\"section\":\"[segment legacy]\"}");
	free(t);
	json_decref(j);
	free(out.body);
	api_policy_set(NULL);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_parses),
		cmocka_unit_test(test_errors_carry_line_numbers),
		cmocka_unit_test(test_comments_blank_lines_and_crlf),
		cmocka_unit_test(test_most_specific_segment_wins),
		cmocka_unit_test(test_vantage_sections),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_evaluate_findings),
		cmocka_unit_test(test_evaluate_segments_and_external),
		cmocka_unit_test(test_vantage_verdict),
		cmocka_unit_test(test_record_json_and_diff_keys),
		cmocka_unit_test(test_api_policy),
		cmocka_unit_test(test_defectdojo_ids_per_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
