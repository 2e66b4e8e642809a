/* rate_bucket.c - token bucket with an explicit clock; see rate_bucket.h. */
#include "net/rate_bucket.h"

static double burst_of(const struct rate_bucket *b)
{
	double cap = (double)b->rate * b->burst_ms / 1000.0;
	return cap < 1.0 ? 1.0 : cap;
}

void rate_bucket_init(struct rate_bucket *b, unsigned rate, unsigned burst_ms, uint64_t now_ms)
{
	b->rate = rate;
	b->burst_ms = burst_ms;
	b->tokens = 1.0;
	b->last_ms = now_ms;
}

void rate_bucket_refill(struct rate_bucket *b, uint64_t now_ms)
{
	/* a clock that went back (it should not) earns nothing */
	if (now_ms > b->last_ms)
		b->tokens += (double)(now_ms - b->last_ms) * b->rate / 1000.0;
	b->last_ms = now_ms;
	double cap = burst_of(b);
	if (b->tokens > cap)
		b->tokens = cap;
}

bool rate_bucket_ready(struct rate_bucket *b, uint64_t now_ms)
{
	if (!b->rate)
		return true;
	rate_bucket_refill(b, now_ms);
	return b->tokens >= 1.0;
}

bool rate_bucket_take(struct rate_bucket *b, uint64_t now_ms)
{
	if (!b->rate)
		return true;
	rate_bucket_refill(b, now_ms);
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

uint64_t rate_bucket_wait_ms(const struct rate_bucket *b)
{
	if (!b->rate || b->tokens >= 1.0)
		return 0;
	return (uint64_t)((1.0 - b->tokens) * 1000.0 / b->rate) + 1;
}

void rate_bucket_set_rate(struct rate_bucket *b, unsigned rate, uint64_t now_ms)
{
	rate_bucket_refill(b, now_ms); /* bank what the old rate earned */
	b->rate = rate;
	double cap = burst_of(b);
	if (rate && b->tokens > cap)
		b->tokens = cap;
	if (!rate)
		b->tokens = 1.0;
}
