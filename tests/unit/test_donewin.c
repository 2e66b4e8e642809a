/* test_donewin.c - the --syn stage's finished-positions window: bad sizes
 * refused, base follows the oldest unfinished position, and a long random
 * walk (many times round a small ring, from a resume offset) agrees with a
 * plain one-byte-per-position reference at every step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/donewin.h"

static void test_bad_sizes(void **state)
{
	(void)state;
	struct donewin w;
	static const uint64_t bad[] = {0, 1, 32, 63, 100, 192};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(donewin_init(&w, 0, bad[i]), -1);
		donewin_free(&w);
	}
	assert_int_equal(donewin_init(&w, 0, 64), 0);
	donewin_free(&w);
}

static void test_base_follows_oldest(void **state)
{
	(void)state;
	struct donewin w;
	assert_int_equal(donewin_init(&w, 10, 64), 0);
	assert_true(donewin_done(&w, 9)); /* before the start: finished */
	assert_false(donewin_done(&w, 10));
	assert_true(donewin_room(&w, 73));
	assert_false(donewin_room(&w, 74)); /* 10 + 64: one ring round */
	donewin_finish(&w, 12);
	donewin_finish(&w, 11);
	assert_int_equal(w.base, 10); /* 10 still open holds it */
	assert_true(donewin_done(&w, 11));
	donewin_finish(&w, 10);
	assert_int_equal(w.base, 13);
	donewin_finish(&w, 12); /* again, and below base: no-ops */
	donewin_finish(&w, 3);
	assert_int_equal(w.base, 13);
	assert_true(donewin_room(&w, 76));
	donewin_free(&w);
}

/* A whole aligned word finished at once, then the ring reused. */
static void test_full_words(void **state)
{
	(void)state;
	struct donewin w;
	assert_int_equal(donewin_init(&w, 0, 128), 0);
	for (uint64_t j = 127; j > 0; j--)
		donewin_finish(&w, j);
	assert_int_equal(w.base, 0);
	donewin_finish(&w, 0);
	assert_int_equal(w.base, 128);
	for (uint64_t j = 128; j < 256; j++)
		assert_false(donewin_done(&w, j)); /* slots were cleared */
	donewin_free(&w);
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_random_walk_matches_reference(void **state)
{
	(void)state;
	const uint64_t start = 1000, total = 60000, nbits = 256;
	uint8_t *ref = calloc(start + total, 1);
	uint64_t *open = malloc(total * sizeof *open); /* started, unfinished */
	assert_non_null(ref);
	assert_non_null(open);
	size_t nopen = 0;
	struct donewin w;
	assert_int_equal(donewin_init(&w, start, nbits), 0);
	uint64_t next = start;
	unsigned blocked = 0;
	while (next < start + total || nopen) {
		bool can_start = next < start + total && donewin_room(&w, next);
		if (next < start + total && !can_start)
			blocked++;
		if (can_start && (nopen == 0 || rnd() % 3 != 0)) {
			open[nopen++] = next++;
		} else if (nopen) {
			/* mostly the newer ones: the oldest lingers, as a
			 * position does through its resends */
			size_t k = rnd() % 8 == 0 ? rnd() % nopen
						  : nopen - 1 - rnd() % (nopen < 4 ? nopen : 4);
			uint64_t j = open[k];
			open[k] = open[--nopen];
			ref[j] = 1;
			donewin_finish(&w, j);
		}
		uint64_t oldest = next;
		for (size_t i = 0; i < nopen; i++)
			if (open[i] < oldest)
				oldest = open[i];
		assert_int_equal(w.base, oldest);
		uint64_t lo = next > nbits ? next - nbits : 0;
		for (uint64_t j = lo; j < next; j++)
			assert_int_equal(donewin_done(&w, j), j < start || ref[j]);
	}
	assert_true(blocked > 0); /* the window did hold the walker back */
	assert_int_equal(w.base, start + total);
	donewin_free(&w);
	free(open);
	free(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_sizes),
	    cmocka_unit_test(test_base_follows_oldest),
	    cmocka_unit_test(test_full_words),
	    cmocka_unit_test(test_random_walk_matches_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
