/* guest.c - is a logon as a random, non-existent user mapped to guest?
 * Answered by probe/session2.c's guest logon over SMB2 (also as a second
 * session of the anonymous conversation) and probe/guest1.c over SMB1.
 * Selected by --checks auth too (it was part of "auth" before it had a
 * record slot of its own). */
#include "check/check.h"
#include "record/json.h"

static const char *const guest_aliases[] = {"auth", NULL};

static bool guest_known(const struct svc_record *r)
{
	return r->auth.guest != TRI_UNKNOWN;
}

static void guest_json(const struct svc_record *r, json_t *root)
{
	record_json_put(root, "auth", "guest", record_json_tri(r->auth.guest));
}

static void guest_text(const struct svc_record *r, char *line, size_t linesz)
{
	check_join_tri(line, linesz, r->auth.guest, "guest" CHECK_NBSP "yes", "guest" CHECK_NBSP "no");
}

static void guest_line(const struct svc_record *r, FILE *f)
{
	if (r->auth.guest != TRI_UNKNOWN)
		fprintf(f, " (guest:%s)", r->auth.guest == TRI_YES ? "True" : "False");
}

static void guest_fact(const struct svc_record *r, struct check_value *v)
{
	check_value_tri(v, r->auth.guest);
}

const struct check check_guest = {
	.id = "guest",
	.summary = "logon as a random non-existent user accepted as guest",
	.aliases = guest_aliases,
	.needs = NEEDS_SESSION,
	.fields = {"auth.guest", NULL},
	.known = guest_known,
	.to_json = guest_json,
	.text_group = TEXT_AUTH,
	.to_text = guest_text,
	.to_line = guest_line,
	.facts = {{"guest", "Guest logon", guest_fact}},
	.findings = {FIND_GUEST_ACCESS},
};
