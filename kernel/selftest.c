/*
 * kernel/selftest.c: deliberate faults for the boot tests (see selftest.h).
 * Each is produced the way a real bug would produce it, not simulated, so
 * that the test exercises the IDT, the report and the power-off path.
 */
#include <stdint.h>
#include <string.h>

#include "include/skiff.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/selftest.h"
#include "kernel/spinlock.h"
#include "sched/sched.h"

/* noinline and a volatile pointer: the compiler must not see the fault coming and fold it away. */
static __attribute__((noinline)) void fault_pf(void)
{
	volatile uint64_t *p = (volatile uint64_t *)0xdead0000000ull;   /* canonical (bit 47 clear), above the identity map */
	*p = 42;
}

static __attribute__((noinline)) void fault_de(void)
{
	volatile int zero = 0;
	volatile int x = 1 / zero;
	(void)x;
}

static __attribute__((noinline)) void fault_gp(void)
{
	/* A non-canonical address is a #GP, not a #PF. */
	volatile uint64_t *p = (volatile uint64_t *)0x8000000000000000ull;
	(void)*p;
}

SKIFF_OPTION(test_fault, "test.fault", "trigger a fault after boot: pf ud de gp bp stack yield_locked panic");

/* Recurses until the depth limit; the limit is far beyond any stack, so the guard page is hit first. */
static __attribute__((noinline)) uint64_t recurse(volatile uint64_t *limit, uint64_t depth)
{
	volatile char pad[256];
	pad[0] = (char)depth;
	if (depth >= *limit)
		return pad[0];
	return recurse(limit, depth + 1) + pad[0];
}

/* Runs in a thread of its own: thread stacks have guard pages, the boot stack does not. */
static int overflow_thread(void *arg)
{
	(void)arg;
	volatile uint64_t limit = 1u << 30;
	return (int)recurse(&limit, 0);
}

static struct spinlock held = SPINLOCK_INIT("selftest");

void selftest_run(void)
{
	const char *f = cmdline_get("test.fault");
	if (!f)
		return;
	klog("selftest", "triggering fault '%s'", f);
	if (!strcmp(f, "pf"))
		fault_pf();
	else if (!strcmp(f, "ud"))
		__asm__ volatile("ud2");
	else if (!strcmp(f, "de"))
		fault_de();
	else if (!strcmp(f, "gp"))
		fault_gp();
	else if (!strcmp(f, "bp"))
		__asm__ volatile("int3");
	else if (!strcmp(f, "stack")) {
		struct thread *t = thread_create(overflow_thread, NULL, 0);
		thread_join(t, NULL);
	} else if (!strcmp(f, "yield_locked")) {
		/* The scheduler must refuse: a thread that yields holding a spinlock can deadlock its CPU. */
		spin_lock(&held);
		thread_yield();
		spin_unlock(&held);
	} else if (!strcmp(f, "panic"))
		panic("selftest: panic requested");
	else
		kwarn("selftest", "unknown test.fault '%s' (pf ud de gp bp stack yield_locked panic)", f);
}
