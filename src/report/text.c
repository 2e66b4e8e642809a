/* text.c - the default human-readable report.
 *
 * Services arrive in completion order; a reader wants them by host. So each
 * service is rendered to text at once (a few hundred bytes, not the 30 KB
 * record) and kept; report_finish() sorts by address and port and prints
 * one block per host, then a summary with the worst hosts first:
 *
 *   198.18.1.10  (LAB-SMB1, domain LAB, Samba / Windows 6.1 build 0)
 *     445/tcp   direct  SMB1 yes (NT LM 0.12, signing enabled)
 *                       SMB2 2.0.2 2.1 3.0 3.0.2 3.1.1 (signing enabled)
 *     findings: [high] SMB1_ENABLED: SMBv1 is enabled
 *
 * Lines wrap at 80 columns with a hanging indent. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "assess/osname.h"
#include "check/check.h"
#include "report/report_int.h"

#define TEXT_WIDTH 80
#define TEXT_FACT_COL 21 /* width of "  65535/tcp netbios  " */
#define TEXT_WORST_HOSTS 10
#define N_SEV 5

struct text_svc {
	uint8_t key[17]; /* family byte then address: sorts IPv4 before IPv6 */
	char ip[64];
	uint16_t port;
	char *header;    /* "(name, domain D, os)" or "" */
	char *body;      /* the rendered lines of this service */
	unsigned sev[N_SEV];
};

/* One remediation per finding id seen, printed once at the end. */
#define TEXT_MAX_FIXES 32
struct text_fix {
	char id[32];
	enum severity severity;
	const char *remediation;
	unsigned count;
};

struct text_state {
	FILE *out;
	struct text_svc *v;
	size_t n, cap;
	struct text_fix fixes[TEXT_MAX_FIXES];
	unsigned n_fixes;
};

static void note_fixes(struct text_state *s, const struct svc_record *rec)
{
	for (unsigned i = 0; i < rec->n_findings && i < REC_MAX_FINDINGS; i++) {
		const struct rec_finding *fd = &rec->findings[i];
		if (!fd->remediation || fd->severity == SEV_INFO)
			continue;
		unsigned k = 0;
		while (k < s->n_fixes && strcmp(s->fixes[k].id, fd->id) != 0)
			k++;
		if (k == s->n_fixes) {
			if (s->n_fixes == TEXT_MAX_FIXES)
				continue;
			s->n_fixes++;
			record_set_str(s->fixes[k].id, sizeof s->fixes[k].id, fd->id);
			s->fixes[k].severity = fd->severity;
			s->fixes[k].remediation = fd->remediation;
		}
		s->fixes[k].count++;
	}
}

static int fix_cmp(const void *a, const void *b)
{
	const struct text_fix *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Word-wrapping writer: words go on the current line while they fit,
 * else on a new line indented by cont. */
struct tw {
	FILE *f;
	unsigned col, line_start, cont;
};

static void tw_word(struct tw *w, const char *word, size_t len)
{
	if (w->col > w->line_start && w->col + 1 + len > TEXT_WIDTH) {
		fprintf(w->f, "\n%*s", (int)w->cont, "");
		w->col = w->line_start = w->cont;
	} else if (w->col > w->line_start) {
		fputc(' ', w->f);
		w->col++;
	}
	fwrite(word, 1, len, w->f);
	w->col += (unsigned)len;
}

/* Inside a fact, NBSP joins words that must stay on one line ("time"
 * and its date); it prints as a space. */
#define NBSP CHECK_NBSP

/* One fact: the cursor is already at column `at`; words of text wrap.
 * Control bytes from hostile strings print as '?' (NBSP as a space). */
static void tw_fact(FILE *f, unsigned at, const char *text)
{
	struct tw w = { f, at, at, at + 2 };
	char clean[1024];
	size_t i;
	for (i = 0; text[i] && i < sizeof clean - 1; i++) {
		unsigned char c = (unsigned char)text[i];
		clean[i] = c == 0x1f ? ' ' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		if (c == ' ')
			clean[i] = '\n'; /* break point */
	}
	clean[i] = '\0';
	for (const char *p = clean; *p;) {
		while (*p == '\n')
			p++;
		size_t n = strcspn(p, "\n");
		if (n)
			tw_word(&w, p, n);
		p += n;
	}
	fputc('\n', f);
}

static void *text_open(FILE *out)
{
	struct text_state *s = calloc(1, sizeof *s);
	if (s)
		s->out = out;
	return s;
}

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

/* Append formatted text to buf; cut (never overflow) when full, which
 * only shortens a display line. */
static void appendf(char *buf, size_t sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t sz, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;
	if (len + 1 >= sz)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, sz - len, fmt, ap);
	va_end(ap);
}

/* Append ", " (unless first) and text to buf. */
static void join(char *buf, size_t sz, const char *text)
{
	if (text[0])
		appendf(buf, sz, "%s%s", buf[0] ? ", " : "", text);
}

static char *render_header(const struct svc_record *r)
{
	char h[1024] = "", tmp[REC_STR + 16];

	join(h, sizeof h, report_host_name(r));
	if (report_domain(r)[0]) {
		snprintf(tmp, sizeof tmp, "domain %s", report_domain(r));
		join(h, sizeof h, tmp);
	}
	/* one readable OS: Samba version from NativeLanMan, Windows release
	 * from the NTLM build (assess/osname.c) */
	char os[REC_STR + 80];
	osname_describe(r, os, sizeof os);
	join(h, sizeof h, os);
	char out[1100] = "";
	if (h[0]) {
		char clean[1024];
		report_clean(h, clean, sizeof clean);
		snprintf(out, sizeof out, "(%s)", clean);
	}
	return strdup(out);
}

static const char *yes_no(enum tri t)
{
	return t == TRI_YES ? "yes" : "no";
}

/* Space-separated names of the set bits of caps. */
static void cap_names(uint32_t caps, char *out, size_t sz)
{
	out[0] = '\0';
	for (unsigned b = 0; b < 32; b++) {
		uint32_t bit = (uint32_t)1 << b;
		if (!(caps & bit))
			continue;
		const char *n = rec_smb2_cap_name(bit);
		char hex[16];
		if (!n) {
			snprintf(hex, sizeof hex, "0x%x", (unsigned)bit);
			n = hex;
		}
		size_t len = strlen(out);
		snprintf(out + len, sz - len, "%s%s", len ? " " : "", n);
	}
}

static void id_names(const uint16_t *ids, unsigned n, const char *(*fn)(uint16_t), char *out,
		     size_t sz)
{
	out[0] = '\0';
	for (unsigned i = 0; i < n && i < REC_MAX_ALGS; i++) {
		const char *nm = fn(ids[i]);
		size_t len = strlen(out);
		if (nm)
			snprintf(out + len, sz - len, "%s%s", len ? " " : "", nm);
		else
			snprintf(out + len, sz - len, "%s0x%04x", len ? " " : "", (unsigned)ids[i]);
	}
}

/* Fact lines of one service, in reading order; the first goes right after
 * the port column, the others under it. */
static void service_facts(const struct svc_record *r, FILE *f, bool *first)
{
	char fact[2048], a[512], b[512];
#define EMIT()                                                                   \
	do {                                                                     \
		if (!*first)                                                     \
			fprintf(f, "%*s", TEXT_FACT_COL, "");                \
		*first = false;                                                  \
		tw_fact(f, TEXT_FACT_COL, fact);                             \
	} while (0)

	if (r->smb1.enabled != TRI_UNKNOWN) {
		a[0] = '\0';
		join(a, sizeof a, r->smb1.dialect);
		if (signing_name(r->smb1.signing)) {
			snprintf(b, sizeof b, "signing %s", signing_name(r->smb1.signing));
			join(a, sizeof a, b);
		}
		snprintf(fact, sizeof fact, "SMB1 %s%s%s%s", yes_no(r->smb1.enabled),
			 a[0] ? " (" : "", a, a[0] ? ")" : "");
		EMIT();
		if (r->smb1.native_os[0] || r->smb1.native_lanman[0]) {
			fact[0] = '\0';
			if (r->smb1.native_os[0]) {
				snprintf(b, sizeof b, "native os %s", r->smb1.native_os);
				join(fact, sizeof fact, b);
			}
			if (r->smb1.native_lanman[0]) {
				snprintf(b, sizeof b, "lanman %s", r->smb1.native_lanman);
				join(fact, sizeof fact, b);
			}
			EMIT();
		}
	}
	if (r->smb2.present) {
		const struct rec_smb2 *s = &r->smb2;
		report_dialects(r, " ", a, sizeof a);
		snprintf(fact, sizeof fact, "SMB2 %s", a[0] ? a : "(no dialect)");
		if (signing_name(s->signing)) {
			size_t len = strlen(fact);
			snprintf(fact + len, sizeof fact - len, " (signing %s)", signing_name(s->signing));
		}
		EMIT();
		fact[0] = '\0';
		for (int i = 0; i < 16; i++) {
			if (s->server_guid[i]) {
				guid_to_string(s->server_guid, a, sizeof a);
				snprintf(b, sizeof b, "guid" NBSP "%s", a);
				join(fact, sizeof fact, b);
				break;
			}
		}
		filetime_to_rfc3339(s->system_time, a, sizeof a);
		if (a[0]) {
			snprintf(b, sizeof b, "time" NBSP "%s", a);
			join(fact, sizeof fact, b);
		}
		filetime_to_rfc3339(s->boot_time, a, sizeof a);
		if (a[0]) {
			snprintf(b, sizeof b, "boot" NBSP "%s", a);
			join(fact, sizeof fact, b);
		}
		if (fact[0])
			EMIT();
		if (s->capabilities) {
			cap_names(s->capabilities, a, sizeof a);
			snprintf(fact, sizeof fact, "capabilities %s", a);
			EMIT();
		}
		if (s->has_contexts) {
			id_names(s->ciphers, s->n_ciphers, rec_cipher_name, a, sizeof a);
			snprintf(fact, sizeof fact, "ciphers %s", a[0] ? a : "none");
			id_names(s->signing_algs, s->n_signing_algs, rec_signing_alg_name, a, sizeof a);
			if (a[0]) {
				snprintf(b, sizeof b, "signing algorithms %s", a);
				join(fact, sizeof fact, b);
			}
			id_names(s->compression, s->n_compression, rec_compression_name, a, sizeof a);
			if (a[0]) {
				snprintf(b, sizeof b, "compression %s", a);
				join(fact, sizeof fact, b);
			}
			EMIT();
		}
	}
	if (r->ntlm.present && (r->ntlm.dns_computer[0] || r->ntlm.dns_domain[0])) {
		fact[0] = '\0';
		if (r->ntlm.dns_computer[0]) {
			snprintf(b, sizeof b, "dns" NBSP "%s", r->ntlm.dns_computer);
			join(fact, sizeof fact, b);
		}
		if (r->ntlm.dns_domain[0]) {
			snprintf(b, sizeof b, "dns" NBSP "domain" NBSP "%s", r->ntlm.dns_domain);
			join(fact, sizeof fact, b);
		}
		EMIT();
	}
	/* each check's words, one line per text group, in table order */
	unsigned done_groups = 0;
	for (unsigned i = 0; i < RCHK_N; i++) {
		enum check_text_group g = all_checks[i]->text_group;
		if (done_groups & (1u << g))
			continue;
		done_groups |= 1u << g;
		fact[0] = '\0';
		for (unsigned k = i; k < RCHK_N; k++)
			if (all_checks[k]->text_group == g)
				all_checks[k]->to_text(r, fact, sizeof fact);
		if (fact[0])
			EMIT();
	}
	for (unsigned i = 0; i < r->n_errors && i < REC_MAX_ERRORS; i++) {
		snprintf(fact, sizeof fact, "error %s: %s", r->errors[i].stage, r->errors[i].message);
		EMIT();
	}
	if (*first) {
		snprintf(fact, sizeof fact, "SMB (no details)");
		EMIT();
	}
#undef EMIT
}

static char *render_body(const struct svc_record *r, unsigned sev[N_SEV])
{
	char *mem = NULL;
	size_t memsz = 0;
	FILE *f = open_memstream(&mem, &memsz);
	if (!f)
		return NULL;
	char port[16];
	snprintf(port, sizeof port, "%u/%s", (unsigned)r->port, report_proto(r));
	fprintf(f, "  %-10s%-9s", port, report_transport(r));
	bool first = true;
	service_facts(r, f, &first);
	for (unsigned i = 0; i < r->n_findings && i < REC_MAX_FINDINGS; i++) {
		const struct rec_finding *fd = &r->findings[i];
		char fact[512];
		if ((unsigned)fd->severity < N_SEV)
			sev[fd->severity]++;
		fprintf(f, "  %-10s", i ? "" : "findings:");
		snprintf(fact, sizeof fact, "[%s] %s%s%s", severity_name(fd->severity), fd->id,
			 fd->title ? ": " : "", fd->title ? fd->title : "");
		tw_fact(f, 12, fact);
	}
	fclose(f);
	return mem;
}

static void text_service(void *st, const struct svc_record *rec)
{
	struct text_state *s = st;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct text_svc *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return; /* the service is lost from the text view only */
		s->v = v;
		s->cap = cap;
	}
	struct text_svc *e = &s->v[s->n];
	memset(e, 0, sizeof *e);
	addr_key(rec->ip, e->key);
	record_set_str(e->ip, sizeof e->ip, rec->ip);
	e->port = rec->port;
	note_fixes(s, rec);
	e->header = render_header(rec);
	e->body = render_body(rec, e->sev);
	if (!e->header || !e->body) {
		free(e->header);
		free(e->body);
		return;
	}
	s->n++;
}

static int svc_cmp(const void *a, const void *b)
{
	const struct text_svc *x = a, *y = b;
	int c = memcmp(x->key, y->key, sizeof x->key);
	if (c == 0)
		c = strcmp(x->ip, y->ip);
	if (c == 0)
		c = (int)x->port - (int)y->port;
	return c;
}

struct text_host {
	const char *ip;
	size_t order; /* address order, the tie-break */
	unsigned sev[N_SEV];
};

/* Worse first: more critical, then more high, ... */
static int host_cmp(const void *a, const void *b)
{
	const struct text_host *x = a, *y = b;
	for (int i = N_SEV - 1; i >= 0; i--)
		if (x->sev[i] != y->sev[i])
			return x->sev[i] > y->sev[i] ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* "1 critical, 2 high" (highest first); "" when all are zero. */
static void sev_counts(const unsigned sev[N_SEV], char *out, size_t sz)
{
	char b[32];
	out[0] = '\0';
	for (int i = N_SEV - 1; i >= 0; i--) {
		if (!sev[i])
			continue;
		snprintf(b, sizeof b, "%u %s", sev[i], severity_name((enum severity)i));
		join(out, sz, b);
	}
}

static void text_finish(void *st, const struct scan_summary *sum)
{
	struct text_state *s = st;
	FILE *f = s->out;
	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, svc_cmp);
	struct text_host *hosts = calloc(s->n ? s->n : 1, sizeof *hosts);
	size_t nh = 0;
	unsigned total[N_SEV] = { 0 };

	for (size_t i = 0; i < s->n;) {
		size_t j = i;
		const char *header = "";
		while (j < s->n && strcmp(s->v[j].ip, s->v[i].ip) == 0) {
			if (!header[0])
				header = s->v[j].header;
			j++;
		}
		fprintf(f, "%s%s%s\n", s->v[i].ip, header[0] ? "  " : "", header);
		struct text_host *h = hosts ? &hosts[nh++] : NULL;
		if (h) {
			h->ip = s->v[i].ip;
			h->order = nh;
		}
		for (size_t k = i; k < j; k++) {
			fputs(s->v[k].body, f);
			for (int x = 0; x < N_SEV; x++) {
				total[x] += s->v[k].sev[x];
				if (h)
					h->sev[x] += s->v[k].sev[x];
			}
		}
		fputc('\n', f);
		i = j;
	}
	if (s->n == 0)
		fputs("No SMB services found.\n\n", f);

	char b[256];
	if (sum) {
		char what[96];
		summary_services_text(sum, what, sizeof what);
		fprintf(f, "Summary: %s on %zu host%s in %.1f s\n", what, nh, nh == 1 ? "" : "s",
			sum->seconds);
		report_targets_line(f, sum, "");
	}
	sev_counts(total, b, sizeof b);
	if (b[0] && hosts) {
		fprintf(f, "Findings: %s\n", b);
		qsort(hosts, nh, sizeof *hosts, host_cmp);
		fputs("Worst hosts:\n", f);
		for (size_t i = 0; i < nh && i < TEXT_WORST_HOSTS; i++) {
			sev_counts(hosts[i].sev, b, sizeof b);
			if (!b[0])
				break;
			fprintf(f, "  %-15s  %s\n", hosts[i].ip, b);
		}
	}
	free(hosts);
	if (s->n_fixes) {
		qsort(s->fixes, s->n_fixes, sizeof s->fixes[0], fix_cmp);
		fputs("What to do:\n", f);
		for (unsigned i = 0; i < s->n_fixes; i++) {
			char fact[1024];
			snprintf(fact, sizeof fact, "%s (%u service%s): %s", s->fixes[i].id,
				 s->fixes[i].count, s->fixes[i].count == 1 ? "" : "s",
				 s->fixes[i].remediation);
			fputs("  ", f);
			tw_fact(f, 4, fact);
		}
	}
	fflush(f);
}

static void text_close(void *st)
{
	struct text_state *s = st;
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].header);
		free(s->v[i].body);
	}
	free(s->v);
	free(s);
}

const struct report_ops report_text_ops = {
	.name = "text",
	.open = text_open,
	.service = text_service,
	.finish = text_finish,
	.close = text_close,
};
