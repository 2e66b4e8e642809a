/* service.c - the conversations of one service, in order; see service.h. */
#include "probe/service.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <sys/random.h>
#include <time.h>

#include "check/check.h"
#include "probe/dc_ports.h"
#include "probe/epm.h"
#include "probe/mgmt.h"
#include "probe/conn.h"
#include "net/pace.h"
#include "wire/smb2.h"

/* anonymous and guest, over SMB2 and SMB1 (shared_convs below) */
#define N_SHARED_CONVS 4

struct service {
	struct engine *e;
	const struct scan_opts *opts;
	struct sockaddr_storage sa;
	bool netbios;
	char called[17];
	char fallback[17];
	bool fallback_tried;
	unsigned patient_connect_ms;
	service_done_fn done;
	void *ud;

	struct probe_ctx ctx;   /* ctx.rec: the record, once the service spoke */
	struct conv *a, *b, *c; /* smb2, smb1, dialect/check conversations */
	/* The kept connections the checks ride on (issue 17: each connection
	 * costs the server a fork, a log line, an IDS event): the SMB2 one
	 * (the full negotiate's, or the first check connection that
	 * negotiated) and the SMB1 one (the SMB1 negotiate's). c_link: the
	 * link the running check conversation is on, NULL on its own one. */
	struct conv *link2, *link1;
	struct conv **c_link;
	/* the dialect probes' connection while its probes are refused (an
	 * accepted NEGOTIATE ends its use), and whether C runs on it */
	struct conv *linkc;
	bool c_on_linkc;
	/* a negotiate that got its answer but lost its connection (a timeout,
	 * a drop) before the checks could ride it: their first fresh
	 * connection of that kind is a retry */
	bool link2_lost, link1_lost;
	bool pending_keep;
	/* the check conversations to run (plan_checks), and the checks
	 * (CHECK_BIT set) each can answer */
	const struct probe_ops *convs[N_SHARED_CONVS + RCHK_N];
	unsigned conv_cover[N_SHARED_CONVS + RCHK_N];
	int conv_check[N_SHARED_CONVS + RCHK_N]; /* its own check's id, -1: shared */
	unsigned n_checks, next_check;
	bool b_started;
	struct conv_result a_res, b_res;
	bool a_done, b_done;
	enum svc_outcome outcome;
	char why[80]; /* SVC_ERROR: the reason given to done() */
	uv_timer_t deadline;
	uv_timer_t backoff;      /* waits before a retry (see later()) */
	void (*after_backoff)(struct service *s);
	int open_timers;
	unsigned drop_retries;   /* retries after accept-then-drop */
	uint64_t own_congestions; /* of the pace's congestions, this host's */
	unsigned a_retries, b_retries, c_retries, check_retries; /* retries of later connections */
	unsigned jitter;         /* xorshift state for backoff jitter */
	/* the check conversation in flight: which record checks it answers
	 * (bits of enum rec_check_id), what they said before it began (a retry
	 * starts from there), and whether it already had its one retry after
	 * a timeout */
	unsigned cover;
	struct rec_check before[RCHK_N];
	unsigned errors_before;
	bool timeout_retried;
	/* range mode: the minimum dialect lies in smb2_dialects[range_lo..range_hi],
	 * smb2_dialects[range_hi] is known supported, smb2_dialects[range_probe] is offered */
	unsigned range_lo, range_hi, range_top, range_probe, range_asked;
	/* the follow-up window (net/pace.h): B, C and the checks wait
	 * for a slot; at most one of them holds one at a time */
	struct pace_wait wait;
	void (*wait_done)(const struct conv_result *res, void *ud);
	const struct probe_ops *pending_ops;
	uint64_t deadline_paused_ms; /* deadline left while waiting for a slot */
	bool holding;
	bool deadline_hit;
	bool finished;
	/* the record's cost: connections started, retries among them. The
	 * next start is a retry when retry_next is set (later(), the timeout
	 * and NetBIOS-name retries); pending_retry carries that to a
	 * follow-up that waits for its window slot */
	uint16_t conns, retries;
	bool retry_next, pending_retry, b_once;
};

static void start_a(struct service *s);
static void after_negotiates(struct service *s);
static void deadline_cb(uv_timer_t *t);
static void b_done(const struct conv_result *res, void *ud);
static void c_done(const struct conv_result *res, void *ud);

/* Retries of connections to a host that already answered, when the host
 * does not accept or drops them: that is a server over its limits (Samba
 * forks per connection and its listen backlog is 50), not an answer. */
#define LATER_RETRIES 3

static void backoff_cb(uv_timer_t *t)
{
	struct service *s = t->data;
	s->after_backoff(s);
}

/* Run fn after an exponential backoff with jitter (attempt 0: 250-375 ms),
 * so that retries from many services do not arrive together. */
static void later(struct service *s, void (*fn)(struct service *), unsigned attempt)
{
	s->retry_next = true; /* every fn given here starts a connection again */
	unsigned ms = 250u << (attempt < 4 ? attempt : 4);
	s->jitter ^= s->jitter << 13;
	s->jitter ^= s->jitter >> 17;
	s->jitter ^= s->jitter << 5;
	ms += s->jitter % (ms / 2 + 1);
	s->after_backoff = fn;
	uv_timer_start(&s->backoff, backoff_cb, ms, 0);
}

/* A later conversation could not get through (no connect, or dropped before
 * any answer). */
static bool not_through(const struct conv_result *r)
{
	return r->connect != ECONN_OK ||
	       ((r->end == PROBE_END_RESET || r->end == PROBE_END_CLOSED ||
		 r->end == PROBE_END_TIMEOUT) &&
		!r->answered);
}

/* Is the connection about to start a retry? Asked once per start. */
static bool take_retry(struct service *s)
{
	bool r = s->retry_next;
	s->retry_next = false;
	return r;
}

static void count_connection(struct service *s, bool retry)
{
	if (s->conns < UINT16_MAX)
		s->conns++;
	if (retry && s->retries < UINT16_MAX)
		s->retries++;
}

static void timer_closed(uv_handle_t *h)
{
	struct service *s = h->data;
	if (--s->open_timers == 0)
		free(s);
}

static void settle_unrun_checks(struct service *s);

static void service_finish(struct service *s)
{
	if (s->finished)
		return;
	s->finished = true;
	uv_timer_stop(&s->deadline);
	if (s->link2)
		conv_release(s->link2);
	if (s->link1)
		conv_release(s->link1);
	if (s->linkc)
		conv_release(s->linkc);
	s->link2 = s->link1 = s->linkc = NULL;
	if (s->ctx.rec)
		settle_unrun_checks(s);
	struct svc_record *rec = NULL;
	if (s->outcome == SVC_OPEN && s->ctx.smb_answer && s->ctx.rec) {
		s->ctx.rec->scanned_at = (int64_t)time(NULL);
		s->ctx.rec->cost.connections = s->conns;
		s->ctx.rec->cost.retries = s->retries;
		rec = s->ctx.rec;
	}
	s->done(s->outcome, rec, s->outcome == SVC_ERROR ? (s->why[0] ? s->why : "unknown") : NULL,
		s->ud);
	free(s->ctx.rec);
	s->ctx.rec = NULL;
	uv_timer_stop(&s->backoff);
	uv_close((uv_handle_t *)&s->deadline, timer_closed);
	uv_close((uv_handle_t *)&s->backoff, timer_closed);
}

static void deadline_cb(uv_timer_t *t)
{
	struct service *s = t->data;
	s->deadline_hit = true;
	if (s->ctx.rec) /* only a service that spoke has a record to report on */
		record_add_error(s->ctx.rec, "scan", "service deadline of %u ms exceeded",
				 s->opts->deadline_ms);
	if (s->wait.queued) {
		/* still waiting for a window slot: end that step as aborted */
		pace_cancel(s->opts->pace, &s->wait);
		struct conv_result r = {.connect = ECONN_ERROR, .end = PROBE_END_ABORTED};
		s->wait_done(&r, s);
	}
	if (s->a)
		conv_abort(s->a);
	if (s->b)
		conv_abort(s->b);
	if (s->c)
		conv_abort(s->c);
}

/* Offer every ladder dialect strictly below `below`; false if none. */
static bool offer_below(struct service *s, uint16_t below)
{
	s->ctx.n_offer = 0;
	for (unsigned i = 0; i < SMB2_N_DIALECTS; i++)
		if (smb2_dialects[i] < below && !record_has_dialect(s->ctx.rec, smb2_dialects[i]))
			s->ctx.offer[s->ctx.n_offer++] = smb2_dialects[i];
	return s->ctx.n_offer > 0;
}

static bool offer_one(struct service *s, unsigned i)
{
	s->ctx.offer[0] = smb2_dialects[i];
	s->ctx.n_offer = 1;
	s->range_probe = i;
	return true;
}

/* Dialect listing, after the full negotiate gave the max. Windows and Samba
 * support one contiguous range (Samba: server min/max protocol; Windows has
 * no holes either), so by default only the minimum is searched, most likely
 * answers first: 2.0.2 alone (the default everywhere: one connection), then
 * the one just below the max (hardened servers offer only the max: two),
 * then a binary search between (at most four); none when SMB1 answered, as
 * the range then starts below SMB2. --dialects each lists them
 * one by one instead (nmap's way; finds holes, one connection per dialect
 * plus one). False: nothing to ask. */
static bool first_dialect_probe(struct service *s)
{
	if (s->opts->dialects_each)
		return offer_below(s, s->ctx.smb2_max);
	unsigned top = 0;
	while (top < SMB2_N_DIALECTS && smb2_dialects[top] != s->ctx.smb2_max)
		top++;
	if (top == 0 || top >= SMB2_N_DIALECTS)
		return false;
	struct svc_record *rec = probe_ctx_record(&s->ctx);
	if (rec->smb1.enabled == TRI_YES) {
		/* SMB1 answered: the range reaches below SMB2, so every SMB2
		 * dialect up to the max is in it (a connection saved) */
		for (unsigned i = 0; i < top; i++)
			record_add_dialect(rec, smb2_dialects[i]);
		rec->smb2.dialects_by_range = true;
		return false;
	}
	s->range_lo = 0;
	s->range_hi = s->range_top = top;
	s->range_asked = 1;
	return offer_one(s, 0);
}

/* The answer to a dialect probe (chosen = the dialect it picked, 0 = none of
 * the offer): record it; true if another probe is needed. */
static bool next_dialect_probe(struct service *s, uint16_t chosen)
{
	struct svc_record *rec = probe_ctx_record(&s->ctx);
	if (s->opts->dialects_each) {
		if (!chosen)
			return false;
		record_add_dialect(rec, chosen);
		return offer_below(s, chosen);
	}
	if (chosen)
		s->range_hi = s->range_probe;
	else
		s->range_lo = s->range_probe + 1;
	if (s->range_lo < s->range_hi)
		return offer_one(s, s->range_asked++ == 1 ? s->range_hi - 1
							 : (s->range_lo + s->range_hi) / 2);
	for (unsigned i = s->range_hi; i < s->range_top; i++)
		record_add_dialect(rec, smb2_dialects[i]);
	rec->smb2.dialects_by_range = true;
	return false;
}

static const char *called_name(struct service *s)
{
	return s->netbios ? s->called : NULL;
}

/* Start a follow-up conversation when the window has room. */
static void follow_up_now(void *arg)
{
	struct service *s = arg;
	s->holding = true;
	if (s->deadline_paused_ms) {
		/* the wait for a window slot is the scanner's doing, not the
		 * server's: the deadline resumes with what was left */
		uv_timer_start(&s->deadline, deadline_cb, s->deadline_paused_ms, 0);
		s->deadline_paused_ms = 0;
	}
	count_connection(s, s->pending_retry);
	struct conv *c = conv_start(s->e, (struct sockaddr *)&s->sa, called_name(s),
				    s->pending_ops, &s->ctx, s->wait_done, s);
	if (s->pending_keep)
		conv_set_keep(c);
	if (s->wait_done == b_done)
		s->b = c;
	else
		s->c = c;
}

static void follow_up_kept(struct service *s, const struct probe_ops *ops, conv_done_fn done,
			   bool keep)
{
	s->pending_keep = keep;
	s->pending_ops = ops;
	s->wait_done = done;
	s->pending_retry = take_retry(s);
	pace_acquire(s->opts->pace, &s->wait, follow_up_now, s);
	if (s->wait.queued) {
		uint64_t left = uv_timer_get_due_in(&s->deadline);
		uv_timer_stop(&s->deadline);
		s->deadline_paused_ms = left ? left : 1;
	}
}

static void follow_up(struct service *s, const struct probe_ops *ops, conv_done_fn done)
{
	follow_up_kept(s, ops, done, false);
}

/* A follow-up conversation ended: give its slot back, saying whether the
 * server let it in. */
static void follow_up_end(struct service *s, const struct conv_result *res)
{
	if (!s->holding)
		return;
	s->holding = false;
	bool congested = not_through(res);
	s->own_congestions += congested;
	pace_release(s->opts->pace, pace_host_key((struct sockaddr *)&s->sa), congested,
		     uv_now(engine_loop(s->e)));
}


static void check_done(const struct conv_result *res, void *ud);

#define RBIT(id) CHECK_BIT(id)

/* The record checks a check conversation answers, given --checks and what
 * is known already (a share list is taken once). */
static unsigned cover_of(const struct service *s, unsigned conv)
{
	unsigned on = s->opts->checks, c = s->conv_cover[conv] & on;
	const struct svc_record *rec = s->ctx.rec;
	if (rec && rec->has_shares)
		c &= ~RBIT(RCHK_SHARES);
	return c;
}

static const char *end_reason(const struct service *s, const struct conv_result *res)
{
	if (s->deadline_hit)
		return "deadline";
	if (res->connect != ECONN_OK)
		return econn_outcome_name(res->connect);
	return probe_end_name(res->end);
}

/* A check conversation ended: a check whose field was learned is ok; one
 * left without it is failed when the conversation was cut short, and ok
 * when the server ended it with an answer (a refusal is a verdict) - unless
 * an earlier conversation already failed it, which an answer without the
 * field cannot undo (else a timed-out share list would become "no shares"
 * and its return a false change). */
static void settle_cover(struct service *s, const struct conv_result *res)
{
	struct svc_record *rec = s->ctx.rec;
	if (!rec)
		return;
	for (unsigned i = 0; i < RCHK_N; i++) {
		if (!(s->cover & RBIT(i)))
			continue;
		enum rec_check_id id = (enum rec_check_id)i;
		if (all_checks[i]->known(rec))
			record_check_set(rec, id, RCHK_OK, NULL);
		else if (res->connect == ECONN_OK && res->end == PROBE_END_DONE && !s->deadline_hit) {
			if (rec->checks[i].status != RCHK_FAILED)
				record_check_set(rec, id, RCHK_OK, NULL);
		} else
			record_check_set(rec, id, RCHK_FAILED, end_reason(s, res));
	}
	s->cover = 0;
}

/* At the end: the checks asked for that no conversation answered. What
 * "nothing ran" means depends on what the check needs (check/check.h). */
static void settle_unrun_checks(struct service *s)
{
	struct svc_record *rec = s->ctx.rec;
	for (unsigned i = 0; i < RCHK_N; i++) {
		enum rec_check_id id = (enum rec_check_id)i;
		if (!(s->opts->checks & RBIT(i)) || rec->checks[i].status != RCHK_NOT_RUN)
			continue;
		if (all_checks[i]->known(rec)) {
			record_check_set(rec, id, RCHK_OK, NULL);
		} else if (s->deadline_hit) {
			record_check_set(rec, id, RCHK_FAILED, "deadline");
		} else if (all_checks[i]->needs == NEEDS_SMB1) {
			/* an SMB1 flaw: no SMB1 is the verdict; SMB1 unknown is none */
			if (rec->smb1.enabled == TRI_NO)
				record_check_set(rec, id, RCHK_OK, NULL);
			else
				record_check_set(rec, id, RCHK_FAILED,
						 rec->smb1.enabled == TRI_UNKNOWN ? "no SMB1 answer"
										 : "not reached");
		} else if (all_checks[i]->needs == NEEDS_SMB2) {
			/* no SMB2 dialect seen: nothing to be vulnerable with */
			record_check_set(rec, id, RCHK_OK, NULL);
		}
		/* checks that need a session, with nothing to run them on, stay
		 * not_run */
	}
}

/* The link a check conversation rides (probe/conn.h conv_resume), NULL
 * when it needs a negotiate of its own (the relay check's 2.x-only one). */
static struct conv **link_of(struct service *s, const struct probe_ops *ops)
{
	if (ops == &probe_anon2 || ops == &probe_guest2)
		return &s->link2;
	if (ops == &probe_anon1 || ops == &probe_guest1)
		return &s->link1;
	return NULL;
}

/* The checks that ride a link: without them nothing is kept open. */
#define CHAIN_CHECKS                                                                 \
	(RBIT(RCHK_AUTH) | RBIT(RCHK_GUEST) | RBIT(RCHK_SHARES) | RBIT(RCHK_MS17_010) | \
	 RBIT(RCHK_DOUBLEPULSAR))

/* Do the negotiates keep their connections for the checks to ride? */
static bool chaining(const struct service *s)
{
	return (s->opts->checks & CHAIN_CHECKS) && !s->opts->one_connection;
}

/* Is the link a just-ended conversation leaves usable (it negotiated)? */
static bool link_usable(const struct service *s, struct conv **l)
{
	return l == &s->link2 ? s->ctx.link2_ok : s->ctx.link1_ok;
}

/* A conversation ended with its connection kept: it becomes the service's
 * link of its kind when there is none yet, else it is closed. */
static void adopt_link(struct service *s, struct conv **l, struct conv *kept)
{
	if (l && !*l && !s->finished && !s->deadline_hit && link_usable(s, l))
		*l = kept;
	else
		conv_release(kept);
}

/* After the fingerprint: the security checks, one conversation each, in
 * order (each may build on what the previous one stored). */
static void run_checks(struct service *s)
{
	/* the anonymous check does the guest logon too when it can (a second
	 * session on its connection): the guest check then has nothing to do */
	if (s->next_check < s->n_checks && s->convs[s->next_check] == &probe_guest2 &&
	    probe_ctx_record(&s->ctx)->auth.guest != TRI_UNKNOWN)
		s->next_check++;
	/* a check's own conversation that an earlier one made needless (the
	 * relay check's 2.x-only logon, answered by the SMB1 checks' one) */
	while (s->next_check < s->n_checks && s->conv_check[s->next_check] >= 0 &&
	       all_checks[s->conv_check[s->next_check]]->conv_applies &&
	       !all_checks[s->conv_check[s->next_check]]->conv_applies(probe_ctx_record(&s->ctx)))
		s->next_check++;
	if (s->deadline_hit || s->next_check >= s->n_checks) {
		service_finish(s);
		return;
	}
	unsigned conv = s->next_check++;
	const struct probe_ops *ops = s->convs[conv];
	struct svc_record *rec = probe_ctx_record(&s->ctx);
	s->cover = cover_of(s, conv);
	memcpy(s->before, rec->checks, sizeof s->before);
	s->errors_before = rec->n_errors;
	struct conv **l = link_of(s, ops);
	if (l && *l) {
		struct conv *lc = *l;
		s->c = lc;
		s->c_link = l;
		enum conv_resume_result r = conv_resume(lc, ops, check_done, s);
		if (r == CONV_RESUMED)
			return;
		if (r == CONV_FINISHED) {
			/* nothing to ask on this link (guest1 without NTLMSSP) */
			struct conv_result res = {
				.connect = ECONN_OK, .end = PROBE_END_DONE, .answered = true, .kept = lc};
			check_done(&res, s);
			return;
		}
		/* the server closed the link while it waited: a fresh
		 * connection, which the record counts as a retry */
		s->c = NULL;
		s->c_link = NULL;
		conv_release(lc);
		*l = NULL;
		s->retry_next = true;
	}
	bool keep = l != NULL && !s->opts->one_connection;
	bool *lost = l == &s->link2 ? &s->link2_lost : l == &s->link1 ? &s->link1_lost : NULL;
	if (lost && *lost) {
		*lost = false;
		s->retry_next = true;
	}
	if (keep && l == &s->link2) /* the fresh connection's own negotiate decides */
		s->ctx.link2_ok = false;
	else if (keep)
		s->ctx.link1_ok = false;
	follow_up_kept(s, ops, check_done, keep);
}

/* Forget what a failed attempt said, so its retry starts clean. */
static void undo_attempt(struct service *s)
{
	struct svc_record *rec = probe_ctx_record(&s->ctx);
	memcpy(rec->checks, s->before, sizeof rec->checks);
	if (rec->n_errors > s->errors_before)
		rec->n_errors = s->errors_before;
	s->cover = 0;
}

static void check_done(const struct conv_result *res, void *ud)
{
	struct service *s = ud;
	s->c = NULL;
	struct conv **on_link = s->c_link;
	s->c_link = NULL;
	follow_up_end(s, res);
	if (res->kept && !on_link) {
		adopt_link(s, link_of(s, s->convs[s->next_check - 1]), res->kept);
	} else if (!res->kept && on_link) {
		*on_link = NULL; /* the conversation ended the link with it */
		if (!s->deadline_hit && not_through(res)) {
			/* the link died under it before an answer (dropped after
			 * the negotiate, a server that allows one session per
			 * connection): the same check on a fresh connection, a
			 * retry, no backoff (not the server's load) */
			undo_attempt(s);
			s->next_check--;
			s->retry_next = true;
			run_checks(s);
			return;
		}
	}
	if (!s->deadline_hit && not_through(res) && s->check_retries < LATER_RETRIES) {
		undo_attempt(s);
		s->next_check--; /* the same check again */
		later(s, run_checks, s->check_retries++);
		return;
	}
	if (!s->deadline_hit && res->connect == ECONN_OK && res->end == PROBE_END_TIMEOUT &&
	    !s->timeout_retried) {
		/* the server answered, then went quiet (a busy server, an RPC
		 * service starting): once more on a new connection before the
		 * check is given up */
		s->timeout_retried = true;
		s->retry_next = true;
		undo_attempt(s);
		s->next_check--;
		run_checks(s);
		return;
	}
	settle_cover(s, res);
	s->timeout_retried = false;
	run_checks(s);
}

/* Is what a check or conversation needs there, after the fingerprint? */
static bool needs_met(const struct svc_record *rec, enum check_needs needs)
{
	switch (needs) {
	case NEEDS_PORT_135:
		return false; /* its own service (probe/epm.c), never on SMB */
	case NEEDS_SESSION:
		return rec->smb2.present || rec->smb1.enabled == TRI_YES;
	case NEEDS_SMB1:
		return rec->smb1.enabled == TRI_YES;
	case NEEDS_SMB2:
		return rec->smb2.present;
	case NEEDS_OWN_PORT:
		return false; /* its probe is not an SMB conversation */
	}
	return false;
}

static void plan_add(struct service *s, const struct probe_ops *ops, unsigned cover, int check)
{
	s->conv_check[s->n_checks] = check;
	s->convs[s->n_checks] = ops;
	s->conv_cover[s->n_checks++] = cover;
}

/* The conversations several checks share, in order: each may build on what
 * the previous one stored (the anonymous SMB2 session also tries the guest
 * logon; the guest conversation is then skipped, see run_checks). A
 * conversation runs when one of `runs_for` was asked for; it answers
 * `answers` (of those asked for). A new check with a conversation of its
 * own does not come here: it sets check.conv. */
struct shared_conv {
	const struct probe_ops *ops;
	bool (*applies)(const struct svc_record *rec);
	unsigned runs_for, answers;
};

static bool has_smb2(const struct svc_record *rec)
{
	return rec->smb2.present;
}

static bool smb1_only(const struct svc_record *rec)
{
	return !rec->smb2.present && rec->smb1.enabled == TRI_YES;
}

static bool has_smb1(const struct svc_record *rec)
{
	return rec->smb1.enabled == TRI_YES;
}

static const struct shared_conv shared_convs[N_SHARED_CONVS] = {
	/* guest alone (--checks guest) needs no anonymous session first */
	{&probe_anon2, has_smb2, RBIT(RCHK_AUTH) | RBIT(RCHK_SHARES),
	 RBIT(RCHK_AUTH) | RBIT(RCHK_GUEST) | RBIT(RCHK_SHARES)},
	{&probe_guest2, has_smb2, RBIT(RCHK_GUEST), RBIT(RCHK_GUEST) | RBIT(RCHK_SHARES)},
	{&probe_guest1, smb1_only, RBIT(RCHK_GUEST), RBIT(RCHK_GUEST)},
	{&probe_anon1, has_smb1,
	 RBIT(RCHK_AUTH) | RBIT(RCHK_SHARES) | RBIT(RCHK_MS17_010) | RBIT(RCHK_DOUBLEPULSAR),
	 RBIT(RCHK_AUTH) | RBIT(RCHK_SHARES) | RBIT(RCHK_MS17_010) | RBIT(RCHK_DOUBLEPULSAR)},
};

/* After the fingerprint: settle the checks it already answers (derive),
 * then line up the conversations of the checks asked for. */
static void plan_checks(struct service *s)
{
	unsigned on = s->opts->checks;
	struct svc_record *rec = probe_ctx_record(&s->ctx);
	if (s->linkc) { /* the dialect probes are over */
		conv_release(s->linkc);
		s->linkc = NULL;
	}
	for (unsigned i = 0; i < RCHK_N; i++) {
		if (!(on & RBIT(i)) || !all_checks[i]->derive || !needs_met(rec, all_checks[i]->needs))
			continue;
		all_checks[i]->derive(rec);
		/* from the fingerprint: settled here, even with no verdict */
		record_check_set(rec, (enum rec_check_id)i, RCHK_OK, NULL);
	}
	s->n_checks = 0;
	for (unsigned i = 0; i < N_SHARED_CONVS; i++)
		if ((on & shared_convs[i].runs_for) && shared_convs[i].applies(rec))
			plan_add(s, shared_convs[i].ops, shared_convs[i].answers, -1);
	for (unsigned i = 0; i < RCHK_N; i++)
		if ((on & RBIT(i)) && all_checks[i]->conv && needs_met(rec, all_checks[i]->needs) &&
		    (!all_checks[i]->conv_applies || all_checks[i]->conv_applies(rec)))
			plan_add(s, all_checks[i]->conv, RBIT(i), (int)i);
	s->next_check = 0;
	run_checks(s);
}

static void start_c(struct service *s)
{
	if (s->linkc) {
		/* the previous probe was refused: this one rides its connection */
		struct conv *lc = s->linkc;
		s->c = lc;
		s->c_on_linkc = true;
		if (conv_resume(lc, &probe_dialect, c_done, s) == CONV_RESUMED)
			return;
		s->c = NULL; /* the server closed it meanwhile: a fresh one, a retry */
		s->c_on_linkc = false;
		conv_release(lc);
		s->linkc = NULL;
		s->retry_next = true;
	}
	follow_up_kept(s, &probe_dialect, c_done, true);
}

static void c_done(const struct conv_result *res, void *ud)
{
	struct service *s = ud;
	s->c = NULL;
	bool on_link = s->c_on_linkc;
	s->c_on_linkc = false;
	follow_up_end(s, res);
	if (on_link)
		s->linkc = NULL;
	if (res->kept) {
		/* refused: still un-negotiated, the next probe may ride it */
		if (!s->ctx.chosen && !s->deadline_hit && !s->finished)
			s->linkc = res->kept;
		else
			conv_release(res->kept);
	} else if (on_link && !s->deadline_hit && !s->ctx.chosen && not_through(res)) {
		/* dropped under the chained probe: the same offer on a fresh
		 * connection, a retry */
		s->retry_next = true;
		start_c(s);
		return;
	}
	if (s->deadline_hit) {
		service_finish(s);
		return;
	}
	if (!s->ctx.chosen && not_through(res) && s->c_retries < LATER_RETRIES) {
		later(s, start_c, s->c_retries++); /* same offer again */
		return;
	}
	if (!s->ctx.chosen && res->end != PROBE_END_DONE) {
		/* no verdict for the lower dialects: say so rather than guess */
		s->ctx.rec->smb2.dialects_complete = false;
		record_add_error(probe_ctx_record(&s->ctx), "dialects", "dialect probe ended: %s",
				 res->connect != ECONN_OK ? econn_outcome_name(res->connect)
				 : res->end == PROBE_END_TIMEOUT ? "timeout"
								  : "no answer");
		plan_checks(s);
		return;
	}
	if (next_dialect_probe(s, s->ctx.chosen)) {
		start_c(s);
		return;
	}
	s->ctx.rec->smb2.dialects_complete = true;
	plan_checks(s);
}

/* Both negotiates are over: settle the SMB1 verdict, then list dialects. */
static bool dropped(const struct conv_result *r)
{
	return r->connect == ECONN_OK && (r->end == PROBE_END_RESET || r->end == PROBE_END_CLOSED);
}

/* Accepted and then no word: dropped, or (once servers were seen choking)
 * silent until the read timeout, which is what a forked smbd starved of CPU
 * looks like. */
static bool let_down(const struct conv_result *r, bool overload)
{
	return dropped(r) || (overload && r->connect == ECONN_OK && r->end == PROBE_END_TIMEOUT &&
			      !r->answered);
}

/* The SMB2 negotiate again, for a host that answered the SMB1 one: its first
 * try was not let in or not answered (an overloaded server, not "no SMB2"). */
static void a2_done(const struct conv_result *res, void *ud)
{
	struct service *s = ud;
	s->c = NULL;
	if (res->kept)
		conv_release(res->kept);
	follow_up_end(s, res);
	s->a_res = *res;
	after_negotiates(s);
}

static void retry_a(struct service *s)
{
	follow_up(s, &probe_smb2_negotiate, a2_done);
}

static void restart_negotiates(struct service *s)
{
	s->a_done = s->b_done = s->b_started = false;
	start_a(s);
}

static void start_b(struct service *s)
{
	if (s->b_once) /* again, after restart_negotiates */
		s->retry_next = true;
	s->b_once = true;
	s->b_started = true;
	s->b_done = false;
	/* kept: the SMB1 checks ride this connection */
	follow_up_kept(s, &probe_smb1_negotiate, b_done, chaining(s));
}

static void after_negotiates(struct service *s)
{
	if (!s->a_done || (s->b_started && !s->b_done))
		return;
	/* servers have been seen dropping connections: silence and closed
	 * connections may be load, not answers */
	const struct pace *pace = s->opts->pace;
	bool overload = pace_overload_seen_for(pace, pace_host_key((struct sockaddr *)&s->sa),
					       uv_now(engine_loop(s->e)));
	/* Other hosts must have shown the load too: one that accepts and never
	 * speaks (a tarpit, a mute service) halves the window by itself, and
	 * is not thereby overloaded (it gets --retries, no more, and no sweep) */
	bool others_choke = overload && pace_others_choked(pace, s->own_congestions);
	/* while servers choke, a starved smbd child can stay mute through one
	 * retry: such hosts get the follow-ups' budget (--retries 0: none) */
	unsigned drop_budget = s->opts->retries;
	if (others_choke && drop_budget && drop_budget < LATER_RETRIES)
		drop_budget = LATER_RETRIES;
	if (!s->deadline_hit && !s->ctx.smb_answer && let_down(&s->a_res, overload) &&
	    (!s->b_started || let_down(&s->b_res, overload)) && s->drop_retries < drop_budget) {
		/* accepted, then dropped before a word: a server over its limits
		 * (Samba forks per connection, its backlog is 50). Try again after
		 * a pause rather than lose the host. */
		later(s, restart_negotiates, s->drop_retries++);
		return;
	}
	/* Only under overload: an SMB1-only server closes an SMB2 negotiate on
	 * purpose, and that is its answer. */
	if (!s->deadline_hit && s->ctx.smb_answer && !s->ctx.smb2_max && not_through(&s->a_res) &&
	    overload && s->a_retries < LATER_RETRIES) {
		later(s, retry_a, s->a_retries++);
		return;
	}
	if (!s->deadline_hit && s->ctx.smb_answer && s->b_started && !s->ctx.smb1_answer &&
	    not_through(&s->b_res) && s->b_retries < LATER_RETRIES) {
		/* the host answered on another connection: this one was not let in */
		later(s, start_b, s->b_retries++);
		return;
	}
	if (s->deadline_hit || !s->ctx.smb_answer) {
		/* let in, never a word, retried, while servers choke: a host lost
		 * to load, which the summary counts as an error, not as an open
		 * port that does not speak SMB */
		if (!s->ctx.smb_answer && others_choke && let_down(&s->a_res, overload)) {
			s->outcome = SVC_ERROR;
			snprintf(s->why, sizeof s->why, "%s", SVC_WHY_OVERLOADED);
		}
		service_finish(s);
		return;
	}
	if (!s->ctx.smb2_max && s->a_res.connect == ECONN_OK && !s->a_res.answered &&
	    (s->a_res.end == PROBE_END_TIMEOUT || s->a_res.end == PROBE_END_RESET))
		record_add_error(probe_ctx_record(&s->ctx), "smb2", "no answer to the SMB2 negotiate (%s)",
				 probe_end_name(s->a_res.end));
	struct rec_smb1 *m = &probe_ctx_record(&s->ctx)->smb1;
	if (m->enabled == TRI_UNKNOWN && s->b_started) {
		if (s->b_res.connect == ECONN_OK &&
		    (s->b_res.end == PROBE_END_RESET || s->b_res.end == PROBE_END_CLOSED))
			m->enabled = TRI_NO; /* Windows with SMB1 off resets */
		else if (s->b_res.end == PROBE_END_TIMEOUT)
			record_add_error(probe_ctx_record(&s->ctx), "smb1", "no answer to the SMB1 negotiate");
		else if (s->b_res.end != PROBE_END_PROTOCOL) /* decode errors are already noted */
			record_add_error(probe_ctx_record(&s->ctx), "smb1", "SMB1 negotiate ended without a verdict");
	}
	if (s->ctx.smb2_max && first_dialect_probe(s)) {
		start_c(s);
		return;
	}
	s->ctx.rec->smb2.dialects_complete = s->ctx.rec->smb2.present;
	plan_checks(s);
}

static void b_done(const struct conv_result *res, void *ud)
{
	struct service *s = ud;
	s->b = NULL;
	follow_up_end(s, res);
	if (res->kept)
		adopt_link(s, &s->link1, res->kept);
	else if (s->ctx.link1_ok && chaining(s))
		s->link1_lost = true;
	s->b_done = true;
	s->b_res = *res;
	after_negotiates(s);
}

static void a_connected(void *ud)
{
	struct service *s = ud;
	if (s->b_started)
		return;
	start_b(s);
}

enum svc_outcome svc_outcome_of_connect(const struct conv_result *res, char *why, size_t whysz)
{
	if (whysz)
		why[0] = '\0';
	if (res->connect == ECONN_OK)
		return SVC_OPEN;
	if (res->connect == ECONN_REFUSED)
		return SVC_CLOSED;
	if (res->connect == ECONN_TIMEOUT)
		return SVC_FILTERED; /* retried by the scan, later (cli/scan_run.c) */
	snprintf(why, whysz, "connect: %s",
		 res->uv_err ? uv_strerror(res->uv_err) : econn_outcome_name(res->connect));
	return SVC_ERROR;
}

static void a_done(const struct conv_result *res, void *ud)
{
	struct service *s = ud;
	s->a = NULL;
	if (res->kept)
		adopt_link(s, &s->link2, res->kept);
	else if (s->ctx.link2_ok && chaining(s))
		s->link2_lost = true;
	if (res->connect != ECONN_OK && !s->deadline_hit) {
		s->outcome = svc_outcome_of_connect(res, s->why, sizeof s->why);
		service_finish(s);
		return;
	}
	if (res->nbss_negative && !s->fallback_tried && s->fallback[0] && !s->b_started) {
		/* RFC 1002: the server refused the called name; try the one we learned */
		s->fallback_tried = true;
		s->retry_next = true;
		record_set_str(s->called, sizeof s->called, s->fallback);
		start_a(s);
		return;
	}
	if (res->nbss_negative)
		record_add_error(probe_ctx_record(&s->ctx), "netbios", "session request refused (0x%02X)",
				 res->nbss_error);
	s->a_done = true;
	s->a_res = *res;
	after_negotiates(s);
}

static void start_a(struct service *s)
{
	count_connection(s, take_retry(s));
	s->a = conv_start(s->e, (struct sockaddr *)&s->sa, called_name(s), &probe_smb2_negotiate,
			  &s->ctx, a_done, s);
	if (s->patient_connect_ms)
		conv_set_connect_timeout(s->a, s->patient_connect_ms);
	if (chaining(s))
		conv_set_keep(s->a); /* the SMB2 checks ride this connection */
	conv_set_connected_cb(s->a, a_connected);
}

static void sockaddr_text(const struct sockaddr_storage *sa, char *ip, size_t ipsz,
			  uint16_t *port)
{
	ip[0] = '\0';
	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)ipsz);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, ip, (socklen_t)ipsz);
		*port = ntohs(s4->sin_port);
	}
}

void service_start(struct engine *e, const struct scan_opts *opts, const struct sockaddr *sa,
		   bool netbios, const char *nb_fallback, unsigned patient_connect_ms,
		   service_done_fn done, void *ud)
{
	uint16_t port = ntohs(sa->sa_family == AF_INET6 ? ((const struct sockaddr_in6 *)sa)->sin6_port
						       : ((const struct sockaddr_in *)sa)->sin_port);
	if (port == EPM_PORT && (opts->checks & CHECK_BIT(RCHK_EPM))) {
		/* 135 speaks DCE/RPC, not SMB: the endpoint mapper's own service */
		epm_service_start(e, opts, sa, patient_connect_ms, done, ud);
		return;
	}
	if (dc_port_is(port) && (opts->checks & CHECK_BIT(RCHK_EPM))) {
		/* Kerberos / LDAP: open or not is the DC sign; no SMB there */
		dc_port_service_start(e, opts, sa, patient_connect_ms, done, ud);
		return;
	}
	if (mgmt_service_of_port(port) != MGMT_NONE && (opts->checks & CHECK_BIT(RCHK_MGMT))) {
		/* RDP, WinRM, SSH: the management service's own first exchange */
		mgmt_service_start(e, opts, sa, patient_connect_ms, done, ud);
		return;
	}
	struct service *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->e = e;
	s->opts = opts;
	memcpy(&s->sa, sa,
	       sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	s->netbios = netbios;
	record_set_str(s->called, sizeof s->called, "*SMBSERVER");
	if (nb_fallback)
		record_set_str(s->fallback, sizeof s->fallback, nb_fallback);
	s->done = done;
	s->ud = ud;
	s->patient_connect_ms = patient_connect_ms;
	s->outcome = SVC_OPEN;
	sockaddr_text(&s->sa, s->ctx.ip, sizeof s->ctx.ip, &s->ctx.port);
	s->ctx.netbios = netbios;
	s->ctx.opts = opts;
	if (getrandom(s->ctx.client_guid, sizeof s->ctx.client_guid, 0) < 0 ||
	    getrandom(s->ctx.salt, sizeof s->ctx.salt, 0) < 0)
		memset(s->ctx.salt, 0x5A, sizeof s->ctx.salt); /* uniqueness is not security here */
	uv_timer_init(engine_loop(e), &s->deadline);
	uv_timer_init(engine_loop(e), &s->backoff);
	s->deadline.data = s->backoff.data = s;
	s->jitter = (unsigned)s->ctx.client_guid[0] | (unsigned)s->ctx.client_guid[1] << 8 |
		    (unsigned)s->ctx.client_guid[2] << 16 | 1u;
	s->open_timers = 2;
	uv_timer_start(&s->deadline, deadline_cb, opts->deadline_ms, 0);
	start_a(s);
}
