/* limiter.c - AIMD window over follow-up connections; see limiter.h. */
#include "probe/limiter.h"

#include <stddef.h>

void limiter_init(struct limiter *l, unsigned start, unsigned min, unsigned max)
{
	l->min = min ? min : 1;
	l->max = max > l->min ? max : l->min;
	l->window = start < l->min ? l->min : start > l->max ? l->max : start;
	l->inflight = 0;
	l->last_halve_ms = 0;
	l->head = l->tail = NULL;
	l->halvings = 0;
	l->congestions = 0;
	l->last_congestion_ms = 0;
	l->n_waiting = 0;
	l->slow_start = true;
}

static bool fits(const struct limiter *l)
{
	return (double)l->inflight < l->window;
}

void limiter_acquire(struct limiter *l, struct limiter_wait *w, void (*fn)(void *), void *arg)
{
	if (!l || (!l->head && fits(l))) {
		if (l)
			l->inflight++;
		fn(arg);
		return;
	}
	w->fn = fn;
	w->arg = arg;
	w->next = NULL;
	w->queued = true;
	if (l->tail)
		l->tail->next = w;
	else
		l->head = w;
	l->tail = w;
	l->n_waiting++;
}

static void wake(struct limiter *l)
{
	while (l->head && fits(l)) {
		struct limiter_wait *w = l->head;
		l->head = w->next;
		if (!l->head)
			l->tail = NULL;
		w->queued = false;
		l->n_waiting--;
		l->inflight++;
		w->fn(w->arg);
	}
}

bool limiter_choked_since(const struct limiter *l, uint64_t since_ms)
{
	return l && l->congestions && l->last_congestion_ms >= since_ms;
}

void limiter_release(struct limiter *l, bool congested, uint64_t now_ms)
{
	if (!l)
		return;
	if (l->inflight)
		l->inflight--;
	if (congested) {
		l->congestions++;
		l->last_congestion_ms = now_ms ? now_ms : 1; /* 0 means none */
		if (now_ms - l->last_halve_ms >= LIMITER_HALVE_MS || l->last_halve_ms == 0) {
			l->window /= 2;
			if (l->window < l->min)
				l->window = l->min;
			l->last_halve_ms = now_ms;
			l->halvings++;
		}
		l->slow_start = false;
	} else {
		l->window += l->slow_start ? 1.0 : 1.0 / l->window;
		if (l->window > l->max)
			l->window = l->max;
	}
	wake(l);
}

void limiter_cancel(struct limiter *l, struct limiter_wait *w)
{
	if (!l || !w->queued)
		return;
	struct limiter_wait **pp = &l->head, *prev = NULL;
	while (*pp && *pp != w) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp) {
		*pp = w->next;
		if (l->tail == w)
			l->tail = prev;
		l->n_waiting--;
	}
	w->queued = false;
}
