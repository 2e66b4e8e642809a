/* detect_host.c - per-source windows: SMB_SCAN (fan-out to many SMB
 * servers, SYN-only probes included) and SMB_BRUTE_FORCE (failed logons,
 * many accounts = spraying). Thresholds follow bro-simple-scan and
 * nturley3's scan-brute script (detection-facts.md 3.1), but are
 * configurable. Each source alerts at most once per window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_int.h"

/* Distinct destinations / accounts remembered per source and window: a
 * little above any sensible threshold. */
#define HOST_MAX_DSTS 256
#define HOST_MAX_ACCOUNTS 32
#define HOST_ACCOUNT_LEN 64

struct host_src {
	struct host_src *next;
	uint8_t family, addr[16];
	/* scan window */
	uint64_t scan_start;
	uint32_t dst_hash[HOST_MAX_DSTS];
	bool dst_failed[HOST_MAX_DSTS];
	unsigned n_dst, n_failed;
	bool scan_alerted;
	/* logon window */
	uint64_t brute_start;
	unsigned failures;
	char accounts[HOST_MAX_ACCOUNTS][HOST_ACCOUNT_LEN];
	unsigned n_accounts;
	uint32_t target_hash[HOST_MAX_ACCOUNTS];
	unsigned n_targets;
	bool brute_alerted;
	uint64_t failures_total;
};

struct host_table {
	struct host_src **b;
	size_t nb, n, max;
};

struct host_table *host_table_new(size_t max_hosts)
{
	struct host_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	/* one bucket per source held: a flood of spoofed sources fills the
	 * table, and then every new source walks a whole chain (with 4,096
	 * buckets this lookup was 44% of the CPU under a SYN flood) */
	t->nb = 64;
	while (t->nb < max_hosts)
		t->nb *= 2;
	t->max = max_hosts;
	t->b = calloc(t->nb, sizeof *t->b);
	if (!t->b) {
		free(t);
		return NULL;
	}
	return t;
}

void host_table_free(struct host_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nb; i++) {
		while (t->b[i]) {
			struct host_src *h = t->b[i];
			t->b[i] = h->next;
			free(h);
		}
	}
	free(t->b);
	free(t);
}

size_t host_entry_bytes(void)
{
	return sizeof(struct host_src);
}

size_t host_table_count(const struct host_table *t)
{
	return t->n;
}

static uint32_t addr_hash(uint8_t family, const uint8_t *a)
{
	uint32_t h = 2166136261u ^ family;
	for (size_t i = 0; i < (family == 6 ? 16u : 4u); i++)
		h = (h ^ a[i]) * 16777619u;
	return h;
}

/* The entry for a source; NULL when the table is full (a flood of
 * spoofed sources then goes uncounted rather than exhausting memory). */
static struct host_src *host_get(struct host_table *t, uint8_t family, const uint8_t *a)
{
	size_t alen = family == 6 ? 16 : 4;
	struct host_src **pp = &t->b[addr_hash(family, a) & (t->nb - 1)];
	for (struct host_src *h = *pp; h; h = h->next)
		if (h->family == family && memcmp(h->addr, a, alen) == 0)
			return h;
	if (t->n >= t->max)
		return NULL;
	struct host_src *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->family = family;
	memcpy(h->addr, a, alen);
	h->next = *pp;
	*pp = h;
	t->n++;
	return h;
}

/* A scan from inside the organisation is the pivot of "scan, exploit,
 * pivot", not background noise from outside: its own id and severity. An
 * approved scanner stays SMB_SCAN (recorded at info by sensor_alert_raw). */
static bool pivot_source(struct sensor *s, const char *src, char *label, size_t labelsz)
{
	if (!s->cfg.inside_fn)
		return false;
	if (s->cfg.approved_scanners && sensor_source_approved(s, src))
		return false;
	return s->cfg.inside_fn(s->cfg.inside_ctx, src, label, labelsz);
}

static void scan_alert(struct sensor *s, struct host_src *h, const char *why)
{
	struct sensor_alert a;
	char src[48], label[96];
	pkt_addr_str(h->family, h->addr, src, sizeof src);
	bool pivot = pivot_source(s, src, label, sizeof label);
	alert_init(&a, pivot ? "SMB_PIVOT_SCAN" : "SMB_SCAN");
	a.ts_us = s->now_us;
	snprintf(a.src, sizeof a.src, "%s", src);
	int n = snprintf(a.evidence, sizeof a.evidence,
			 "%s opened 445/139 to %u distinct hosts (%u unanswered or refused) within "
			 "%llu s%s",
			 a.src, h->n_dst, h->n_failed,
			 (unsigned long long)(s->cfg.scan_window_us / 1000000u), why);
	if (pivot && n > 0 && (size_t)n < sizeof a.evidence)
		snprintf(a.evidence + n, sizeof a.evidence - (size_t)n,
			 "; the source is inside (%s): pivot", label);
	a.details = json_pack("{s:i,s:i}", "hosts", (int)h->n_dst, "failed", (int)h->n_failed);
	if (a.details && pivot)
		json_object_set_new(a.details, "inside", json_string(label));
	h->scan_alerted = true;
	sensor_alert_raw(s, &a);
}

static void scan_check(struct sensor *s, struct host_src *h)
{
	if (h->scan_alerted)
		return;
	if (s->cfg.scan_hosts && h->n_dst >= s->cfg.scan_hosts)
		scan_alert(s, h, "");
	else if (s->cfg.scan_failed_hosts && h->n_failed >= s->cfg.scan_failed_hosts)
		scan_alert(s, h, " (SYN probing)");
}

static void scan_window(struct sensor *s, struct host_src *h)
{
	if (s->now_us - h->scan_start >= s->cfg.scan_window_us || s->now_us < h->scan_start) {
		h->scan_start = s->now_us;
		h->n_dst = h->n_failed = 0;
		h->scan_alerted = false;
	}
}

static int dst_index(struct host_src *h, uint32_t dh)
{
	for (unsigned i = 0; i < h->n_dst; i++)
		if (h->dst_hash[i] == dh)
			return (int)i;
	return -1;
}

void host_connect_attempt(struct sensor *s, const struct flow *f)
{
	struct host_src *h = host_get(s->hosts, f->key.family, f->key.cli);
	if (!h)
		return;
	scan_window(s, h);
	uint32_t dh = addr_hash(f->key.family, f->key.srv);
	if (dst_index(h, dh) < 0 && h->n_dst < HOST_MAX_DSTS) {
		h->dst_failed[h->n_dst] = false;
		h->dst_hash[h->n_dst++] = dh;
	}
	scan_check(s, h);
}

void host_connect_result(struct sensor *s, const struct flow *f)
{
	/* unanswered SYN, or refused (RST before the handshake finished) */
	if (!f->syn || f->established)
		return;
	struct host_src *h = host_get(s->hosts, f->key.family, f->key.cli);
	if (!h)
		return;
	int i = dst_index(h, addr_hash(f->key.family, f->key.srv));
	if (i < 0 || h->dst_failed[i])
		return;
	h->dst_failed[i] = true;
	h->n_failed++;
	scan_check(s, h);
}

static void brute_alert(struct sensor *s, struct host_src *h, const char *kind)
{
	struct sensor_alert a;
	char list[512];
	size_t o = 0;
	json_t *acc = json_array();

	alert_init(&a, "SMB_BRUTE_FORCE");
	a.ts_us = s->now_us;
	pkt_addr_str(h->family, h->addr, a.src, sizeof a.src);
	list[0] = '\0';
	for (unsigned i = 0; i < h->n_accounts; i++) {
		json_array_append_new(acc, json_string(h->accounts[i]));
		int k = snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", h->accounts[i]);
		if (k < 0 || (size_t)k >= sizeof list - o)
			break;
		o += (size_t)k;
	}
	snprintf(a.evidence, sizeof a.evidence,
		 "%s: %u failed logons from %s against %u host(s) within %llu s; accounts: %s",
		 kind, h->failures, a.src, h->n_targets,
		 (unsigned long long)(s->cfg.brute_window_us / 1000000u), list);
	a.details = json_pack("{s:i,s:i,s:o}", "failures", (json_int_t)h->failures, "targets",
			      (json_int_t)h->n_targets, "accounts", acc);
	h->brute_alerted = true;
	sensor_alert_raw(s, &a);
}

void host_logon_failure(struct sensor *s, const struct flow *f, const char *account,
			uint32_t status, bool guess)
{
	(void)status;
	struct host_src *h = host_get(s->hosts, f->key.family, f->key.cli);
	if (!h)
		return;
	if (!guess) {
		h->failures_total++;
		return;
	}
	if (s->now_us - h->brute_start >= s->cfg.brute_window_us || s->now_us < h->brute_start) {
		h->brute_start = s->now_us;
		h->failures = h->n_accounts = h->n_targets = 0;
		h->brute_alerted = false;
	}
	h->failures++;
	h->failures_total++;
	bool known = false;
	for (unsigned i = 0; i < h->n_accounts && !known; i++)
		known = strcmp(h->accounts[i], account) == 0;
	if (!known && h->n_accounts < HOST_MAX_ACCOUNTS) {
		size_t n = strnlen(account, HOST_ACCOUNT_LEN - 1);
		memcpy(h->accounts[h->n_accounts], account, n);
		h->accounts[h->n_accounts++][n] = '\0';
	}
	uint32_t th = addr_hash(f->key.family, f->key.srv);
	known = false;
	for (unsigned i = 0; i < h->n_targets && !known; i++)
		known = h->target_hash[i] == th;
	if (!known && h->n_targets < HOST_MAX_ACCOUNTS)
		h->target_hash[h->n_targets++] = th;
	if (h->brute_alerted)
		return;
	if (s->cfg.spray_accounts && h->n_accounts >= s->cfg.spray_accounts &&
	    h->failures >= s->cfg.spray_accounts)
		brute_alert(s, h, "password spraying");
	else if (s->cfg.brute_failures && h->failures >= s->cfg.brute_failures)
		brute_alert(s, h, "brute force");
}

void host_finish(struct sensor *s)
{
	(void)s; /* windows alert as soon as a threshold is crossed: nothing pending */
}

size_t host_top_failures(const struct sensor *s, char (*addr)[48], uint64_t *count, size_t n)
{
	size_t k = 0;
	const struct host_table *t = s->hosts;
	for (size_t i = 0; i < t->nb; i++) {
		for (const struct host_src *h = t->b[i]; h; h = h->next) {
			if (!h->failures_total)
				continue;
			/* insertion into a short sorted list */
			size_t j = k < n ? k++ : n;
			while (j > 0 && count[j - 1] < h->failures_total) {
				if (j < n) {
					count[j] = count[j - 1];
					memcpy(addr[j], addr[j - 1], 48);
				}
				j--;
			}
			if (j < n) {
				count[j] = h->failures_total;
				pkt_addr_str(h->family, h->addr, addr[j], 48);
			}
		}
	}
	return k;
}
