/* shares.c - the share list (SRVSVC NetShareEnumAll over the IPC$ pipe)
 * and, per disk share, whether its root can be listed without
 * credentials, and whether the session's maximal access there allows
 * writing (seen, never tried). Answered by the shared anonymous and guest conversations. */
#include <stdio.h>
#include <string.h>

#include "check/check.h"
#include "record/json.h"

static bool shares_known(const struct svc_record *r)
{
	return r->has_shares;
}

static void shares_json(const struct svc_record *r, json_t *root)
{
	if (!r->has_shares)
		return;
	json_t *a = json_array();
	for (unsigned i = 0; i < r->n_shares && i < REC_MAX_SHARES; i++) {
		const struct rec_share *s = &r->shares[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", record_json_str(s->name));
		record_json_set_str(o, "type", s->type);
		record_json_set_str(o, "comment", s->comment);
		record_json_put(o, NULL, "anonymous_read", record_json_tri(s->anonymous_read));
		/* from the tree connect's maximal access (probe/share_access.h) */
		record_json_put(o, NULL, "anonymous_write", record_json_tri(s->anonymous_write));
		if (s->has_max_access) {
			char hex[16];
			snprintf(hex, sizeof hex, "0x%08x", (unsigned)s->max_access);
			json_object_set_new(o, "maximal_access", json_string(hex));
		}
		json_array_append_new(a, o);
	}
	json_object_set_new(root, "shares", a);
}

static void shares_text(const struct svc_record *r, char *line, size_t linesz)
{
	if (!r->has_shares)
		return;
	char words[2048];
	snprintf(words, sizeof words, "shares%s", r->n_shares ? "" : " none");
	for (unsigned i = 0; i < r->n_shares && i < REC_MAX_SHARES; i++) {
		const struct rec_share *sh = &r->shares[i];
		size_t len = strlen(words);
		bool rd = sh->anonymous_read == TRI_YES, wr = sh->anonymous_write == TRI_YES;
		snprintf(words + len, sizeof words - len, "%s %.96s%s", i ? "," : "", sh->name,
			 rd && wr ? " (anonymous read, write)"
			 : rd	  ? " (anonymous read)"
			 : wr	  ? " (anonymous write)"
				  : "");
	}
	check_join(line, linesz, words);
}

/* "ADMIN$ public(read,write) data(read)": the names, and what an anonymous
 * session may do at each */
static void shares_fact(const struct svc_record *r, struct check_value *v)
{
	if (!r->has_shares)
		return;
	v->kind = CV_TEXT;
	size_t len = 0;
	for (unsigned i = 0; i < r->n_shares && i < REC_MAX_SHARES; i++) {
		const struct rec_share *sh = &r->shares[i];
		bool rd = sh->anonymous_read == TRI_YES, wr = sh->anonymous_write == TRI_YES;
		int w = snprintf(v->text + len, sizeof v->text - len, "%s%s%s", i ? " " : "",
				 sh->name,
				 rd && wr ? "(read,write)"
				 : rd	  ? "(read)"
				 : wr	  ? "(write)"
					  : "");
		if (w < 0 || (size_t)w >= sizeof v->text - len)
			break; /* truncated at a whole name */
		len += (size_t)w;
	}
	v->text[len] = '\0';
}

const struct check check_shares = {
	.id = "shares",
	.summary = "anonymous share list (SRVSVC) and which disk shares can be listed",
	.needs = NEEDS_SESSION,
	.fields = {"shares", NULL},
	.known = shares_known,
	.to_json = shares_json,
	.text_group = TEXT_SHARES,
	.to_text = shares_text,
	.facts = {{"shares", "Shares", shares_fact}},
	.findings = {FIND_ANON_SHARE_READABLE, FIND_ANON_SHARE_WRITABLE},
};
