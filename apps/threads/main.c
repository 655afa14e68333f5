/*
 * apps/threads: exercises the cooperative per-CPU scheduler.
 *
 * threads.mode=check (default): on every CPU, threads.per_cpu workers each
 * do threads.rounds rounds of work; every round they add to their CPU's
 * tally and yield, every 4th round they sleep, and every 8th they hand a
 * job to a thread they create on the next CPU and join it. The expected
 * tallies are computed independently, so any lost, duplicated or misplaced
 * work changes a checksum. Workers also check they never leave their CPU.
 *
 * threads.mode=stress: threads.stress_n creates and exits spread over all
 * CPUs with sleeps of pseudo-random length; the heap and thread counts must
 * be back where they started.
 *
 * threads.mode=bench: yield ping-pong, remote create latency and sleep
 * wake-up lateness, printed as a table (not asserted).
 *
 * threads.mode=pthread: <pthread.h> across CPUs (pthreads.c).
 *
 * threads.mode=spin: a busy loop on every CPU (spin.c), for the profiler.
 */
#include <skiff.h>
#include <string.h>

#include "threads.h"

SKIFF_OPTION(mode, "threads.mode", "check (default), stress, bench, pthread or spin");
SKIFF_OPTION(per_cpu, "threads.per_cpu", "workers per CPU in check mode (default 4)");
SKIFF_OPTION(rounds, "threads.rounds", "rounds per worker in check mode (default 64)");
SKIFF_OPTION(stress_n, "threads.stress_n", "threads created in stress mode (default 4000)");

#define MAX_CPUS 64

/* Each CPU's tally is written only by threads of that CPU: cooperative, so no lock. */
static uint64_t tally[MAX_CPUS];
static uint64_t rounds_done[MAX_CPUS];
static uint64_t jobs_received[MAX_CPUS];
static unsigned misplaced;
static unsigned ncpu, per_cpu, rounds;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

struct job {
	unsigned cpu;              /* where it must run */
	uint64_t value;
};

static int job_run(void *arg)
{
	struct job *j = arg;
	if (cpu_id() != j->cpu)
		__atomic_fetch_add(&misplaced, 1, __ATOMIC_RELAXED);
	tally[j->cpu] += j->value;
	jobs_received[j->cpu]++;
	return (int)(j->value & 0x7f);
}

struct worker {
	unsigned cpu, idx;
	int failed;
};

static int worker_run(void *arg)
{
	struct worker *w = arg;
	for (unsigned r = 0; r < rounds; r++) {
		if (cpu_id() != w->cpu)
			__atomic_fetch_add(&misplaced, 1, __ATOMIC_RELAXED);
		tally[w->cpu] += mix(((uint64_t)w->cpu << 40) | ((uint64_t)w->idx << 20) | r);
		rounds_done[w->cpu]++;
		thread_yield();
		if (r % 4 == 3)
			thread_sleep((uint64_t)(1 + (w->idx + r) % 5) * 100000);  /* 0.1-0.5 ms */
		if (r % 8 == 7) {
			struct job j = { (w->cpu + 1) % ncpu, mix((uint64_t)w->cpu * 1000003 + w->idx * 1009 + r) };
			struct thread *t = thread_create(job_run, &j, j.cpu);
			int status = -1;
			if (!t || thread_join(t, &status) != 0 || status != (int)(j.value & 0x7f))
				w->failed++;
		}
	}
	return w->failed;
}

static int check_mode(void)
{
	static struct worker w[MAX_CPUS * 16];
	static struct thread *t[MAX_CPUS * 16];
	uint64_t expect[MAX_CPUS] = { 0 };
	per_cpu = (unsigned)skiff_opt_long("threads.per_cpu", 4);
	rounds = (unsigned)skiff_opt_long("threads.rounds", 64);
	if (per_cpu < 1 || per_cpu > 16 || rounds < 1) {
		printf("threads: threads.per_cpu must be 1..16 and threads.rounds >= 1\n");
		return 2;
	}
	unsigned n = 0;
	for (unsigned c = 0; c < ncpu; c++) {
		for (unsigned i = 0; i < per_cpu; i++, n++) {
			w[n] = (struct worker){ c, i, 0 };
			for (unsigned r = 0; r < rounds; r++) {
				expect[c] += mix(((uint64_t)c << 40) | ((uint64_t)i << 20) | r);
				if (r % 8 == 7)
					expect[(c + 1) % ncpu] += mix((uint64_t)c * 1000003 + i * 1009 + r);
			}
			t[n] = thread_create(worker_run, &w[n], c);
			if (!t[n]) {
				printf("threads: FAIL: could not create worker %u on CPU %u\n", i, c);
				return 1;
			}
		}
	}
	int failures = 0;
	for (unsigned k = 0; k < n; k++) {
		int st = -1;
		if (thread_join(t[k], &st) != 0 || st != 0)
			failures++;
	}
	printf("threads: %u CPUs, %u workers per CPU, %u rounds each\n", ncpu, per_cpu, rounds);
	printf("threads: cpu  rounds  jobs-in  checksum          expected          result\n");
	for (unsigned c = 0; c < ncpu; c++) {
		bool ok = tally[c] == expect[c] && rounds_done[c] == (uint64_t)per_cpu * rounds &&
			  jobs_received[c] == (uint64_t)per_cpu * (rounds / 8);
		if (!ok)
			failures++;
		printf("threads: %3u  %6lu  %7lu  %016lx  %016lx  %s\n", c, (unsigned long)rounds_done[c],
		       (unsigned long)jobs_received[c], (unsigned long)tally[c], (unsigned long)expect[c],
		       ok ? "ok" : "MISMATCH");
	}
	if (misplaced) {
		printf("threads: FAIL: %u runs on the wrong CPU\n", misplaced);
		failures++;
	}
	printf("threads: check %s\n", failures ? "FAILED" : "passed");
	return failures ? 1 : 0;
}

struct stress_arg {
	unsigned seed;
};

static int stress_thread(void *arg)
{
	struct stress_arg *a = arg;
	unsigned s = a->seed;
	/* Some allocate and free, some sleep, some just exit: a mix of life spans. */
	void *p = malloc(16 + mix(s) % 3000);
	if (s % 3 == 0)
		thread_sleep(mix(s) % 200000);
	else if (s % 3 == 1)
		thread_yield();
	free(p);
	free(a);
	return 0;
}

enum { STRESS_BATCH = 64 };

/* Creates up to STRESS_BATCH threads (numbered from first) and joins them all; returns failures. */
static unsigned stress_batch(unsigned first, unsigned n)
{
	struct thread *t[STRESS_BATCH];
	unsigned failed = 0, made = 0;
	for (; made < n; made++) {
		struct stress_arg *a = malloc(sizeof(*a));
		if (!a) {
			failed++;
			break;
		}
		a->seed = (first + made) * 2654435761u;
		t[made] = thread_create(stress_thread, a, (unsigned)(mix(first + made) % ncpu));
		if (!t[made]) {
			free(a);
			failed++;
			break;
		}
	}
	for (unsigned k = 0; k < made; k++)
		if (thread_join(t[k], NULL) != 0)
			failed++;
	return failed;
}

static int stress_mode(void)
{
	unsigned total = (unsigned)skiff_opt_long("threads.stress_n", 4000);
	struct skiff_mem_stats before, after;
	/*
	 * The same workload twice, measured around the second run: what a
	 * workload of this shape keeps for good (stack slots in the pool, each
	 * CPU's timer array at its high-water mark) exists after the first, so
	 * any growth across the second is a leak.
	 */
	unsigned failed = 0, created = 0;
	uint64_t t0 = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			skiff_mem_stats(&before);
			t0 = skiff_time_ns();
		}
		for (created = 0; created < total;) {
			unsigned n = total - created < STRESS_BATCH ? total - created : STRESS_BATCH;
			failed += stress_batch(created, n);
			created += n;
		}
	}
	uint64_t ms = (skiff_time_ns() - t0) / 1000000;
	skiff_mem_stats(&after);
	printf("threads: stress: %u threads created and joined across %u CPUs in %lu ms\n", created, ncpu,
	       (unsigned long)ms);
	printf("threads: stress: heap bytes in use %lu -> %lu, threads alive %lu -> %lu, free pages %lu -> %lu\n",
	       (unsigned long)before.heap_bytes_in_use, (unsigned long)after.heap_bytes_in_use,
	       (unsigned long)before.threads_alive, (unsigned long)after.threads_alive,
	       (unsigned long)before.pages_free, (unsigned long)after.pages_free);
	bool ok = !failed && before.heap_bytes_in_use == after.heap_bytes_in_use &&
		  before.threads_alive == after.threads_alive && before.pages_free == after.pages_free &&
		  after.heap_failures == 0;
	printf("threads: stress %s\n", ok ? "passed: no leak" : "FAILED");
	return ok ? 0 : 1;
}

/* ---- bench --------------------------------------------------------------- */

static volatile unsigned pingpong_left;

static int pingpong(void *arg)
{
	(void)arg;
	while (pingpong_left) {
		pingpong_left--;
		thread_yield();
	}
	return 0;
}

static volatile uint64_t started_at;

static int stamp(void *arg)
{
	(void)arg;
	started_at = skiff_time_ns();
	return 0;
}

static int sleeper(void *arg)
{
	uint64_t *late = arg;   /* [0] sum, [1] max, [2] count */
	for (int i = 0; i < 200; i++) {
		uint64_t want = skiff_time_ns() + 1000000;
		thread_sleep(1000000);
		uint64_t l = skiff_time_ns() - want;
		late[0] += l;
		if (l > late[1])
			late[1] = l;
		late[2]++;
	}
	return 0;
}

static int bench_mode(void)
{
	enum { SWITCHES = 200000 };
	pingpong_left = SWITCHES;
	struct thread *a = thread_create(pingpong, NULL, cpu_id());
	struct thread *b = thread_create(pingpong, NULL, cpu_id());
	uint64_t t0 = skiff_time_ns();
	thread_join(a, NULL);
	thread_join(b, NULL);
	uint64_t per_switch = (skiff_time_ns() - t0) / SWITCHES;

	unsigned target = ncpu > 1 ? 1 : 0;
	uint64_t sum = 0, max = 0;
	enum { CREATES = 200 };
	for (int i = 0; i < CREATES; i++) {
		started_at = 0;
		uint64_t s = skiff_time_ns();
		struct thread *t = thread_create(stamp, NULL, target);
		thread_join(t, NULL);
		uint64_t d = started_at - s;
		sum += d;
		if (d > max)
			max = d;
	}
	uint64_t late[3] = { 0, 0, 0 };
	struct thread *s = thread_create(sleeper, late, target);
	thread_join(s, NULL);

	printf("threads: bench: %u CPU(s)\n", ncpu);
	printf("threads: bench: %-34s %12s %12s\n", "measure", "mean ns", "max ns");
	printf("threads: bench: %-34s %12lu %12s\n", "yield ping-pong, per switch", (unsigned long)per_switch, "-");
	printf("threads: bench: %-34s %12lu %12lu\n", ncpu > 1 ? "thread create on CPU 1, to running" :
	       "thread create (local), to running", (unsigned long)(sum / CREATES), (unsigned long)max);
	printf("threads: bench: %-34s %12lu %12lu\n", "sleep 1 ms, wake-up lateness",
	       (unsigned long)(late[0] / (late[2] ? late[2] : 1)), (unsigned long)late[1]);
	return 0;
}

int main(void)
{
	ncpu = skiff_cpu_count();
	if (ncpu > MAX_CPUS)
		ncpu = MAX_CPUS;
	const char *mode = skiff_opt("threads.mode");
	if (!mode || !strcmp(mode, "check"))
		return check_mode();
	if (!strcmp(mode, "stress"))
		return stress_mode();
	if (!strcmp(mode, "bench"))
		return bench_mode();
	if (!strcmp(mode, "pthread"))
		return pthread_mode();
	if (!strcmp(mode, "spin"))
		return spin_mode(ncpu);
	printf("threads: unknown threads.mode '%s' (check, stress, bench, pthread, spin)\n", mode);
	return 2;
}
