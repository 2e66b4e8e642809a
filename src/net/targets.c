/* targets.c - target sets as sorted lists of address ranges.
 *
 * IPv4 and IPv6 ranges share one representation: a 128-bit [first, last]
 * pair (IPv4 lives in the low 32 bits). One range code path for both
 * families costs 24 extra bytes per IPv4 range and removes a whole copy of
 * the merge/subtract/index logic, which is where the bugs would hide.
 * Nothing is ever stored per address: a /8 is one range. After finalize,
 * each family's ranges are sorted, disjoint and non-adjacent, and cum[]
 * holds the number of addresses before each range so targets_get() is a
 * binary search. */
#include "net/targets.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/u128.h"

/* Longest spec we accept; a host name is at most 253 characters, an IPv6
 * range about 80, so anything longer is garbage (and keeps the stack copy
 * below bounded). */
#define TARGETS_SPEC_MAX 512
/* A name may resolve to many addresses; more than this is not a host. */
#define TARGETS_MAX_RESOLVED 256

struct trange {
	struct u128 first, last;
};

struct rlist {
	struct trange *r;
	size_t n, cap;
};

struct target_set {
	struct rlist inc[2]; /* [0] IPv4, [1] IPv6 */
	struct rlist exc[2];
	uint64_t *cum[2];    /* cumulative counts, valid when finalized */
	uint64_t total[2];   /* saturating */
	bool finalized;
	bool resolve;
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Addresses in a range, saturating at UINT64_MAX (an IPv6 /64 already
 * holds 2^64). */
static uint64_t range_count(const struct trange *r)
{
	struct u128 d = u128_sub(r->last, r->first);
	if (d.hi != 0 || d.lo == UINT64_MAX)
		return UINT64_MAX;
	return d.lo + 1;
}

static void rlist_push(struct rlist *l, struct u128 first, struct u128 last)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct trange *p = realloc(l->r, cap * sizeof *p);
		if (!p) {
			/* out of memory is fatal by house rule (style 8.4) */
			fputs("smbwatch: out of memory\n", stderr);
			abort();
		}
		l->r = p;
		l->cap = cap;
	}
	l->r[l->n].first = first;
	l->r[l->n].last = last;
	l->n++;
}

static int range_cmp(const void *a, const void *b)
{
	const struct trange *x = a, *y = b;
	int c = u128_cmp(x->first, y->first);
	return c ? c : u128_cmp(x->last, y->last);
}

/* Sort and merge overlapping or adjacent ranges in place. */
static void rlist_normalize(struct rlist *l)
{
	if (l->n < 2)
		return;
	qsort(l->r, l->n, sizeof *l->r, range_cmp);
	size_t w = 0;
	for (size_t i = 1; i < l->n; i++) {
		struct trange *cur = &l->r[w];
		const struct trange *nx = &l->r[i];
		/* adjacent counts as overlapping: [1,5]+[6,9] is [1,9] */
		bool touch = u128_is_max(cur->last) ||
			     u128_cmp(nx->first, u128_inc(cur->last)) <= 0;
		if (touch) {
			if (u128_cmp(nx->last, cur->last) > 0)
				cur->last = nx->last;
		} else {
			l->r[++w] = *nx;
		}
	}
	l->n = w + 1;
}

/* inc minus exc; both normalized. The result is normalized too. */
static void rlist_subtract(struct rlist *inc, const struct rlist *exc)
{
	struct rlist out = { 0 };
	size_t j = 0;
	for (size_t i = 0; i < inc->n; i++) {
		struct u128 cur = inc->r[i].first, end = inc->r[i].last;
		bool done = false;
		/* includes are sorted and disjoint, so an exclude that ends
		 * before this include also ends before every later one */
		while (j < exc->n && u128_cmp(exc->r[j].last, cur) < 0)
			j++;
		while (j < exc->n && u128_cmp(exc->r[j].first, end) <= 0) {
			const struct trange *e = &exc->r[j];
			if (u128_cmp(e->first, cur) > 0)
				rlist_push(&out, cur, u128_dec(e->first));
			if (u128_cmp(e->last, end) >= 0) {
				/* keep j: e may cover the next include too */
				done = true;
				break;
			}
			cur = u128_inc(e->last);
			j++;
		}
		if (!done)
			rlist_push(&out, cur, end);
	}
	free(inc->r);
	*inc = out;
}

struct target_set *targets_new(void)
{
	struct target_set *t = calloc(1, sizeof *t);
	if (!t) {
		fputs("smbwatch: out of memory\n", stderr);
		abort();
	}
	t->resolve = true;
	return t;
}

void targets_free(struct target_set *t)
{
	if (!t)
		return;
	for (int f = 0; f < 2; f++) {
		free(t->inc[f].r);
		free(t->exc[f].r);
		free(t->cum[f]);
	}
	free(t);
}

void targets_set_resolve(struct target_set *t, bool on)
{
	t->resolve = on;
}

static struct u128 v4_to_u128(const struct in_addr *a)
{
	const uint8_t *b = (const uint8_t *)&a->s_addr;
	struct u128 v = { 0, (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 |
				     (uint64_t)b[2] << 8 | b[3] };
	return v;
}

static struct u128 v6_to_u128(const struct in6_addr *a)
{
	struct u128 v = { 0, 0 };
	for (int i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | a->s6_addr[i];
		v.lo = v.lo << 8 | a->s6_addr[8 + i];
	}
	return v;
}

/* Parse a plain address: 0 = IPv4, 1 = IPv6, -1 = neither. */
static int parse_addr(const char *s, struct u128 *out)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		*out = v4_to_u128(&a4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		*out = v6_to_u128(&a6);
		return 1;
	}
	return -1;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* RFC 1123 host name syntax (plus '_', seen in real zones): labels of
 * 1-63 characters, at most 253 in all, one optional trailing dot. A last
 * label of digits only is an address typo ("198.18.1.256"), not a name;
 * rejecting it here keeps garbage away from the resolver. */
static bool valid_hostname(const char *s)
{
	size_t len = strlen(s);
	if (len && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	size_t lab = 0;
	bool lab_digits = true;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (lab == 0)
				return false;
			lab = 0;
			lab_digits = true;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (!isdigit(c))
			lab_digits = false;
		if (++lab > 63)
			return false;
	}
	return lab > 0 && !lab_digits;
}

static void add_range(struct target_set *t, bool exclude, int fam, struct u128 a, struct u128 b)
{
	rlist_push(exclude ? &t->exc[fam] : &t->inc[fam], a, b);
	t->finalized = false;
}

static int bad(char *err, size_t errsz, const char *spec, const char *why)
{
	snprintf(err, errsz, "bad target '%s': %s", spec, why);
	return -1;
}

static const char not_target[] = "not an address, range, CIDR or resolvable name";

static int add_cidr(struct target_set *t, bool exclude, const char *spec, char *s, char *slash,
		    char *err, size_t errsz)
{
	*slash = '\0';
	const char *pfx = slash + 1;
	struct u128 a;
	int fam = parse_addr(s, &a);
	if (fam < 0)
		return bad(err, errsz, spec, not_target);
	unsigned maxp = fam == 0 ? 32 : 128;
	unsigned long p = all_digits(pfx) && strlen(pfx) <= 3 ? strtoul(pfx, NULL, 10) : 999;
	if (p > maxp)
		return bad(err, errsz, spec,
			   fam == 0 ? "prefix length must be 0-32" : "prefix length must be 0-128");
	/* host bits may be set ("198.18.1.7/24"): scan the whole network,
	 * as nmap does */
	unsigned host = maxp - (unsigned)p;
	struct u128 mask = { 0, 0 }; /* host-bit mask */
	if (host >= 128) {
		mask.hi = mask.lo = UINT64_MAX;
	} else if (host >= 64) {
		mask.lo = UINT64_MAX;
		mask.hi = host == 64 ? 0 : (UINT64_MAX >> (128 - host));
	} else if (host > 0) {
		mask.lo = UINT64_MAX >> (64 - host);
	}
	struct u128 first = { a.hi & ~mask.hi, a.lo & ~mask.lo };
	struct u128 last = { a.hi | mask.hi, a.lo | mask.lo };
	if (fam == 0) {
		/* IPv4 lives in the low 32 bits only */
		first.hi = last.hi = 0;
		first.lo &= 0xffffffffu;
		last.lo &= 0xffffffffu;
	}
	add_range(t, exclude, fam, first, last);
	return 0;
}

/* "A-B": B is a full address of the same family, or (IPv4) a last octet.
 * Returns 1 when s is not a range at all (left side not an address), so
 * the caller can try it as a host name ("my-host"). */
static int add_dash(struct target_set *t, bool exclude, const char *spec, char *s, char *dash,
		    char *err, size_t errsz)
{
	*dash = '\0';
	const char *rhs = dash + 1;
	struct u128 a, b;
	int fam = parse_addr(s, &a);
	if (fam < 0) {
		*dash = '-';
		return 1;
	}
	if (fam == 0 && all_digits(rhs)) {
		unsigned long o = strlen(rhs) <= 3 ? strtoul(rhs, NULL, 10) : 999;
		if (o > 255)
			return bad(err, errsz, spec, "range end must be 0-255");
		b.hi = 0;
		b.lo = (a.lo & 0xffffff00u) | o;
	} else if (parse_addr(rhs, &b) != fam) {
		return bad(err, errsz, spec, "range end is not an address of the same family");
	}
	if (u128_cmp(b, a) < 0)
		return bad(err, errsz, spec, "range end is before its start");
	add_range(t, exclude, fam, a, b);
	return 0;
}

static int add_name(struct target_set *t, bool exclude, const char *spec, const char *s,
		    char *err, size_t errsz)
{
	if (!valid_hostname(s))
		return bad(err, errsz, spec, not_target);
	if (!t->resolve)
		return bad(err, errsz, spec, "name resolution is disabled");
	struct addrinfo hints = { 0 }, *res = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM; /* one entry per address, not per socktype */
	int rc = getaddrinfo(s, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(err, errsz, "bad target '%s': cannot resolve name (%s)", spec,
			 gai_strerror(rc));
		return -1;
	}
	unsigned n = 0;
	for (struct addrinfo *ai = res; ai && n < TARGETS_MAX_RESOLVED; ai = ai->ai_next) {
		struct u128 v;
		if (ai->ai_family == AF_INET) {
			v = v4_to_u128(&((const struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr);
			add_range(t, exclude, 0, v, v);
			n++;
		} else if (ai->ai_family == AF_INET6) {
			v = v6_to_u128(&((const struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr);
			add_range(t, exclude, 1, v, v);
			n++;
		}
	}
	freeaddrinfo(res);
	if (n == 0)
		return bad(err, errsz, spec, "name has no IPv4 or IPv6 address");
	return 0;
}

static int add_spec(struct target_set *t, bool exclude, const char *spec, char *err,
		    size_t errsz)
{
	char s[TARGETS_SPEC_MAX];
	size_t len = strlen(spec);
	if (len == 0)
		return bad(err, errsz, spec, "empty");
	if (len >= sizeof s) {
		snprintf(err, errsz, "bad target '%.40s...': too long", spec);
		return -1;
	}
	memcpy(s, spec, len + 1);

	char *slash = strchr(s, '/');
	if (slash)
		return add_cidr(t, exclude, spec, s, slash, err, errsz);
	char *dash = strchr(s, '-');
	if (dash) {
		int rc = add_dash(t, exclude, spec, s, dash, err, errsz);
		if (rc <= 0)
			return rc;
	}
	struct u128 a;
	int fam = parse_addr(s, &a);
	if (fam >= 0) {
		add_range(t, exclude, fam, a, a);
		return 0;
	}
	return add_name(t, exclude, spec, s, err, errsz);
}

int targets_add(struct target_set *t, const char *spec, char *err, size_t errsz)
{
	return add_spec(t, false, spec, err, errsz);
}

int targets_exclude(struct target_set *t, const char *spec, char *err, size_t errsz)
{
	return add_spec(t, true, spec, err, errsz);
}

static bool is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Each comma/whitespace-separated item of line through add_spec. */
static int add_items(struct target_set *t, bool exclude, const char *line, char *err,
		     size_t errsz)
{
	const char *p = line;
	char item[TARGETS_SPEC_MAX];
	while (*p) {
		while (*p && is_sep(*p))
			p++;
		const char *start = p;
		while (*p && !is_sep(*p))
			p++;
		size_t n = (size_t)(p - start);
		if (n == 0)
			break;
		if (n >= sizeof item)
			n = sizeof item - 1; /* add_spec reports it as too long */
		memcpy(item, start, n);
		item[n] = '\0';
		if (add_spec(t, exclude, item, err, errsz) != 0)
			return -1;
	}
	return 0;
}

int targets_add_list(struct target_set *t, const char *list, char *err, size_t errsz)
{
	return add_items(t, false, list, err, errsz);
}

int targets_exclude_list(struct target_set *t, const char *list, char *err, size_t errsz)
{
	return add_items(t, true, list, err, errsz);
}

static int add_file(struct target_set *t, bool exclude, const char *path, char *err,
		    size_t errsz)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsz, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char e[256];
		if (add_items(t, exclude, line, e, sizeof e) != 0) {
			snprintf(err, errsz, "%s:%u: %s", path, lineno, e);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errsz, "cannot read '%s': %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

int targets_add_file(struct target_set *t, const char *path, char *err, size_t errsz)
{
	return add_file(t, false, path, err, errsz);
}

int targets_exclude_file(struct target_set *t, const char *path, char *err, size_t errsz)
{
	return add_file(t, true, path, err, errsz);
}

void targets_finalize(struct target_set *t)
{
	for (int f = 0; f < 2; f++) {
		rlist_normalize(&t->inc[f]);
		rlist_normalize(&t->exc[f]);
		rlist_subtract(&t->inc[f], &t->exc[f]);
		free(t->cum[f]);
		t->cum[f] = NULL;
		t->total[f] = 0;
		if (t->inc[f].n == 0)
			continue;
		t->cum[f] = malloc(t->inc[f].n * sizeof *t->cum[f]);
		if (!t->cum[f]) {
			fputs("smbwatch: out of memory\n", stderr);
			abort();
		}
		uint64_t c = 0;
		for (size_t i = 0; i < t->inc[f].n; i++) {
			t->cum[f][i] = c;
			c = sat_add(c, range_count(&t->inc[f].r[i]));
		}
		t->total[f] = c;
	}
	t->finalized = true;
}

uint64_t targets_count(const struct target_set *t)
{
	if (!t->finalized)
		return 0;
	return sat_add(t->total[0], t->total[1]);
}

static void to_sockaddr(int fam, struct u128 v, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof *out);
	if (fam == 0) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)out;
		s4->sin_family = AF_INET;
		uint8_t *b = (uint8_t *)&s4->sin_addr.s_addr;
		for (int i = 0; i < 4; i++)
			b[i] = (uint8_t)(v.lo >> (24 - 8 * i));
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)out;
		s6->sin6_family = AF_INET6;
		for (int i = 0; i < 8; i++) {
			s6->sin6_addr.s6_addr[i] = (uint8_t)(v.hi >> (56 - 8 * i));
			s6->sin6_addr.s6_addr[8 + i] = (uint8_t)(v.lo >> (56 - 8 * i));
		}
	}
}

bool targets_get(const struct target_set *t, uint64_t idx, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof *out);
	if (!t->finalized)
		return false;
	int fam = 0;
	if (idx >= t->total[0]) {
		idx -= t->total[0];
		fam = 1;
		/* when the IPv6 total saturates, indices past UINT64_MAX-1
		 * are unreachable anyway */
		if (idx >= t->total[1])
			return false;
	}
	const struct rlist *l = &t->inc[fam];
	const uint64_t *cum = t->cum[fam];
	/* last range whose cumulative start is <= idx */
	size_t lo = 0, hi = l->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (cum[mid] <= idx)
			lo = mid;
		else
			hi = mid;
	}
	to_sockaddr(fam, u128_add64(l->r[lo].first, idx - cum[lo]), out);
	return true;
}

/* The included range holding ss, or NULL; *fam_out and *a_out say what
 * was looked up. */
static const struct trange *range_of(const struct target_set *t,
				     const struct sockaddr_storage *ss, int *fam_out,
				     struct u128 *a_out, size_t *pos)
{
	if (!t->finalized || (ss->ss_family != AF_INET && ss->ss_family != AF_INET6))
		return NULL;
	int fam = ss->ss_family == AF_INET6;
	struct u128 a = fam ? v6_to_u128(&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr)
			    : v4_to_u128(&((const struct sockaddr_in *)(const void *)ss)->sin_addr);
	const struct rlist *l = &t->inc[fam];
	/* last range starting at or below a (ranges are sorted, disjoint) */
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u128_cmp(l->r[mid].first, a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || u128_cmp(a, l->r[lo - 1].last) > 0)
		return NULL;
	*fam_out = fam;
	*a_out = a;
	*pos = lo - 1;
	return &l->r[lo - 1];
}

bool targets_contains(const struct target_set *t, const struct sockaddr_storage *ss)
{
	int fam;
	struct u128 a;
	size_t pos;
	return range_of(t, ss, &fam, &a, &pos) != NULL;
}

bool targets_index(const struct target_set *t, const struct sockaddr_storage *ss, uint64_t *idx)
{
	int fam;
	struct u128 a;
	size_t pos;
	*idx = 0;
	const struct trange *r = range_of(t, ss, &fam, &a, &pos);
	if (!r)
		return false;
	struct u128 off = u128_sub(a, r->first);
	if (off.hi != 0)
		return false; /* past the 2^64 indices a set can count */
	*idx = (fam ? t->total[0] : 0) + t->cum[fam][pos] + off.lo;
	return true;
}

uint64_t targets_count_family(const struct target_set *t, int family)
{
	return family == AF_INET6 ? t->total[1] : family == AF_INET ? t->total[0] : 0;
}

bool targets_is_large(const struct target_set *t)
{
	/* a /16 of IPv4 or a /112 of IPv6 is still fine; one more is not */
	return t->total[0] > 65536 || t->total[1] > 65536;
}
