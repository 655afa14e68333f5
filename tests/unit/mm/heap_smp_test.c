/*
 * tests/unit/mm/heap_smp_test.c: per-CPU heaps under real concurrency.
 * Each pthread plays a CPU that owns one heap (no lock around it), all
 * over one buddy allocator behind a mutex (the kernel's page spinlock).
 * Each round, every thread allocates a batch, publishes it, then frees
 * its neighbours' blocks while allocating and freeing its own, so remote
 * pushes race with the owner's drains. Built with ThreadSanitizer: a data
 * race on any heap state fails the run. Afterwards every block is
 * accounted for and every page is back.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/buddy.h"
#include "mm/heap.h"

#define MiB (1024ull * 1024)
#define PG BUDDY_PAGE_SIZE

enum { NCPU = 4, ROUNDS = 40, BATCH = 300 };

static struct buddy buddy;
static pthread_mutex_t page_mu = PTHREAD_MUTEX_INITIALIZER;
static struct heap heaps[NCPU];
static struct heap *peers[NCPU];
static void *batch[NCPU][BATCH];         /* round's blocks, published between barriers */
static size_t batch_len[NCPU][BATCH];
static pthread_barrier_t bar;
static int bad_remote_calls;

static void *locked_alloc(void *ctx, unsigned order)
{
	(void)ctx;
	pthread_mutex_lock(&page_mu);
	void *p = buddy_alloc(&buddy, order);
	pthread_mutex_unlock(&page_mu);
	return p;
}

static int locked_free(void *ctx, void *p, unsigned order)
{
	(void)ctx;
	pthread_mutex_lock(&page_mu);
	int r = buddy_free(&buddy, p, order);
	pthread_mutex_unlock(&page_mu);
	return r;
}

static const struct heap_page_ops ops = { locked_alloc, locked_free };

static void on_bad_remote(struct heap *h, void *p, int err)
{
	(void)h;
	(void)p;
	(void)err;
	__atomic_fetch_add(&bad_remote_calls, 1, __ATOMIC_RELAXED);
}

static uint8_t tag(int cpu, int i)
{
	return (uint8_t)(cpu * 61 + i * 7 + 1);
}

struct result {
	int errors;                /* wrong return values or corrupted contents */
};

static void *cpu_main(void *arg)
{
	int cpu = (int)(intptr_t)arg;
	struct heap *h = &heaps[cpu];
	struct result *res = calloc(1, sizeof(*res));
	unsigned seed = (unsigned)cpu * 7919u + 1;
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < BATCH; i++) {
			size_t len = rand_r(&seed) % 16 ? (size_t)(rand_r(&seed) % 2048) + 1
							: (size_t)(rand_r(&seed) % (3 * PG)) + 2049;
			uint8_t *p = heap_alloc(h, len, 0);
			if (!p) {
				res->errors++;
				len = 0;
			} else {
				memset(p, tag(cpu, i), len);
			}
			batch[cpu][i] = p;
			batch_len[cpu][i] = len;
		}
		pthread_barrier_wait(&bar);
		/* Free the neighbour's batch (all remote) interleaved with local churn (which drains). */
		int from = (cpu + 1 + r % (NCPU - 1)) % NCPU;
		for (int i = 0; i < BATCH; i++) {
			uint8_t *p = batch[from][i];
			for (size_t k = 0; k < batch_len[from][i]; k += 97)
				if (p[k] != tag(from, i))
					res->errors++;
			if (p && heap_free_any(h, p) != 0)
				res->errors++;
			void *mine = heap_alloc(h, (size_t)(i % 700) + 1, 0);
			if (!mine || heap_free_any(h, mine) != 0)
				res->errors++;
		}
		pthread_barrier_wait(&bar);   /* nobody still reads a batch about to be refilled */
	}
	heap_drain_remote(h);
	return res;
}

/* Many CPUs freeing each other's blocks concurrently: no race, no loss, exact totals, every page back. */
static void test_concurrent_cross_frees_exact_and_race_free(void **state)
{
	(void)state;
	size_t len = 64 * MiB;
	uint8_t *arena = aligned_alloc(4 * MiB, len);
	struct buddy_page *meta = malloc(buddy_meta_bytes((uintptr_t)arena, (uintptr_t)arena + len));
	buddy_init(&buddy, (uintptr_t)arena, (uintptr_t)arena + len, meta);
	assert_int_equal(buddy_add_range(&buddy, (uintptr_t)arena, (uintptr_t)arena + len), (long)(len / PG));
	for (int i = 0; i < NCPU; i++) {
		heap_create(&heaps[i], &buddy, (uint16_t)(i + 1), &ops, NULL);
		heap_set_peers(&heaps[i], peers, NCPU);
		heaps[i].bad_remote = on_bad_remote;
		peers[i] = &heaps[i];
	}
	pthread_barrier_init(&bar, NULL, NCPU);
	pthread_t t[NCPU];
	for (int i = 0; i < NCPU; i++)
		assert_int_equal(pthread_create(&t[i], NULL, cpu_main, (void *)(intptr_t)i), 0);
	uint64_t allocs = 0, frees = 0, sent = 0, received = 0;
	for (int i = 0; i < NCPU; i++) {
		void *rv;
		assert_int_equal(pthread_join(t[i], &rv), 0);
		struct result *res = rv;
		assert_int_equal(res->errors, 0);
		free(res);
	}
	for (int i = 0; i < NCPU; i++) {
		struct heap_stats st;
		heap_read_stats(&heaps[i], &st);
		assert_int_equal(st.bytes_in_use, 0);
		assert_int_equal(st.allocs, st.frees);
		assert_int_equal(st.remote_pending, 0);
		assert_int_equal(st.remote_bad, 0);
		assert_int_equal(st.failures, 0);
		assert_int_equal(heap_pages_held(&heaps[i]), 0);
		allocs += st.allocs;
		frees += st.frees;
		sent += st.remote_sent;
		received += st.remote_received;
	}
	assert_int_equal(allocs, (uint64_t)NCPU * ROUNDS * BATCH * 2);
	assert_int_equal(sent, (uint64_t)NCPU * ROUNDS * BATCH);
	assert_int_equal(received, sent);
	assert_int_equal(bad_remote_calls, 0);
	assert_int_equal(buddy.free_pages, buddy.managed_pages);
	pthread_barrier_destroy(&bar);
	free(meta);
	free(arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_cross_frees_exact_and_race_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
