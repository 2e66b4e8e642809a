/* auth.c - the anonymous (null) logon and the null session to IPC$.
 * Answered by the shared anonymous conversations (probe/shares2.c over
 * SMB2, probe/smb1_checks.c over SMB1). */
#include "check/check.h"
#include "record/json.h"

static bool auth_known(const struct svc_record *r)
{
	/* a refused logon settles both; an accepted one needs IPC$ */
	return r->auth.anonymous_logon == TRI_NO ||
	       (r->auth.anonymous_logon == TRI_YES && r->auth.null_session != TRI_UNKNOWN);
}

static void auth_json(const struct svc_record *r, json_t *root)
{
	record_json_put(root, "auth", "anonymous_logon", record_json_tri(r->auth.anonymous_logon));
	record_json_put(root, "auth", "null_session", record_json_tri(r->auth.null_session));
}

static void auth_text(const struct svc_record *r, char *line, size_t linesz)
{
	check_join_tri(line, linesz, r->auth.anonymous_logon,
		       "anonymous" CHECK_NBSP "logon" CHECK_NBSP "yes",
		       "anonymous" CHECK_NBSP "logon" CHECK_NBSP "no");
	check_join_tri(line, linesz, r->auth.null_session, "null" CHECK_NBSP "session" CHECK_NBSP "yes",
		       "null" CHECK_NBSP "session" CHECK_NBSP "no");
}

static void auth_line(const struct svc_record *r, FILE *f)
{
	if (r->auth.null_session != TRI_UNKNOWN)
		fprintf(f, " (null_session:%s)", r->auth.null_session == TRI_YES ? "True" : "False");
}

static void auth_anonymous_fact(const struct svc_record *r, struct check_value *v)
{
	check_value_tri(v, r->auth.anonymous_logon);
}

static void auth_null_fact(const struct svc_record *r, struct check_value *v)
{
	check_value_tri(v, r->auth.null_session);
}

const struct check check_auth = {
	.id = "auth",
	.summary = "anonymous (null) logon, and whether it reaches IPC$ (null session)",
	.needs = NEEDS_SESSION,
	.fields = {"auth.anonymous_logon", "auth.null_session", NULL},
	.known = auth_known,
	.to_json = auth_json,
	.text_group = TEXT_AUTH,
	.to_text = auth_text,
	.to_line = auth_line,
	.facts = {{"anonymous_logon", "Anonymous logon", auth_anonymous_fact},
		  {"null_session", "Null session (IPC$)", auth_null_fact}},
	.findings = {FIND_NULL_SESSION},
};
