/* test_permute.c - the scan-order permutation and shards: bijection for
 * many sizes and seeds, shards disjoint and complete. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/permute.h"

static void check_bijection(uint64_t n, uint64_t seed)
{
	struct permute p;
	permute_init(&p, n, seed);
	uint8_t *seen = calloc(n, 1);
	assert_non_null(seen);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v = permute_at(&p, i);
		assert_true(v < n);
		assert_int_equal(seen[v], 0);
		seen[v] = 1;
	}
	free(seen);
}

static void test_bijection_sizes(void **state)
{
	(void)state;
	static const uint64_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 255, 256, 257, 1000, 4096, 65537};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (uint64_t seed = 0; seed < 4; seed++)
			check_bijection(sizes[i], seed * 7919 + 1);
}

static void test_seed_changes_order(void **state)
{
	(void)state;
	struct permute a, b;
	permute_init(&a, 1000, 1);
	permute_init(&b, 1000, 2);
	unsigned same = 0;
	for (uint64_t i = 0; i < 1000; i++)
		same += permute_at(&a, i) == permute_at(&b, i);
	assert_true(same < 50);
	/* and the order is scattered: consecutive positions are not neighbours */
	unsigned adjacent = 0;
	for (uint64_t i = 1; i < 1000; i++) {
		uint64_t x = permute_at(&a, i - 1), y = permute_at(&a, i);
		adjacent += (x + 1 == y || y + 1 == x);
	}
	assert_true(adjacent < 50);
}

static void test_shards_partition(void **state)
{
	(void)state;
	for (unsigned count = 1; count <= 7; count++) {
		for (uint64_t n = 0; n < 50; n++) {
			uint8_t seen[64] = {0};
			uint64_t total = 0;
			for (unsigned k = 1; k <= count; k++) {
				uint64_t m = shard_size(n, k, count);
				total += m;
				for (uint64_t j = 0; j < m; j++) {
					uint64_t pos = shard_position(k, count, j);
					assert_true(pos < n);
					assert_int_equal(seen[pos], 0); /* intersection empty */
					seen[pos] = 1;
				}
			}
			assert_int_equal(total, n); /* union is everything */
		}
	}
}

static void test_large_domain_no_allocation(void **state)
{
	(void)state;
	struct permute p;
	permute_init(&p, (uint64_t)1 << 40, 42);
	/* spot checks only: the point is that this costs no memory */
	assert_true(permute_at(&p, 0) < ((uint64_t)1 << 40));
	assert_true(permute_at(&p, ((uint64_t)1 << 40) - 1) < ((uint64_t)1 << 40));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bijection_sizes),
		cmocka_unit_test(test_seed_changes_order),
		cmocka_unit_test(test_shards_partition),
		cmocka_unit_test(test_large_domain_no_allocation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
