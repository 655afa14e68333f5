/*
 * tests/unit/kernel/rspinlock_test.c: the recursive spinlock of
 * kernel/spinlock.h, with each pthread as one CPU (shims for this_cpu()
 * and the interrupt flag in tests/unit/kernel/shim/), built with
 * ThreadSanitizer: nesting counts, only the outermost release gives the
 * lock up, interrupts stay as they were throughout, a take from an
 * interrupt handler panics, and two CPUs never hold it at once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "kernel/spinlock.h"

__thread bool shim_irq_on = true;
__thread struct cpu shim_cpu;

/* kernel/panic.h's panic(): remembers the message and jumps back into the test. */
static jmp_buf panic_jmp;
static char panic_msg[128];

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	longjmp(panic_jmp, 1);
}

static void test_nested_take_releases_only_at_outermost(void **state)
{
	(void)state;
	struct rspinlock l = RSPINLOCK_INIT("t");
	shim_cpu.id = 0;
	shim_irq_on = true;
	assert_false(rspin_held(&l));
	rspin_lock(&l);
	assert_true(shim_irq_on);                   /* interrupts stay on: handlers never take it */
	rspin_lock(&l);
	assert_int_equal(rspin_depth(&l), 2);
	assert_int_equal(shim_cpu.locks_held, 1);   /* one spinlock, however deep */
	rspin_unlock(&l);
	assert_true(rspin_held(&l));
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
	assert_false(shim_irq_on);
	rspin_unlock(&l);
	assert_false(shim_irq_on);
	shim_irq_on = true;
}

/* A handler that took it would find its own CPU the owner and step into the holder's work. */
static void test_take_in_interrupt_handler_panics(void **state)
{
	(void)state;
	static struct rspinlock l = RSPINLOCK_INIT("stack");
	shim_cpu.id = 0;
	rspin_lock(&l);                 /* a thread inside a pass... */
	shim_cpu.irq_depth = 1;         /* ...interrupted, and the handler tries */
	panic_msg[0] = 0;
	if (setjmp(panic_jmp) == 0) {
		rspin_lock(&l);
		fail_msg("rspin_lock returned in an interrupt handler");
	}
	shim_cpu.irq_depth = 0;
	assert_string_equal(panic_msg, "rspinlock stack taken in an interrupt handler");
	assert_int_equal(rspin_depth(&l), 1);   /* the holder's count untouched */
	rspin_unlock(&l);
	assert_false(rspin_held(&l));
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
		cmocka_unit_test(test_take_in_interrupt_handler_panics),
		cmocka_unit_test(test_other_cpu_sees_lock_not_held),
		cmocka_unit_test(test_cpus_exclude_each_other),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
