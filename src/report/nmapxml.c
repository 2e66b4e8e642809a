/* nmapxml.c - nmap's XML output format (valid against nmap.dtd), so that
 * Metasploit db_import, Faraday, libnmap and nmap.xsl read our scans.
 *
 * nmap groups ports under their host, so services are kept until
 * report_finish() and written one <host> per address. What nmap's own SMB
 * scripts report (protocols, signing, OS discovery, capabilities, time,
 * MS17-010, DoublePulsar, shares) goes into <hostscript> under nmap's script
 * ids and elem/table keys, taken from the host's best service (445 direct
 * first, as nmap's smb library prefers it); our findings are per port, as
 * <script id="smbwatch-..."> elements. Keys and texts follow nmap 7.93. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check/check.h"
#include "report/escape.h"
#include "report/report_int.h"

struct nx_state {
	FILE *out;
	struct svc_record *recs;
	size_t n, cap;
	char *args, *ports;
	int64_t start;
};

/* One <script>: its human-readable output (the output= attribute) and its
 * structured body (elem/table) are built side by side. */
struct nx_script {
	char *text, *body;
	size_t text_len, body_len;
	FILE *tf, *bf;
	int depth; /* table nesting, for the text indent */
};

static void script_open(struct nx_script *sc)
{
	memset(sc, 0, sizeof *sc);
	sc->tf = open_memstream(&sc->text, &sc->text_len);
	sc->bf = open_memstream(&sc->body, &sc->body_len);
}

static bool script_ok(const struct nx_script *sc)
{
	return sc->tf && sc->bf;
}

static void indent(struct nx_script *sc)
{
	fputc('\n', sc->tf);
	for (int i = 0; i <= sc->depth; i++)
		fputs("  ", sc->tf);
}

/* <elem key="k">v</elem>; key NULL for list items */
static void elem(struct nx_script *sc, const char *key, const char *v)
{
	indent(sc);
	if (key) {
		fprintf(sc->tf, "%s: ", key);
		fputs("<elem key=\"", sc->bf);
		xml_escape(sc->bf, key);
		fputs("\">", sc->bf);
	} else {
		fputs("<elem>", sc->bf);
	}
	fputs(v, sc->tf);
	xml_escape(sc->bf, v);
	fputs("</elem>\n", sc->bf);
}

static void table_begin(struct nx_script *sc, const char *key)
{
	indent(sc);
	fprintf(sc->tf, "%s: ", key);
	fputs("<table key=\"", sc->bf);
	xml_escape(sc->bf, key);
	fputs("\">\n", sc->bf);
	sc->depth++;
}

static void table_end(struct nx_script *sc)
{
	sc->depth--;
	fputs("</table>\n", sc->bf);
}

/* Write <script id= output=>body</script> and free the builder. */
static void script_close(struct nx_script *sc, FILE *out, const char *id)
{
	if (sc->tf)
		fclose(sc->tf);
	if (sc->bf)
		fclose(sc->bf);
	if (sc->text && sc->body) {
		fputs("<script id=\"", out);
		xml_escape(out, id);
		fputs("\" output=\"", out);
		xml_escape(out, sc->text);
		fprintf(out, "\">%s</script>", sc->body);
	}
	free(sc->text);
	free(sc->body);
}

/* nmap 7.93 names dialects by their digits: 0x0311 -> "311" */
static void dialect_key(uint16_t d, char *out, size_t outsz)
{
	snprintf(out, outsz, "%x", (unsigned)d);
}

static bool has_dialects(const struct svc_record *r)
{
	return r->smb2.present && r->smb2.n_dialects > 0;
}

static uint16_t top_dialect(const struct svc_record *r)
{
	return r->smb2.dialects[r->smb2.n_dialects - 1];
}

static void script_protocols(FILE *out, const struct svc_record *r)
{
	if (r->smb1.enabled != TRI_YES && !has_dialects(r))
		return;
	struct nx_script sc;
	script_open(&sc);
	if (script_ok(&sc)) {
		table_begin(&sc, "dialects");
		if (r->smb1.enabled == TRI_YES)
			elem(&sc, NULL, "NT LM 0.12 (SMBv1) [dangerous, but default]");
		for (unsigned i = 0; r->smb2.present && i < r->smb2.n_dialects; i++) {
			char k[8];
			dialect_key(r->smb2.dialects[i], k, sizeof k);
			elem(&sc, NULL, k);
		}
		table_end(&sc);
	}
	script_close(&sc, out, "smb-protocols");
}

static void script_smb2_security(FILE *out, const struct svc_record *r)
{
	if (!has_dialects(r) || r->smb2.signing == SIGN_UNKNOWN)
		return;
	struct nx_script sc;
	script_open(&sc);
	if (script_ok(&sc)) {
		char k[8];
		dialect_key(top_dialect(r), k, sizeof k);
		table_begin(&sc, k);
		/* SMB2 always has signing enabled; SIGN_DISABLED cannot be
		 * negotiated but is said as nmap would */
		elem(&sc, NULL,
		     r->smb2.signing == SIGN_REQUIRED  ? "Message signing enabled and required"
		     : r->smb2.signing == SIGN_ENABLED ? "Message signing enabled but not required"
						       : "Message signing is disabled and not required!");
		table_end(&sc);
	}
	script_close(&sc, out, "smb2-security-mode");
}

static void script_smb1_security(FILE *out, const struct svc_record *r)
{
	if (r->smb1.enabled != TRI_YES || r->smb1.signing == SIGN_UNKNOWN)
		return;
	struct nx_script sc;
	script_open(&sc);
	if (script_ok(&sc)) {
		if (r->auth.anonymous_logon == TRI_YES)
			elem(&sc, "account_used", "<blank>");
		elem(&sc, "message_signing",
		     r->smb1.signing == SIGN_REQUIRED  ? "required"
		     : r->smb1.signing == SIGN_ENABLED ? "supported"
						       : "disabled");
	}
	script_close(&sc, out, "smb-security-mode");
}

static void script_os_discovery(FILE *out, const struct svc_record *r)
{
	char os[REC_STR];
	if (r->smb1.native_os[0])
		record_set_str(os, sizeof os, r->smb1.native_os);
	else
		report_windows_version(r, "Build", os, sizeof os);
	const char *name = report_host_name(r), *dom = report_domain(r);
	if (!os[0] && !name[0] && !dom[0])
		return;
	struct nx_script sc;
	script_open(&sc);
	if (script_ok(&sc)) {
		if (os[0])
			elem(&sc, "os", os);
		if (r->smb1.native_lanman[0])
			elem(&sc, "lanmanager", r->smb1.native_lanman);
		if (name[0])
			elem(&sc, "server", name);
		if (r->smb2.present && r->smb2.system_time) {
			char t[40];
			filetime_to_rfc3339(r->smb2.system_time, t, sizeof t);
			elem(&sc, "date", t);
		}
		if (r->ntlm.present && r->ntlm.dns_computer[0])
			elem(&sc, "fqdn", r->ntlm.dns_computer);
		/* nmap: "domain" for a member of an AD domain, else "workgroup" */
		if (r->ntlm.present && r->ntlm.dns_domain[0]) {
			if (dom[0])
				elem(&sc, "domain", dom);
			elem(&sc, "domain_dns", r->ntlm.dns_domain);
			if (r->ntlm.dns_tree[0])
				elem(&sc, "forest_dns", r->ntlm.dns_tree);
		} else if (dom[0]) {
			elem(&sc, "workgroup", dom);
		}
	}
	script_close(&sc, out, "smb-os-discovery");
}

/* nmap's smb2-capabilities names for the SMB2 Capabilities bits */
static const char *smb2_cap_text(uint32_t bit)
{
	switch (bit) {
	case 0x01: return "Distributed File System";
	case 0x02: return "Leasing";
	case 0x04: return "Multi-credit operations";
	case 0x08: return "Multiple channel support";
	case 0x10: return "Persistent handles";
	case 0x20: return "Directory Leasing";
	case 0x40: return "Encryption";
	default: return NULL;
	}
}

static void script_smb2_caps(FILE *out, const struct svc_record *r)
{
	if (!has_dialects(r))
		return;
	struct nx_script sc;
	script_open(&sc);
	if (script_ok(&sc)) {
		/* one NEGOTIATE answer's capabilities: the highest dialect's */
		char k[8];
		dialect_key(top_dialect(r), k, sizeof k);
		table_begin(&sc, k);
		for (uint32_t bit = 1; bit <= 0x40; bit <<= 1)
			if ((r->smb2.capabilities & bit) && smb2_cap_text(bit))
				elem(&sc, NULL, smb2_cap_text(bit));
		table_end(&sc);
	}
	script_close(&sc, out, "smb2-capabilities");
}

/* nmap's smb2-time: "2026-12-04T23:29:03" (no zone letter) */
static void nmap_time(uint64_t ft, char *out, size_t outsz)
{
	filetime_to_rfc3339(ft, out, outsz);
	size_t n = strlen(out);
	if (n && out[n - 1] == 'Z')
		out[n - 1] = '\0';
}

static void script_smb2_time(FILE *out, const struct svc_record *r)
{
	if (!r->smb2.present || !r->smb2.system_time)
		return;
	struct nx_script sc;
	script_open(&sc);
	if (script_ok(&sc)) {
		char t[40];
		nmap_time(r->smb2.system_time, t, sizeof t);
		elem(&sc, "date", t);
		if (r->smb2.boot_time)
			nmap_time(r->smb2.boot_time, t, sizeof t);
		else
			record_set_str(t, sizeof t, "N/A");
		elem(&sc, "start_date", t);
	}
	script_close(&sc, out, "smb2-time");
}

/* A vulns-library table as nmap writes it: keyed by the first id. */
static void vuln_table(struct nx_script *sc, const char *key, const char *title, enum vuln v,
		       const char *cve, const char *ref)
{
	table_begin(sc, key);
	elem(sc, "title", title);
	elem(sc, "state", v == VULN_VULNERABLE ? "VULNERABLE" : "NOT VULNERABLE");
	if (cve) {
		char id[40];
		snprintf(id, sizeof id, "CVE:%s", cve);
		table_begin(sc, "ids");
		elem(sc, NULL, id);
		table_end(sc);
	}
	if (ref) {
		table_begin(sc, "refs");
		elem(sc, NULL, ref);
		table_end(sc);
	}
	table_end(sc);
}

/* Each check that nmap knows as a vulns script, when it has a verdict. */
static void script_vulns(FILE *out, const struct svc_record *r)
{
	for (unsigned i = 0; i < RCHK_N; i++) {
		const struct check *c = all_checks[i];
		if (!c->nmap_vuln || !c->facts[0].get)
			continue;
		struct check_value v = {0};
		c->facts[0].get(r, &v);
		if (v.kind != CV_VULN)
			continue;
		struct nx_script sc;
		script_open(&sc);
		if (script_ok(&sc))
			vuln_table(&sc, c->nmap_vuln->key, c->nmap_vuln->title, v.vuln,
				   c->nmap_vuln->cve, c->nmap_vuln->ref);
		script_close(&sc, out, c->nmap_vuln->script);
	}
}

/* nmap's srvsvc type names: "disk" -> STYPE_DISKTREE, "_HIDDEN" for NAME$ */
static void share_type(const struct rec_share *sh, char *out, size_t outsz)
{
	const char *base = strcmp(sh->type, "ipc") == 0       ? "STYPE_IPC"
			   : strcmp(sh->type, "printer") == 0 ? "STYPE_PRINTQ"
			   : strcmp(sh->type, "disk") == 0    ? "STYPE_DISKTREE"
							      : "STYPE_UNKNOWN";
	size_t n = strlen(sh->name);
	snprintf(out, outsz, "%s%s", base, n && sh->name[n - 1] == '$' ? "_HIDDEN" : "");
}

static void script_shares(FILE *out, const struct svc_record *r)
{
	if (!r->has_shares || r->n_shares == 0)
		return;
	struct nx_script sc;
	script_open(&sc);
	if (script_ok(&sc)) {
		if (r->auth.anonymous_logon == TRI_YES)
			elem(&sc, "account_used", "<blank>");
		for (unsigned i = 0; i < r->n_shares && i < REC_MAX_SHARES; i++) {
			const struct rec_share *sh = &r->shares[i];
			char key[sizeof r->ip + sizeof sh->name + 8], type[32];
			snprintf(key, sizeof key, "\\\\%s\\%s", r->ip, sh->name);
			table_begin(&sc, key);
			share_type(sh, type, sizeof type);
			elem(&sc, "Type", type);
			elem(&sc, "Comment", sh->comment);
			if (sh->anonymous_read != TRI_UNKNOWN)
				elem(&sc, "Anonymous access",
				     sh->anonymous_read == TRI_YES ? "READ" : "<none>");
			table_end(&sc);
		}
	}
	script_close(&sc, out, "smb-enum-shares");
}

/* "SIGNING_NOT_REQUIRED" -> "smbwatch-signing-not-required" */
static void finding_script_id(const char *id, char *out, size_t outsz)
{
	size_t o = (size_t)snprintf(out, outsz, "smbwatch-");
	for (; *id && o + 1 < outsz; id++)
		out[o++] = *id == '_' ? '-' : (char)((*id >= 'A' && *id <= 'Z') ? *id + 32 : *id);
	out[o] = '\0';
}

static void finding_scripts(FILE *out, const struct svc_record *r)
{
	for (unsigned i = 0; i < r->n_findings && i < REC_MAX_FINDINGS; i++) {
		const struct rec_finding *fd = &r->findings[i];
		char sid[64];
		finding_script_id(fd->id, sid, sizeof sid);
		struct nx_script sc;
		script_open(&sc);
		if (script_ok(&sc)) {
			elem(&sc, "id", fd->id);
			elem(&sc, "severity", severity_name(fd->severity));
			elem(&sc, "title", fd->title ? fd->title : "");
			if (fd->evidence[0])
				elem(&sc, "evidence", fd->evidence);
			if (fd->remediation)
				elem(&sc, "remediation", fd->remediation);
		}
		script_close(&sc, out, sid);
	}
}

static void write_port(FILE *out, const struct svc_record *r)
{
	fprintf(out, "<port protocol=\"%s\" portid=\"%u\">", report_proto(r), (unsigned)r->port);
	fprintf(out, "<state state=\"open\" reason=\"%s\" reason_ttl=\"0\"/>",
		r->udp || r->over_quic ? "udp-response" : "syn-ack");
	/* nmap calls SMB over NetBIOS netbios-ssn, direct SMB microsoft-ds,
	 * the endpoint mapper on 135 msrpc and the name service netbios-ns;
	 * nmap has no name for SMB over QUIC (UDP 443 is its https) */
	fprintf(out, "<service name=\"%s\" method=\"probed\" conf=\"10\"",
		r->over_quic ? "smb-over-quic" : r->udp ? "netbios-ns" : r->epm.present ? "msrpc" : r->netbios ? "netbios-ssn" : "microsoft-ds");
	if (r->smb1.native_lanman[0]) {
		fputs(" product=\"", out);
		xml_escape(out, r->smb1.native_lanman);
		fputc('"', out);
	}
	fputs("/>", out);
	finding_scripts(out, r);
	fputs("</port>\n", out);
}

/* The service nmap's scripts would have talked to: 445 direct first. */
static const struct svc_record *best_service(const struct svc_record *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i]->port == 445 && !v[i]->netbios)
			return v[i];
	for (size_t i = 0; i < n; i++)
		if (!v[i]->netbios)
			return v[i];
	return v[0];
}

static void write_host(FILE *out, const struct svc_record *const *v, size_t n)
{
	int64_t t0 = v[0]->scanned_at, t1 = v[0]->scanned_at;
	for (size_t i = 1; i < n; i++) {
		if (v[i]->scanned_at < t0)
			t0 = v[i]->scanned_at;
		if (v[i]->scanned_at > t1)
			t1 = v[i]->scanned_at;
	}
	fprintf(out, "<host starttime=\"%lld\" endtime=\"%lld\">", (long long)t0, (long long)t1);
	fputs("<status state=\"up\" reason=\"syn-ack\" reason_ttl=\"0\"/>\n", out);
	fputs("<address addr=\"", out);
	xml_escape(out, v[0]->ip);
	fprintf(out, "\" addrtype=\"%s\"/>\n", strchr(v[0]->ip, ':') ? "ipv6" : "ipv4");
	fputs("<hostnames>\n</hostnames>\n<ports>", out);
	for (size_t i = 0; i < n; i++)
		write_port(out, v[i]);
	fputs("</ports>\n", out);

	/* hostscript needs at least one script: build it aside */
	char *hs = NULL;
	size_t hs_len = 0;
	FILE *hf = open_memstream(&hs, &hs_len);
	if (hf) {
		const struct svc_record *b = best_service(v, n);
		script_protocols(hf, b);
		script_smb2_security(hf, b);
		script_smb1_security(hf, b);
		script_os_discovery(hf, b);
		script_smb2_caps(hf, b);
		script_smb2_time(hf, b);
		script_vulns(hf, b);
		script_shares(hf, b);
		fclose(hf);
		if (hs && hs_len)
			fprintf(out, "<hostscript>%s</hostscript>", hs);
		free(hs);
	}
	fputs("</host>\n", out);
}

static void *nx_open(FILE *out)
{
	struct nx_state *s = calloc(1, sizeof *s);
	if (s)
		s->out = out;
	return s;
}

static void nx_run(void *st, const struct report_run *run)
{
	struct nx_state *s = st;
	free(s->args);
	free(s->ports);
	s->args = run->args ? strdup(run->args) : NULL;
	s->ports = run->ports ? strdup(run->ports) : NULL;
	s->start = run->start;
}

static void nx_service(void *st, const struct svc_record *rec)
{
	struct nx_state *s = st;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct svc_record *v = realloc(s->recs, cap * sizeof *v);
		if (!v)
			return; /* out of memory: this service is missing from the file */
		s->recs = v;
		s->cap = cap;
	}
	s->recs[s->n++] = *rec;
}

static int by_address(const void *a, const void *b)
{
	const struct svc_record *const *x = a, *const *y = b;
	int c = strcmp((*x)->ip, (*y)->ip);
	if (c)
		return c;
	return (int)(*x)->port - (int)(*y)->port;
}

static void ctime_text(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(out, outsz, "%a %b %e %H:%M:%S %Y", &tm) == 0)
		record_set_str(out, outsz, "");
}

static void nx_finish(void *st, const struct scan_summary *sum)
{
	struct nx_state *s = st;
	FILE *out = s->out;
	int64_t now = (int64_t)time(NULL);
	int64_t start = s->start ? s->start : now;
	char startstr[64], endstr[64];
	ctime_text(start, startstr, sizeof startstr);
	ctime_text(now, endstr, sizeof endstr);

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n"
	      "<?xml-stylesheet href=\"file:///usr/share/nmap/nmap.xsl\" type=\"text/xsl\"?>\n",
	      out);
	fprintf(out, "<!-- smbwatch %s scan initiated %s -->\n", SMBW_VERSION, startstr);
	/* nmap.dtd allows only scanner="nmap"; version is smbwatch's own */
	fputs("<nmaprun scanner=\"nmap\" args=\"", out);
	xml_escape(out, s->args ? s->args : "smbwatch scan");
	fprintf(out, "\" start=\"%lld\" startstr=\"%s\" version=\"%s\" xmloutputversion=\"1.05\">\n",
		(long long)start, startstr, SMBW_VERSION);
	if (s->ports && s->ports[0]) {
		unsigned nports = 1;
		for (const char *p = s->ports; *p; p++)
			nports += *p == ',';
		fprintf(out, "<scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"%u\" services=\"",
			nports);
		xml_escape(out, s->ports);
		fputs("\"/>\n", out);
	}
	fputs("<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n", out);

	/* group the services by address */
	size_t hosts = 0;
	const struct svc_record **v = s->n ? malloc(s->n * sizeof *v) : NULL;
	if (v) {
		for (size_t i = 0; i < s->n; i++)
			v[i] = &s->recs[i];
		qsort(v, s->n, sizeof *v, by_address);
		for (size_t i = 0; i < s->n;) {
			size_t j = i + 1;
			while (j < s->n && strcmp(v[j]->ip, v[i]->ip) == 0)
				j++;
			write_host(out, v + i, j - i);
			hosts++;
			i = j;
		}
		free(v);
	}
	double elapsed = sum ? sum->seconds : 0;
	fprintf(out,
		"<runstats><finished time=\"%lld\" timestr=\"%s\" elapsed=\"%.2f\" summary=\"smbwatch "
		"done; %zu SMB service%s on %zu host%s\" exit=\"%s\"/>",
		(long long)now, endstr, elapsed, s->n, s->n == 1 ? "" : "s", hosts,
		hosts == 1 ? "" : "s", sum && sum->interrupted ? "error" : "success");
	fprintf(out, "<hosts up=\"%zu\" down=\"0\" total=\"%zu\"/>\n</runstats>\n</nmaprun>\n", hosts,
		hosts);
	fflush(out);
}

static void nx_close(void *st)
{
	struct nx_state *s = st;
	free(s->recs);
	free(s->args);
	free(s->ports);
	free(s);
}

const struct report_ops report_nmapxml_ops = {
	.name = "nmap-xml",
	.open = nx_open,
	.run = nx_run,
	.service = nx_service,
	.finish = nx_finish,
	.close = nx_close,
};
