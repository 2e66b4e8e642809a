/* checks.c - the one list of checks, and what walks it for the command
 * line (--checks, --list-checks); see check.h. */
#include "check/check.h"

#include <string.h>

extern const struct check check_auth, check_guest, check_shares, check_ms17_010,
	check_smbghost, check_doublepulsar, check_relay, check_epm, check_nbns, check_quic,
	check_mgmt;

/* Indexed by enum rec_check_id: the order of the record's "checks" object,
 * of the text report's words and of --list-checks. */
const struct check *const all_checks[RCHK_N] = {
	[RCHK_AUTH] = &check_auth,
	[RCHK_GUEST] = &check_guest,
	[RCHK_SHARES] = &check_shares,
	[RCHK_MS17_010] = &check_ms17_010,
	[RCHK_CVE_2020_0796] = &check_smbghost,
	[RCHK_DOUBLEPULSAR] = &check_doublepulsar,
	[RCHK_RELAY] = &check_relay,
	[RCHK_EPM] = &check_epm,
	[RCHK_NBNS] = &check_nbns,
	[RCHK_QUIC] = &check_quic,
	[RCHK_MGMT] = &check_mgmt,
};

static bool has_alias(const struct check *c, const char *name)
{
	for (const char *const *a = c->aliases; a && *a; a++)
		if (strcmp(*a, name) == 0)
			return true;
	return false;
}

const struct check *check_find(const char *name)
{
	for (unsigned i = 0; i < RCHK_N; i++)
		if (strcmp(all_checks[i]->id, name) == 0 || has_alias(all_checks[i], name))
			return all_checks[i];
	return NULL;
}

const struct check *check_of_finding(const char *finding_id)
{
	for (unsigned i = 0; i < RCHK_N; i++)
		CHECK_FOR_EACH_FINDING(all_checks[i], f)
			if (strcmp(finding_info(*f)->id, finding_id) == 0)
				return all_checks[i];
	return NULL;
}

void check_join(char *line, size_t linesz, const char *text)
{
	size_t len = strlen(line);
	if (!text[0] || len + 1 >= linesz)
		return;
	snprintf(line + len, linesz - len, "%s%s", len ? ", " : "", text);
}

void check_join_tri(char *line, size_t linesz, enum tri v, const char *yes, const char *no)
{
	if (v != TRI_UNKNOWN)
		check_join(line, linesz, v == TRI_YES ? yes : no);
}

void check_join_vuln(char *line, size_t linesz, enum vuln v, const char *vulnerable,
		     const char *not_vulnerable)
{
	if (v != VULN_UNKNOWN)
		check_join(line, linesz, v == VULN_VULNERABLE ? vulnerable : not_vulnerable);
}

void check_value_tri(struct check_value *out, enum tri v)
{
	out->kind = v == TRI_UNKNOWN ? CV_UNKNOWN : CV_TRI;
	out->tri = v;
}

void check_value_vuln(struct check_value *out, enum vuln v)
{
	out->kind = v == VULN_UNKNOWN ? CV_UNKNOWN : CV_VULN;
	out->vuln = v;
}

/* "auth, guest, ..., all or none" for the error message. */
static void valid_names(char *out, size_t outsz)
{
	out[0] = '\0';
	for (unsigned i = 0; i < RCHK_N; i++) {
		check_join(out, outsz, all_checks[i]->id);
		for (const char *const *a = all_checks[i]->aliases; a && *a; a++)
			if (check_find(*a) == all_checks[i])
				check_join(out, outsz, *a);
	}
	size_t len = strlen(out);
	snprintf(out + len, outsz - len, ", all or none");
}

int check_parse_list(const char *list, unsigned *out, char *err, size_t errsz)
{
	*out = 0;
	char buf[256];
	if (strlen(list) >= sizeof buf) {
		snprintf(err, errsz, "bad --checks: list too long");
		return -1;
	}
	memcpy(buf, list, strlen(list) + 1);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (strcmp(tok, "all") == 0) {
			*out |= CHECK_ALL;
			continue;
		}
		if (strcmp(tok, "none") == 0)
			continue;
		/* a name selects every check it is the id or an alias of ("auth"
		 * is both the auth check and an alias of guest) */
		bool found = false;
		for (unsigned i = 0; i < RCHK_N; i++) {
			if (strcmp(all_checks[i]->id, tok) == 0 || has_alias(all_checks[i], tok)) {
				*out |= CHECK_BIT(i);
				found = true;
			}
		}
		if (!found) {
			char names[256];
			valid_names(names, sizeof names);
			snprintf(err, errsz, "bad check '%s': use %s", tok, names);
			return -1;
		}
	}
	return 0;
}

void check_print_list(FILE *f)
{
	for (unsigned i = 0; i < RCHK_N; i++) {
		const struct check *c = all_checks[i];
		fprintf(f, "%-15s %-17s %s", c->id, c->ports ? c->ports : "SMB", c->summary);
		for (const char *const *a = c->aliases; a && *a; a++)
			fprintf(f, "%s%s", a == c->aliases ? " (also selected by: " : ", ", *a);
		fprintf(f, "%s\n", c->aliases && c->aliases[0] ? ")" : "");
	}
}
