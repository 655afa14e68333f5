/*
 * apps/threads/pthreads.c: threads.mode=pthread, the <pthread.h> subset
 * (kernel/pthread.c) across CPUs. One line per check,
 * "threads: pthread: NAME: ok" or "... FAILED (why)", then
 * "threads: pthread passed" or "threads: pthread FAILED":
 *   mutex      8 threads (round-robin over the CPUs) add to one counter
 *              under a mutex, yielding and sleeping while they hold it
 *   blocking   a thread on CPU 0 waits for a mutex a thread on CPU 1 holds
 *              for 200 ms, while another thread on CPU 0 keeps running: the
 *              wait blocks the thread, not the CPU
 *   cond       producers and consumers on every CPU pass 2000 numbers
 *              through a 4-slot queue (wait, signal); sums must match
 *   broadcast  threads wait for a flag; one broadcast wakes them all
 *   timedwait  an unsignalled wait ends with ETIMEDOUT after its CLOCK_REALTIME
 *              deadline (>= 100 ms, < 2 s), the mutex owned again
 *   join       start routines' results and pthread_exit's reach pthread_join
 *   detach     detached threads end and are freed
 *   once       pthread_once runs its routine once among 6 threads
 *   errors     EDEADLK, EPERM, EBUSY, EINVAL where POSIX says; recursive
 *              and error-checking mutexes
 *   leaks      heap and thread counts back where they started
 * Needs at least 2 CPUs for "blocking" (skipped with a note on 1).
 */
#include <errno.h>
#include <pthread.h>
#include <skiff.h>
#include <string.h>
#include <time.h>

#include "threads.h"

static int failures;
static const char *round_tag = "";   /* "again: " in the measured second round */

static void report(const char *name, bool ok, const char *why)
{
	if (ok)
		printf("threads: pthread: %s%s: ok\n", round_tag, name);
	else
		printf("threads: pthread: %s%s: FAILED (%s)\n", round_tag, name, why);
	if (!ok)
		failures++;
}

static uint64_t ms_since(uint64_t t0)
{
	return (skiff_time_ns() - t0) / 1000000;
}

/* ---- mutex ---- */

#define MUTEX_THREADS 8
#define MUTEX_ROUNDS 2000

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t counter;          /* only under count_lock */
static unsigned inside;           /* threads inside the critical section; must stay <= 1 */
static unsigned overlaps;

static void *adder(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	for (unsigned i = 0; i < MUTEX_ROUNDS; i++) {
		pthread_mutex_lock(&count_lock);
		if (__atomic_add_fetch(&inside, 1, __ATOMIC_RELAXED) != 1)
			overlaps++;
		uint64_t v = counter;
		if (i % 64 == id % 64)
			thread_sleep(100000);   /* hold it across a sleep: others block */
		else if (i % 8 == 0)
			thread_yield();         /* and across a yield */
		counter = v + 1;
		__atomic_sub_fetch(&inside, 1, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&count_lock);
	}
	return NULL;
}

static void check_mutex(void)
{
	pthread_t t[MUTEX_THREADS];
	counter = 0;
	for (uintptr_t i = 0; i < MUTEX_THREADS; i++)
		if (pthread_create(&t[i], NULL, adder, (void *)i)) {
			report("mutex", false, "pthread_create");
			return;
		}
	for (int i = 0; i < MUTEX_THREADS; i++)
		pthread_join(t[i], NULL);
	char why[96];
	snprintf(why, sizeof(why), "counter %lu, want %u; %u overlaps", (unsigned long)counter,
		 MUTEX_THREADS * MUTEX_ROUNDS, overlaps);
	report("mutex", counter == MUTEX_THREADS * MUTEX_ROUNDS && !overlaps, why);
	printf("threads: pthread: mutex: %u threads x %u = %lu\n", MUTEX_THREADS, MUTEX_ROUNDS,
	       (unsigned long)counter);
}

/* ---- blocking ---- */

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static volatile bool holder_has_it, waiter_done, spinner_stop;
static volatile uint64_t waited_ms, spins;

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&held);
	holder_has_it = true;
	thread_sleep(200 * 1000000ull);
	pthread_mutex_unlock(&held);
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	uint64_t t0 = skiff_time_ns();
	pthread_mutex_lock(&held);
	waited_ms = ms_since(t0);
	pthread_mutex_unlock(&held);
	waiter_done = true;
	return NULL;
}

static void *spinner(void *arg)
{
	(void)arg;
	while (!spinner_stop) {
		if (!waiter_done)
			spins++;   /* counts only while the waiter waits */
		thread_yield();
	}
	return NULL;
}

static void check_blocking(void)
{
	if (skiff_cpu_count() < 2) {
		printf("threads: pthread: blocking: skipped (1 CPU)\n");
		return;
	}
	pthread_attr_t on0, on1;
	pthread_t h, w, s;
	holder_has_it = waiter_done = spinner_stop = false;
	waited_ms = spins = 0;
	pthread_attr_init(&on0);
	pthread_attr_init(&on1);
	pthread_attr_setcpu_np(&on0, 0);
	pthread_attr_setcpu_np(&on1, 1);
	pthread_create(&h, &on1, holder, NULL);
	while (!holder_has_it)
		thread_sleep(1000000);
	pthread_create(&w, &on0, waiter, NULL);
	pthread_create(&s, &on0, spinner, NULL);
	pthread_join(w, NULL);
	spinner_stop = true;
	pthread_join(s, NULL);
	pthread_join(h, NULL);
	char why[96];
	snprintf(why, sizeof(why), "waited %lu ms, CPU 0 ran %lu other passes meanwhile", (unsigned long)waited_ms,
		 (unsigned long)spins);
	report("blocking", waited_ms >= 150 && spins > 10, why);
	printf("threads: pthread: blocking: %s\n", why);
}

/* ---- cond ---- */

#define QSLOTS 4
#define ITEMS 2000
#define PRODUCERS 2
#define CONSUMERS 3

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER, q_not_full = PTHREAD_COND_INITIALIZER;
static unsigned q_buf[QSLOTS], q_head, q_len, q_produced, q_consumed;
static uint64_t q_sum_in, q_sum_out;

static void *producer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&q_lock);
		while (q_len == QSLOTS && q_produced < ITEMS)
			pthread_cond_wait(&q_not_full, &q_lock);
		if (q_produced == ITEMS) {
			pthread_mutex_unlock(&q_lock);
			return NULL;
		}
		unsigned v = ++q_produced * 7919u % 100003u;
		q_buf[(q_head + q_len++) % QSLOTS] = v;
		q_sum_in += v;
		pthread_cond_signal(&q_not_empty);
		pthread_mutex_unlock(&q_lock);
	}
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&q_lock);
		while (q_len == 0 && q_consumed < ITEMS)
			pthread_cond_wait(&q_not_empty, &q_lock);
		if (q_len == 0) {   /* everything consumed: wake the others to see it too */
			pthread_cond_broadcast(&q_not_empty);
			pthread_mutex_unlock(&q_lock);
			return NULL;
		}
		q_sum_out += q_buf[q_head];
		q_head = (q_head + 1) % QSLOTS;
		q_len--;
		if (++q_consumed == ITEMS)
			pthread_cond_broadcast(&q_not_empty);
		pthread_cond_signal(&q_not_full);
		pthread_mutex_unlock(&q_lock);
	}
}

static void check_cond(void)
{
	pthread_t p[PRODUCERS], c[CONSUMERS];
	q_head = q_len = q_produced = q_consumed = 0;
	q_sum_in = q_sum_out = 0;
	pthread_cond_init(&q_not_empty, NULL);   /* destroyed at the end of a round */
	pthread_cond_init(&q_not_full, NULL);
	for (int i = 0; i < CONSUMERS; i++)
		pthread_create(&c[i], NULL, consumer, NULL);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_create(&p[i], NULL, producer, NULL);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(p[i], NULL);
	for (int i = 0; i < CONSUMERS; i++)
		pthread_join(c[i], NULL);
	char why[96];
	snprintf(why, sizeof(why), "%u produced, %u consumed, sums %lu/%lu", q_produced, q_consumed,
		 (unsigned long)q_sum_in, (unsigned long)q_sum_out);
	report("cond", q_produced == ITEMS && q_consumed == ITEMS && q_sum_in == q_sum_out, why);
	int r1 = pthread_cond_destroy(&q_not_empty), r2 = pthread_cond_destroy(&q_not_full);
	report("cond destroy after use", r1 == 0 && r2 == 0, "EBUSY");
}

/* ---- broadcast ---- */

#define WAITERS 6

static pthread_mutex_t go_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cond = PTHREAD_COND_INITIALIZER;
static bool go;
static unsigned ready, woke;

static void *go_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&go_lock);
	ready++;
	while (!go)
		pthread_cond_wait(&go_cond, &go_lock);
	woke++;
	pthread_mutex_unlock(&go_lock);
	return NULL;
}

static void check_broadcast(void)
{
	pthread_t t[WAITERS];
	go = false;
	ready = woke = 0;
	for (int i = 0; i < WAITERS; i++)
		pthread_create(&t[i], NULL, go_waiter, NULL);
	for (;;) {
		pthread_mutex_lock(&go_lock);
		unsigned n = ready;
		pthread_mutex_unlock(&go_lock);
		if (n == WAITERS)
			break;
		thread_sleep(1000000);
	}
	thread_sleep(20 * 1000000ull);   /* let the last of them block */
	pthread_mutex_lock(&go_lock);
	go = true;
	pthread_cond_broadcast(&go_cond);
	pthread_mutex_unlock(&go_lock);
	for (int i = 0; i < WAITERS; i++)
		pthread_join(t[i], NULL);
	char why[64];
	snprintf(why, sizeof(why), "%u of %u woke", woke, WAITERS);
	report("broadcast", woke == WAITERS, why);
}

/* ---- timedwait ---- */

static void check_timedwait(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 100000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m);
	uint64_t t0 = skiff_time_ns();
	int r = pthread_cond_timedwait(&c, &m, &until);
	uint64_t ms = ms_since(t0);
	int again = pthread_mutex_trylock(&m);   /* owned again: a normal mutex says EBUSY */
	pthread_mutex_unlock(&m);
	char why[96];
	snprintf(why, sizeof(why), "returned %d after %lu ms, trylock %d", r, (unsigned long)ms, again);
	report("timedwait", r == ETIMEDOUT && ms >= 100 && ms < 2000 && again == EBUSY, why);
	/* A deadline already past: ETIMEDOUT at once. */
	until.tv_sec -= 10;
	pthread_mutex_lock(&m);
	r = pthread_cond_timedwait(&c, &m, &until);
	pthread_mutex_unlock(&m);
	report("timedwait past deadline", r == ETIMEDOUT, "not ETIMEDOUT");
	until.tv_nsec = 1000000000L;
	pthread_mutex_lock(&m);
	r = pthread_cond_timedwait(&c, &m, &until);
	pthread_mutex_unlock(&m);
	report("timedwait bad tv_nsec", r == EINVAL, "not EINVAL");
}

/* ---- join, detach, once ---- */

/* Through a pointer: the compiler must not see that the recursion below ends in a noreturn call. */
static void (*volatile exit_fn)(void *) = pthread_exit;

/* pthread_exit from a few frames down: the thread ends there. Returns only if it did not. */
static __attribute__((noinline)) unsigned exit_deep(unsigned depth)
{
	if (depth)
		return exit_deep(depth - 1) + 1;
	exit_fn((void *)42);
	return 0;
}

static void *returns_arg(void *arg)
{
	if ((uintptr_t)arg == 99)
		return (void *)(uintptr_t)exit_deep(5);   /* not reached */
	return (void *)((uintptr_t)arg * 3);
}

static pthread_t self_seen;

static void *who(void *arg)
{
	(void)arg;
	self_seen = pthread_self();
	return NULL;
}

static void check_join(void)
{
	pthread_t t[5];
	void *ret;
	bool ok = true;
	for (uintptr_t i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, returns_arg, (void *)i);
	pthread_create(&t[4], NULL, returns_arg, (void *)99);
	for (uintptr_t i = 0; i < 4; i++)
		ok &= pthread_join(t[i], &ret) == 0 && ret == (void *)(i * 3);
	ok &= pthread_join(t[4], &ret) == 0 && ret == (void *)42;
	report("join", ok, "wrong results");
	pthread_t w;
	pthread_create(&w, NULL, who, NULL);
	pthread_join(w, NULL);
	report("self and equal", pthread_equal(self_seen, w) && !pthread_equal(w, pthread_self()), "ids differ");
}

static volatile unsigned detached_ran;

static void *detached_body(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&detached_ran, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void check_detach(void)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	struct skiff_mem_stats before, after;
	skiff_mem_stats(&before);
	pthread_t t;
	detached_ran = 0;
	for (int i = 0; i < 10; i++)
		pthread_create(&t, &a, detached_body, NULL);
	/* Detached later, by pthread_detach, some before they end and some after. */
	for (int i = 0; i < 10; i++) {
		pthread_create(&t, NULL, detached_body, NULL);
		if (i % 2)
			thread_sleep(2000000);
		pthread_detach(t);
	}
	for (int i = 0; i < 1000; i++) {
		skiff_mem_stats(&after);
		if (detached_ran == 20 && after.threads_alive <= before.threads_alive)
			break;
		thread_sleep(1000000);
	}
	char why[96];
	snprintf(why, sizeof(why), "%u ran, threads alive %lu -> %lu", detached_ran,
		 (unsigned long)before.threads_alive, (unsigned long)after.threads_alive);
	report("detach", detached_ran == 20 && after.threads_alive == before.threads_alive, why);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static unsigned once_runs, once_after;

static void once_body(void)
{
	thread_sleep(5000000);   /* the others must wait, not run it too */
	once_runs++;
}

static void *once_caller(void *arg)
{
	(void)arg;
	pthread_once(&once, once_body);
	if (once_runs == 1)
		__atomic_fetch_add(&once_after, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void check_once(void)
{
	pthread_t t[6];
	for (int i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, once_caller, NULL);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	report("once", once_runs == 1 && once_after == 6, "ran more than once or returned early");
}

/* ---- errors ---- */

static pthread_mutex_t other_owned = PTHREAD_MUTEX_INITIALIZER;

static void *lock_and_leave(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&other_owned);
	return NULL;
}

static void check_errors(void)
{
	pthread_mutex_t m;
	pthread_mutexattr_t ma;
	pthread_t t;
	bool ok = true;

	ok &= pthread_join(pthread_self(), NULL) == EDEADLK;
	/* Another thread's mutex: not ours to unlock; busy to try and to destroy. */
	pthread_create(&t, NULL, lock_and_leave, NULL);
	pthread_join(t, NULL);
	ok &= pthread_mutex_unlock(&other_owned) == EPERM;
	ok &= pthread_mutex_trylock(&other_owned) == EBUSY;
	ok &= pthread_mutex_destroy(&other_owned) == EBUSY;
	report("errors: ownership", ok, "wrong code");

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&m, &ma);
	ok = pthread_mutex_lock(&m) == 0 && pthread_mutex_lock(&m) == 0 && pthread_mutex_trylock(&m) == 0;
	ok &= pthread_mutex_unlock(&m) == 0 && pthread_mutex_unlock(&m) == 0;
	ok &= pthread_mutex_destroy(&m) == EBUSY;   /* still held once */
	ok &= pthread_mutex_unlock(&m) == 0 && pthread_mutex_unlock(&m) == EPERM;
	ok &= pthread_mutex_destroy(&m) == 0;
	report("errors: recursive", ok, "wrong code");

	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &ma);
	ok = pthread_mutex_lock(&m) == 0 && pthread_mutex_lock(&m) == EDEADLK;
	ok &= pthread_mutex_unlock(&m) == 0 && pthread_mutex_unlock(&m) == EPERM;
	ok &= pthread_mutexattr_settype(&ma, 77) == EINVAL;
	pthread_attr_t a;
	pthread_attr_init(&a);
	ok &= pthread_attr_setcpu_np(&a, 9999) == EINVAL;
	ok &= pthread_attr_setdetachstate(&a, 5) == EINVAL;
	/* Detached once, not twice. */
	pthread_create(&t, NULL, who, NULL);
	ok &= pthread_detach(t) == 0 && pthread_detach(t) == EINVAL;
	report("errors: errorcheck and attributes", ok, "wrong code");
}

/* The checks that can run again, for the measured second round. */
static void repeatable(void)
{
	check_mutex();
	check_blocking();
	check_cond();
	check_broadcast();
	check_timedwait();
	check_join();
	check_detach();
}

int pthread_mode(void)
{
	struct skiff_mem_stats before, after;
	printf("threads: pthread: %u CPUs\n", skiff_cpu_count());
	check_errors();
	repeatable();
	check_once();
	/*
	 * Again, measured: what a workload of this shape keeps for good (each
	 * CPU's timer array at its high-water mark, stack slots) exists after
	 * the first round, so any growth across the second is a leak.
	 */
	thread_sleep(10 * 1000000ull);   /* let the last detached threads be reaped */
	skiff_mem_stats(&before);
	round_tag = "again: ";
	repeatable();
	thread_sleep(10 * 1000000ull);
	skiff_mem_stats(&after);
	round_tag = "";
	char why[128];
	snprintf(why, sizeof(why), "heap bytes %lu -> %lu, threads alive %lu -> %lu",
		 (unsigned long)before.heap_bytes_in_use, (unsigned long)after.heap_bytes_in_use,
		 (unsigned long)before.threads_alive, (unsigned long)after.threads_alive);
	report("leaks", before.heap_bytes_in_use == after.heap_bytes_in_use &&
			before.threads_alive == after.threads_alive, why);
	printf("threads: pthread: leaks: %s\n", why);
	printf("threads: pthread %s\n", failures ? "FAILED" : "passed");
	return failures ? 1 : 0;
}
