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

SKIFF_OPTION(test_fault, "test.fault", "trigger a fault after boot: pf ud de gp bp panic");

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
	else if (!strcmp(f, "panic"))
		panic("selftest: panic requested");
	else
		kwarn("selftest", "unknown test.fault '%s' (pf ud de gp bp panic)", f);
}
