/* match.c - which section's rule governs a service; see policy.h. */
#include "policy/policy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int policy_cidr_parse(const char *s, struct policy_cidr *out, const char **why)
{
	memset(out, 0, sizeof *out);
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t an = slash ? (size_t)(slash - s) : strlen(s);
	if (an == 0 || an >= sizeof addr) {
		*why = "expected ADDRESS/PREFIX";
		return -1;
	}
	memcpy(addr, s, an);
	addr[an] = '\0';
	if (inet_pton(AF_INET, addr, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, out->addr) == 1)
		out->family = AF_INET6;
	else {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	unsigned max = out->family == AF_INET ? 32 : 128;
	out->bits = max;
	if (slash) {
		const char *b = slash + 1;
		if (!*b || strlen(b) > 3 || strspn(b, "0123456789") != strlen(b) ||
		    (b[0] == '0' && b[1])) {
			*why = "the prefix length is not a number";
			return -1;
		}
		unsigned long v = strtoul(b, NULL, 10);
		if (v > max) {
			*why = out->family == AF_INET ? "prefix longer than 32" : "prefix longer than 128";
			return -1;
		}
		out->bits = (unsigned)v;
	}
	/* host bits set: 198.18.40.7/24 is a typo for a host or for .0/24 */
	for (unsigned i = out->bits; i < max; i++)
		if (out->addr[i / 8] & (0x80u >> (i % 8))) {
			*why = "host bits set after the prefix";
			return -1;
		}
	return 0;
}

static bool prefix_match(const uint8_t *a, const uint8_t *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, net, full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xFFu << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

bool policy_cidr_contains(const struct policy_cidr *c, const char *ip)
{
	uint8_t a[16] = {0};
	if (c->family == AF_INET)
		return inet_pton(AF_INET, ip, a) == 1 && prefix_match(a, c->addr, c->bits);
	return inet_pton(AF_INET6, ip, a) == 1 && prefix_match(a, c->addr, c->bits);
}

const struct policy_section *policy_segment_of(const struct policy *p, const char *ip)
{
	const struct policy_section *best = NULL;
	int best_bits = -1;
	for (unsigned i = 0; i < p->n_sections; i++) {
		const struct policy_section *s = &p->sections[i];
		if (s->kind != PSEC_SEGMENT)
			continue;
		for (unsigned k = 0; k < s->n_cidrs; k++)
			if ((int)s->cidrs[k].bits > best_bits && policy_cidr_contains(&s->cidrs[k], ip)) {
				best = s;
				best_bits = (int)s->cidrs[k].bits;
			}
	}
	return best;
}

static const struct policy_section *section_of(const struct policy *p,
					       enum policy_section_kind kind, const char *name)
{
	for (unsigned i = 0; i < p->n_sections; i++)
		if (p->sections[i].kind == kind && strcmp(p->sections[i].name, name) == 0)
			return &p->sections[i];
	return NULL;
}

const struct policy_section *policy_vantage_section(const struct policy *p, const char *view)
{
	if (strcmp(view, "external") == 0)
		return section_of(p, PSEC_EXTERNAL, "");
	if (strncmp(view, "segment:", 8) == 0)
		return section_of(p, PSEC_SEGMENT, view + 8);
	return NULL;
}

const struct policy_section *policy_rule_for(const struct policy *p, const char *view,
					     const char *ip, enum policy_key key)
{
	const struct policy_section *chain[3] = {
		policy_vantage_section(p, view),
		policy_segment_of(p, ip),
		section_of(p, PSEC_DEFAULT, ""),
	};
	for (size_t i = 0; i < 3; i++)
		if (chain[i] && chain[i]->rules[key].value != PV_UNSET)
			return chain[i];
	return NULL;
}

void policy_section_label(const struct policy_section *s, char *out, size_t outsz)
{
	switch (s->kind) {
	case PSEC_DEFAULT: snprintf(out, outsz, "[default]"); break;
	case PSEC_EXTERNAL: snprintf(out, outsz, "[external]"); break;
	case PSEC_SEGMENT: snprintf(out, outsz, "[segment %s]", s->name); break;
	}
}

const char *policy_rule_check(const char *rule)
{
	/* "[segment x] null_session = deny": the key is the word before " = " */
	const char *eq = rule ? strstr(rule, " = ") : NULL;
	if (!eq)
		return NULL;
	const char *k = eq;
	while (k > rule && k[-1] != ' ')
		k--;
	size_t n = (size_t)(eq - k);
	static const struct {
		const char *key, *check;
	} rests_on[] = {
		{"null_session", "auth"},
		{"guest", "guest"},
		{"anonymous_shares", "shares"},
	};
	for (size_t i = 0; i < sizeof rests_on / sizeof rests_on[0]; i++)
		if (strlen(rests_on[i].key) == n && strncmp(k, rests_on[i].key, n) == 0)
			return rests_on[i].check;
	return NULL;
}
