/* flow.c - flow table; see flow.h. */
#include "sensor/flow.h"

#include <stdlib.h>
#include <string.h>

struct flow_table {
	struct flow **buckets;
	size_t nbuckets;  /* power of two */
	size_t count, peak, max;
	struct flow *lru_head, *lru_tail;
	flow_close_fn close_fn;
	void *ctx;
};

/* FNV-1a over the key bytes that matter: simple, and the table is sized to
 * the flow cap, so chains stay short. A hash-flooding peer can lengthen
 * chains (no secret seed) - acceptable for a passive sensor with a cap. */
static uint32_t key_hash(const struct flow_key *k)
{
	uint32_t h = 2166136261u;
	size_t alen = k->family == 6 ? 16 : 4;
	const uint8_t *parts[2] = {k->cli, k->srv};
	for (int p = 0; p < 2; p++)
		for (size_t i = 0; i < alen; i++)
			h = (h ^ parts[p][i]) * 16777619u;
	h = (h ^ (k->cport & 0xff)) * 16777619u;
	h = (h ^ (k->cport >> 8)) * 16777619u;
	h = (h ^ (k->sport & 0xff)) * 16777619u;
	h = (h ^ (k->sport >> 8)) * 16777619u;
	return h;
}

static bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	size_t alen = a->family == 6 ? 16 : 4;
	return a->family == b->family && a->cport == b->cport && a->sport == b->sport &&
	       memcmp(a->cli, b->cli, alen) == 0 && memcmp(a->srv, b->srv, alen) == 0;
}

struct flow_table *flow_table_new(size_t max_flows, flow_close_fn close_fn, void *ctx)
{
	struct flow_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	if (max_flows == 0)
		max_flows = 1;
	t->nbuckets = 1024;
	while (t->nbuckets < max_flows && t->nbuckets < (1u << 22))
		t->nbuckets <<= 1;
	t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->max = max_flows;
	t->close_fn = close_fn;
	t->ctx = ctx;
	return t;
}

static void lru_unlink(struct flow_table *t, struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		t->lru_head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		t->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_append(struct flow_table *t, struct flow *f)
{
	f->lru_prev = t->lru_tail;
	f->lru_next = NULL;
	if (t->lru_tail)
		t->lru_tail->lru_next = f;
	else
		t->lru_head = f;
	t->lru_tail = f;
}

void flow_close(struct flow_table *t, struct flow *f, enum flow_end why)
{
	struct flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];
	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	lru_unlink(t, f);
	t->count--;
	t->close_fn(t->ctx, f, why);
	free(f);
}

bool flow_evict_one(struct flow_table *t)
{
	if (!t->lru_head)
		return false;
	flow_close(t, t->lru_head, FLOW_END_EVICTED);
	return true;
}

struct flow *flow_lookup(struct flow_table *t, const struct flow_key *key, uint64_t now_us,
			 bool create, bool *created)
{
	if (created)
		*created = false;
	uint32_t h = key_hash(key);
	struct flow *f = t->buckets[h & (t->nbuckets - 1)];
	for (; f; f = f->hnext) {
		if (f->hash == h && key_eq(&f->key, key)) {
			lru_unlink(t, f);
			lru_append(t, f);
			if (now_us > f->last_us)
				f->last_us = now_us;
			return f;
		}
	}
	if (!create)
		return NULL;
	while (t->count >= t->max && flow_evict_one(t))
		;
	f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->key = *key;
	f->hash = h;
	f->first_us = f->last_us = now_us;
	f->hnext = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = f;
	lru_append(t, f);
	if (++t->count > t->peak)
		t->peak = t->count;
	if (created)
		*created = true;
	return f;
}

void flow_expire(struct flow_table *t, uint64_t now_us, uint64_t short_us, uint64_t long_us)
{
	/* the LRU head is the longest idle flow; a flow with a short timeout
	 * can hide behind a fresher long one, so half-open flows linger at
	 * most long_us - an accepted imprecision for O(1) expiry */
	while (t->lru_head) {
		struct flow *f = t->lru_head;
		bool half = !f->established || f->rst || (f->fin[0] && f->fin[1]);
		uint64_t limit = half ? short_us : long_us;
		if (now_us < f->last_us || now_us - f->last_us < limit)
			break;
		flow_close(t, f, FLOW_END_TIMEOUT);
	}
}

void flow_close_all(struct flow_table *t, enum flow_end why)
{
	while (t->lru_head)
		flow_close(t, t->lru_head, why);
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	while (t->lru_head)
		flow_close(t, t->lru_head, FLOW_END_SHUTDOWN);
	free(t->buckets);
	free(t);
}

size_t flow_count(const struct flow_table *t)
{
	return t->count;
}

size_t flow_peak(const struct flow_table *t)
{
	return t->peak;
}
