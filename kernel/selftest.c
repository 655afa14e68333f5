/*
 * kernel/selftest.c: deliberate faults for the boot tests (see selftest.h).
 * Each is produced the way a real bug would produce it, not simulated, so
 * that the test exercises the IDT, the report and the power-off path.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/cpu_init.h"
#include "include/skiff.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/selftest.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
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

SKIFF_OPTION(test_fault, "test.fault", "trigger a fault after boot: pf ud de gp bp stack yield_locked panic triple");

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

SKIFF_OPTION(test_console, "test.console", "read console input after boot: getc hook overflow");
SKIFF_OPTION(test_console_bytes, "test.console_bytes", "bytes test.console=overflow waits for (default 5000)");

#define CONSOLE_LINE_MAX 128
#define CONSOLE_WAIT_NS (60 * NSEC_PER_SEC)

/* One line by console_getc(), the blocking read; the newline (or CR) not kept. */
static size_t console_line_getc(char *line)
{
	size_t n = 0;
	for (;;) {
		int c = console_getc();
		if (c == '\n' || c == '\r') {
			if (n)
				break;
			continue;   /* the LF after a CR, or an empty line */
		}
		if (n < CONSOLE_LINE_MAX - 1)
			line[n++] = (char)c;
	}
	line[n] = 0;
	return n;
}

static struct event console_ev;
static volatile unsigned console_hook_calls;

/* Interrupt context: only signal. */
static void console_hook(void *ctx)
{
	console_hook_calls++;
	event_signal(ctx);
}

/* One line through the input hook and the nonblocking read, as poll() and read() on fd 0 will do. */
static int console_line_hook(char *line)
{
	size_t n = 0;
	uint64_t until = time_ns() + CONSOLE_WAIT_NS;
	event_init(&console_ev);
	console_set_input_hook(console_hook, &console_ev);
	for (;;) {
		char c;
		while (console_read(&c, 1) == 1) {
			if (c == '\n' || c == '\r') {
				if (!n)
					continue;
				console_set_input_hook(NULL, NULL);
				line[n] = 0;
				return (int)n;
			}
			if (n < CONSOLE_LINE_MAX - 1)
				line[n++] = c;
		}
		uint64_t now = time_ns();
		if (now >= until || event_wait(&console_ev, until - now) == -ETIMEDOUT) {
			console_set_input_hook(NULL, NULL);
			return -ETIMEDOUT;
		}
	}
}

/* Lets test.console_bytes bytes arrive unread, then reads what the ring kept. */
static void console_overflow(void)
{
	long want = cmdline_get_long("test.console_bytes", 5000);
	uint64_t until = time_ns() + CONSOLE_WAIT_NS;
	struct console_stats st;
	klog("selftest", "console: send %ld bytes", want);
	do {
		thread_sleep(10 * NSEC_PER_MSEC);
		console_get_stats(&st);
	} while ((long)st.rx_bytes < want && time_ns() < until);
	size_t kept = 0, n;
	char buf[256];
	while ((n = console_read(buf, sizeof(buf))) > 0)
		kept += n;
	console_get_stats(&st);
	klog("selftest", "console: kept %zu of %lu bytes, dropped %lu, readable %s", kept,
	     (unsigned long)st.rx_bytes, (unsigned long)st.rx_dropped, console_readable() ? "yes" : "no");
}

static void console_test(const char *mode)
{
	char line[CONSOLE_LINE_MAX];
	if (!strcmp(mode, "getc")) {
		klog("selftest", "console: type two lines");
		for (int i = 1; i <= 2; i++) {
			size_t n = console_line_getc(line);
			klog("selftest", "console: line %d: '%s' (%zu bytes)", i, line, n);
		}
	} else if (!strcmp(mode, "hook")) {
		klog("selftest", "console: type a line");
		int n = console_line_hook(line);
		if (n < 0)
			kwarn("selftest", "console: no line within %llu s", CONSOLE_WAIT_NS / NSEC_PER_SEC);
		else
			klog("selftest", "console: hook line: '%s' (%d bytes, hook called %s)", line, n,
			     console_hook_calls ? "yes" : "no");
	} else if (!strcmp(mode, "overflow")) {
		console_overflow();
	} else {
		kwarn("selftest", "unknown test.console '%s' (getc hook overflow)", mode);
	}
}

void selftest_run(void)
{
	const char *c = cmdline_get("test.console");
	if (c)
		console_test(c);
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
	else if (!strcmp(f, "triple"))
		cpu_triple_fault();   /* no report: the machine resets */
	else
		kwarn("selftest", "unknown test.fault '%s' (pf ud de gp bp stack yield_locked panic triple)", f);
}
