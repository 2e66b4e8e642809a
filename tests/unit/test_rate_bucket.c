/* test_rate_bucket.c - the one token bucket (engine, SYN stage, UDP pacer)
 * on a fake clock: rate, burst, no cap, rate changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "net/rate_bucket.h"

/* takes succeeding at one instant */
static unsigned drain(struct rate_bucket *b, uint64_t now)
{
	unsigned n = 0;
	while (n < 1000000 && rate_bucket_take(b, now))
		n++;
	return n;
}

static void test_first_token_at_once(void **state)
{
	(void)state;
	struct rate_bucket b;
	rate_bucket_init(&b, 100, 50, 1000);
	assert_true(rate_bucket_take(&b, 1000));
	assert_false(rate_bucket_take(&b, 1000));
	assert_int_equal(rate_bucket_wait_ms(&b), 11); /* 10 ms a token, +1 */
	assert_false(rate_bucket_take(&b, 1009));
	assert_true(rate_bucket_take(&b, 1011));
}

static void test_rate_over_a_second(void **state)
{
	(void)state;
	struct rate_bucket b;
	rate_bucket_init(&b, 2000, 20, 0);
	unsigned n = 0;
	for (uint64_t t = 0; t < 1000; t++) /* a caller polling every ms */
		n += drain(&b, t);
	assert_in_range(n, 1995, 2001);
}

static void test_burst_is_capped(void **state)
{
	(void)state;
	struct rate_bucket b;
	rate_bucket_init(&b, 1000, 50, 0);
	(void)drain(&b, 0);
	/* ten idle seconds bank 50 ms worth, not 10000 tokens */
	assert_int_equal(drain(&b, 10000), 50);
	/* a slow rate still banks one token */
	rate_bucket_init(&b, 5, 20, 0);
	(void)drain(&b, 0);
	assert_int_equal(drain(&b, 60000), 1);
}

static void test_no_cap(void **state)
{
	(void)state;
	struct rate_bucket b;
	rate_bucket_init(&b, 0, 20, 0);
	for (int i = 0; i < 100000; i++)
		assert_true(rate_bucket_take(&b, 0));
	assert_int_equal(rate_bucket_wait_ms(&b), 0);
}

static void test_set_rate_cut_takes_effect(void **state)
{
	(void)state;
	struct rate_bucket b;
	rate_bucket_init(&b, 10000, 50, 0);
	(void)drain(&b, 0);
	/* 100 ms at 10000/s would bank 500 (the burst); cut to 100/s first:
	 * what is left is clipped to the new burst (5) */
	rate_bucket_set_rate(&b, 100, 100);
	assert_int_equal(drain(&b, 100), 5);
	/* and from 0 (no cap) to a cap: one token, then the rate */
	rate_bucket_set_rate(&b, 0, 200);
	assert_true(rate_bucket_take(&b, 200));
	rate_bucket_set_rate(&b, 100, 200);
	assert_int_equal(drain(&b, 200), 1);
	assert_int_equal(drain(&b, 230), 3);
}

static void test_clock_going_back_earns_nothing(void **state)
{
	(void)state;
	struct rate_bucket b;
	rate_bucket_init(&b, 1000, 50, 5000);
	(void)drain(&b, 5000);
	assert_int_equal(drain(&b, 4000), 0);
	assert_int_equal(drain(&b, 4010), 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_token_at_once),
		cmocka_unit_test(test_rate_over_a_second),
		cmocka_unit_test(test_burst_is_capped),
		cmocka_unit_test(test_no_cap),
		cmocka_unit_test(test_set_rate_cut_takes_effect),
		cmocka_unit_test(test_clock_going_back_earns_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
