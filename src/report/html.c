/* html.c - the HTML report (--format html): one self-contained page a
 * manager can open from disk or an e-mail: summary counts, charts, hosts
 * worst first, every host with its findings, evidence and fix, sortable and
 * filterable tables, print CSS.
 *
 * Self-contained: the style, the script and the chart library (vendored
 * Chart.js, third_party/chartjs/) are inlined from html_assets.c, generated
 * at build time; the page names no external URL, and its
 * Content-Security-Policy allows no fetch at all and only the two inline
 * scripts by their hashes, so even a string that escaped escaping could not
 * run. Every string from the network goes through html_escape(); the chart
 * data is JSON written by json_script_dump(), which cannot end its <script>.
 *
 * Records are collected and the page is written at report_finish(), since
 * the summary comes first and hosts are ordered by how bad they are. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assess/osname.h"
#include "check/check.h"
#include "report/escape.h"
#include "report/report_int.h"

/* html_assets.c (scripts/embed_asset.py) */
extern const char html_asset_chartjs[], html_asset_js[], html_asset_css[];
extern const size_t html_asset_chartjs_len, html_asset_js_len, html_asset_css_len;
extern const char html_asset_chartjs_sha256[], html_asset_js_sha256[];

#define N_SEV (SEV_CRITICAL + 1)

/* What the page needs of one service, taken at report_service(): the
 * record itself (33 KB, most of it the share table) is not kept, so a big
 * scan costs a few KB per service. Its detail block is rendered then. */
struct html_finding {
	char id[32];
	enum severity severity;
	const char *title, *remediation; /* static text from assess/ */
};
struct html_svc {
	char ip[64];
	uint16_t port;
	int64_t scanned_at;
	char name[REC_STR], domain[REC_STR], os[REC_STR * 2];
	enum tri smb1;
	enum signing signing;
	char top[16]; /* top_dialect() */
	unsigned n_findings;
	struct html_finding findings[REC_MAX_FINDINGS];
	char *detail; /* write_service()'s HTML */
};

struct html_host {
	size_t first, n;  /* its services: recs[first .. first + n) */
	int worst;        /* worst severity of its findings, -1 when none */
	unsigned n_findings;
};

struct html_state {
	FILE *out;
	struct html_svc **recs;
	size_t n, cap;
	char view[32];
	int64_t start;
	struct report_trend_point *trend; /* earlier runs, oldest first */
	size_t n_trend;
};

static void *html_open(FILE *out)
{
	struct html_state *s = calloc(1, sizeof *s);
	if (s)
		s->out = out;
	return s;
}

static void html_run(void *st, const struct report_run *run)
{
	struct html_state *s = st;
	if (run->view)
		snprintf(s->view, sizeof s->view, "%s", run->view);
	s->start = run->start;
	free(s->trend);
	s->trend = NULL;
	s->n_trend = 0;
	if (run->n_trend && run->trend) {
		s->trend = malloc(run->n_trend * sizeof *s->trend);
		if (s->trend) {
			memcpy(s->trend, run->trend, run->n_trend * sizeof *s->trend);
			s->n_trend = run->n_trend;
		}
	}
}

/* --- ordering -------------------------------------------------------------- */

/* Addresses sort numerically, IPv4 before IPv6; unparsable ones last. */
static void addr_key(const char *ip, uint8_t key[17])
{
	memset(key, 0xff, 17);
	if (inet_pton(AF_INET, ip, key + 1) == 1) {
		key[0] = 4;
		memset(key + 5, 0, 12);
	} else if (inet_pton(AF_INET6, ip, key + 1) == 1) {
		key[0] = 6;
	}
}

static int svc_cmp(const void *a, const void *b)
{
	const struct html_svc *x = *(struct html_svc *const *)a;
	const struct html_svc *y = *(struct html_svc *const *)b;
	uint8_t kx[17], ky[17];
	addr_key(x->ip, kx);
	addr_key(y->ip, ky);
	int c = memcmp(kx, ky, sizeof kx);
	if (c == 0)
		c = strcmp(x->ip, y->ip);
	if (c == 0)
		c = (int)x->port - (int)y->port;
	return c;
}

/* Worst first: worst severity, then number of findings, then address.
 * (qsort passes no context: the services the hosts index are here.) */
static struct html_svc **cmp_recs;
static int host_cmp(const void *a, const void *b)
{
	const struct html_host *x = a, *y = b;
	if (x->worst != y->worst)
		return y->worst - x->worst;
	if (x->n_findings != y->n_findings)
		return x->n_findings < y->n_findings ? 1 : -1;
	return svc_cmp(&cmp_recs[x->first], &cmp_recs[y->first]);
}

/* --- what each cell says ------------------------------------------------- */

static const char *sev_label(int sev)
{
	static const char *const names[N_SEV] = {"Info", "Low", "Medium", "High", "Critical"};
	return sev >= 0 && sev < N_SEV ? names[sev] : "None";
}

static const char *tri_label(enum tri t)
{
	return t == TRI_YES ? "yes" : t == TRI_NO ? "no" : "unknown";
}

static const char *signing_label(enum signing sg)
{
	const char *n = signing_name(sg);
	return n ? n : "unknown";
}

/* "3.1.1" (highest SMB2 dialect), "SMB1 only", or "unknown" */
static void top_dialect(const struct svc_record *r, char *out, size_t outsz)
{
	if (r->smb2.present && r->smb2.n_dialects > 0 && r->smb2.n_dialects <= REC_MAX_DIALECTS) {
		uint16_t d = r->smb2.dialects[r->smb2.n_dialects - 1];
		const char *n = rec_dialect_name(d);
		if (n)
			snprintf(out, outsz, "%s", n);
		else
			snprintf(out, outsz, "0x%04x", (unsigned)d);
	} else if (r->smb1.enabled == TRI_YES) {
		snprintf(out, outsz, "SMB1 only");
	} else {
		snprintf(out, outsz, "unknown");
	}
}

static void h(FILE *f, const char *s)
{
	html_escape(f, s);
}

static void td(FILE *f, const char *text)
{
	fputs("<td>", f);
	h(f, text);
	fputs("</td>", f);
}

/* report.js sorts these by the rank its class names (no data-v: a /24's
 * thousands of them are bytes the 1 MB bound counts) */
static void sev_td(FILE *f, int sev)
{
	fprintf(f, "<td class=\"sev-%s\">%s</td>",
		sev >= 0 ? severity_name((enum severity)sev) : "none", sev_label(sev));
}

/* --- the page ---------------------------------------------------------- */

static void write_head(FILE *f)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
	/* no fetch of any kind; only our two inline scripts may run */
	fprintf(f,
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"script-src 'sha256-%s' 'sha256-%s'; style-src 'unsafe-inline'; img-src data:\">\n",
		html_asset_chartjs_sha256, html_asset_js_sha256);
	fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>smbwatch SMB exposure report</title>\n<style>\n",
	      f);
	fwrite(html_asset_css, 1, html_asset_css_len, f);
	fputs("</style>\n</head>\n<body>\n", f);
}

static void card(FILE *f, const char *label, unsigned long long n, const char *cls)
{
	fprintf(f, "<div class=\"card%s%s\"><span class=\"n\">%llu</span><span class=\"l\">",
		cls ? " " : "", cls ? cls : "", n);
	h(f, label);
	fputs("</span></div>\n", f);
}

struct counts {
	size_t hosts;
	unsigned sev[N_SEV];
	unsigned findings;
	unsigned smb1[3];    /* yes, no, unknown */
	unsigned signing[4]; /* required, enabled, disabled, unknown */
	unsigned dialect[7]; /* SMB1 only, 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1, other/unknown */
};

static const char *const dialect_bins[7] = {"SMB1 only", "2.0.2", "2.1", "3.0", "3.0.2", "3.1.1",
					    "unknown"};

static void count_service(struct counts *c, const struct html_svc *r)
{
	for (unsigned i = 0; i < r->n_findings; i++) {
		c->sev[r->findings[i].severity]++;
		c->findings++;
	}
	c->smb1[r->smb1 == TRI_YES ? 0 : r->smb1 == TRI_NO ? 1 : 2]++;
	switch (r->signing) {
	case SIGN_REQUIRED: c->signing[0]++; break;
	case SIGN_ENABLED: c->signing[1]++; break;
	case SIGN_DISABLED: c->signing[2]++; break;
	default: c->signing[3]++; break;
	}
	unsigned bin = 6;
	for (unsigned i = 0; i < 6; i++)
		if (strcmp(r->top, dialect_bins[i]) == 0)
			bin = i;
	c->dialect[bin]++;
}

static json_t *chart(const char *const *labels, const unsigned *counts, size_t n)
{
	json_t *l = json_array(), *v = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(l, json_string(labels[i]));
		json_array_append_new(v, json_integer(counts[i]));
	}
	return json_pack("{soso}", "labels", l, "counts", v);
}

static void write_summary(FILE *f, const struct html_state *s, const struct counts *c,
			  const struct scan_summary *sum)
{
	char when[40] = "";
	int64_t t = s->start ? s->start : (s->n ? s->recs[0]->scanned_at : 0);
	if (t)
		unix_to_rfc3339(t, when, sizeof when);
	fputs("<header>\n<h1>SMB exposure report</h1>\n<p class=\"meta\">smbwatch " SMBW_VERSION, f);
	if (when[0]) {
		fputs(" &middot; scan started ", f);
		h(f, when);
	}
	if (s->view[0]) {
		fputs(" &middot; view ", f);
		h(f, s->view);
	}
	fputs("</p>\n</header>\n<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n",
	      f);
	card(f, "hosts", c->hosts, NULL);
	card(f, "SMB services", s->n, NULL);
	card(f, "findings", c->findings, NULL);
	for (int sv = SEV_CRITICAL; sv >= SEV_INFO; sv--) {
		char cls[32];
		snprintf(cls, sizeof cls, "sev-%s", severity_name((enum severity)sv));
		card(f, sev_label(sv), c->sev[sv], cls);
	}
	fputs("</div>\n", f);
	if (sum)
		fprintf(f,
			"<p class=\"meta\">Targets tried: %llu &middot; open %llu &middot; closed %llu "
			"&middot; filtered %llu &middot; errors %llu%s</p>\n",
			(unsigned long long)sum->targets, (unsigned long long)sum->open,
			(unsigned long long)sum->closed, (unsigned long long)sum->filtered,
			(unsigned long long)sum->errors, sum->interrupted ? " &middot; interrupted" : "");
	fputs("</section>\n", f);
}

/* Findings over time: the earlier runs and this one, by severity
 * (Critical first, as in the severity chart); NULL when there is no
 * earlier run to compare with. */
static json_t *trend_chart(const struct html_state *s, const struct counts *c)
{
	if (s->n_trend == 0)
		return NULL;
	json_t *labels = json_array(), *series = json_array();
	for (size_t i = 0; i <= s->n_trend; i++) {
		char when[40] = "";
		int64_t at = i < s->n_trend ? s->trend[i].at : s->start;
		unix_to_rfc3339(at, when, sizeof when);
		when[16] = '\0'; /* YYYY-MM-DDTHH:MM */
		if (when[10] == 'T')
			when[10] = ' ';
		json_array_append_new(labels, json_string(when));
	}
	for (int sv = SEV_CRITICAL; sv >= SEV_INFO; sv--) {
		json_t *v = json_array();
		for (size_t i = 0; i < s->n_trend; i++)
			json_array_append_new(v, json_integer(s->trend[i].sev[sv]));
		json_array_append_new(v, json_integer(c->sev[sv]));
		json_array_append_new(series, v);
	}
	return json_pack("{soso}", "labels", labels, "series", series);
}

static void write_charts(FILE *f, const struct html_state *s, const struct counts *c)
{
	static const char *const sev_names[N_SEV] = {"Critical", "High", "Medium", "Low", "Info"};
	unsigned sev[N_SEV];
	for (int i = 0; i < N_SEV; i++)
		sev[i] = c->sev[SEV_CRITICAL - i];
	static const char *const smb1[3] = {"enabled", "disabled", "unknown"};
	static const char *const sign[4] = {"required", "not required", "disabled", "unknown"};
	fputs("<section id=\"charts\">\n<h2>Charts</h2>\n<div class=\"charts\">\n"
	      "<figure><div class=\"chart\"><canvas id=\"chart-severity\"></canvas></div>"
	      "<figcaption>Findings by severity</figcaption></figure>\n"
	      "<figure><div class=\"chart\"><canvas id=\"chart-dialect\"></canvas></div>"
	      "<figcaption>Services by highest dialect</figcaption></figure>\n"
	      "<figure><div class=\"chart\"><canvas id=\"chart-smb1\"></canvas></div>"
	      "<figcaption>SMB1 on services</figcaption></figure>\n"
	      "<figure><div class=\"chart\"><canvas id=\"chart-signing\"></canvas></div>"
	      "<figcaption>Signing on services</figcaption></figure>\n",
	      f);
	json_t *trend = trend_chart(s, c);
	if (trend)
		fputs("<figure class=\"wide\"><div class=\"chart\"><canvas id=\"chart-trend\">"
		      "</canvas></div><figcaption>Findings over time (this scan's earlier runs "
		      "from the store, and this one)</figcaption></figure>\n",
		      f);
	fputs("</div>\n</section>\n", f);
	json_t *data = json_pack("{s:o,s:o,s:o,s:o}", "severity", chart(sev_names, sev, N_SEV),
				 "dialect", chart(dialect_bins, c->dialect, 7), "smb1",
				 chart(smb1, c->smb1, 3), "signing", chart(sign, c->signing, 4));
	if (data && trend)
		json_object_set_new(data, "trend", trend);
	else
		json_decref(trend);
	fputs("<script type=\"application/json\" id=\"chart-data\">", f);
	if (data)
		json_script_dump(f, data);
	else
		fputs("{}", f);
	fputs("</script>\n", f);
	json_decref(data);
}

/* A host's name, domain or OS: the first of its services that knows it. */
static const char *host_field(struct html_svc *const *rs, size_t n, size_t offset)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = (const char *)rs[i] + offset;
		if (v[0])
			return v;
	}
	return "";
}

static void filter_box(FILE *f, const char *table, const char *what)
{
	fprintf(f,
		"<p class=\"filter\"><input type=\"search\" class=\"filter-input\" "
		"data-table=\"%s\" placeholder=\"Filter %s\" aria-label=\"Filter %s\"></p>\n",
		table, what, what);
}

static void write_hosts_table(FILE *f, const struct html_state *s, const struct html_host *hosts,
			      size_t n_hosts)
{
	fputs("<section id=\"hosts\">\n<h2>Hosts, worst first</h2>\n", f);
	filter_box(f, "hosts-table", "hosts");
	fputs("<table id=\"hosts-table\" class=\"sortable\">\n<thead><tr>"
	      "<th>Worst</th><th>Findings</th><th>Address</th><th>Name</th><th>Domain</th>"
	      "<th>OS</th><th>Ports</th><th>SMB1</th><th>Highest dialect</th><th>Signing</th>"
	      "</tr></thead>\n<tbody>\n",
	      f);
	for (size_t i = 0; i < n_hosts; i++) {
		const struct html_host *ho = &hosts[i];
		struct html_svc *const *rs = &s->recs[ho->first];
		fputs("<tr>", f);
		sev_td(f, ho->worst);
		char num[24];
		snprintf(num, sizeof num, "%u", ho->n_findings);
		td(f, num);
		/* sort addresses numerically: an IPv4 address as its number,
		 * others by their 17-byte key in hex, after every IPv4 one */
		uint8_t key[17];
		addr_key(rs[0]->ip, key);
		fputs("<td data-v=\"", f);
		if (key[0] == 4)
			fprintf(f, "%lu", (unsigned long)key[1] << 24 | (unsigned long)key[2] << 16 |
						  (unsigned long)key[3] << 8 | key[4]);
		else /* 'v' sorts after every digit in report.js's text order */
			for (int k = 0; k < 17; k++)
				fprintf(f, "%s%02x", k ? "" : "v", key[k]);
		fprintf(f, "\"><a href=\"#host-%zu\">", i + 1);
		h(f, rs[0]->ip);
		fputs("</a></td>", f);
		td(f, host_field(rs, ho->n, offsetof(struct html_svc, name)));
		td(f, host_field(rs, ho->n, offsetof(struct html_svc, domain)));
		td(f, host_field(rs, ho->n, offsetof(struct html_svc, os)));
		char ports[128] = "";
		size_t len = 0;
		enum tri smb1 = TRI_UNKNOWN;
		enum signing weakest = SIGN_UNKNOWN;
		char best[16] = "unknown";
		for (size_t j = 0; j < ho->n; j++) {
			int w = snprintf(ports + len, sizeof ports - len, "%s%u", j ? ", " : "",
					 (unsigned)rs[j]->port);
			if (w > 0 && (size_t)w < sizeof ports - len)
				len += (size_t)w;
			if (rs[j]->smb1 == TRI_YES || (rs[j]->smb1 == TRI_NO && smb1 == TRI_UNKNOWN))
				smb1 = rs[j]->smb1;
			enum signing sg = rs[j]->signing;
			if (sg != SIGN_UNKNOWN && (weakest == SIGN_UNKNOWN || sg < weakest))
				weakest = sg;
			const char *d = rs[j]->top;
			/* dialect names compare in order ("2.0.2" < "3.1.1"); SMB1 only lowest */
			if (strcmp(best, "unknown") == 0 ||
			    (strcmp(d, "unknown") != 0 && strcmp(d, "SMB1 only") != 0 &&
			     (strcmp(best, "SMB1 only") == 0 || strcmp(d, best) > 0)))
				snprintf(best, sizeof best, "%s", d);
		}
		td(f, ports);
		td(f, tri_label(smb1));
		td(f, best);
		td(f, signing_label(weakest));
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
}

/* Severity, then the id (and CVE) over the title. */
static void finding_cells(FILE *f, const struct html_finding *fd)
{
	sev_td(f, (int)fd->severity);
	fputs("<td><span class=\"fid\">", f);
	h(f, fd->id);
	fputs("</span>", f);
	const char *cve = report_finding_cve(fd->id);
	if (cve) {
		fputs(" <span class=\"cve\">", f);
		h(f, cve);
		fputs("</span>", f);
	}
	if (fd->title) {
		fputs("<br>", f);
		h(f, fd->title);
	}
	fputs("</td>", f);
}

/* An anchor name for a finding id: ids are [A-Z0-9_] (assess.c), anything
 * else becomes '_' so the id attribute never needs escaping. */
static void fix_anchor(FILE *f, const char *id)
{
	fputs("fix-", f);
	for (const char *p = id; *p; p++)
		fputc((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9') ? *p : '_', f);
}

/* One row per finding id: the remediation text is long and the same for
 * every host, so it is written once here and the hosts link to it (this
 * is what keeps a /24 under 1 MB). */
struct fix_row {
	const struct html_finding *fd; /* the first one seen: id, title, fix */
	int worst;
	unsigned hosts, services;
	size_t last_host;
};

static int fix_cmp(const void *a, const void *b)
{
	const struct fix_row *x = a, *y = b;
	if (x->worst != y->worst)
		return y->worst - x->worst;
	if (x->hosts != y->hosts)
		return x->hosts < y->hosts ? 1 : -1;
	return strcmp(x->fd->id, y->fd->id);
}

static void write_findings_table(FILE *f, const struct html_state *s,
				 const struct html_host *hosts, size_t n_hosts)
{
	size_t n_rows = 0, cap = 0;
	struct fix_row *rows = NULL;
	for (size_t i = 0; i < n_hosts; i++)
		for (size_t j = 0; j < hosts[i].n; j++) {
			const struct html_svc *r = s->recs[hosts[i].first + j];
			for (unsigned k = 0; k < r->n_findings; k++) {
				const struct html_finding *fd = &r->findings[k];
				size_t x = 0;
				while (x < n_rows && strcmp(rows[x].fd->id, fd->id) != 0)
					x++;
				if (x == n_rows) {
					if (n_rows == cap) {
						cap = cap ? cap * 2 : 16;
						struct fix_row *p = realloc(rows, cap * sizeof *p);
						if (!p)
							goto out;
						rows = p;
					}
					rows[n_rows++] = (struct fix_row){.fd = fd, .worst = -1,
									  .last_host = SIZE_MAX};
				}
				if ((int)fd->severity > rows[x].worst)
					rows[x].worst = (int)fd->severity;
				rows[x].services++;
				if (rows[x].last_host != i) {
					rows[x].hosts++;
					rows[x].last_host = i;
				}
			}
		}
	if (n_rows)
		qsort(rows, n_rows, sizeof *rows, fix_cmp);
	fputs("<section id=\"findings\">\n<h2>Findings and how to fix them</h2>\n", f);
	filter_box(f, "findings-table", "findings");
	fputs("<table id=\"findings-table\" class=\"sortable\">\n<thead><tr>"
	      "<th>Severity</th><th>Finding</th><th>Hosts</th><th>Services</th><th>Fix</th>"
	      "</tr></thead>\n<tbody>\n",
	      f);
	for (size_t x = 0; x < n_rows; x++) {
		fputs("<tr id=\"", f);
		fix_anchor(f, rows[x].fd->id);
		fputs("\">", f);
		struct html_finding shown = *rows[x].fd;
		shown.severity = (enum severity)rows[x].worst;
		finding_cells(f, &shown);
		char num[24];
		snprintf(num, sizeof num, "%u", rows[x].hosts);
		td(f, num);
		snprintf(num, sizeof num, "%u", rows[x].services);
		td(f, num);
		td(f, rows[x].fd->remediation ? rows[x].fd->remediation : "");
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	if (n_rows == 0)
		fputs("<p>No findings.</p>\n", f);
	fputs("</section>\n", f);
out:
	free(rows);
}

static void fact(FILE *f, const char *label, const char *value)
{
	if (!value || !value[0])
		return;
	fputs("<dt>", f);
	h(f, label);
	fputs("</dt><dd>", f);
	h(f, value);
	fputs("</dd>", f);
}

static void check_fact(FILE *f, const struct svc_record *r, const struct check_fact *fa)
{
	struct check_value v = {0};
	fa->get(r, &v);
	switch (v.kind) {
	case CV_TRI:
		fact(f, fa->label, tri_label(v.tri));
		break;
	case CV_VULN:
		fact(f, fa->label, vuln_name(v.vuln));
		break;
	case CV_TEXT:
		fact(f, fa->label, v.text);
		break;
	case CV_UNKNOWN:
		break;
	}
}

static void write_service(FILE *f, const struct svc_record *r)
{
	char buf[REC_STR * 2];
	fprintf(f, "<div class=\"svc\">\n<h4>Port %u/%s (%s)</h4>\n<dl>", (unsigned)r->port,
		report_proto(r),
		r->over_quic ? "SMB over QUIC" : r->udp ? "NetBIOS name service" : r->netbios ? "NetBIOS session service" : "SMB over TCP");
	fact(f, "NetBIOS name", report_host_name(r));
	fact(f, "Domain", report_domain(r));
	fact(f, "DNS name", r->ntlm.dns_computer);
	fact(f, "DNS domain", r->ntlm.dns_domain);
	osname_describe(r, buf, sizeof buf);
	fact(f, "OS", buf);
	fact(f, "SMB1 native OS", r->smb1.native_os);
	fact(f, "SMB1 native LAN manager", r->smb1.native_lanman);
	fact(f, "SMB1", tri_label(r->smb1.enabled));
	report_dialects(r, ", ", buf, sizeof buf);
	fact(f, "SMB2/3 dialects", buf);
	fact(f, "Signing", signing_label(report_signing(r)));
	/* each check's facts, only those it learned (unknown says nothing) */
	for (unsigned i = 0; i < RCHK_N; i++)
		CHECK_FOR_EACH_FACT(all_checks[i], fa)
			check_fact(f, r, fa);
	for (unsigned i = 0; i < r->n_errors && i < REC_MAX_ERRORS; i++) {
		snprintf(buf, sizeof buf, "%s: %s", r->errors[i].stage, r->errors[i].message);
		fact(f, "Error", buf);
	}
	fputs("</dl>\n", f);
	if (r->n_findings) {
		fputs("<table class=\"sortable\"><thead><tr><th>Severity</th><th>Finding (its fix: "
		      "click)</th><th>Evidence</th></tr></thead>\n<tbody>\n",
		      f);
		for (unsigned k = 0; k < r->n_findings && k < REC_MAX_FINDINGS; k++) {
			const struct rec_finding *fd = &r->findings[k];
			/* the finding links to its fix: the text is written once,
			 * in the findings table */
			fputs("<tr>", f);
			sev_td(f, (int)fd->severity);
			fputs("<td><a class=\"fid\" href=\"#", f);
			fix_anchor(f, fd->id);
			fputs("\">", f);
			h(f, fd->id);
			fputs("</a>", f);
			if (fd->title) {
				fputs("<br>", f);
				h(f, fd->title);
			}
			fputs("</td>", f);
			td(f, fd->evidence);
			fputs("</tr>\n", f);
		}
		fputs("</tbody></table>\n", f);
	} else {
		fputs("<p>No findings.</p>\n", f);
	}
	if (r->has_shares && r->n_shares) {
		fputs("<table class=\"sortable shares\"><thead><tr><th>Share</th><th>Type</th>"
		      "<th>Comment</th><th>Anonymous read</th></tr></thead>\n<tbody>\n",
		      f);
		for (unsigned k = 0; k < r->n_shares && k < REC_MAX_SHARES; k++) {
			const struct rec_share *sh = &r->shares[k];
			fputs("<tr>", f);
			td(f, sh->name);
			td(f, sh->type);
			td(f, sh->comment);
			td(f, tri_label(sh->anonymous_read));
			fputs("</tr>\n", f);
		}
		fputs("</tbody></table>\n", f);
	}
	fputs("</div>\n", f);
}

static void html_service(void *st, const struct svc_record *rec)
{
	struct html_state *s = st;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct html_svc **p = realloc(s->recs, cap * sizeof *p);
		if (!p)
			return; /* out of memory: this service is left out */
		s->recs = p;
		s->cap = cap;
	}
	struct html_svc *v = calloc(1, sizeof *v);
	if (!v)
		return;
	snprintf(v->ip, sizeof v->ip, "%s", rec->ip);
	v->port = rec->port;
	v->scanned_at = rec->scanned_at;
	snprintf(v->name, sizeof v->name, "%s", report_host_name(rec));
	snprintf(v->domain, sizeof v->domain, "%s", report_domain(rec));
	osname_describe(rec, v->os, sizeof v->os);
	v->smb1 = rec->smb1.enabled;
	v->signing = report_signing(rec);
	top_dialect(rec, v->top, sizeof v->top);
	for (unsigned i = 0; i < rec->n_findings && i < REC_MAX_FINDINGS; i++) {
		const struct rec_finding *fd = &rec->findings[i];
		struct html_finding *hf = &v->findings[v->n_findings++];
		snprintf(hf->id, sizeof hf->id, "%s", fd->id);
		hf->severity = fd->severity <= SEV_CRITICAL ? fd->severity : SEV_INFO;
		hf->title = fd->title;
		hf->remediation = fd->remediation;
	}
	size_t sz = 0;
	FILE *f = open_memstream(&v->detail, &sz);
	if (f) {
		write_service(f, rec);
		fclose(f);
	}
	s->recs[s->n++] = v;
}

static void write_details(FILE *f, const struct html_state *s, const struct html_host *hosts,
			  size_t n_hosts)
{
	fputs("<section id=\"details\">\n<h2>Hosts in detail</h2>\n", f);
	for (size_t i = 0; i < n_hosts; i++) {
		struct html_svc *const *rs = &s->recs[hosts[i].first];
		const char *name = host_field(rs, hosts[i].n, offsetof(struct html_svc, name));
		fprintf(f, "<article class=\"host\" id=\"host-%zu\">\n<h3>", i + 1);
		h(f, rs[0]->ip);
		if (name[0]) {
			fputs(" &mdash; ", f);
			h(f, name);
		}
		fprintf(f, " <span class=\"sev sev-%s\">", hosts[i].worst >= 0
				    ? severity_name((enum severity)hosts[i].worst) : "none");
		h(f, sev_label(hosts[i].worst));
		fputs("</span></h3>\n", f);
		for (size_t j = 0; j < hosts[i].n; j++)
			if (rs[j]->detail)
				fputs(rs[j]->detail, f);
		fputs("</article>\n", f);
	}
	if (n_hosts == 0)
		fputs("<p>No SMB service was found.</p>\n", f);
	fputs("</section>\n", f);
}

static void write_scripts(FILE *f)
{
	/* the CSP names these two scripts by hash: their bytes must be exactly
	 * the embedded ones, no whitespace added inside the elements */
	fputs("<script>", f);
	fwrite(html_asset_chartjs, 1, html_asset_chartjs_len, f);
	fputs("</script>\n<script>", f);
	fwrite(html_asset_js, 1, html_asset_js_len, f);
	fputs("</script>\n", f);
}

static void html_finish(void *st, const struct scan_summary *sum)
{
	struct html_state *s = st;
	FILE *f = s->out;
	if (s->n)
		qsort(s->recs, s->n, sizeof *s->recs, svc_cmp);
	struct html_host *hosts = calloc(s->n ? s->n : 1, sizeof *hosts);
	if (!hosts)
		return;
	struct counts c = {0};
	size_t n_hosts = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct html_svc *r = s->recs[i];
		if (i == 0 || strcmp(r->ip, s->recs[i - 1]->ip) != 0)
			hosts[n_hosts++] = (struct html_host){.first = i, .worst = -1};
		struct html_host *ho = &hosts[n_hosts - 1];
		ho->n++;
		for (unsigned k = 0; k < r->n_findings; k++) {
			ho->n_findings++;
			if ((int)r->findings[k].severity > ho->worst)
				ho->worst = (int)r->findings[k].severity;
		}
		count_service(&c, r);
	}
	c.hosts = n_hosts;
	cmp_recs = s->recs;
	qsort(hosts, n_hosts, sizeof *hosts, host_cmp);

	write_head(f);
	write_summary(f, s, &c, sum);
	write_charts(f, s, &c);
	write_hosts_table(f, s, hosts, n_hosts);
	write_findings_table(f, s, hosts, n_hosts);
	write_details(f, s, hosts, n_hosts);
	fputs("<footer><p class=\"meta\">Charts: Chart.js (MIT licence, notice in the script "
	      "below).</p></footer>\n",
	      f);
	write_scripts(f);
	fputs("</body>\n</html>\n", f);
	fflush(f);
	free(hosts);
}

static void html_close(void *st)
{
	struct html_state *s = st;
	for (size_t i = 0; i < s->n; i++) {
		free(s->recs[i]->detail);
		free(s->recs[i]);
	}
	free(s->recs);
	free(s->trend);
	free(s);
}

const struct report_ops report_html_ops = {
	.name = "html",
	.open = html_open,
	.run = html_run,
	.service = html_service,
	.finish = html_finish,
	.close = html_close,
};
