/* nbns.c - the NetBIOS name service on UDP 137: its node status answer
 * (name table with each suffix's role, the MAC). Not an SMB conversation:
 * its own probe (probe/nbns_probe.c) runs on U:137 when -p or --surface
 * full asks for it, and makes a record of its own (transport "udp"). The
 * finding is NBNS_EXPOSED (assess.c). */
#include "check/check.h"

#include <string.h>

#include "record/json.h"
#include "wire/nbns.h"

static bool nbns_known(const struct svc_record *r)
{
	return r->nbns.present;
}

static void mac_text(const struct rec_nbns *n, char *out, size_t outsz)
{
	snprintf(out, outsz, "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1], n->mac[2],
		 n->mac[3], n->mac[4], n->mac[5]);
}

static void nbns_json(const struct svc_record *r, json_t *root)
{
	if (!r->nbns.present)
		return;
	const struct rec_nbns *n = &r->nbns;
	json_t *o = json_object(), *names = json_array();
	for (unsigned i = 0; i < n->n_names; i++) {
		const struct rec_nbns_name *e = &n->names[i];
		json_t *no = json_object();
		char suffix[4];
		snprintf(suffix, sizeof suffix, "%02X", e->suffix);
		json_object_set_new(no, "name", record_json_str(e->name));
		json_object_set_new(no, "suffix", json_string(suffix));
		const char *role = nbns_suffix_role(e->suffix, e->group);
		if (role)
			json_object_set_new(no, "role", json_string(role));
		json_object_set_new(no, "group", json_boolean(e->group));
		json_object_set_new(no, "active", json_boolean(e->active));
		json_array_append_new(names, no);
	}
	json_object_set_new(o, "names", names);
	json_object_set_new(o, "names_total", json_integer(n->n_total));
	if (n->has_mac) {
		char mac[24];
		mac_text(n, mac, sizeof mac);
		json_object_set_new(o, "mac", json_string(mac));
	}
	json_object_set_new(root, "nbns", o);
}

/* The unique <00> name: the computer ("" if it lists none). */
static const char *computer_name(const struct rec_nbns *n)
{
	for (unsigned i = 0; i < n->n_names; i++)
		if (n->names[i].suffix == 0x00 && !n->names[i].group)
			return n->names[i].name;
	return "";
}

static void nbns_text(const struct svc_record *r, char *line, size_t linesz)
{
	if (!r->nbns.present)
		return;
	char words[96];
	snprintf(words, sizeof words, "NetBIOS" CHECK_NBSP "names" CHECK_NBSP "%u%s%s",
		 r->nbns.n_total, computer_name(&r->nbns)[0] ? CHECK_NBSP : "",
		 computer_name(&r->nbns));
	check_join(line, linesz, words);
}

static void nbns_line(const struct svc_record *r, FILE *f)
{
	if (!r->nbns.present)
		return;
	fprintf(f, " (nbns:%s", computer_name(&r->nbns));
	if (r->nbns.has_mac) {
		char mac[24];
		mac_text(&r->nbns, mac, sizeof mac);
		fprintf(f, " %s", mac);
	}
	fputc(')', f);
}

/* "NAME<20> file server, WORKGROUP<00> group, ..." */
static void names_fact(const struct svc_record *r, struct check_value *v)
{
	if (!r->nbns.present)
		return;
	v->kind = CV_TEXT;
	v->text[0] = '\0';
	for (unsigned i = 0; i < r->nbns.n_names; i++) {
		const struct rec_nbns_name *e = &r->nbns.names[i];
		const char *role = nbns_suffix_role(e->suffix, e->group);
		char one[80];
		snprintf(one, sizeof one, "%s<%02X>%s%s%s", e->name, e->suffix,
			 role || e->group ? " " : "", role ? role : "",
			 e->group && !role ? "group" : "");
		check_join(v->text, sizeof v->text, one);
	}
}

static void mac_fact(const struct svc_record *r, struct check_value *v)
{
	if (!r->nbns.present || !r->nbns.has_mac)
		return;
	v->kind = CV_TEXT;
	mac_text(&r->nbns, v->text, sizeof v->text);
}

const struct check check_nbns = {
	.id = "nbns",
	.summary = "NetBIOS name service: name table (roles of the suffixes) and MAC",
	.needs = NEEDS_OWN_PORT,
	.ports = "U:137",
	.fields = {"nbns", NULL},
	.known = nbns_known,
	.to_json = nbns_json,
	.text_group = TEXT_AUTH,
	.to_text = nbns_text,
	.to_line = nbns_line,
	.facts = {{"nbns_names", "NetBIOS names", names_fact},
		  {"nbns_mac", "NetBIOS MAC", mac_fact}},
	.findings = {FIND_NBNS_EXPOSED},
};
