/* limiter.h - how many follow-up connections (to services that already
 * answered) may be open at once, adapted to what the servers take.
 *
 * AIMD, as TCP does: a follow-up connection that is not let in (no connect,
 * or dropped before any answer) halves the window (at most once per
 * LIMITER_HALVE_MS); every one that gets through widens it by 1/window. A
 * server that forks per connection with a listen backlog of 50 (Samba), or
 * one server behind thousands of addresses, then gets what it can serve
 * instead of a burst it drops. Discovery connections (the first to each
 * target) are not counted: silent addresses must not slow the scan down. */
#ifndef SMBW_PROBE_LIMITER_H
#define SMBW_PROBE_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

#define LIMITER_HALVE_MS 500

struct limiter_wait {
	void (*fn)(void *arg);
	void *arg;
	struct limiter_wait *next;
	bool queued;
};

struct limiter {
	double window;
	unsigned inflight;
	unsigned min, max;
	uint64_t last_halve_ms;
	struct limiter_wait *head, *tail;
	uint64_t halvings; /* for stats */
	uint64_t congestions; /* follow-ups not let in, all hosts together */
	uint64_t last_congestion_ms; /* clock of the latest, 0 = none yet */
	unsigned n_waiting;
	bool slow_start;   /* until the first congestion: +1 per success */
};

void limiter_init(struct limiter *l, unsigned start, unsigned min, unsigned max);
/* Run fn(arg) now if the window allows, else when a slot frees (w must stay
 * valid until then, or until limiter_cancel). */
void limiter_acquire(struct limiter *l, struct limiter_wait *w, void (*fn)(void *), void *arg);
/* A follow-up connection ended; congested: it was not let in. now_ms: a
 * monotonic clock. Wakes waiters that now fit. */
void limiter_release(struct limiter *l, bool congested, uint64_t now_ms);
/* Were servers seen choking (a follow-up not let in) at or after since_ms?
 * A silence that overlapped such a time may be a full listen queue. */
bool limiter_choked_since(const struct limiter *l, uint64_t since_ms);
/* Forget a queued wait (the service is going away). */
void limiter_cancel(struct limiter *l, struct limiter_wait *w);

#endif
