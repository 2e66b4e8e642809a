/* scan_run.c - one scan from targets to assessed records; see scan_run.h. */
#include "scan/scan_run.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "assess/assess.h"
#include "policy/policy.h"
#include "scan/coercion_hold.h"
#include "scan/mgmt_hold.h"
#include "scan/nbname_cache.h"
#include "scan/scan_syn.h"
#include "net/permute.h"
#include "net/pos_ring.h"
#include "net/resume.h"
#include "net/pace.h"
#include "net/engine.h"
#include "probe/nbns_probe.h"
#include "probe/quic_probe.h"
#include "probe/service.h"
#include "report/progress.h"

struct scan_run {
	uv_loop_t *loop;
	struct engine *engine;
	struct scan_opts sopts;
	struct target_set *targets;
	struct port_list ports;
	const struct scan_hooks *hooks;
	struct progress *progress;
	uv_timer_t progress_timer;
	uint64_t total;      /* targets x ports */
	uint64_t shard_total; /* positions this shard owns */
	uint64_t next, done; /* next shard-relative position; services finished */
	const uint64_t *skip; /* positions an earlier part of a resumed scan finished */
	size_t n_skip, skip_at;
	unsigned active, max_active;
	struct scan_space space; /* positions <-> (address, port) */
	struct syn_stage *syn;   /* --syn: hits come from here, NULL otherwise */
	uint64_t syn_no_connect; /* SYN-ACKed, then no connection got through */
	const struct scan_config *cfg;
	uint64_t *slots;     /* position of the service in each slot, UINT64_MAX = free */
	unsigned *free_slots; /* stack of free slot numbers */
	unsigned n_free;
	/* Timed-out targets wait here to be tried again "later in the scan"
	 * (--retries), when the burst that may have lost their SYN is over.
	 * A ring bounded by what can time out in a few seconds, not by the
	 * size of the target set. */
	struct pace *pace;      /* rate, follow-up window, overload (net/pace.h) */
	/* the engine's connect timeout was raised once servers were seen
	 * overloaded: follow-ups to hosts that answered keep the patience;
	 * first tries get the short one again when calm (start_position) */
	bool patient;
	struct pos_ring retry;
	/* Hosts lost to load ("accepted, then silent" while servers choked)
	 * wait here for the end of the scan, when the servers are calm, and
	 * are tried once more, a few at a time (the sweep). */
	struct pos_ring sweep;
	/* Filtered verdicts: a full listen queue drops SYNs just as a filter
	 * does. One whose tries overlapped a time when servers were seen
	 * choking goes to `recheck`, tried once more at the end when they are
	 * calm; the others wait in `doubt` (DOUBT_WINDOW_MS: a choke is seen
	 * only when a follow-up connection times out) before they count. */
	struct pos_ring doubt, recheck;
	uint64_t doubt_congestions; /* overload congestions the doubts have seen */
	bool rechecking;            /* the end-of-scan re-check has begun */
	uint64_t rechecked;         /* positions it tried (stats) */
	uv_timer_t stats_timer;
	struct rate_meter stats_meter; /* done_per_s in the stats lines */
	uv_timer_t feed_timer; /* retries feed() while the engine holds a queue */
	uint64_t start_ms;     /* uv_now() at the start, for uptime */
	struct scan_summary sum;
	struct nbname_cache *names;
	struct coercion_hold *coercion; /* 135 records waiting for the relay verdicts */
	struct mgmt_hold *mgmt; /* RDP, WinRM, SSH records waiting for their host's SMB */
	struct nbns_pacer *nbns; /* U:137 probes' send rate; NULL without UDP ports */
	bool stopping;
	uv_signal_t sigint, sigterm;
};

static void feed(struct scan_run *run);

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t outsz)
{
	out[0] = '\0';
	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, out,
			  (socklen_t)outsz);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out,
			  (socklen_t)outsz);
}

#define OVERLOAD_CONNECT_TIMEOUT_MS 3500
#define SYN_HIT_EXTRA_RETRIES 2
#define SWEEP_ROUNDS 2      /* end-of-scan tries of a host lost to load */
#define SWEEP_INFLIGHT 4    /* services running while the sweep starts one */
#define DOUBT_WINDOW_MS 5000 /* how long after a filtered verdict a choke still counts */
#define CHOKE_LEAD_MS 1000   /* a choke this long before a first try still counts */

struct slot_ref {
	struct scan_run *run;
	unsigned slot;
	struct pos_entry pos; /* what the tries so far were */
	bool hasty; /* connected with the short timeout */
};

/* Queue a --retries try of pos, after a short pause, jittered, so retries
 * do not arrive as one burst (the connect timeout already let the kernel
 * resend the SYN once). */
static bool retry_push(struct scan_run *run, struct pos_entry pos)
{
	pos.ready_ms = uv_now(run->loop) + 250 + (pos.j * 2654435761u) % 250;
	return pos_ring_push(&run->retry, &pos);
}

/* A filtered verdict is final unless servers were seen choking while its
 * tries ran, or soon after (DOUBT_WINDOW_MS): then the position waits for
 * the end-of-scan re-check instead. False: nothing queued, count it now. */
static uint64_t host_of(const struct scan_run *run, uint64_t j)
{
	struct sockaddr_storage ss;
	return space_addr(&run->space, j, &ss) ? pace_host_key((struct sockaddr *)&ss) : 0;
}

static bool doubt_push(struct scan_run *run, struct pos_entry pos)
{
	if (pace_choked_since(run->pace, host_of(run, pos.j),
			      pos.first_ms > CHOKE_LEAD_MS ? pos.first_ms - CHOKE_LEAD_MS : 0)) {
		pos.recheck = true;
		return pos_ring_push(&run->recheck, &pos);
	}
	pos.ready_ms = uv_now(run->loop) + DOUBT_WINDOW_MS;
	return pos_ring_push(&run->doubt, &pos);
}

/* A position finished with outcome o (and its record, if any). */
static void count_outcome(struct scan_run *run, enum svc_outcome o)
{
	run->done++;
	switch (o) {
	case SVC_OPEN: run->sum.open++; break;
	case SVC_CLOSED: run->sum.closed++; break;
	case SVC_FILTERED: run->sum.filtered++; break;
	case SVC_ERROR: run->sum.errors++; break;
	}
}

/* Settle the doubts: a choke seen since they were queued sends every one
 * to the re-check (their verdicts came at most DOUBT_WINDOW_MS before it);
 * those whose window passed calmly count as filtered. `all`: the scan has
 * nothing else running that could still see a choke. */
static void settle_doubts(struct scan_run *run, bool all)
{
	if (run->pace->overload_congestions != run->doubt_congestions) {
		run->doubt_congestions = run->pace->overload_congestions;
		while (run->doubt.len) {
			struct pos_entry e = pos_ring_pop(&run->doubt);
			e.recheck = true;
			if (!pos_ring_push(&run->recheck, &e))
				count_outcome(run, SVC_FILTERED);
		}
	}
	uint64_t now = uv_now(run->loop);
	while (run->doubt.len && (all || pos_ring_at(&run->doubt, 0)->ready_ms <= now)) {
		pos_ring_pop(&run->doubt);
		count_outcome(run, SVC_FILTERED);
	}
}

/* An error is counted by reason for the summary, and with -v said at once. */
static void count_error(struct scan_run *run, uint64_t j, const char *why)
{
	summary_add_error(&run->sum, why);
	if (!run->cfg->verbose)
		return;
	struct sockaddr_storage ss = {0};
	char ip[64] = "?";
	uint16_t port = 0;
	if (space_addr(&run->space, j, &ss)) {
		addr_text(&ss, ip, sizeof ip);
		port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
						: ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	fprintf(stderr, "smbwatch: error %s%s%s port %u: %s\n", ss.ss_family == AF_INET6 ? "[" : "",
		ip, ss.ss_family == AF_INET6 ? "]" : "", port, why);
}

/* An open port without a record (not SMB) to the coercion hold, which
 * keeps 88 and 389 as DC signs of the host. */
static void note_open_port(struct scan_run *run, uint64_t j)
{
	struct sockaddr_storage ss;
	if (space_is_udp(&run->space, j) || !space_addr(&run->space, j, &ss))
		return;
	char ip[64];
	addr_text(&ss, ip, sizeof ip);
	uint16_t port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
						 : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	coercion_hold_note_open(run->coercion, ip, port);
}

static void service_done(enum svc_outcome o, struct svc_record *rec, const char *why, void *ud)
{
	struct slot_ref *ref = ud;
	struct scan_run *run = ref->run;
	uint64_t j = run->slots[ref->slot];
	struct pos_entry pos = ref->pos;
	run->slots[ref->slot] = UINT64_MAX;
	run->free_slots[run->n_free++] = ref->slot;
	run->active--;
	unsigned retries = run->sopts.retries;
	/* with --syn the port has answered SYN-ACK: it is open, and a connect
	 * that times out met a full listen queue, not a filter */
	if (run->syn)
		retries += SYN_HIT_EXTRA_RETRIES;
	/* A short-timeout attempt that ended once servers were seen choking
	 * (the scan's first burst) had one SYN against a full listen queue: it
	 * is not counted, and the retry waits the patient timeout. Only
	 * positions started with the short timeout (calm, see start_position)
	 * that end while the scan is overloaded get this, once each. */
	bool hasty = ref->hasty && !pos.hasty_spent && pace_overloaded(run->pace, uv_now(run->loop));
	free(ref);
	if (o == SVC_FILTERED && !pos.recheck && (hasty || pos.attempt < retries) &&
	    !run->stopping) {
		struct pos_entry again = pos;
		again.attempt += !hasty;
		again.hasty_spent |= hasty; /* once: overload that comes and goes must not loop */
		if (retry_push(run, again)) {
			feed(run);
			return; /* not done yet: it comes back later */
		}
	}
	if (o == SVC_FILTERED && run->syn && !run->stopping) {
		/* it answered our SYN, then refused every connection by silence:
		 * not a filtered port, a failure (and said so at the end) */
		o = SVC_ERROR;
		why = "SYN-ACK, then no connection got through";
		run->syn_no_connect++;
	}
	if (o == SVC_ERROR && why && strcmp(why, SVC_WHY_OVERLOADED) == 0 &&
	    pos.sweep_round < SWEEP_ROUNDS && !run->stopping) {
		struct pos_entry again = pos;
		again.attempt = 1;
		again.sweep_round++;
		if (pos_ring_push(&run->sweep, &again)) {
			feed(run);
			return; /* tried again at the end, when the servers are calm */
		}
	}
	/* (UDP silence is not a listen queue: no doubt there) */
	if (o == SVC_FILTERED && !run->syn && !pos.recheck && !run->stopping &&
	    !space_is_udp(&run->space, j) && doubt_push(run, pos)) {
		feed(run);
		return; /* counted once no choke was seen around it, or re-checked */
	}
	if (o == SVC_ERROR)
		count_error(run, j, why ? why : "unknown");
	count_outcome(run, o);
	if (o == SVC_OPEN && !rec)
		note_open_port(run, j); /* 88/389 open: a DC sign for its host's 135 record */
	if (rec) {
		assess_record(rec);
		policy_evaluate(run->cfg->policy, rec); /* --policy: POLICY_VIOLATION findings */
		/* the summary's "SMB services" and the policy's "no SMB answered"
		 * count SMB only: 135 and U:137 records are counted apart */
		if (record_is_smb(rec))
			run->sum.services++;
		else
			run->sum.other_services++;
		run->sum.connections += rec->cost.connections;
		run->sum.conn_retries += rec->cost.retries;
		if (rec->ntlm.present && rec->ntlm.netbios_computer[0])
			nbname_cache_put(run->names, rec->ip, rec->ntlm.netbios_computer);
		/* a 135 record with COERCION_SURFACE waits for its host's
		 * relay verdict (reported at the end) */
		if (!coercion_hold_take(run->coercion, rec) && !mgmt_hold_take(run->mgmt, rec) &&
		    run->hooks->service)
			run->hooks->service(rec, run->hooks->ud);
	}
	feed(run);
}

/* The lowest position still in flight, or next: every position below it is
 * finished, which is what a resume file may promise. */
static uint64_t resume_position(const struct scan_run *run)
{
	uint64_t low = run->syn ? syn_stage_low(run->syn) : run->next;
	for (unsigned i = 0; i < run->max_active; i++)
		if (run->slots[i] < low)
			low = run->slots[i];
	const struct pos_ring *waiting[] = {&run->retry, &run->sweep, &run->doubt, &run->recheck};
	for (size_t w = 0; w < sizeof waiting / sizeof *waiting; w++)
		for (size_t i = 0; i < waiting[w]->len; i++)
			if (pos_ring_at(waiting[w], i)->j < low)
				low = pos_ring_at(waiting[w], i)->j;
	return low;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The positions in [low, next) that finished: everything there but what is
 * in flight or waiting for a retry. Without them the resumed run would scan
 * and count them a second time. NULL (none listed) with --syn, whose hits
 * come out of order from the SYN stage, or when it would be huge. */
static uint64_t *finished_above(const struct scan_run *run, uint64_t low, size_t *n)
{
	*n = 0;
	if (run->syn || run->next <= low || run->next - low > (1u << 22))
		return NULL;
	size_t n_open = 0;
	const struct pos_ring *waiting[] = {&run->retry, &run->sweep, &run->doubt, &run->recheck};
	size_t n_waiting = 0;
	for (size_t w = 0; w < sizeof waiting / sizeof *waiting; w++)
		n_waiting += waiting[w]->len;
	uint64_t *open = malloc((run->max_active + n_waiting + 1) * sizeof *open);
	uint64_t *done = malloc((size_t)(run->next - low) * sizeof *done);
	if (!open || !done)
		abort();
	for (unsigned i = 0; i < run->max_active; i++)
		if (run->slots[i] != UINT64_MAX)
			open[n_open++] = run->slots[i];
	for (size_t w = 0; w < sizeof waiting / sizeof *waiting; w++)
		for (size_t i = 0; i < waiting[w]->len; i++)
			open[n_open++] = pos_ring_at(waiting[w], i)->j;
	qsort(open, n_open, sizeof *open, cmp_u64);
	size_t k = 0;
	for (uint64_t j = low; j < run->next; j++) {
		while (k < n_open && open[k] < j)
			k++;
		if (k < n_open && open[k] == j)
			continue;
		done[(*n)++] = j;
	}
	free(open);
	return done;
}

static void write_resume(struct scan_run *run, bool announce)
{
	const struct scan_config *cfg = run->cfg;
	if (!cfg->resume_file)
		return; /* monitor: the next cycle starts over, nothing to resume */
	struct resume_state st = {
		.seed = cfg->seed,
		.shard_k = cfg->shard_k,
		.shard_n = cfg->shard_n,
		.position = resume_position(run),
		.argc = cfg->argc,
		.argv = cfg->argv,
	};
	st.done = finished_above(run, st.position, &st.n_done);
	if (resume_write(cfg->resume_file, &st) != 0)
		fprintf(stderr, "smbwatch: cannot write resume file '%s'\n", cfg->resume_file);
	else if (announce)
		fprintf(stderr,
			"smbwatch: interrupted: %llu of %llu done; continue with: smbwatch scan "
			"--resume %s\n",
			(unsigned long long)run->done, (unsigned long long)run->shard_total,
			cfg->resume_file);
	free(st.done);
}

/* Step next over a position an earlier part of this scan finished. */
static bool skip_finished(struct scan_run *run)
{
	while (run->skip_at < run->n_skip && run->skip[run->skip_at] < run->next)
		run->skip_at++;
	if (run->skip_at < run->n_skip && run->skip[run->skip_at] == run->next) {
		run->skip_at++;
		run->next++;
		return true;
	}
	return false;
}

/* Start the service at shard-relative position pos.j (a first try: only
 * j set; a later one: what the earlier tries were). */
static void start_position(struct scan_run *run, struct pos_entry pos)
{
	uint64_t j = pos.j;
	if (!pos.first_ms)
		pos.first_ms = uv_now(run->loop) ? uv_now(run->loop) : 1;
	struct sockaddr_storage ss;
	if (!space_addr(&run->space, j, &ss)) {
		run->done++; /* cannot happen: j < shard_total */
		return;
	}
	uint16_t port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
						 : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	char ip[64];
	addr_text(&ss, ip, sizeof ip);
	struct slot_ref *ref = malloc(sizeof *ref);
	if (!ref)
		abort();
	ref->run = run;
	ref->slot = run->free_slots[--run->n_free];
	ref->pos = pos;
	run->slots[ref->slot] = j;
	run->active++;
	/* once servers were seen dropping connections, a retry waits long
	 * enough for the kernel to resend its SYN twice (1 s, then 3 s): a full
	 * listen queue drops SYNs just as a filter does */
	unsigned patient = 0;
	if (!run->cfg->connect_timeout_given && run->patient) {
		/* Servers were seen overloaded (the engine's timeout is the
		 * patient one since). While they are, or this host itself
		 * choked, or for the end-of-scan tries, a try waits for the
		 * kernel's SYN resends; once calm, a first try or a retry of a
		 * probably silent address gets the short timeout again:
		 * silence never slows the scan for long. */
		bool now_overloaded = pace_overload_for(run->pace, pace_host_key((struct sockaddr *)&ss),
							uv_now(run->loop));
		patient = now_overloaded || pos.sweep_round || pos.recheck
				  ? OVERLOAD_CONNECT_TIMEOUT_MS
				  : run->cfg->connect_timeout_ms;
	}
	ref->hasty = !run->cfg->connect_timeout_given && patient != OVERLOAD_CONNECT_TIMEOUT_MS;
	if (run->nbns && space_is_udp(&run->space, j)) { /* only with U: ports */
		ref->hasty = false; /* no connect: nothing to be hasty about */
		if (port == QUIC_SMB_PORT) /* U:443: SMB over QUIC */
			quic_probe_start(run->nbns, run->loop, &run->sopts,
					 (struct sockaddr *)&ss, service_done, ref);
		else
			nbns_probe_start(run->nbns, &run->sopts, (struct sockaddr *)&ss,
					 service_done, ref);
		return;
	}
	service_start(run->engine, &run->sopts, (struct sockaddr *)&ss, port == 139,
		      nbname_cache_get(run->names, ip), patient, service_done, ref);
}

/* Start services while under the cap, in the keyed pseudo-random order of
 * this shard's positions: no subnet or server gets all the attention. */
/* Discovery follows the servers (net/pace.h owns the decision): the
 * new-connection rate is cut while they choke and climbs back when calm;
 * by default it starts polite and grows while the targets keep up. The
 * window does most of the work: the rate only keeps discovery bursts from
 * refilling a full listen queue. */
static void adapt_rate(struct scan_run *run)
{
	unsigned rate = pace_tick(run->pace, uv_now(run->loop));
	if (rate != engine_rate(run->engine)) {
		engine_set_rate(run->engine, rate);
		/* with --syn discovery is the SYN stage: it follows too (a
		 * --rate 0 scan keeps its SYNs unpaced, as the kernel would) */
		if (run->syn && (run->cfg->rate || !run->cfg->rate_given))
			syn_stage_set_rate(run->syn, rate);
	}
}

static void feed(struct scan_run *run)
{
	adapt_rate(run);
	bool overloaded = pace_overloaded(run->pace, uv_now(run->loop));
	if (!run->patient && overloaded && !run->cfg->connect_timeout_given) {
		/* Servers are dropping connections: their listen queues are
		 * full. Wait long enough for the kernel to resend a SYN (1 s, then
		 * 3 s) instead of calling the address filtered. */
		engine_set_connect_timeout(run->engine, OVERLOAD_CONNECT_TIMEOUT_MS);
		run->patient = true;
		if (run->syn)
			syn_stage_set_patient(run->syn);
	}
	/* Backpressure: start a service only when the engine can start its
	 * connection now. Otherwise the rate cap would hold queued services
	 * until their deadline ran out (lost hosts), later conversations of
	 * running services would wait behind new ones, and the resume position
	 * would run ahead of what was really scanned. */
	/* and only while follow-ups of running services are not queueing for
	 * the window: hosts that answered come before new addresses */
	while (!run->stopping && run->active < run->max_active && engine_pending(run->engine) == 0 &&
	       !pace_backlogged(run->pace)) {
		/* retries whose time has come first, then new positions */
		if (run->retry.len && pos_ring_at(&run->retry, 0)->ready_ms <= uv_now(run->loop)) {
			start_position(run, pos_ring_pop(&run->retry));
		} else if (run->syn) {
			/* every hit is a host known to answer: its first connection
			 * is a follow-up in all but name, so the services running
			 * follow the same AIMD window (silent addresses, which that
			 * rule spares, never get this far with --syn) */
			uint64_t j;
			if (run->active >= pace_window(run->pace) + 1 ||
			    !syn_stage_pop(run->syn, &j))
				break; /* no hit waiting, or servers at capacity */
			start_position(run, (struct pos_entry){.j = j});
		} else if (run->next < run->shard_total) {
			if (skip_finished(run))
				continue; /* counted in done at the start */
			start_position(run, (struct pos_entry){.j = run->next++});
		} else {
			break;
		}
	}
	bool left = run->syn ? !syn_stage_finished(run->syn) : run->next < run->shard_total;
	/* the sweep: everything else started and the retries drained, only a
	 * few services still running; then the hosts lost to load, a few at
	 * a time, so that they meet servers with time for them */
	while (!run->stopping && !left && run->retry.len == 0 && run->sweep.len &&
	       run->active < SWEEP_INFLIGHT && run->n_free)
		start_position(run, pos_ring_pop(&run->sweep));
	/* then the re-check of addresses that went silent while servers
	 * choked: silence costs the servers nothing, so as many at once as
	 * the scan allows; the few that answer now are the hosts it saves */
	bool tail = !run->stopping && !left && run->retry.len == 0 && run->sweep.len == 0;
	settle_doubts(run, tail && run->active == 0);
	if (tail && run->recheck.len && !run->rechecking && run->active < SWEEP_INFLIGHT) {
		run->rechecking = true;
		fprintf(stderr,
			"%ssmbwatch: %zu address(es) went silent while servers were dropping "
			"connections: trying them once more\n",
			run->progress ? "\n" : "", run->recheck.len);
	}
	while (run->rechecking && tail && run->recheck.len && run->active < run->max_active &&
	       run->n_free && engine_pending(run->engine) == 0) {
		run->rechecked++;
		start_position(run, pos_ring_pop(&run->recheck));
	}
	if (run->active == 0 &&
	    ((!left && run->retry.len == 0 && run->sweep.len == 0 && run->doubt.len == 0 &&
	      run->recheck.len == 0) ||
	     run->stopping)) {
		syn_stage_stop(run->syn);
		uv_timer_stop(&run->feed_timer);
		uv_timer_stop(&run->progress_timer);
		uv_timer_stop(&run->stats_timer);
		uv_signal_stop(&run->sigint);
		uv_signal_stop(&run->sigterm);
	}
}

static void feed_tick(uv_timer_t *t)
{
	feed(t->data);
}

/* One --stats-every JSON line; `final` marks the one printed at the end, so
 * a log always holds the run's last counts. */
static void print_stats(struct scan_run *run, bool final)
{
	double secs = (double)(uv_now(run->loop) - run->start_ms) / 1000.0;
	double per_s = rate_meter_update(&run->stats_meter, run->done, secs);
	double eta = progress_eta(run->done, run->shard_total, per_s);
	char eta_s[32] = "null"; /* unknown while nothing finishes */
	if (eta >= 0)
		snprintf(eta_s, sizeof eta_s, "%.0f", eta);
	fprintf(stderr,
		"{\"type\":\"stats\",\"done\":%llu,\"total\":%llu,\"found\":%llu,"
		"\"inflight\":%u,\"syn_unanswered\":%llu,\"done_per_s\":%.0f,\"eta_s\":%s,"
		"\"open\":%llu,\"closed\":%llu,\"filtered\":%llu,\"errors\":%llu,\"uptime\":%.1f,\"rate\":%u,\"window\":%.1f,"
		"\"followups\":%u,\"waiting\":%u,\"halvings\":%llu,\"rechecked\":%llu",
		(unsigned long long)run->done, (unsigned long long)run->shard_total,
		(unsigned long long)run->sum.services, engine_inflight(run->engine),
		(unsigned long long)(run->syn ? syn_stage_unanswered(run->syn) : 0), per_s, eta_s,
		(unsigned long long)run->sum.open, (unsigned long long)run->sum.closed,
		(unsigned long long)run->sum.filtered, (unsigned long long)run->sum.errors, secs,
		engine_rate(run->engine), run->pace->window, run->pace->inflight,
		run->pace->n_waiting, (unsigned long long)run->pace->halvings,
		(unsigned long long)run->rechecked);
	/* errors by reason (the reasons are libuv's and ours: no quoting needed,
	 * but json_dumps keeps it honest) */
	json_t *why = json_object();
	for (unsigned i = 0; i < run->sum.n_reasons; i++)
		json_object_set_new(why, run->sum.reasons[i].why,
				    json_integer((json_int_t)run->sum.reasons[i].n));
	if (run->sum.other_errors)
		json_object_set_new(why, "other", json_integer((json_int_t)run->sum.other_errors));
	char *txt = json_dumps(why, JSON_COMPACT);
	fprintf(stderr, ",\"error_reasons\":%s%s}\n", txt ? txt : "{}", final ? ",\"final\":true" : "");
	free(txt);
	json_decref(why);
}

static void stats_tick(uv_timer_t *t)
{
	print_stats(t->data, false);
}

/* In flight for the progress line: connections, and with --syn the SYNs
 * still waiting for an answer (a sweep of silent space has no connection
 * open, and is not idle). */
static unsigned inflight_all(const struct scan_run *run)
{
	uint64_t n = engine_inflight(run->engine);
	if (run->syn)
		n += syn_stage_unanswered(run->syn);
	return n > UINT_MAX ? UINT_MAX : (unsigned)n;
}

static void progress_tick(uv_timer_t *t)
{
	struct scan_run *run = t->data;
	progress_update(run->progress, run->done, run->sum.services, inflight_all(run),
			(double)uv_now(run->loop) / 1000.0);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct scan_run *run = h->data;
	(void)signum;
	if (run->stopping) {
		fputs("smbwatch: stopping now\n", stderr);
		exit(3);
	}
	run->stopping = true; /* finish the services in flight, start no more */
	fputs("\nsmbwatch: interrupted, finishing the services in flight "
	      "(again to stop at once)\n",
	      stderr);
	syn_stage_stop(run->syn); /* no new SYN; unanswered ones stay in the resume */
	write_resume(run, false); /* now, in case a second signal cuts the drain short */
	feed(run);
}

static void syn_hit(void *ud)
{
	feed(ud);
}

/* A position the SYN stage ended by itself: finished, as a service would. */
static void syn_resolved(enum syn_result r, void *ud)
{
	struct scan_run *run = ud;
	run->done++;
	switch (r) {
	case SYN_RES_CLOSED: run->sum.closed++; break;
	case SYN_RES_FILTERED: run->sum.filtered++; break;
	case SYN_RES_ERROR: run->sum.errors++; break;
	}
}

static int syn_start(struct scan_run *run)
{
	const struct scan_config *cfg = run->cfg;
	struct syn_stage_opts o = {
		.start = run->next,
		.rate = pace_rate(run->pace),
		.wait_ms = cfg->connect_timeout_ms,
		.retries = cfg->sopts.retries,
		.queue = cfg->syn_queue,
	};
	struct syn_stage_cb cb = {.hit = syn_hit, .resolved = syn_resolved, .ud = run};
	char err[256];
	run->syn = syn_stage_new(run->loop, cfg->syn_io, &run->space, &o, &cb, err, sizeof err);
	if (!run->syn) {
		fprintf(stderr, "smbwatch: %s\n", err);
		return -1;
	}
	return 0;
}

static void syn_report(const struct scan_run *run)
{
	if (!run->syn)
		return;
	struct syn_stage_stats st;
	syn_stage_stats(run->syn, &st);
	fprintf(stderr,
		"smbwatch: --syn: %llu SYNs (%llu resent), %llu SYN-ACKs to the SMB stage, "
		"%llu duplicates ignored, %llu foreign packets, hit queue peak %u, "
		"sender paused %llu times\n",
		(unsigned long long)st.sent, (unsigned long long)st.resent,
		(unsigned long long)st.hits, (unsigned long long)st.dup,
		(unsigned long long)syn_io_foreign(run->cfg->syn_io), st.hitq_peak,
		(unsigned long long)st.paused_ticks);
	if (run->syn_no_connect)
		fprintf(stderr,
			"smbwatch: --syn: %llu ports answered SYN-ACK but no connection to them "
			"got through (counted as errors)\n",
			(unsigned long long)run->syn_no_connect);
}

int scan_execute(const struct scan_config *cfg, const struct scan_hooks *hooks, bool show_progress,
		 struct scan_summary *sum)
{
	struct scan_run run;
	memset(&run, 0, sizeof run);
	memset(sum, 0, sizeof *sum);
	run.hooks = hooks;
	run.cfg = cfg;
	run.targets = cfg->targets;
	run.ports = cfg->ports;
	run.sopts = cfg->sopts;
	space_init(&run.space, run.targets, &run.ports, cfg->seed, cfg->shard_k, cfg->shard_n);
	run.total = run.space.total;
	run.shard_total = run.space.shard_total;
	run.next = cfg->start_position < run.shard_total ? cfg->start_position : run.shard_total;
	run.done = run.next;
	run.skip = cfg->resume_done;
	run.n_skip = cfg->n_resume_done;
	for (size_t i = 0; i < run.n_skip; i++)
		if (run.skip[i] >= run.next && run.skip[i] < run.shard_total)
			run.done++;
	run.names = nbname_cache_new();
	run.coercion = coercion_hold_new();
	run.mgmt = mgmt_hold_new(cfg->mgmt_named);
	uv_loop_t loop;
	if (uv_loop_init(&loop) != 0) {
		nbname_cache_free(run.names);
		coercion_hold_free(run.coercion);
		mgmt_hold_free(run.mgmt);
		return -1;
	}
	run.loop = &loop;
	/* start moderate, grow while servers keep up, halve when they do not */
	struct pace_cfg pc = {
		.rate = cfg->rate,
		.adaptive = !cfg->rate_given,
		.window_start = 64,
		.window_min = 4,
		.window_max = cfg->max_inflight,
	};
	run.pace = malloc(sizeof *run.pace);
	if (!run.pace)
		abort();
	pace_init(run.pace, &pc, uv_now(run.loop));
	if (ports_has_udp(&run.ports))
		run.nbns = nbns_pacer_new(run.loop, pace_rate(run.pace));
	struct engine_opts eo = {
		.max_inflight = cfg->max_inflight,
		.rate = pace_rate(run.pace),
		.connect_timeout_ms = cfg->connect_timeout_ms,
	};
	run.engine = engine_new(run.loop, &eo);
	/* A service holds up to two connections at once (its SMB2 link kept
	 * for the checks while the SMB1 negotiate or a probe runs): as many
	 * services as half the connections, or the kept links could fill the
	 * engine and leave every follow-up queued until its deadline (with
	 * --max-inflight 1 each service hung 20 s). With one connection
	 * nothing is kept: the conversations take turns. */
	run.max_active = cfg->max_inflight >= 2 ? cfg->max_inflight / 2 : 1;
	run.sopts.one_connection = cfg->max_inflight < 2;
	run.sopts.pace = run.pace;
	run.slots = malloc(run.max_active * sizeof *run.slots);
	if (!run.slots)
		abort();
	run.free_slots = malloc(run.max_active * sizeof *run.free_slots);
	if (!run.free_slots)
		abort();
	for (unsigned i = 0; i < run.max_active; i++) {
		run.slots[i] = UINT64_MAX;
		run.free_slots[i] = run.max_active - 1 - i;
	}
	run.n_free = run.max_active;
	run.progress = show_progress ? progress_new(stderr, run.shard_total) : NULL;
	uv_timer_init(run.loop, &run.stats_timer);
	run.stats_timer.data = &run;
	uv_timer_init(run.loop, &run.feed_timer);
	run.feed_timer.data = &run;
	uv_timer_start(&run.feed_timer, feed_tick, 5, 5);
	rate_meter_update(&run.stats_meter, 0, 0.0); /* the scan's start */
	if (cfg->stats_every_s)
		uv_timer_start(&run.stats_timer, stats_tick, cfg->stats_every_s * 1000ull,
			       cfg->stats_every_s * 1000ull);
	uv_timer_init(run.loop, &run.progress_timer);
	run.progress_timer.data = &run;
	if (run.progress)
		uv_timer_start(&run.progress_timer, progress_tick, 250, 250);
	uv_signal_init(run.loop, &run.sigint);
	uv_signal_init(run.loop, &run.sigterm);
	run.sigint.data = run.sigterm.data = &run;
	uv_signal_start(&run.sigint, on_signal, SIGINT);
	uv_signal_start(&run.sigterm, on_signal, SIGTERM);

	uint64_t t0 = uv_hrtime();
	run.start_ms = uv_now(run.loop);
	bool failed = cfg->syn_io && syn_start(&run) != 0;
	if (failed)
		run.stopping = true; /* nothing was sent; the loop ends at once */
	feed(&run);
	uv_run(run.loop, UV_RUN_DEFAULT);
	coercion_hold_flush(run.coercion, hooks->service, hooks->ud);
	/* management services on hosts without SMB were not asked for: not
	 * counted as services either */
	run.sum.other_services -= mgmt_hold_flush(run.mgmt, hooks->service, hooks->ud);
	/* this run's tries only: with a resumed scan's parts these add up */
	run.sum.targets = run.sum.open + run.sum.closed + run.sum.filtered + run.sum.errors;
	run.sum.seconds = (double)(uv_hrtime() - t0) / 1e9;
	run.sum.interrupted = run.stopping && !failed;
	if (run.stopping && !failed)
		write_resume(&run, true); /* every service in flight has finished now */
	if (cfg->stats_every_s && !failed)
		print_stats(&run, true);
	if (run.progress) {
		progress_update(run.progress, run.done, run.sum.services, 0,
				(double)uv_now(run.loop) / 1000.0);
		progress_free(run.progress);
	}
	uv_close((uv_handle_t *)&run.progress_timer, NULL);
	uv_close((uv_handle_t *)&run.stats_timer, NULL);
	uv_close((uv_handle_t *)&run.feed_timer, NULL);
	uv_close((uv_handle_t *)&run.sigint, NULL);
	uv_close((uv_handle_t *)&run.sigterm, NULL);
	engine_free(run.engine);
	nbns_pacer_free(run.nbns);
	uv_run(run.loop, UV_RUN_DEFAULT);
	syn_report(&run);
	syn_stage_free(run.syn);
	uv_loop_close(run.loop);
	nbname_cache_free(run.names);
	coercion_hold_free(run.coercion);
	mgmt_hold_free(run.mgmt);
	free(run.slots);
	free(run.free_slots);
	free(run.pace);
	pos_ring_free(&run.retry);
	pos_ring_free(&run.sweep);
	pos_ring_free(&run.doubt);
	pos_ring_free(&run.recheck);
	*sum = run.sum;
	return failed ? -1 : 0;
}
