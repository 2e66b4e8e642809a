/* test_pace.c - the pacing module on a fake clock: the follow-up window
 * (AIMD, queueing, cancel), overload per host and in aggregate with its
 * decay, silence that never slows the scan, and the rate (--rate N, no cap,
 * the adaptive default). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "net/pace.h"

static struct pace P; /* big (the host table): not on the stack */

static void init(unsigned rate, bool adaptive, unsigned start, unsigned max)
{
	struct pace_cfg c = {.rate = rate, .adaptive = adaptive, .window_start = start,
			     .window_min = 4, .window_max = max};
	pace_init(&P, &c, 0);
}

static uint64_t host(unsigned n)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(445)};
	sa.sin_addr.s_addr = htonl(0xC6130000u + n); /* 198.19.0.n */
	return pace_host_key((struct sockaddr *)&sa);
}

static int ran;
static void run_it(void *arg)
{
	(void)arg;
	ran++;
}

static void test_host_key_ignores_port_not_address(void **state)
{
	(void)state;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(445)};
	struct sockaddr_in b = a;
	b.sin_port = htons(139);
	a.sin_addr.s_addr = b.sin_addr.s_addr = htonl(0xC6130001u);
	assert_true(pace_host_key((struct sockaddr *)&a) == pace_host_key((struct sockaddr *)&b));
	assert_true(host(1) != host(2));
	struct sockaddr_in6 six = {.sin6_family = AF_INET6};
	six.sin6_addr.s6_addr[15] = 1;
	assert_true(pace_host_key((struct sockaddr *)&six) != 0);
}

static void test_window_queues_and_wakes_in_order(void **state)
{
	(void)state;
	init(0, false, 4, 64);
	struct pace_wait w[6];
	ran = 0;
	for (int i = 0; i < 6; i++)
		pace_acquire(&P, &w[i], run_it, NULL);
	assert_int_equal(ran, 4); /* the window */
	assert_int_equal(P.n_waiting, 2);
	assert_true(w[4].queued && w[5].queued);
	pace_release(&P, host(1), false, 10); /* one ends, through: +1 (slow start) */
	assert_int_equal(ran, 6);
	assert_false(w[5].queued);
	assert_int_equal(P.inflight, 5);
	/* a null pace: no window at all */
	ran = 0;
	pace_acquire(NULL, &w[0], run_it, NULL);
	assert_int_equal(ran, 1);
}

static void test_cancel_unlinks(void **state)
{
	(void)state;
	init(0, false, 4, 4);
	struct pace_wait w[7];
	ran = 0;
	for (int i = 0; i < 7; i++)
		pace_acquire(&P, &w[i], run_it, NULL);
	pace_cancel(&P, &w[5]); /* middle */
	pace_cancel(&P, &w[6]); /* tail */
	assert_int_equal(P.n_waiting, 1);
	pace_acquire(&P, &w[6], run_it, NULL); /* the tail was fixed */
	assert_int_equal(P.n_waiting, 2);
	pace_release(&P, host(1), false, 0);
	pace_release(&P, host(1), false, 0);
	assert_int_equal(ran, 6);
	assert_false(w[5].queued);
	pace_cancel(&P, &w[5]); /* not queued: nothing happens */
	assert_int_equal(P.n_waiting, 0);
}

static void test_halving_at_most_every_500ms(void **state)
{
	(void)state;
	init(0, false, 64, 1000);
	pace_release(&P, host(1), true, 1000);
	assert_int_equal(pace_window(&P), 32);
	pace_release(&P, host(2), true, 1100); /* within the pause */
	assert_int_equal(pace_window(&P), 32);
	pace_release(&P, host(3), true, 1500);
	assert_int_equal(pace_window(&P), 16);
	assert_int_equal(P.halvings, 2);
	for (int i = 0; i < 10; i++)
		pace_release(&P, host(3), true, 2000 + 500 * (uint64_t)i);
	assert_int_equal(pace_window(&P), 4); /* the floor */
}

static void test_additive_increase_after_first_choke(void **state)
{
	(void)state;
	init(0, false, 8, 1000);
	for (int i = 0; i < 8; i++)
		pace_release(&P, host(1), false, 0);
	assert_int_equal(pace_window(&P), 16); /* slow start: +1 each */
	pace_release(&P, host(1), true, 100);
	assert_int_equal(pace_window(&P), 8);
	for (int i = 0; i < 8; i++)
		pace_release(&P, host(1), false, 200);
	assert_int_equal(pace_window(&P), 8); /* +1/window each: under 9 */
	for (int i = 0; i < 2; i++)
		pace_release(&P, host(1), false, 200);
	assert_int_equal(pace_window(&P), 9);
	/* never above the cap */
	init(0, false, 8, 10);
	for (int i = 0; i < 50; i++)
		pace_release(&P, host(1), false, 0);
	assert_int_equal(pace_window(&P), 10);
}

static void test_backlogged(void **state)
{
	(void)state;
	init(0, false, 4, 4);
	struct pace_wait w[12];
	for (int i = 0; i < 8; i++)
		pace_acquire(&P, &w[i], run_it, NULL);
	assert_false(pace_backlogged(&P)); /* 4 waiting, window 4 */
	pace_acquire(&P, &w[8], run_it, NULL);
	assert_true(pace_backlogged(&P));
	assert_false(pace_backlogged(NULL));
}

static void test_one_host_chokes_is_not_overload(void **state)
{
	(void)state;
	init(0, false, 64, 1000);
	/* a tarpit: accepts and never speaks, again and again */
	for (int i = 0; i < 5; i++)
		pace_release(&P, host(7), true, 1000 + 600 * (uint64_t)i);
	assert_false(pace_overloaded(&P, 4000));
	assert_true(pace_host_choked(&P, host(7), 4000));
	assert_true(pace_overload_for(&P, host(7), 4000));
	assert_false(pace_overload_for(&P, host(8), 4000)); /* another address: not slowed */
	assert_false(pace_overload_seen_for(&P, host(8), 4000));
	assert_true(pace_overload_seen_for(&P, host(7), 4000));
	assert_true(pace_choked_since(&P, host(7), 3400));
	assert_false(pace_choked_since(&P, host(8), 0)); /* its silence is not a doubt */
}

static void test_host_choke_decays(void **state)
{
	(void)state;
	init(0, false, 64, 1000);
	pace_release(&P, host(7), true, 1000);
	assert_true(pace_host_choked(&P, host(7), 1000 + PACE_HOST_DECAY_MS - 1));
	assert_false(pace_host_choked(&P, host(7), 1000 + PACE_HOST_DECAY_MS));
	/* a choke at clock 0 (a loop clock starting at 0) still counts */
	init(0, false, 64, 1000);
	pace_release(&P, host(7), true, 0);
	assert_true(pace_host_choked(&P, host(7), 0));
	assert_true(pace_choked_since(&P, host(7), 0));
}

static void test_one_server_behind_many_addresses(void **state)
{
	(void)state;
	/* the farm: one smbd answering a /20; its full queue shows as chokes of
	 * different addresses at once: the scan is overloaded, every address
	 * (also a silent one) gets patience */
	init(0, false, 64, 1000);
	pace_release(&P, host(1), true, 2000);
	assert_false(pace_overloaded(&P, 2000));
	pace_release(&P, host(2), true, 2100);
	assert_true(pace_overloaded(&P, 2100));
	assert_true(pace_overload_for(&P, host(3000), 2200));
	assert_true(pace_choked_since(&P, host(3000), 1500));
	assert_false(pace_choked_since(&P, host(3000), 2101)); /* tries that began later */
}

static void test_overload_decays_when_calm(void **state)
{
	(void)state;
	init(0, false, 64, 1000);
	pace_release(&P, host(1), true, 2000);
	pace_release(&P, host(2), true, 2000);
	assert_true(pace_overloaded(&P, 2000 + PACE_CALM_MS - 1));
	assert_false(pace_overloaded(&P, 2000 + PACE_CALM_MS));
	/* a host that answered keeps the benefit of the doubt: once seen */
	assert_true(pace_overload_seen_for(&P, host(9), 2000 + PACE_CALM_MS));
	/* chokes spread out more than the calm span apart: never aggregate */
	init(0, false, 64, 1000);
	pace_release(&P, host(1), true, 1000);
	pace_release(&P, host(2), true, 1000 + PACE_CALM_MS);
	assert_false(pace_overloaded(&P, 1000 + PACE_CALM_MS));
	/* and back: a new aggregate sign makes it overloaded again */
	pace_release(&P, host(3), true, 1100 + PACE_CALM_MS);
	assert_true(pace_overloaded(&P, 1100 + PACE_CALM_MS));
}

static void test_silence_never_slows(void **state)
{
	(void)state;
	/* follow-ups that get through and no choke: the rate only climbs,
	 * the window only widens; silent addresses never reach pace at all */
	init(2000, false, 64, 1000);
	assert_int_equal(pace_tick(&P, 0), 2000);
	assert_int_equal(pace_tick(&P, 60000), 2000);
	assert_false(pace_overloaded(&P, 60000));
	init(0, true, 64, 1000);
	unsigned last = pace_rate(&P);
	for (uint64_t t = 0; t <= 30000; t += 100) {
		unsigned r = pace_tick(&P, t);
		assert_true(r >= last);
		last = r;
	}
}

static void test_fixed_rate_cut_and_recovery(void **state)
{
	(void)state;
	init(2000, false, 64, 1000);
	assert_int_equal(pace_tick(&P, 0), 2000);
	pace_release(&P, host(1), true, 100); /* one host: a halving, no overload */
	assert_int_equal(pace_tick(&P, 100), 2000);
	pace_release(&P, host(2), true, 700); /* a second: overload, halving */
	assert_int_equal(pace_tick(&P, 700), 1500);
	pace_release(&P, host(3), true, 1300);
	assert_int_equal(pace_tick(&P, 1300), 1125);
	/* halvings not yet answered are answered by one cut */
	pace_release(&P, host(4), true, 1900);
	pace_release(&P, host(5), true, 2500);
	assert_int_equal(pace_tick(&P, 2500), 844);
	pace_release(&P, host(6), true, 3100);
	assert_int_equal(pace_tick(&P, 3100), 633);
	pace_release(&P, host(7), true, 3700);
	assert_int_equal(pace_tick(&P, 3700), 500); /* the floor: 2000/4 */
	/* overloaded until 3700 + PACE_CALM_MS: no climb */
	assert_int_equal(pace_tick(&P, 3700 + PACE_CALM_MS - 1), 500);
	/* then +200 (a tenth) each calm second, back to 2000 exactly */
	uint64_t t = 3700 + PACE_CALM_MS;
	(void)pace_tick(&P, t);
	assert_int_equal(pace_tick(&P, t + 1000), 701);
	for (int i = 2; i < 12; i++)
		(void)pace_tick(&P, t + 1000 * (uint64_t)i);
	assert_int_equal(pace_rate(&P), 2000);
}

static void test_uncapped_cut_then_back_to_no_cap(void **state)
{
	(void)state;
	init(0, false, 64, 1000);
	assert_int_equal(pace_tick(&P, 0), 0);
	pace_release(&P, host(1), true, 100);
	pace_release(&P, host(2), true, 100);
	assert_int_equal(pace_tick(&P, 100), 3000); /* from PACE_RATE_UNCAPPED */
	uint64_t t = 100 + PACE_CALM_MS;
	for (int i = 0; i < 20; i++)
		(void)pace_tick(&P, t + 1000 * (uint64_t)i);
	assert_int_equal(pace_rate(&P), 0);
}

static void test_adaptive_starts_polite_and_grows(void **state)
{
	(void)state;
	init(0, true, 64, 1000);
	assert_int_equal(pace_tick(&P, 0), PACE_ADAPTIVE_START);
	assert_int_equal(pace_tick(&P, 999), PACE_ADAPTIVE_START);
	assert_int_equal(pace_tick(&P, 1000), PACE_ADAPTIVE_START + PACE_ADAPTIVE_START / 4 + 1);
	for (uint64_t t = 2000; t < 60000; t += 1000)
		(void)pace_tick(&P, t);
	assert_int_equal(pace_rate(&P), PACE_ADAPTIVE_MAX);
	/* --rate caps the adaptive default */
	struct pace_cfg c = {.rate = 3000, .adaptive = true, .window_start = 64, .window_min = 4,
			     .window_max = 1000};
	pace_init(&P, &c, 0);
	for (uint64_t t = 1000; t < 60000; t += 1000)
		(void)pace_tick(&P, t);
	assert_int_equal(pace_rate(&P), 3000);
}

static void test_adaptive_backs_off_and_recovers(void **state)
{
	(void)state;
	init(0, true, 64, 1000);
	for (uint64_t t = 1000; t <= 20000; t += 1000)
		(void)pace_tick(&P, t);
	assert_int_equal(pace_rate(&P), PACE_ADAPTIVE_MAX);
	/* the targets stop keeping up: cut by a quarter a halving */
	uint64_t t = 20000;
	for (int i = 0; i < 20; i++, t += 500) {
		pace_release(&P, host(1 + (unsigned)i), true, t);
		(void)pace_tick(&P, t);
	}
	assert_int_equal(pace_rate(&P), PACE_ADAPTIVE_FLOOR);
	/* calm again: it grows back */
	t += PACE_CALM_MS;
	for (int i = 0; i < 30; i++)
		(void)pace_tick(&P, t + 1000 * (uint64_t)i);
	assert_int_equal(pace_rate(&P), PACE_ADAPTIVE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_key_ignores_port_not_address),
		cmocka_unit_test(test_window_queues_and_wakes_in_order),
		cmocka_unit_test(test_cancel_unlinks),
		cmocka_unit_test(test_halving_at_most_every_500ms),
		cmocka_unit_test(test_additive_increase_after_first_choke),
		cmocka_unit_test(test_backlogged),
		cmocka_unit_test(test_one_host_chokes_is_not_overload),
		cmocka_unit_test(test_host_choke_decays),
		cmocka_unit_test(test_one_server_behind_many_addresses),
		cmocka_unit_test(test_overload_decays_when_calm),
		cmocka_unit_test(test_silence_never_slows),
		cmocka_unit_test(test_fixed_rate_cut_and_recovery),
		cmocka_unit_test(test_uncapped_cut_then_back_to_no_cap),
		cmocka_unit_test(test_adaptive_starts_polite_and_grows),
		cmocka_unit_test(test_adaptive_backs_off_and_recovers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
