/* test_requeue.c - what the scan needs to try a position again: the FIFO
 * of waiting positions (order kept across growth and wrap-around, bounded,
 * fields carried). The "servers choked since" rule that decides whether a
 * filtered verdict is re-checked at the end is net/pace's: test_pace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "net/pos_ring.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order_across_growth_and_wrap),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
