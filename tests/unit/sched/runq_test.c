/*
 * tests/unit/sched/runq_test.c: run-queue order. Cooperative threads share
 * a CPU round-robin: pop takes the oldest ready thread, and a thread that
 * yields (pushed back) runs after every thread already waiting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sched/runq.h"

struct fake_thread {
	int id;
	struct list_node link;
};

static int pop_id(struct runq *q)
{
	struct list_node *n = runq_pop(q);
	return n ? list_entry(n, struct fake_thread, link)->id : -1;
}

static void test_runq_pop_returns_oldest_ready_first(void **state)
{
	(void)state;
	struct runq q;
	struct fake_thread t[3] = { { .id = 0 }, { .id = 1 }, { .id = 2 } };
	runq_init(&q);
	assert_true(runq_empty(&q));
	assert_int_equal(pop_id(&q), -1);
	for (int i = 0; i < 3; i++)
		runq_push(&q, &t[i].link);
	assert_int_equal(q.n, 3);
	assert_int_equal(pop_id(&q), 0);
	assert_int_equal(pop_id(&q), 1);
	assert_int_equal(pop_id(&q), 2);
	assert_true(runq_empty(&q));
}

static void test_runq_yielding_thread_runs_after_all_waiting(void **state)
{
	(void)state;
	struct runq q;
	struct fake_thread t[4] = { { .id = 0 }, { .id = 1 }, { .id = 2 }, { .id = 3 } };
	int order[12];
	runq_init(&q);
	for (int i = 0; i < 4; i++)
		runq_push(&q, &t[i].link);
	/* Each "runs" then yields: pushed back at the tail. */
	for (int k = 0; k < 12; k++) {
		struct list_node *n = runq_pop(&q);
		order[k] = list_entry(n, struct fake_thread, link)->id;
		runq_push(&q, n);
	}
	for (int k = 0; k < 12; k++)
		assert_int_equal(order[k], k % 4);
	assert_int_equal(q.n, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runq_pop_returns_oldest_ready_first),
		cmocka_unit_test(test_runq_yielding_thread_runs_after_all_waiting),
	};
	return cmocka_run_group_tests_name("sched/runq", tests, NULL, NULL);
}
