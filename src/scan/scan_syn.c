/* scan_syn.c - the raw SYN discovery stage; see scan_syn.h. */
#include "scan/scan_syn.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/donewin.h"
#include "net/rate_bucket.h"

#define SYN_TICK_MS 5
#define SYN_BURST_MS 50           /* --rate: bursts of at most 1/20 s */
#define SYN_UNCAPPED_PER_TICK 1000 /* no --rate: new SYNs a tick */
/* positions waiting for an answer (or a resend) at most (6 MiB): a
 * position waits --connect-timeout (1 s) per try, so with the default
 * --retries 1 this lets 100k SYN/s run; more pauses the sender */
#define SYN_PENDING_MAX (1u << 18)
/* positions from the oldest unresolved one to the next new one at most
 * (256 KiB of bits): 21 s of SYNs at 100k/s, while a position's resends
 * end within seconds; more pauses the sender */
#define SYN_WINDOW_BITS (1u << 21)

struct pending {
	uint64_t j;
	uint64_t deadline_ms;
	unsigned attempt;
};

struct syn_stage {
	struct syn_io *io; /* borrowed */
	const struct scan_space *space;
	struct syn_stage_opts o;
	struct syn_stage_cb cb;
	uv_loop_t *loop;
	uv_timer_t tick;
	bool ticking;
	uint64_t next;	      /* next position to send for the first time */
	uint64_t unresolved;  /* sent, no answer yet, not expired */
	struct donewin done;  /* which positions are resolved */
	struct pending *pend; /* FIFO by deadline (all waits are equal) */
	size_t pend_cap, pend_head, pend_len;
	uint64_t hitq[SYN_HITQ_CAP];
	size_t hitq_head, hitq_len, hitq_cap; /* cap <= SYN_HITQ_CAP (--syn-queue) */
	struct rate_bucket bucket; /* --rate new positions a second, bursts of 1/20 s */
	unsigned tick_budget;      /* no cap: at most this many new SYNs a tick */
	unsigned max_attempt; /* resends allowed per position */
	struct syn_stage_stats st;
};

/* Send the SYN of position j: 0, -EAGAIN (try later) or another -errno. */
static int send_position(struct syn_stage *s, uint64_t j)
{
	struct sockaddr_storage ss;
	if (!space_addr(s->space, j, &ss) || ss.ss_family != AF_INET)
		return -EAFNOSUPPORT; /* IPv6 is refused before the scan starts */
	const struct sockaddr_in *sa = (const struct sockaddr_in *)(const void *)&ss;
	int rc = syn_io_send(s->io, ntohl(sa->sin_addr.s_addr), ntohs(sa->sin_port));
	return rc == -ENOBUFS ? -EAGAIN : rc;
}

static void pend_push(struct syn_stage *s, uint64_t j, unsigned attempt)
{
	struct pending *p = &s->pend[(s->pend_head + s->pend_len) % s->pend_cap];
	p->j = j;
	p->deadline_ms = uv_now(s->loop) + s->o.wait_ms;
	p->attempt = attempt;
	s->pend_len++;
}

static void pend_pop(struct syn_stage *s)
{
	s->pend_head = (s->pend_head + 1) % s->pend_cap;
	s->pend_len--;
}

static void resolve(struct syn_stage *s, uint64_t j, enum syn_result r)
{
	donewin_finish(&s->done, j);
	s->cb.resolved(r, s->cb.ud);
}

/* Positions whose wait is over: resend or call them filtered. Resends take
 * no token: --rate counts new positions, as it counts new connections
 * without --syn (where the kernel resends SYNs on its own). Returns false
 * when the socket is full. */
static bool expire(struct syn_stage *s, uint64_t now)
{
	while (s->pend_len && s->pend[s->pend_head].deadline_ms <= now) {
		struct pending e = s->pend[s->pend_head];
		if (donewin_done(&s->done, e.j)) {
			pend_pop(s); /* answered meanwhile */
			continue;
		}
		if (e.attempt >= s->max_attempt) {
			pend_pop(s);
			s->unresolved--;
			resolve(s, e.j, SYN_RES_FILTERED);
			continue;
		}
		int rc = send_position(s, e.j);
		if (rc == -EAGAIN)
			return false;
		pend_pop(s);
		if (rc != 0) {
			s->unresolved--;
			resolve(s, e.j, SYN_RES_ERROR);
			continue;
		}
		s->st.resent++;
		pend_push(s, e.j, e.attempt + 1);
	}
	return true;
}

/* New positions, while tokens last and every possible hit has a place. */
static void send_new(struct syn_stage *s)
{
	uint64_t now = uv_now(s->loop);
	while (s->tick_budget && rate_bucket_ready(&s->bucket, now) &&
	       s->next < s->space->shard_total) {
		if (s->pend_len == s->pend_cap || s->hitq_len + s->unresolved >= s->hitq_cap ||
		    !donewin_room(&s->done, s->next)) {
			/* the SMB stage is behind (or one position's resends
			 * hold the window): slow down */
			s->st.paused_ticks++;
			return;
		}
		uint64_t j = s->next;
		int rc = send_position(s, j);
		if (rc == -EAGAIN)
			return;
		s->next++;
		(void)rate_bucket_take(&s->bucket, now);
		s->tick_budget--;
		if (rc != 0) {
			resolve(s, j, SYN_RES_ERROR);
			continue;
		}
		s->st.sent++;
		s->unresolved++;
		pend_push(s, j, 0);
	}
}

static void on_tick(uv_timer_t *t)
{
	struct syn_stage *s = t->data;
	uint64_t now = uv_now(s->loop);
	/* the bucket paces a --rate; without one, a tick sends at most this */
	s->tick_budget = s->bucket.rate ? UINT_MAX : SYN_UNCAPPED_PER_TICK;
	if (expire(s, now))
		send_new(s);
}

static void on_reply(enum syn_verdict v, uint32_t ip, uint16_t port, void *ud)
{
	struct syn_stage *s = ud;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *sa = (struct sockaddr_in *)(void *)&ss;
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(ip);
	sa->sin_port = htons(port);
	uint64_t j;
	/* a valid cookie for an address we never sent to cannot happen short
	 * of a forgery; checked anyway so the counts stay exact */
	if (!space_find(s->space, &ss, &j) || j < s->o.start || j >= s->next)
		return;
	if (donewin_done(&s->done, j)) {
		s->st.dup++; /* retransmitted SYN-ACK, or an answer after the wait */
		return;
	}
	s->unresolved--;
	if (v == SYN_CLOSED) {
		resolve(s, j, SYN_RES_CLOSED);
		return;
	}
	donewin_finish(&s->done, j);
	/* cannot overflow: a position is sent only while queued hits plus
	 * unanswered positions are below the cap */
	s->hitq[(s->hitq_head + s->hitq_len) % SYN_HITQ_CAP] = j;
	s->hitq_len++;
	if (s->hitq_len > s->st.hitq_peak)
		s->st.hitq_peak = (unsigned)s->hitq_len;
	s->st.hits++;
	s->cb.hit(s->cb.ud);
}

struct syn_stage *syn_stage_new(uv_loop_t *loop, struct syn_io *io, const struct scan_space *space,
				const struct syn_stage_opts *o, const struct syn_stage_cb *cb,
				char *err, size_t errsz)
{
	struct syn_stage *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->io = io;
	s->space = space;
	s->o = *o;
	s->cb = *cb;
	s->loop = loop;
	s->next = o->start;
	s->max_attempt = o->retries;
	s->hitq_cap = o->queue && o->queue < SYN_HITQ_CAP ? o->queue : SYN_HITQ_CAP;
	s->pend_cap =
	    space->shard_total < SYN_PENDING_MAX ? space->shard_total + 1 : SYN_PENDING_MAX;
	s->pend = malloc(s->pend_cap * sizeof *s->pend);
	if (donewin_init(&s->done, o->start, SYN_WINDOW_BITS) != 0 || !s->pend)
		abort();
	int rc = syn_io_start(io, loop, on_reply, s);
	if (rc != 0) {
		snprintf(err, errsz, "--syn: cannot watch the capture: %s", uv_strerror(rc));
		syn_stage_free(s);
		return NULL;
	}
	uv_timer_init(loop, &s->tick);
	s->tick.data = s;
	s->ticking = true;
	rate_bucket_init(&s->bucket, s->o.rate, SYN_BURST_MS, uv_now(loop));
	uv_timer_start(&s->tick, on_tick, 0, SYN_TICK_MS);
	return s;
}

void syn_stage_set_rate(struct syn_stage *s, unsigned rate)
{
	s->o.rate = rate;
	rate_bucket_set_rate(&s->bucket, rate, uv_now(s->loop));
}

void syn_stage_set_patient(struct syn_stage *s)
{
	/* a full listen queue drops SYNs as a filter does; a connect() would
	 * now wait for the kernel's two resends (1 s, 3 s), so each try here
	 * becomes three SYNs a second or more apart */
	s->max_attempt = 3 * (s->o.retries + 1) - 1;
	if (s->o.wait_ms < 1000)
		s->o.wait_ms = 1000;
}

bool syn_stage_pop(struct syn_stage *s, uint64_t *j)
{
	if (!s->hitq_len)
		return false;
	*j = s->hitq[s->hitq_head];
	s->hitq_head = (s->hitq_head + 1) % SYN_HITQ_CAP;
	s->hitq_len--;
	return true;
}

uint64_t syn_stage_unanswered(const struct syn_stage *s)
{
	return s->unresolved;
}

bool syn_stage_finished(const struct syn_stage *s)
{
	return s->next >= s->space->shard_total && s->unresolved == 0 && s->hitq_len == 0;
}

uint64_t syn_stage_low(const struct syn_stage *s)
{
	uint64_t low = s->next;
	for (size_t i = 0; i < s->hitq_len; i++) {
		uint64_t j = s->hitq[(s->hitq_head + i) % SYN_HITQ_CAP];
		if (j < low)
			low = j;
	}
	for (size_t i = 0; i < s->pend_len; i++) {
		const struct pending *p = &s->pend[(s->pend_head + i) % s->pend_cap];
		if (p->j < low && !donewin_done(&s->done, p->j))
			low = p->j;
	}
	return low;
}

void syn_stage_stop(struct syn_stage *s)
{
	if (!s || !s->ticking)
		return;
	s->ticking = false;
	uv_timer_stop(&s->tick);
	uv_close((uv_handle_t *)&s->tick, NULL);
	syn_io_stop(s->io);
}

void syn_stage_free(struct syn_stage *s)
{
	if (!s)
		return;
	donewin_free(&s->done);
	free(s->pend);
	free(s);
}

void syn_stage_stats(const struct syn_stage *s, struct syn_stage_stats *st)
{
	*st = s->st;
}
