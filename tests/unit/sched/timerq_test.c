/*
 * tests/unit/sched/timerq_test.c: the per-CPU timer heap. Order by
 * deadline with FIFO ties, cancel from any slot, re-arm, growth failure,
 * and a randomized run checked against a sorted shadow list.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sched/timerq.h"

static struct timer *fired[4096];
static unsigned nfired;

static void record(struct timer *t)
{
	fired[nfired++] = t;
}

static int fail_grow_after;   /* growth calls left before failing; <0: never fail */

static void *test_grow(void *old, size_t size)
{
	if (fail_grow_after == 0)
		return NULL;
	if (fail_grow_after > 0)
		fail_grow_after--;
	return realloc(old, size);
}

static struct timerq q;

static int setup(void **state)
{
	(void)state;
	nfired = 0;
	fail_grow_after = -1;
	timerq_init(&q, test_grow);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(q.n, 0);  /* every test leaves the queue empty */
	free(q.heap);
	return 0;
}

static void test_timerq_due_timers_fire_in_deadline_order(void **state)
{
	(void)state;
	struct timer t[5];
	uint64_t d[5] = { 50, 10, 40, 20, 30 };
	for (int i = 0; i < 5; i++) {
		timer_init(&t[i], record);
		assert_int_equal(timerq_add(&q, &t[i], d[i]), 0);
	}
	assert_int_equal(timerq_next(&q), 10);
	assert_int_equal(timerq_run(&q, 9), 0);
	assert_int_equal(timerq_run(&q, 30), 3);
	assert_ptr_equal(fired[0], &t[1]);
	assert_ptr_equal(fired[1], &t[3]);
	assert_ptr_equal(fired[2], &t[4]);
	assert_false(timer_pending(&t[1]));
	assert_int_equal(timerq_next(&q), 40);
	assert_int_equal(timerq_run(&q, 1000), 2);
	assert_int_equal(timerq_next(&q), UINT64_MAX);
}

static void test_timerq_equal_deadlines_fire_in_arrival_order(void **state)
{
	(void)state;
	struct timer t[8];
	for (int i = 0; i < 8; i++) {
		timer_init(&t[i], record);
		timerq_add(&q, &t[i], 100);
	}
	timerq_run(&q, 100);
	for (int i = 0; i < 8; i++)
		assert_ptr_equal(fired[i], &t[i]);
}

static void test_timerq_cancel_removes_from_any_slot(void **state)
{
	(void)state;
	struct timer t[7];
	for (int i = 0; i < 7; i++) {
		timer_init(&t[i], record);
		timerq_add(&q, &t[i], (uint64_t)(10 * (i + 1)));
	}
	assert_true(timerq_cancel(&q, &t[3]));   /* an inner node */
	assert_true(timerq_cancel(&q, &t[0]));   /* the root */
	assert_true(timerq_cancel(&q, &t[6]));   /* a leaf */
	assert_false(timerq_cancel(&q, &t[6]));  /* not pending any more */
	timerq_run(&q, 1000);
	assert_int_equal(nfired, 4);
	assert_ptr_equal(fired[0], &t[1]);
	assert_ptr_equal(fired[1], &t[2]);
	assert_ptr_equal(fired[2], &t[4]);
	assert_ptr_equal(fired[3], &t[5]);
}

static void test_timerq_readd_pending_timer_moves_deadline(void **state)
{
	(void)state;
	struct timer a, b;
	timer_init(&a, record);
	timer_init(&b, record);
	timerq_add(&q, &a, 10);
	timerq_add(&q, &b, 20);
	timerq_add(&q, &a, 30);
	assert_int_equal(q.n, 2);
	assert_int_equal(timerq_next(&q), 20);
	timerq_run(&q, 100);
	assert_ptr_equal(fired[0], &b);
	assert_ptr_equal(fired[1], &a);
}

static struct timer rearm_timer;

static void rearm_now(struct timer *t)
{
	record(t);
	timerq_add(&q, t, 0);  /* already due: must not loop forever */
}

static void test_timerq_callback_rearming_for_past_runs_next_call(void **state)
{
	(void)state;
	timer_init(&rearm_timer, rearm_now);
	timerq_add(&q, &rearm_timer, 5);
	assert_int_equal(timerq_run(&q, 10), 1);
	assert_true(timer_pending(&rearm_timer));
	assert_int_equal(timerq_run(&q, 10), 1);
	assert_int_equal(nfired, 2);
	timerq_cancel(&q, &rearm_timer);
}

static void test_timerq_growth_failure_returns_enomem_and_keeps_queue(void **state)
{
	(void)state;
	struct timer t[17];
	fail_grow_after = 1;  /* the first array (16 slots) succeeds, doubling fails */
	for (int i = 0; i < 16; i++) {
		timer_init(&t[i], record);
		assert_int_equal(timerq_add(&q, &t[i], (uint64_t)i), 0);
	}
	timer_init(&t[16], record);
	assert_int_equal(timerq_add(&q, &t[16], 99), -ENOMEM);
	assert_false(timer_pending(&t[16]));
	assert_int_equal(timerq_run(&q, 1000), 16);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_timerq_random_adds_and_cancels_match_sorted_model(void **state)
{
	(void)state;
	enum { N = 2000 };
	static struct timer t[N];
	static uint64_t expect[N];
	unsigned nexpect = 0;
	srand(12345);
	for (int i = 0; i < N; i++) {
		timer_init(&t[i], record);
		timerq_add(&q, &t[i], (uint64_t)(rand() % 500));
	}
	for (int i = 0; i < N; i++) {
		if (rand() % 3 == 0)
			assert_true(timerq_cancel(&q, &t[i]));
		else
			expect[nexpect++] = t[i].deadline;
	}
	qsort(expect, nexpect, sizeof(expect[0]), cmp_u64);
	assert_int_equal(timerq_run(&q, 1000), nexpect);
	for (unsigned i = 0; i < nexpect; i++)
		assert_int_equal(fired[i]->deadline, expect[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timerq_due_timers_fire_in_deadline_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timerq_equal_deadlines_fire_in_arrival_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timerq_cancel_removes_from_any_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timerq_readd_pending_timer_moves_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timerq_callback_rearming_for_past_runs_next_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timerq_growth_failure_returns_enomem_and_keeps_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timerq_random_adds_and_cancels_match_sorted_model, setup, teardown),
	};
	return cmocka_run_group_tests_name("sched/timerq", tests, NULL, NULL);
}
