/*
 * tests/unit/pipe/shm_test.c: the shared-memory layout (pipe/shm.c):
 * format picks the largest ring that fits, check refuses layouts that
 * overrun the mapping, slots do not overlap, epochs count restarts, and
 * the pending bitmap is taken atomically.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pipe/shm.h"

#define SIZE (1u << 20)

static void test_format_picks_largest_ring(void **state)
{
	(void)state;
	void *m = calloc(1, SIZE);
	assert_int_equal(pipe_shm_format(m, SIZE, 16, 1u << 30, 0), 0);
	const struct pipe_shm_hdr *h = m;
	assert_int_equal(h->ring_size, 16384);   /* 32 rings x 32 KiB would pass 1 MiB with the header */
	assert_int_equal(h->nslots, 16);
	assert_int_equal(pipe_shm_check(m, SIZE), 0);
	assert_int_equal(pipe_shm_format(m, SIZE, 16, 8192, 0), 0);
	assert_int_equal(h->ring_size, 8192);
	free(m);
}

static void test_format_refuses_impossible(void **state)
{
	(void)state;
	void *m = calloc(1, SIZE);
	assert_int_equal(pipe_shm_format(m, SIZE, 1, 1u << 20, 0), -EINVAL);
	assert_int_equal(pipe_shm_format(m, SIZE, PIPE_MAX_SLOTS + 1, 1u << 20, 0), -EINVAL);
	assert_int_equal(pipe_shm_format(m, SIZE, 200, 1u << 20, 0), -EINVAL);  /* < 4 KiB rings */
	assert_int_equal(pipe_shm_check(m, SIZE), -EINVAL);                      /* never laid out */
	free(m);
}

static void test_check_refuses_overrun(void **state)
{
	(void)state;
	void *m = calloc(1, SIZE);
	assert_int_equal(pipe_shm_format(m, SIZE, 16, 1u << 20, 0), 0);
	assert_int_equal(pipe_shm_check(m, SIZE / 2), -EINVAL);
	struct pipe_shm_hdr *h = m;
	h->ring_size = 12288;
	assert_int_equal(pipe_shm_check(m, SIZE), -EINVAL);
	h->ring_size = 16384;
	h->nslots = PIPE_MAX_SLOTS + 1;
	assert_int_equal(pipe_shm_check(m, SIZE), -EINVAL);
	h->nslots = 16;
	h->data_off = 4096;   /* the control blocks would overlap the data */
	assert_int_equal(pipe_shm_check(m, SIZE), -EINVAL);
	free(m);
}

static void test_slots_disjoint_and_in_bounds(void **state)
{
	(void)state;
	uint8_t *m = calloc(1, SIZE);
	assert_int_equal(pipe_shm_format(m, SIZE, 16, 1u << 20, 0), 0);
	struct pipe_slot_view a, b;
	for (uint32_t i = 0; i < 16; i++) {
		assert_int_equal(pipe_shm_slot(m, i, &a), 0);
		assert_true(a.h2g.data + a.h2g.cap <= m + SIZE);
		assert_true(a.g2h.data + a.g2h.cap <= a.h2g.data);
		if (i) {
			pipe_shm_slot(m, i - 1, &b);
			assert_true(b.h2g.data + b.h2g.cap <= a.g2h.data);
			assert_true((uint8_t *)(b.h2g.ctl + 1) <= (uint8_t *)a.g2h.ctl);
		}
	}
	assert_int_equal(pipe_shm_slot(m, 16, &a), -EINVAL);
	free(m);
}

/* A monitor that lays out memory a previous one used bumps the epoch. */
static void test_reformat_bumps_epoch(void **state)
{
	(void)state;
	void *m = calloc(1, SIZE);
	const struct pipe_shm_hdr *h = m;
	pipe_shm_format(m, SIZE, 16, 1u << 20, 3);
	assert_int_equal(h->epoch, 1);
	assert_int_equal(h->host_id, 3);
	pipe_shm_format(m, SIZE, 16, 1u << 20, 3);
	assert_int_equal(h->epoch, 2);
	free(m);
}

static void test_pending_bits_taken_once(void **state)
{
	(void)state;
	void *m = calloc(1, SIZE);
	pipe_shm_format(m, SIZE, 130, 4096, 0);
	pipe_shm_post_guest(m, 1);
	pipe_shm_post_guest(m, 63);
	pipe_shm_post_guest(m, 1);
	pipe_shm_post_guest(m, 129);
	assert_int_equal(pipe_shm_take_pending(m, 0), (1ull << 1) | (1ull << 63));
	assert_int_equal(pipe_shm_take_pending(m, 0), 0);
	assert_int_equal(pipe_shm_take_pending(m, 2), 1ull << 1);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_picks_largest_ring),
		cmocka_unit_test(test_format_refuses_impossible),
		cmocka_unit_test(test_check_refuses_overrun),
		cmocka_unit_test(test_slots_disjoint_and_in_bounds),
		cmocka_unit_test(test_reformat_bumps_epoch),
		cmocka_unit_test(test_pending_bits_taken_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
