/* api_policy.c - GET /api/policy: the exposure policy `serve --policy FILE`
 * read (docs/policy.md), as parsed, so the page and scripts see the rules
 * the stored POLICY_VIOLATION findings refer to. The policy is set once at
 * start (api_policy_set) and only read afterwards. */
#include "serve/api.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "policy/policy.h"

static const struct policy *served_policy;

void api_policy_set(const struct policy *p)
{
	served_policy = p;
}

static json_t *section_json(const struct policy_section *s)
{
	char label[64];
	policy_section_label(s, label, sizeof label);
	json_t *cidrs = json_array();
	for (unsigned i = 0; i < s->n_cidrs; i++) {
		/* the cidr as written is not kept: rebuild it from the address */
		char addr[64];
		const struct policy_cidr *c = &s->cidrs[i];
		if (!inet_ntop(c->family, c->addr, addr, sizeof addr))
			continue;
		char text[80];
		snprintf(text, sizeof text, "%s/%u", addr, c->bits);
		json_array_append_new(cidrs, json_pack("{s:s, s:i}", "cidr", text, "line", (int)c->line));
	}
	json_t *rules = json_object();
	for (unsigned k = 0; k < POLICY_KEY_N; k++) {
		const struct policy_rule *r = &s->rules[k];
		if (r->value == PV_UNSET)
			continue;
		json_object_set_new(rules, policy_key_name((enum policy_key)k),
				    json_pack("{s:s, s:i}", "value", policy_value_name(r->value),
					      "line", (int)r->line));
	}
	return json_pack("{s:s, s:s, s:i, s:o, s:o}", "section", label, "name", s->name, "line",
			 (int)s->line, "cidrs", cidrs, "rules", rules);
}

void api_policy(const struct api_req *rq, struct api_reply *out)
{
	(void)rq;
	if (!served_policy) {
		api_json(out, 200, json_pack("{s:n, s:[]}", "file", "sections"));
		return;
	}
	json_t *sections = json_array();
	for (unsigned i = 0; i < served_policy->n_sections; i++)
		json_array_append_new(sections, section_json(&served_policy->sections[i]));
	api_json(out, 200,
		 json_pack("{s:s, s:o}", "file", served_policy->file, "sections", sections));
}
