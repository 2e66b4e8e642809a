/* rate_bucket.h - a token bucket: `rate` tokens a second, at most
 * `burst_ms` worth banked (never less than one token). The clock is passed
 * in (a monotonic ms count), so the engine, the SYN stage and the UDP pacer
 * share one implementation and the unit test drives a fake clock.
 * rate 0 means no cap: every take succeeds. */
#ifndef SMBW_NET_RATE_BUCKET_H
#define SMBW_NET_RATE_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct rate_bucket {
	unsigned rate;     /* tokens a second, 0 = no cap */
	unsigned burst_ms; /* how much idle time may be banked */
	double tokens;
	uint64_t last_ms;
};

/* Starts with one token: the first take succeeds at once. */
void rate_bucket_init(struct rate_bucket *b, unsigned rate, unsigned burst_ms, uint64_t now_ms);
/* Bank what the time since the last refill earned, up to the burst. */
void rate_bucket_refill(struct rate_bucket *b, uint64_t now_ms);
/* Is a token there (refilling first)? Take it with rate_bucket_take once
 * the thing it pays for really went (a send that may fail asks first). */
bool rate_bucket_ready(struct rate_bucket *b, uint64_t now_ms);
/* Take one token if there is one (refilling first). */
bool rate_bucket_take(struct rate_bucket *b, uint64_t now_ms);
/* Milliseconds until a token is there (0: now, or no cap). */
uint64_t rate_bucket_wait_ms(const struct rate_bucket *b);
/* Change the rate: what the old rate earned is kept, clipped to the new
 * burst, so a cut takes effect at once. */
void rate_bucket_set_rate(struct rate_bucket *b, unsigned rate, uint64_t now_ms);

#endif
