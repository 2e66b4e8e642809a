/* fuzz_policy.c - the exposure policy parser (src/policy/parse.c) on any
 * text, then the matcher and evaluator on what it accepted: a rejected file
 * has at least one "FILE:LINE: " error, an accepted one only segments with
 * a cidr and rule lines inside the file, and evaluating a record from each
 * view stays inside the record's finding table. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy_diag d;
	struct policy *p = policy_parse("f", (const char *)data, size, &d);
	if (!p) {
		if (d.n == 0 || strncmp(d.msg[0], "f:", 2) != 0)
			abort();
		return 0;
	}
	unsigned lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	for (unsigned i = 0; i < p->n_sections; i++) {
		const struct policy_section *s = &p->sections[i];
		if (s->kind == PSEC_SEGMENT && s->n_cidrs == 0)
			abort();
		for (unsigned k = 0; k < POLICY_KEY_N; k++)
			if (s->rules[k].value != PV_UNSET && (s->rules[k].line == 0 || s->rules[k].line > lines))
				abort();
	}
	static const char *const ips[] = {"198.18.40.3", "198.18.5.1", "2001:2::5", "127.0.0.1"};
	static const char *const views[] = {"internal", "external", "segment:guest", "segment:"};
	static struct svc_record r;
	for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++) {
		for (size_t v = 0; v < sizeof views / sizeof views[0]; v++) {
			record_init(&r);
			record_set_str(r.ip, sizeof r.ip, ips[i]);
			record_set_str(r.view, sizeof r.view, views[v]);
			r.port = 445;
			r.smb1.enabled = TRI_YES;
			r.smb1.signing = SIGN_ENABLED;
			r.auth.null_session = TRI_YES;
			r.auth.guest = TRI_YES;
			assess_record(&r);
			unsigned before = r.n_findings;
			unsigned added = policy_evaluate(p, &r);
			if (r.n_findings > REC_MAX_FINDINGS || r.n_findings < before)
				abort();
			(void)added;
			char line[400];
			(void)policy_vantage_verdict(p, views[v], i, 0, false, line, sizeof line);
		}
	}
	policy_free(p);
	return 0;
}
