/*
 * tests/unit/sched/inbox_test.c: the lock-free MPSC inbox, single-threaded
 * for order and under real concurrency (pthreads, built with
 * ThreadSanitizer) for "every message exactly once, each producer's in
 * order".
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sched/inbox.h"

struct msg {
	struct inbox_msg m;        /* first: a struct inbox_msg * is a struct msg * */
	int producer;
	int seq;
};

static void test_inbox_take_all_returns_oldest_first(void **state)
{
	(void)state;
	struct inbox ib;
	struct msg m[4];
	inbox_init(&ib);
	assert_true(inbox_empty(&ib));
	for (int i = 0; i < 4; i++) {
		m[i].seq = i;
		assert_int_equal(inbox_push(&ib, &m[i].m), i == 0);  /* only the first finds it empty */
	}
	assert_false(inbox_empty(&ib));
	struct inbox_msg *l = inbox_take_all(&ib);
	assert_true(inbox_empty(&ib));
	for (int i = 0; i < 4; i++, l = l->next)
		assert_int_equal(((struct msg *)l)->seq, i);
	assert_null(l);
	assert_null(inbox_take_all(&ib));
}

enum { PRODUCERS = 4, PER_PRODUCER = 20000 };
static struct inbox shared;
static struct msg pool[PRODUCERS][PER_PRODUCER];

static void *producer(void *arg)
{
	int p = (int)(intptr_t)arg;
	for (int i = 0; i < PER_PRODUCER; i++) {
		pool[p][i].producer = p;
		pool[p][i].seq = i;
		inbox_push(&shared, &pool[p][i].m);
	}
	return NULL;
}

static void test_inbox_concurrent_producers_deliver_each_once_in_order(void **state)
{
	(void)state;
	pthread_t th[PRODUCERS];
	int next[PRODUCERS] = { 0 };
	long got = 0;
	inbox_init(&shared);
	for (int p = 0; p < PRODUCERS; p++)
		assert_int_equal(pthread_create(&th[p], NULL, producer, (void *)(intptr_t)p), 0);
	/* Bounded: all messages arrive once the producers finish; join ends the wait. */
	while (got < (long)PRODUCERS * PER_PRODUCER) {
		struct inbox_msg *l = inbox_take_all(&shared);
		if (!l) {
			sched_yield();
			continue;
		}
		for (; l; l = l->next) {
			struct msg *m = (struct msg *)l;
			assert_int_equal(m->seq, next[m->producer]);
			next[m->producer]++;
			got++;
		}
	}
	for (int p = 0; p < PRODUCERS; p++) {
		pthread_join(th[p], NULL);
		assert_int_equal(next[p], PER_PRODUCER);
	}
	assert_null(inbox_take_all(&shared));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbox_take_all_returns_oldest_first),
		cmocka_unit_test(test_inbox_concurrent_producers_deliver_each_once_in_order),
	};
	return cmocka_run_group_tests_name("sched/inbox", tests, NULL, NULL);
}
