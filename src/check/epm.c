/* epm.c - the RPC endpoint mapper on TCP 135 (issue 18 part 2): every
 * interface registered there and its bindings (probe/epm.c walks
 * ept_lookup), the coercion surfaces among them (MS-RPRN, MS-EFSR,
 * MS-DFSNM, MS-FSRVP) and the domain-controller role (Netlogon). The
 * interfaces are listed, never called. Runs on port 135 only, not on an
 * SMB service. */
#include <stdio.h>
#include <string.h>

#include "assess/rpc_ifaces.h"
#include "check/check.h"
#include "probe/epm.h"
#include "record/json.h"

static bool epm_known(const struct svc_record *r)
{
	return r->epm.present;
}

bool epm_has_dc_iface(const struct svc_record *r)
{
	for (unsigned i = 0; i < r->epm.n_ifaces; i++) {
		const struct rpc_iface_info *in = rpc_iface_info(r->epm.ifaces[i].uuid);
		if (in && in->dc)
			return true;
	}
	return false;
}

/* A DC: a domain-controller interface (Netlogon, drsuapi) registered, or
 * a sign from the host's other records (TCP 88/389 open, a <1C> name). */
bool epm_is_dc(const struct svc_record *r)
{
	return epm_has_dc_iface(r) || r->epm.dc_signs[0];
}

/* What the role rests on: "Netlogon registered, TCP 88 open (Kerberos)" */
static void dc_signs_text(const struct svc_record *r, char *out, size_t outsz)
{
	out[0] = '\0';
	if (epm_has_dc_iface(r))
		check_join(out, outsz, "Netlogon registered");
	check_join(out, outsz, r->epm.dc_signs);
}

/* The coercion surfaces registered, "MS-RPRN print spooler (PrinterBug),
 * ..." (each interface once), into out; how many. */
unsigned epm_coercion_list(const struct svc_record *r, char *out, size_t outsz)
{
	unsigned n = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < r->epm.n_ifaces; i++) {
		const struct rpc_iface_info *in = rpc_iface_info(r->epm.ifaces[i].uuid);
		if (!in || !in->coercion)
			continue;
		char item[96];
		snprintf(item, sizeof item, "%s (%s)", in->name, in->coercion);
		if (strstr(out, item))
			continue; /* the same interface under another version */
		check_join(out, outsz, item);
		n++;
	}
	return n;
}

static void epm_json(const struct svc_record *r, json_t *root)
{
	if (!epm_known(r))
		return;
	json_t *o = json_object(), *arr = json_array();
	for (unsigned i = 0; i < r->epm.n_ifaces; i++) {
		const struct rec_epm_iface *f = &r->epm.ifaces[i];
		const struct rpc_iface_info *in = rpc_iface_info(f->uuid);
		json_t *j = json_object(), *b = json_array();
		char ver[16];
		snprintf(ver, sizeof ver, "%u.%u", f->ver_major, f->ver_minor);
		json_object_set_new(j, "uuid", json_string(f->uuid));
		json_object_set_new(j, "version", json_string(ver));
		if (in)
			json_object_set_new(j, "name", json_string(in->name));
		record_json_set_str(j, "annotation", f->annotation);
		if (in && in->coercion)
			json_object_set_new(j, "coercion", json_string(in->coercion));
		for (unsigned k = 0; k < f->n_bindings; k++)
			json_array_append_new(b, json_string(f->bindings[k]));
		json_object_set_new(j, "bindings", b);
		json_array_append_new(arr, j);
	}
	json_object_set_new(o, "interfaces", arr);
	json_object_set_new(o, "entries", json_integer(r->epm.n_entries));
	json_object_set_new(o, "complete", json_boolean(r->epm.complete));
	if (epm_is_dc(r)) {
		char signs[192];
		json_object_set_new(o, "role", json_string("domain controller"));
		dc_signs_text(r, signs, sizeof signs);
		json_object_set_new(o, "role_from", json_string(signs));
	}
	record_json_set_str(o, "dc_signs", r->epm.dc_signs);
	record_json_set_str(o, "arch", r->epm.arch);
	if (r->epm.has_addresses) {
		json_t *a = json_array();
		for (unsigned i = 0; i < r->epm.n_addresses; i++)
			json_array_append_new(a, json_string(r->epm.addresses[i]));
		json_object_set_new(o, "addresses", a);
	}
	json_object_set_new(root, "epm", o);
}

static void epm_text(const struct svc_record *r, char *line, size_t linesz)
{
	if (!epm_known(r))
		return;
	char words[640], list[256], dc[224] = "";
	unsigned n = epm_coercion_list(r, list, sizeof list);
	if (epm_is_dc(r)) {
		char signs[192];
		dc_signs_text(r, signs, sizeof signs);
		snprintf(dc, sizeof dc, ", domain controller (%s)", signs);
	}
	snprintf(words, sizeof words, "RPC" CHECK_NBSP "endpoint" CHECK_NBSP "mapper:" CHECK_NBSP
		 "%u" CHECK_NBSP "interfaces%s%s%s%s%s",
		 r->epm.n_ifaces, n ? ", coercion: " : "", n ? list : "", dc,
		 r->epm.arch[0] ? ", arch " : "", r->epm.arch[0] ? r->epm.arch : "");
	check_join(line, linesz, words);
	if (r->epm.has_addresses) {
		char addrs[256] = "";
		for (unsigned i = 0; i < r->epm.n_addresses; i++)
			check_join(addrs, sizeof addrs, r->epm.addresses[i]);
		snprintf(words, sizeof words, "addresses (ServerAlive2): %s", addrs);
		check_join(line, linesz, words);
	}
}

static void epm_interfaces_fact(const struct svc_record *r, struct check_value *v)
{
	if (!epm_known(r))
		return;
	v->kind = CV_TEXT;
	size_t len = 0;
	for (unsigned i = 0; i < r->epm.n_ifaces && len + 1 < sizeof v->text; i++) {
		const struct rec_epm_iface *f = &r->epm.ifaces[i];
		const struct rpc_iface_info *in = rpc_iface_info(f->uuid);
		int w = snprintf(v->text + len, sizeof v->text - len, "%s%s v%u.%u", i ? " " : "",
				 in ? in->name : f->uuid, f->ver_major, f->ver_minor);
		if (w < 0 || (size_t)w >= sizeof v->text - len)
			break;
		len += (size_t)w;
	}
}

static void epm_coercion_fact(const struct svc_record *r, struct check_value *v)
{
	if (!epm_known(r))
		return;
	v->kind = CV_TEXT;
	epm_coercion_list(r, v->text, sizeof v->text);
}

static void epm_role_fact(const struct svc_record *r, struct check_value *v)
{
	if (!epm_known(r))
		return;
	v->kind = CV_TEXT;
	snprintf(v->text, sizeof v->text, "%s", epm_is_dc(r) ? "domain controller" : "");
}

const struct check check_epm = {
	.id = "epm",
	.summary = "RPC endpoint mapper: interfaces, coercion surfaces, DC role, NDR64; none called",
	.needs = NEEDS_PORT_135,
	.ports = "135,88,389",
	.fields = {"epm", NULL},
	.known = epm_known,
	.to_json = epm_json,
	.text_group = TEXT_VULNS,
	.to_text = epm_text,
	.facts = {{"epm_interfaces", "RPC interfaces (TCP 135)", epm_interfaces_fact},
		  {"coercion_surface", "Coercion surface", epm_coercion_fact},
		  {"rpc_role", "Role (from RPC)", epm_role_fact}},
	.findings = {FIND_COERCION_SURFACE, FIND_MULTI_HOMED},
};
