/*
 * apps/threads/spin.c: threads.mode=spin, a known hot spot for the
 * profiler's test (tests/boot/prof.sh). One thread per CPU runs
 * threads_spin_loop, pure computation that never yields, for
 * threads.spin_ms (default 400) of its CPU's time; main joins them and
 * prints the work done. With prof.hz set, the profile printed at exit must
 * name threads_spin_loop as the hottest function.
 */
#include <skiff.h>

#include "threads.h"

SKIFF_OPTION(spin_ms, "threads.spin_ms", "milliseconds each CPU spins in spin mode (default 400)");

/* Not inlined, so the samples land in a function of this name. */
__attribute__((noinline)) uint64_t threads_spin_loop(uint64_t until_ns);

uint64_t threads_spin_loop(uint64_t until_ns)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, n = 0;

	while (skiff_time_ns() < until_ns) {
		for (int i = 0; i < 1000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		n++;
	}
	return n + (x & 1);
}

static int spin_thread(void *arg)
{
	uint64_t *until = arg;

	return (int)(threads_spin_loop(*until) & 0x7fffffff);
}

int spin_mode(unsigned ncpu)
{
	long ms = skiff_opt_long("threads.spin_ms", 400);
	struct thread *t[64];
	uint64_t until;
	unsigned i;
	int st, sum = 0;

	if (ms < 1 || ms > 600000) {
		printf("threads: spin: threads.spin_ms=%ld out of 1..600000\n", ms);
		return 2;
	}
	until = skiff_time_ns() + (uint64_t)ms * 1000000u;
	for (i = 0; i < ncpu && i < 64; i++) {
		t[i] = thread_create(spin_thread, &until, i);
		if (!t[i]) {
			printf("threads: spin: cannot create a thread on CPU %u\n", i);
			return 1;
		}
	}
	for (i = 0; i < ncpu && i < 64; i++) {
		thread_join(t[i], &st);
		sum += st > 0;
	}
	printf("threads: spin: %u CPUs spun %ld ms each, %d did work\n", ncpu, ms, sum);
	return sum == (int)ncpu ? 0 : 1;
}
