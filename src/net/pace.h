/* pace.h - the one owner of the scan's pacing: the new-connection rate, the
 * follow-up window (additive increase, halving), and the overload decision.
 * Every function takes the clock (now_ms, monotonic) from its caller, so the
 * unit test drives it with a fake one.
 *
 * Window. Follow-up connections (to services that already answered) run
 * under an AIMD window, as TCP does: one not let in (no connect, or dropped
 * before a word) halves it, at most once per PACE_HALVE_MS; each that gets
 * through widens it by 1/window (by 1 until the first halving). Discovery
 * connections are never counted: silence (no SYN-ACK, no RST) never slows
 * the scan.
 *
 * Overload, per destination host. A follow-up not let in marks its host
 * choked; the mark fades after PACE_HOST_DECAY_MS without another. The scan
 * as a whole is overloaded while PACE_AGGREGATE_HOSTS or more hosts choked
 * within PACE_CALM_MS: one server behind many addresses (a farm, a load
 * balancer) shows up that way, while one tarpit by itself does not make the
 * scan patient. Overload ends after PACE_CALM_MS without such a sign.
 *
 * Rate. With --rate N the rate is N, cut by a quarter (not below N/4) on
 * each halving under overload and climbing back by N/10 a calm second. By
 * default (no --rate) it is adaptive: it starts at PACE_ADAPTIVE_START, grows
 * by a quarter each calm second up to PACE_ADAPTIVE_MAX, and is cut the same
 * way on overload, not below PACE_ADAPTIVE_FLOOR. */
#ifndef SMBW_NET_PACE_H
#define SMBW_NET_PACE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define PACE_HALVE_MS 500
#define PACE_HOST_DECAY_MS 10000
#define PACE_CALM_MS 5000
#define PACE_AGGREGATE_HOSTS 2
#define PACE_HOSTS 1024 /* choked hosts remembered (oldest replaced) */
#define PACE_RATE_UNCAPPED 4000 /* what --rate 0 is cut from under overload */
#define PACE_ADAPTIVE_START 1000
#define PACE_ADAPTIVE_FLOOR 250
#define PACE_ADAPTIVE_MAX 10000

struct pace_cfg {
	unsigned rate;     /* --rate: new connections a second; 0 = no cap */
	bool adaptive;     /* no --rate given: start polite, grow, back off */
	unsigned window_start, window_min, window_max;
};

struct pace_wait {
	void (*fn)(void *arg);
	void *arg;
	struct pace_wait *next;
	bool queued;
};

struct pace_host {
	uint64_t key;     /* pace_host_key(), 0 = empty */
	uint64_t last_ms; /* its latest choke */
	uint64_t chokes;
};

struct pace {
	struct pace_cfg cfg;
	/* the follow-up window */
	double window;
	unsigned inflight, n_waiting;
	struct pace_wait *head, *tail;
	bool slow_start;
	uint64_t last_halve_ms;
	bool halved_once;
	uint64_t halvings, seen_halvings; /* seen: answered by a rate cut */
	/* chokes */
	uint64_t congestions;        /* follow-ups not let in, all hosts */
	uint64_t overload_congestions; /* of those, while overloaded */
	uint64_t last_overload_ms;   /* latest choke under overload, 0 = none */
	bool overload_seen;
	uint64_t overload_until_ms;
	struct pace_host hosts[PACE_HOSTS];
	/* the rate */
	unsigned rate; /* now, 0 = no cap */
	uint64_t calm_since_ms;
};

uint64_t pace_host_key(const struct sockaddr *sa);

void pace_init(struct pace *p, const struct pace_cfg *cfg, uint64_t now_ms);

/* Window: run fn(arg) now if it allows, else when a slot frees (w must stay
 * valid until then, or until pace_cancel). p may be NULL: no window. */
void pace_acquire(struct pace *p, struct pace_wait *w, void (*fn)(void *), void *arg);
/* A follow-up to host ended; congested: it was not let in. Wakes waiters. */
void pace_release(struct pace *p, uint64_t host, bool congested, uint64_t now_ms);
void pace_cancel(struct pace *p, struct pace_wait *w);
/* Followers queueing for the window beyond its size: new work should wait. */
bool pace_backlogged(const struct pace *p);
unsigned pace_window(const struct pace *p); /* whole slots */

/* Overload. */
bool pace_overloaded(const struct pace *p, uint64_t now_ms);
bool pace_host_choked(const struct pace *p, uint64_t host, uint64_t now_ms);
/* Either of the above: silence or a drop from host may be load. */
bool pace_overload_for(const struct pace *p, uint64_t host, uint64_t now_ms);
/* The scan was overloaded at some time, or host is choking now: for hosts
 * that answered (their retries cost the scan nothing on silent space), a
 * drop may be load for the rest of the scan. */
bool pace_overload_seen_for(const struct pace *p, uint64_t host, uint64_t now_ms);
/* Was the scan overloaded, or host choking, at or after since_ms? A
 * silence that overlapped such a time may be a full listen queue. */
bool pace_choked_since(const struct pace *p, uint64_t host, uint64_t since_ms);
/* Chokes of other hosts than the `own` count of one service. */
bool pace_others_choked(const struct pace *p, uint64_t own);

/* Rate: adapt to what was seen (call often); returns the rate now. */
unsigned pace_tick(struct pace *p, uint64_t now_ms);
unsigned pace_rate(const struct pace *p);

#endif
