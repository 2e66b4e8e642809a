/* evaluate.c - a record against the policy; see policy.h.
 *
 * Each key reads the record field the matching finding of assess.c reads,
 * so a rule and its finding never disagree about the facts. Severity: that
 * finding's (findings.c), smb = deny high; critical from the external view,
 * as assess.c does for what is seen from outside. */
#include "policy/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "assess/assess.h"
#include "assess/findings.h"

void policy_rule_text(const struct policy_section *s, enum policy_key k, char *out, size_t outsz)
{
	char label[64];
	policy_section_label(s, label, sizeof label);
	snprintf(out, outsz, "%s %s = %s", label, policy_key_name(k),
		 policy_value_name(s->rules[k].value));
}

/* The severity of the finding a key mirrors. */
static enum severity key_severity(enum policy_key k)
{
	static const enum finding_id mirrors[POLICY_KEY_N] = {
		[POLICY_SMB] = FIND_NONE, /* SMB_EXPOSED is info; a denied network is high */
		[POLICY_SMB1] = FIND_SMB1_ENABLED,
		[POLICY_SIGNING] = FIND_SIGNING_NOT_REQUIRED,
		[POLICY_NULL_SESSION] = FIND_NULL_SESSION,
		[POLICY_GUEST] = FIND_GUEST_ACCESS,
		[POLICY_ANONYMOUS_SHARES] = FIND_ANON_SHARE_READABLE,
	};
	const struct finding_info *f = finding_info(mirrors[k]);
	return f ? f->severity : SEV_HIGH;
}

static bool any_anonymous_share(const struct svc_record *rec, char *names, size_t namesz)
{
	size_t o = 0;
	bool any = false;
	names[0] = '\0';
	for (unsigned i = 0; i < rec->n_shares && i < REC_MAX_SHARES; i++) {
		const struct rec_share *sh = &rec->shares[i];
		if (sh->anonymous_read != TRI_YES && sh->anonymous_write != TRI_YES)
			continue;
		int w = snprintf(names + o, namesz - o, "%s%s", any ? ", " : "", sh->name);
		if (w > 0 && (size_t)w < namesz - o)
			o += (size_t)w;
		any = true;
	}
	return any;
}

/* Does rec break `value` for key k? The fact goes to why. */
static bool breaks(const struct svc_record *rec, enum policy_key k, enum policy_value value,
		   char *why, size_t whysz)
{
	switch (k) {
	case POLICY_SMB:
		if (value != PV_DENY)
			return false;
		snprintf(why, whysz, "SMB answered on %s port %u", rec->ip, (unsigned)rec->port);
		return true;
	case POLICY_SMB1:
		if (value != PV_DENY || rec->smb1.enabled != TRI_YES)
			return false;
		snprintf(why, whysz, "SMB1-only NEGOTIATE accepted");
		return true;
	case POLICY_SIGNING: {
		if (value != PV_REQUIRED)
			return false;
		bool smb2_not = rec->smb2.present && rec->smb2.signing != SIGN_REQUIRED &&
				rec->smb2.signing != SIGN_UNKNOWN;
		bool smb1_not = rec->smb1.enabled == TRI_YES && rec->smb1.signing != SIGN_REQUIRED &&
				rec->smb1.signing != SIGN_UNKNOWN;
		if (!smb2_not && !smb1_not)
			return false;
		snprintf(why, whysz, "signing %s", signing_name(smb2_not ? rec->smb2.signing
									  : rec->smb1.signing));
		return true;
	}
	case POLICY_NULL_SESSION:
		if (value != PV_DENY || rec->auth.null_session != TRI_YES)
			return false;
		snprintf(why, whysz, "anonymous SESSION_SETUP and TREE_CONNECT to IPC$ succeeded");
		return true;
	case POLICY_GUEST:
		if (value != PV_DENY || rec->auth.guest != TRI_YES)
			return false;
		snprintf(why, whysz, "a random user name was logged on as guest");
		return true;
	case POLICY_ANONYMOUS_SHARES: {
		char names[160];
		if (value != PV_DENY || !any_anonymous_share(rec, names, sizeof names))
			return false;
		snprintf(why, whysz, "shares reachable without credentials: %s", names);
		return true;
	}
	case POLICY_KEY_N: break;
	}
	return false;
}

/* snprintf where cutting is intended (the compiler's truncation warning
 * cannot see that). */
static void text_cut(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void text_cut(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

static void add_violation(struct svc_record *rec, const struct policy *p,
			  const struct policy_section *s, enum policy_key k, const char *why)
{
	if (rec->n_findings >= REC_MAX_FINDINGS)
		return;
	const struct finding_info *t = finding_info(FIND_POLICY_VIOLATION);
	struct rec_finding *f = &rec->findings[rec->n_findings++];
	memset(f, 0, sizeof *f);
	record_set_str(f->id, sizeof f->id, t->id);
	f->title = t->title;
	f->remediation = t->remediation;
	bool outside = strcmp(rec->view, "external") == 0 || s->kind == PSEC_EXTERNAL;
	f->severity = outside ? SEV_CRITICAL : key_severity(k);
	char rule[sizeof f->rule], at[sizeof f->policy_at];
	policy_rule_text(s, k, rule, sizeof rule);
	snprintf(at, sizeof at, "%.180s:%u", p->file, s->rules[k].line);
	/* a long file name cuts the fact's end: the rule and the file come first */
	text_cut(f->evidence, sizeof f->evidence, "%s (%s, view %s): %s", rule, at, rec->view, why);
	memcpy(f->rule, rule, sizeof rule);
	memcpy(f->policy_at, at, sizeof at);
}

unsigned policy_evaluate(const struct policy *p, struct svc_record *rec)
{
	if (!p || !record_is_smb(rec))
		return 0;
	unsigned added = 0;
	for (unsigned k = 0; k < POLICY_KEY_N; k++) {
		const struct policy_section *s = policy_rule_for(p, rec->view, rec->ip, (enum policy_key)k);
		char why[200];
		if (!s || !breaks(rec, (enum policy_key)k, s->rules[k].value, why, sizeof why))
			continue;
		add_violation(rec, p, s, (enum policy_key)k, why);
		added++;
	}
	return added;
}

enum policy_vantage policy_vantage_verdict(const struct policy *p, const char *view,
					   uint64_t smb_services, uint64_t errors, bool interrupted,
					   char *out, size_t outsz)
{
	const struct policy_section *s = p ? policy_vantage_section(p, view) : NULL;
	if (!s || s->rules[POLICY_SMB].value != PV_DENY)
		return POLICY_VANTAGE_NONE;
	char rule[80];
	policy_rule_text(s, POLICY_SMB, rule, sizeof rule);
	enum policy_vantage v;
	char what[96];
	if (smb_services) {
		v = POLICY_VANTAGE_FAILED;
		snprintf(what, sizeof what, "failed: %llu SMB service%s answered (POLICY_VIOLATION)",
			 (unsigned long long)smb_services, smb_services == 1 ? "" : "s");
	} else if (errors || interrupted) {
		/* a target that timed out may be SMB behind a slow link: no verdict */
		v = POLICY_VANTAGE_INCOMPLETE;
		snprintf(what, sizeof what, "incomplete: no SMB answered, but %s",
			 interrupted ? "the scan was interrupted" : "some targets ended in errors");
	} else {
		v = POLICY_VANTAGE_PASSED;
		snprintf(what, sizeof what, "passed: no SMB answered");
	}
	snprintf(out, outsz, "policy check %s (%.180s:%u) from view %s: %s", rule, p->file,
		 s->rules[POLICY_SMB].line, view, what);
	return v;
}
