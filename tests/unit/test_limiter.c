/* test_limiter.c - the follow-up window: it halves when a follow-up is not
 * let in, and "servers choke" (what makes every connect of the scan patient)
 * needs more than one host: one mute or dropping host alone does not slow
 * silent space (make run's socat listener made the lab scan 6.9 s, not 4.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/limiter.h"

static void test_one_host_alone_is_not_load(void **state)
{
	(void)state;
	struct limiter l;
	limiter_init(&l, 8, 1, 64);
	uint64_t now = 1000;
	for (int i = 0; i < 20; i++) {
		l.inflight++;
		limiter_release(&l, true, 0x21, now);
		now += LIMITER_HALVE_MS;
	}
	assert_true(l.halvings > 0); /* the window still follows that host */
	assert_false(limiter_servers_choke(&l));
}

static void test_two_hosts_choking_is_load(void **state)
{
	(void)state;
	struct limiter l;
	limiter_init(&l, 8, 1, 64);
	l.inflight = 2;
	limiter_release(&l, true, 0x21, 1000);
	assert_false(limiter_servers_choke(&l));
	limiter_release(&l, true, 0x22, 1001);
	assert_true(limiter_servers_choke(&l));
}

static void test_two_hosts_through_is_not_load(void **state)
{
	(void)state;
	struct limiter l;
	limiter_init(&l, 8, 1, 64);
	l.inflight = 3;
	limiter_release(&l, true, 0x21, 1000);
	limiter_release(&l, false, 0x22, 1001);
	limiter_release(&l, false, 0x23, 1002);
	assert_false(limiter_servers_choke(&l));
	assert_int_equal(l.congestions, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_host_alone_is_not_load),
		cmocka_unit_test(test_two_hosts_choking_is_load),
		cmocka_unit_test(test_two_hosts_through_is_not_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
