/* test_requeue.c - what the scan needs to try a position again: the FIFO
 * of waiting positions (order kept across growth and wrap-around, bounded,
 * fields carried) and the limiter's "servers choked since" rule, which
 * decides whether a filtered verdict is re-checked at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "net/pos_ring.h"
#include "probe/limiter.h"

static void test_fifo_order_across_growth_and_wrap(void **state)
{
	(void)state;
	struct pos_ring r = {0};
	uint64_t next_in = 0, next_out = 0;
	/* push 3, pop 2, many times: the ring wraps and grows with entries
	 * on both sides of its end */
	for (int round = 0; round < 500; round++) {
		for (int k = 0; k < 3; k++) {
			struct pos_entry e = {.j = next_in, .attempt = (unsigned)(next_in % 7)};
			next_in++;
			assert_true(pos_ring_push(&r, &e));
		}
		for (int k = 0; k < 2; k++) {
			assert_int_equal(pos_ring_at(&r, 0)->j, next_out);
			struct pos_entry e = pos_ring_pop(&r);
			assert_int_equal(e.j, next_out);
			assert_int_equal(e.attempt, next_out % 7);
			next_out++;
		}
	}
	assert_int_equal(r.len, next_in - next_out);
	for (size_t i = 0; i < r.len; i++)
		assert_int_equal(pos_ring_at(&r, i)->j, next_out + i);
	pos_ring_free(&r);
	assert_int_equal(r.len, 0);
	assert_null(r.v);
}

static void test_bounded(void **state)
{
	(void)state;
	struct pos_ring r = {0};
	struct pos_entry e = {.j = 1, .recheck = true, .first_ms = 42};
	for (uint64_t i = 0; i < POS_RING_MAX; i++)
		assert_true(pos_ring_push(&r, &e));
	assert_false(pos_ring_push(&r, &e)); /* full: the caller settles it */
	assert_int_equal(r.len, POS_RING_MAX);
	struct pos_entry out = pos_ring_pop(&r);
	assert_true(out.recheck);
	assert_int_equal(out.first_ms, 42);
	assert_true(pos_ring_push(&r, &e)); /* room again */
	pos_ring_free(&r);
}

static void test_choked_since(void **state)
{
	(void)state;
	struct limiter l;
	limiter_init(&l, 8, 1, 64);
	assert_false(limiter_choked_since(&l, 0)); /* never choked */
	assert_false(limiter_choked_since(NULL, 0));
	limiter_release(&l, false, 1000); /* a follow-up got through */
	assert_false(limiter_choked_since(&l, 0));
	limiter_release(&l, true, 5000); /* one was not let in at 5 s */
	assert_true(limiter_choked_since(&l, 0));
	assert_true(limiter_choked_since(&l, 5000));
	assert_false(limiter_choked_since(&l, 5001)); /* tries that began later */
	/* a second choke within the halving pause: no halving, still seen */
	uint64_t halvings = l.halvings;
	limiter_release(&l, true, 5100);
	assert_int_equal(l.halvings, halvings);
	assert_true(limiter_choked_since(&l, 5100));
	/* a choke at clock 0 (a loop clock that starts at 0) still counts */
	limiter_init(&l, 8, 1, 64);
	limiter_release(&l, true, 0);
	assert_true(limiter_choked_since(&l, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order_across_growth_and_wrap),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_choked_since),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
