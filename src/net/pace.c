/* pace.c - rate, follow-up window and overload, in one place; see pace.h. */
#include "net/pace.h"

#include <netinet/in.h>
#include <string.h>

uint64_t pace_host_key(const struct sockaddr *sa)
{
	const uint8_t *b;
	size_t n;
	if (sa->sa_family == AF_INET6) {
		b = (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		n = 16;
	} else {
		b = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		n = 4;
	}
	uint64_t h = 1469598103934665603ull; /* FNV-1a: the address, not the port */
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h ? h : 1; /* 0 marks an empty slot */
}

void pace_init(struct pace *p, const struct pace_cfg *cfg, uint64_t now_ms)
{
	memset(p, 0, sizeof *p);
	p->cfg = *cfg;
	if (!p->cfg.window_min)
		p->cfg.window_min = 1;
	if (p->cfg.window_max < p->cfg.window_min)
		p->cfg.window_max = p->cfg.window_min;
	unsigned s = cfg->window_start;
	p->window = s < p->cfg.window_min ? p->cfg.window_min
		    : s > p->cfg.window_max ? p->cfg.window_max
					    : s;
	p->slow_start = true;
	p->rate = cfg->adaptive ? PACE_ADAPTIVE_START : cfg->rate;
	if (cfg->adaptive && cfg->rate && p->rate > cfg->rate)
		p->rate = cfg->rate;
	p->calm_since_ms = now_ms;
}

/* ---- the window ---- */

static bool fits(const struct pace *p)
{
	return (double)p->inflight < p->window;
}

void pace_acquire(struct pace *p, struct pace_wait *w, void (*fn)(void *), void *arg)
{
	if (!p || (!p->head && fits(p))) {
		if (p)
			p->inflight++;
		fn(arg);
		return;
	}
	w->fn = fn;
	w->arg = arg;
	w->next = NULL;
	w->queued = true;
	if (p->tail)
		p->tail->next = w;
	else
		p->head = w;
	p->tail = w;
	p->n_waiting++;
}

static void wake(struct pace *p)
{
	while (p->head && fits(p)) {
		struct pace_wait *w = p->head;
		p->head = w->next;
		if (!p->head)
			p->tail = NULL;
		w->queued = false;
		p->n_waiting--;
		p->inflight++;
		w->fn(w->arg);
	}
}

void pace_cancel(struct pace *p, struct pace_wait *w)
{
	if (!p || !w->queued)
		return;
	struct pace_wait **pp = &p->head, *prev = NULL;
	while (*pp && *pp != w) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp) {
		*pp = w->next;
		if (p->tail == w)
			p->tail = prev;
		p->n_waiting--;
	}
	w->queued = false;
}

bool pace_backlogged(const struct pace *p)
{
	return p && (double)p->n_waiting > p->window;
}

unsigned pace_window(const struct pace *p)
{
	return p ? (unsigned)p->window : 0;
}

/* ---- per-host chokes ---- */

#define PROBE_RUN 8 /* slots looked at for one key */

static struct pace_host *host_find(const struct pace *p, uint64_t key)
{
	for (unsigned i = 0; i < PROBE_RUN; i++) {
		const struct pace_host *h = &p->hosts[(key + i) % PACE_HOSTS];
		if (h->key == key)
			return (struct pace_host *)h;
	}
	return NULL;
}

/* The host's slot, or the stalest of its run, taken over. */
static struct pace_host *host_slot(struct pace *p, uint64_t key)
{
	struct pace_host *h = host_find(p, key), *old = NULL;
	if (h)
		return h;
	for (unsigned i = 0; i < PROBE_RUN; i++) {
		h = &p->hosts[(key + i) % PACE_HOSTS];
		if (!h->key)
			return h;
		if (!old || h->last_ms < old->last_ms)
			old = h;
	}
	memset(old, 0, sizeof *old);
	return old;
}

static bool recent(uint64_t then, uint64_t now, uint64_t span)
{
	return then && now < then + span;
}

/* How many hosts choked within PACE_CALM_MS of now (stops at the bar). */
static unsigned hosts_choking(const struct pace *p, uint64_t now)
{
	unsigned n = 0;
	for (unsigned i = 0; i < PACE_HOSTS && n < PACE_AGGREGATE_HOSTS; i++)
		n += p->hosts[i].key && recent(p->hosts[i].last_ms, now, PACE_CALM_MS);
	return n;
}

static void choke(struct pace *p, uint64_t host, uint64_t now)
{
	uint64_t t = now ? now : 1; /* 0 means none */
	struct pace_host *h = host_slot(p, host);
	h->key = host;
	h->last_ms = t;
	h->chokes++;
	p->congestions++;
	if (hosts_choking(p, t) >= PACE_AGGREGATE_HOSTS) {
		p->overload_until_ms = t + PACE_CALM_MS;
		p->overload_congestions++;
		p->last_overload_ms = t;
		p->overload_seen = true;
	}
	if (!p->halved_once || now - p->last_halve_ms >= PACE_HALVE_MS) {
		p->window /= 2;
		if (p->window < p->cfg.window_min)
			p->window = p->cfg.window_min;
		p->last_halve_ms = now;
		p->halved_once = true;
		p->halvings++;
	}
	p->slow_start = false;
}

void pace_release(struct pace *p, uint64_t host, bool congested, uint64_t now_ms)
{
	if (!p)
		return;
	if (p->inflight)
		p->inflight--;
	if (congested) {
		choke(p, host, now_ms);
	} else {
		p->window += p->slow_start ? 1.0 : 1.0 / p->window;
		if (p->window > p->cfg.window_max)
			p->window = p->cfg.window_max;
	}
	wake(p);
}

bool pace_overloaded(const struct pace *p, uint64_t now_ms)
{
	return p && p->overload_until_ms && now_ms < p->overload_until_ms;
}

bool pace_host_choked(const struct pace *p, uint64_t host, uint64_t now_ms)
{
	const struct pace_host *h = p ? host_find(p, host) : NULL;
	return h && recent(h->last_ms, now_ms, PACE_HOST_DECAY_MS);
}

bool pace_overload_for(const struct pace *p, uint64_t host, uint64_t now_ms)
{
	return pace_overloaded(p, now_ms) || pace_host_choked(p, host, now_ms);
}

bool pace_overload_seen_for(const struct pace *p, uint64_t host, uint64_t now_ms)
{
	return p && (p->overload_seen || pace_host_choked(p, host, now_ms));
}

bool pace_choked_since(const struct pace *p, uint64_t host, uint64_t since_ms)
{
	if (!p)
		return false;
	if (p->last_overload_ms && p->last_overload_ms >= since_ms)
		return true;
	const struct pace_host *h = host_find(p, host);
	return h && h->last_ms && h->last_ms >= since_ms;
}

bool pace_others_choked(const struct pace *p, uint64_t own)
{
	return p && p->congestions > own;
}

/* ---- the rate ---- */

static unsigned rate_ceiling(const struct pace *p)
{
	if (p->cfg.adaptive)
		return p->cfg.rate && p->cfg.rate < PACE_ADAPTIVE_MAX ? p->cfg.rate : PACE_ADAPTIVE_MAX;
	return p->cfg.rate ? p->cfg.rate : PACE_RATE_UNCAPPED;
}

static unsigned rate_floor(const struct pace *p)
{
	if (p->cfg.adaptive)
		return PACE_ADAPTIVE_FLOOR;
	unsigned c = rate_ceiling(p);
	return c / 4 > 50 ? c / 4 : 50;
}

unsigned pace_tick(struct pace *p, uint64_t now_ms)
{
	unsigned ceiling = rate_ceiling(p), floor = rate_floor(p);
	bool overloaded = pace_overloaded(p, now_ms);
	if (p->halvings != p->seen_halvings && overloaded) {
		/* servers drop connections: discovery must not refill their
		 * listen queues; one cut per halving (at most 2 a second) */
		p->seen_halvings = p->halvings;
		p->calm_since_ms = now_ms;
		unsigned base = p->rate ? p->rate : ceiling;
		unsigned cut = base - base / 4;
		p->rate = cut > floor ? cut : floor;
	} else if (overloaded) {
		p->calm_since_ms = now_ms; /* not calm */
	} else if (now_ms - p->calm_since_ms >= 1000 && p->rate && p->rate < ceiling) {
		/* a calm second: the targets keep up */
		p->calm_since_ms = now_ms;
		unsigned up = p->cfg.adaptive ? p->rate + p->rate / 4 + 1
					      : p->rate + ceiling / 10 + 1;
		if (up >= ceiling)
			up = p->cfg.adaptive ? ceiling : p->cfg.rate; /* 0 = no cap */
		p->rate = up;
	}
	return p->rate;
}

unsigned pace_rate(const struct pace *p)
{
	return p->rate;
}
