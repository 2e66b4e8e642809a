/* inside.c - the organisation's own prefixes; see inside.h. */
#include "sensor/inside.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int inside_add(struct inside_nets *in, const char *cidr, const char *label, char *err,
	       size_t errsz)
{
	const char *why = NULL;
	if (in->n == INSIDE_MAX) {
		snprintf(err, errsz, "more than %d inside prefixes", INSIDE_MAX);
		return -1;
	}
	struct inside_net *n = &in->net[in->n];
	if (policy_cidr_parse(cidr, &n->cidr, &why) != 0) {
		snprintf(err, errsz, "'%s': %s", cidr, why ? why : "not an address or prefix");
		return -1;
	}
	snprintf(n->label, sizeof n->label, "%s", label);
	in->n++;
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
		       s[len - 1] == '\r'))
		s[--len] = '\0';
	return s;
}

int inside_add_list(struct inside_nets *in, const char *arg, char *err, size_t errsz)
{
	char item[256];
	if (arg[0] == '@') {
		FILE *f = fopen(arg + 1, "r");
		if (!f) {
			snprintf(err, errsz, "%s: %s", arg + 1, strerror(errno));
			return -1;
		}
		char line[256];
		unsigned no = 0;
		while (fgets(line, sizeof line, f)) {
			no++;
			char *t = trim(line);
			if (!*t || *t == '#' || *t == ';')
				continue;
			char e[200];
			if (inside_add(in, t, "--inside", e, sizeof e) != 0) {
				snprintf(err, errsz, "%s:%u: %s", arg + 1, no, e);
				fclose(f);
				return -1;
			}
		}
		fclose(f);
		return 0;
	}
	const char *p = arg;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len >= sizeof item) {
			snprintf(err, errsz, "an item longer than %zu characters", sizeof item - 1);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		char *t = trim(item);
		if (*t && inside_add(in, t, "--inside", err, errsz) != 0)
			return -1;
		p += len + (comma ? 1 : 0);
	}
	return 0;
}

size_t inside_add_policy(struct inside_nets *in, const struct policy *p)
{
	size_t added = 0;
	for (unsigned i = 0; p && i < p->n_sections; i++) {
		const struct policy_section *sec = &p->sections[i];
		if (sec->kind != PSEC_SEGMENT)
			continue;
		for (unsigned c = 0; c < sec->n_cidrs && in->n < INSIDE_MAX; c++) {
			struct inside_net *n = &in->net[in->n++];
			n->cidr = sec->cidrs[c];
			snprintf(n->label, sizeof n->label, "segment %s", sec->name);
			added++;
		}
	}
	return added;
}

bool inside_match(const struct inside_nets *in, const char *addr, char *label, size_t labelsz)
{
	const struct inside_net *best = NULL;
	for (size_t i = 0; i < in->n; i++)
		if (policy_cidr_contains(&in->net[i].cidr, addr) &&
		    (!best || in->net[i].cidr.bits > best->cidr.bits))
			best = &in->net[i];
	if (best && label) {
		char a[64];
		inet_ntop(best->cidr.family, best->cidr.addr, a, sizeof a);
		snprintf(label, labelsz, "%s %s/%u", best->label, a, best->cidr.bits);
	}
	return best != NULL;
}
