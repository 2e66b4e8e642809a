/* parse.c - the policy file's text -> struct policy; see policy.h and
 * docs/policy.md for the format. Every error names FILE:LINE; parsing goes
 * on after one, so `policy check` lists them all at once. */
#include "policy/policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char *const key_names[POLICY_KEY_N] = {
	[POLICY_SMB] = "smb",
	[POLICY_SMB1] = "smb1",
	[POLICY_SIGNING] = "signing",
	[POLICY_NULL_SESSION] = "null_session",
	[POLICY_GUEST] = "guest",
	[POLICY_ANONYMOUS_SHARES] = "anonymous_shares",
};

const char *policy_key_name(enum policy_key k)
{
	return (unsigned)k < POLICY_KEY_N ? key_names[k] : "?";
}

const char *policy_value_name(enum policy_value v)
{
	switch (v) {
	case PV_ALLOW: return "allow";
	case PV_DENY: return "deny";
	case PV_REQUIRED: return "required";
	case PV_OPTIONAL: return "optional";
	case PV_UNSET: break;
	}
	return "unset";
}

struct parser {
	struct policy *p;
	struct policy_diag *d;
	struct policy_section *cur; /* NULL before the first [section] */
	bool bad_header;            /* cur is NULL because its header was refused */
	unsigned line;
};

static void error(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void error(struct parser *ps, const char *fmt, ...)
{
	if (ps->d->n < POLICY_MAX_ERRORS) {
		char what[160];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof what, fmt, ap);
		va_end(ap);
		snprintf(ps->d->msg[ps->d->n], sizeof ps->d->msg[0], "%.100s:%u: %.90s", ps->p->file,
			 ps->line, what);
	}
	ps->d->n++;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* s[0..*len) without the blanks around it. */
static const char *trim(const char *s, size_t *len)
{
	while (*len && is_space(*s)) {
		s++;
		(*len)--;
	}
	while (*len && is_space(s[*len - 1]))
		(*len)--;
	return s;
}

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || n >= POLICY_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static struct policy_section *find_section(struct policy *p, enum policy_section_kind kind,
					   const char *name)
{
	for (unsigned i = 0; i < p->n_sections; i++)
		if (p->sections[i].kind == kind && strcmp(p->sections[i].name, name) == 0)
			return &p->sections[i];
	return NULL;
}

/* "[external]", "[default]", "[segment NAME]": s is what is between the brackets. */
static void section_header(struct parser *ps, const char *s, size_t n)
{
	/* until this header is good, keys below it go nowhere (and are not
	 * reported again: the header's error says it) */
	ps->cur = NULL;
	ps->bad_header = true;
	s = trim(s, &n);
	enum policy_section_kind kind;
	char name[POLICY_NAME_MAX] = "";
	if (n == 8 && memcmp(s, "external", 8) == 0)
		kind = PSEC_EXTERNAL;
	else if (n == 7 && memcmp(s, "default", 7) == 0)
		kind = PSEC_DEFAULT;
	else if (n > 8 && memcmp(s, "segment", 7) == 0 && is_space(s[7])) {
		size_t nn = n - 8;
		const char *nm = trim(s + 8, &nn);
		if (!valid_name(nm, nn)) {
			error(ps, "bad segment name '%.*s': 1-31 letters, digits, '_', '-', '.'",
			      (int)(nn > 40 ? 40 : nn), nm);
			return;
		}
		kind = PSEC_SEGMENT;
		memcpy(name, nm, nn);
		name[nn] = '\0';
	} else {
		error(ps, "unknown section '[%.*s]': [external], [default] or [segment NAME]",
		      (int)(n > 40 ? 40 : n), s);
		return;
	}
	const struct policy_section *dup = find_section(ps->p, kind, name);
	if (dup) {
		if (kind == PSEC_SEGMENT)
			error(ps, "duplicate segment '%s' (first at line %u)", name, dup->line);
		else
			error(ps, "duplicate section [%s] (first at line %u)",
			      kind == PSEC_EXTERNAL ? "external" : "default", dup->line);
		return;
	}
	if (ps->p->n_sections == POLICY_MAX_SECTIONS) {
		error(ps, "more than %d sections", POLICY_MAX_SECTIONS);
		return;
	}
	struct policy_section *sec = &ps->p->sections[ps->p->n_sections++];
	memset(sec, 0, sizeof *sec);
	sec->kind = kind;
	sec->line = ps->line;
	memcpy(sec->name, name, sizeof sec->name);
	ps->cur = sec;
	ps->bad_header = false;
}

static bool same_cidr(const struct policy_cidr *a, const struct policy_cidr *b)
{
	return a->family == b->family && a->bits == b->bits && memcmp(a->addr, b->addr, 16) == 0;
}

static void add_cidr(struct parser *ps, const char *v)
{
	struct policy_section *sec = ps->cur;
	if (sec->kind != PSEC_SEGMENT) {
		error(ps, "cidr belongs in a [segment NAME] section");
		return;
	}
	struct policy_cidr c;
	const char *why = NULL;
	if (policy_cidr_parse(v, &c, &why) != 0) {
		error(ps, "bad cidr '%.60s': %s", v, why);
		return;
	}
	c.line = ps->line;
	for (unsigned i = 0; i < ps->p->n_sections; i++) {
		const struct policy_section *o = &ps->p->sections[i];
		for (unsigned k = 0; k < o->n_cidrs; k++)
			if (same_cidr(&o->cidrs[k], &c)) {
				error(ps, "cidr %.60s is already in [segment %s] (line %u)", v, o->name,
				      o->cidrs[k].line);
				return;
			}
	}
	if (sec->n_cidrs == POLICY_MAX_CIDRS) {
		error(ps, "more than %d cidrs in one segment", POLICY_MAX_CIDRS);
		return;
	}
	sec->cidrs[sec->n_cidrs++] = c;
}

/* The values each key takes. */
static enum policy_value parse_value(enum policy_key k, const char *v)
{
	if (k == POLICY_SIGNING) {
		if (strcmp(v, "required") == 0)
			return PV_REQUIRED;
		if (strcmp(v, "optional") == 0)
			return PV_OPTIONAL;
		return PV_UNSET;
	}
	if (strcmp(v, "allow") == 0)
		return PV_ALLOW;
	if (strcmp(v, "deny") == 0)
		return PV_DENY;
	return PV_UNSET;
}

static void key_value(struct parser *ps, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	if (!eq) {
		error(ps, "expected 'key = value', a [section], or a comment (# or ;)");
		return;
	}
	size_t kn = (size_t)(eq - s), vn = n - kn - 1;
	const char *k = trim(s, &kn), *vs = trim(eq + 1, &vn);
	char key[40], val[POLICY_MAX_LINE];
	if (kn == 0 || kn >= sizeof key) {
		error(ps, "missing or overlong key before '='");
		return;
	}
	memcpy(key, k, kn);
	key[kn] = '\0';
	memcpy(val, vs, vn);
	val[vn] = '\0';
	if (!ps->cur) {
		if (!ps->bad_header)
			error(ps, "'%s' outside a section: start with [default], [external] or "
				  "[segment NAME]",
			      key);
		return;
	}
	if (strcmp(key, "cidr") == 0) {
		add_cidr(ps, val);
		return;
	}
	enum policy_key pk = POLICY_KEY_N;
	for (unsigned i = 0; i < POLICY_KEY_N; i++)
		if (strcmp(key, key_names[i]) == 0)
			pk = (enum policy_key)i;
	if (pk == POLICY_KEY_N) {
		error(ps, "unknown key '%s' (cidr, smb, smb1, signing, null_session, guest, "
			  "anonymous_shares)",
		      key);
		return;
	}
	enum policy_value pv = parse_value(pk, val);
	if (pv == PV_UNSET) {
		error(ps, "unknown value '%.60s' for %s: %s", val, key,
		      pk == POLICY_SIGNING ? "required or optional" : "allow or deny");
		return;
	}
	struct policy_rule *r = &ps->cur->rules[pk];
	if (r->value != PV_UNSET) {
		error(ps, "%s set twice in this section (first at line %u)", key, r->line);
		return;
	}
	r->value = pv;
	r->line = ps->line;
}

static void parse_line(struct parser *ps, const char *s, size_t n)
{
	s = trim(s, &n);
	if (n == 0 || s[0] == '#' || s[0] == ';')
		return;
	if (n >= POLICY_MAX_LINE) {
		error(ps, "line longer than %d characters", POLICY_MAX_LINE - 1);
		return;
	}
	if (memchr(s, '\0', n)) {
		error(ps, "NUL byte in the line");
		return;
	}
	if (s[0] == '[') {
		if (s[n - 1] != ']') {
			ps->cur = NULL;
			ps->bad_header = true;
			error(ps, "section header without its closing ']'");
			return;
		}
		section_header(ps, s + 1, n - 2);
		return;
	}
	key_value(ps, s, n);
}

/* What the whole file must hold, checked after its last line. */
static void check_whole(struct parser *ps)
{
	for (unsigned i = 0; i < ps->p->n_sections; i++) {
		const struct policy_section *sec = &ps->p->sections[i];
		if (sec->kind == PSEC_SEGMENT && sec->n_cidrs == 0) {
			ps->line = sec->line;
			error(ps, "segment '%s' has no cidr", sec->name);
		}
	}
}

struct policy *policy_parse(const char *file, const char *text, size_t len, struct policy_diag *d)
{
	memset(d, 0, sizeof *d);
	struct policy *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	snprintf(p->file, sizeof p->file, "%s", file ? file : "policy");
	struct parser ps = {.p = p, .d = d};
	size_t at = 0;
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
		ps.line++;
		parse_line(&ps, text + at, n);
		at += n + (nl ? 1 : 0);
	}
	check_whole(&ps);
	if (d->n) {
		free(p);
		return NULL;
	}
	return p;
}

struct policy *policy_load(const char *path, struct policy_diag *d)
{
	memset(d, 0, sizeof *d);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(d->msg[0], sizeof d->msg[0], "%s: %s", path, strerror(errno));
		d->n = 1;
		return NULL;
	}
	/* a policy is a page or two: 1 MiB is far beyond any real one */
	size_t cap = 1u << 20, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	len = fread(buf, 1, cap, f);
	bool too_big = len == cap && fgetc(f) != EOF;
	bool failed = ferror(f);
	fclose(f);
	if (too_big || failed) {
		snprintf(d->msg[0], sizeof d->msg[0], "%s: %s", path,
			 too_big ? "larger than 1 MiB" : "read error");
		d->n = 1;
		free(buf);
		return NULL;
	}
	struct policy *p = policy_parse(path, buf, len, d);
	free(buf);
	return p;
}

void policy_free(struct policy *p)
{
	free(p);
}
