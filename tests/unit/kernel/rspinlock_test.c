/*
 * tests/unit/kernel/rspinlock_test.c: the recursive spinlock of
 * kernel/spinlock.h, with each pthread as one CPU (shims for this_cpu()
 * and the interrupt flag in tests/unit/kernel/shim/), built with
 * ThreadSanitizer: nesting counts, only the outermost release gives the
 * lock up and restores interrupts, and two CPUs never hold it at once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/spinlock.h"

__thread bool shim_irq_on = true;
__thread struct cpu shim_cpu;

static void test_nested_take_releases_only_at_outermost(void **state)
{
	(void)state;
	struct rspinlock l = RSPINLOCK_INIT("t");
	shim_cpu.id = 0;
	shim_irq_on = true;
	assert_false(rspin_held(&l));
	rspin_lock(&l);
	assert_false(shim_irq_on);
	rspin_lock(&l);
	assert_int_equal(rspin_depth(&l), 2);
	assert_int_equal(shim_cpu.locks_held, 1);   /* one spinlock, however deep */
	rspin_unlock(&l);
	assert_true(rspin_held(&l));
	assert_false(shim_irq_on);                  /* still inside the outer take */
	assert_int_equal(shim_cpu.locks_held, 1);   /* the spinlock is still held */
	rspin_unlock(&l);
	assert_false(rspin_held(&l));
	assert_int_equal(rspin_depth(&l), 0);
	assert_int_equal(shim_cpu.locks_held, 0);
	assert_true(shim_irq_on);
}

static void test_taken_with_irqs_off_leaves_them_off(void **state)
{
	(void)state;
	struct rspinlock l = RSPINLOCK_INIT("t");
	shim_cpu.id = 0;
	shim_irq_on = false;
	rspin_lock(&l);
	rspin_unlock(&l);
	assert_false(shim_irq_on);
	shim_irq_on = true;
}

static void test_other_cpu_sees_lock_not_held(void **state)
{
	(void)state;
	struct rspinlock l = RSPINLOCK_INIT("t");
	shim_cpu.id = 0;
	rspin_lock(&l);
	shim_cpu.id = 1;   /* the same memory seen from CPU 1 */
	assert_false(rspin_held(&l));
	assert_int_equal(rspin_depth(&l), 0);
	shim_cpu.id = 0;
	rspin_unlock(&l);
}

enum { ROUNDS = 20000, NCPU = 3 };
static struct rspinlock shared = RSPINLOCK_INIT("shared");
static uint64_t counter;       /* plain: only the lock orders the increments */
static int inside;             /* CPUs inside at once; must stay 1 */
static int overlap;

static void *cpu_main(void *arg)
{
	shim_cpu.id = (unsigned)(uintptr_t)arg;
	shim_irq_on = true;
	for (int i = 0; i < ROUNDS; i++) {
		rspin_lock(&shared);
		if (++inside != 1)
			overlap = 1;
		rspin_lock(&shared);   /* a callback re-entering */
		counter++;
		rspin_unlock(&shared);
		inside--;
		rspin_unlock(&shared);
		if (!shim_irq_on || shim_cpu.locks_held)
			overlap = 1;
	}
	return NULL;
}

static void test_cpus_exclude_each_other(void **state)
{
	(void)state;
	pthread_t t[NCPU];
	for (uintptr_t i = 0; i < NCPU; i++)
		assert_int_equal(pthread_create(&t[i], NULL, cpu_main, (void *)i), 0);
	for (int i = 0; i < NCPU; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(counter, (uint64_t)ROUNDS * NCPU);
	assert_int_equal(overlap, 0);
	assert_int_equal(shared.owner, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_take_releases_only_at_outermost),
		cmocka_unit_test(test_taken_with_irqs_off_leaves_them_off),
		cmocka_unit_test(test_other_cpu_sees_lock_not_held),
		cmocka_unit_test(test_cpus_exclude_each_other),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
