/* scan_syn.h - the optional raw SYN discovery stage of a scan (--syn).
 *
 * Walks the shard's positions in the scan's order at --rate new SYNs per
 * second, resends a SYN to positions that did not answer within the wait
 * (--connect-timeout), up to --retries times, and sorts every position into
 * exactly one of: open (SYN-ACK: pushed into the hit queue for the SMB
 * stage), closed (RST), filtered (no answer after the retries) or error
 * (the kernel refused to send).
 *
 * The hit queue is bounded (SYN_HITQ_CAP). A new position is sent only
 * while queued hits + positions still waiting for an answer stay under that
 * cap: every possible hit always has a place, so when the SMB stage falls
 * behind the SYN rate slows down and no hit is ever dropped.
 *
 * De-duplication: a position is marked when first resolved, and a
 * retransmitted SYN-ACK or a late answer finds it marked and is ignored.
 * The marks live in a sliding window (net/donewin.h, 256 KiB) from the
 * oldest unresolved position on: memory does not grow with the shard. */
#ifndef SMBW_SCAN_SCAN_SYN_H
#define SMBW_SCAN_SCAN_SYN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "net/space.h"
#include "net/syn.h"

/* 2 MiB. It bounds the SYN rate too: unanswered positions hold places,
 * and one stays unanswered ~2 s (a wait, a resend, a wait), so 65,536
 * places capped a scan of silent space at ~33k SYN/s */
#define SYN_HITQ_CAP (1u << 18)

enum syn_result { SYN_RES_CLOSED, SYN_RES_FILTERED, SYN_RES_ERROR };

struct syn_stage_cb {
	/* a hit was queued (take it with syn_stage_pop) */
	void (*hit)(void *ud);
	/* a position ended in the SYN stage: closed, filtered or error */
	void (*resolved)(enum syn_result r, void *ud);
	void *ud;
};

struct syn_stage_opts {
	uint64_t start;	  /* first shard-relative position (resume) */
	unsigned rate;	  /* SYNs per second; 0 = as fast as the loop can */
	unsigned wait_ms; /* answer wait before a resend / filtered */
	unsigned retries; /* resends of an unanswered SYN */
	unsigned queue;	  /* hit queue cap, 0 = SYN_HITQ_CAP (--syn-queue) */
};

struct syn_stage;

/* Start the stage on loop with io (owned by the caller, opened before the
 * privilege drop). space is borrowed. NULL with err set on failure. */
struct syn_stage *syn_stage_new(uv_loop_t *loop, struct syn_io *io, const struct scan_space *space,
				const struct syn_stage_opts *o, const struct syn_stage_cb *cb,
				char *err, size_t errsz);
/* Follow the SMB stage: SYNs per second from now on (0 = no cap). */
void syn_stage_set_rate(struct syn_stage *s, unsigned rate);
/* Servers were seen dropping connections (full listen queues drop SYNs
 * too): three SYNs per try from now on, like a patient connect(). */
void syn_stage_set_patient(struct syn_stage *s);
/* Take the oldest hit: its shard-relative position. */
bool syn_stage_pop(struct syn_stage *s, uint64_t *j);
/* Positions sent and not answered yet (SYNs in flight). */
uint64_t syn_stage_unanswered(const struct syn_stage *s);
/* Every position sent and resolved, every hit taken. */
bool syn_stage_finished(const struct syn_stage *s);
/* Lowest position not yet finished by this stage (queued hits included),
 * for the resume file. */
uint64_t syn_stage_low(const struct syn_stage *s);
/* Stop sending and receiving (close handles). Idempotent. */
void syn_stage_stop(struct syn_stage *s);
/* After the loop has run the close callbacks. */
void syn_stage_free(struct syn_stage *s);

struct syn_stage_stats {
	uint64_t sent, resent, hits, dup, paused_ticks;
	unsigned hitq_peak;
};
void syn_stage_stats(const struct syn_stage *s, struct syn_stage_stats *st);

#endif
