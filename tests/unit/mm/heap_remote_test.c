/*
 * tests/unit/mm/heap_remote_test.c: per-CPU heaps (mm/heap.c's peers and
 * remote frees) with several heap objects standing in for CPUs over one
 * buddy allocator: frees routed to the owner, pending until the owner's
 * next allocation, large blocks straight back to the pages, double frees
 * across heaps refused, realloc of a peer's block, and statistics exact
 * at every step against a shadow model.
 */
#include <errno.h>
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
#define NHEAPS 4

struct fx {
	uint8_t *arena;
	struct buddy b;
	struct buddy_page *meta;
	struct heap h[NHEAPS];     /* h[i]: "CPU i", owner id i + 1 */
	struct heap *peers[NHEAPS];
	int bad_calls;             /* bad_remote callbacks seen */
	void *bad_ptr;
	int bad_err;
};

static void on_bad_remote(struct heap *h, void *p, int err)
{
	struct fx *f = (struct fx *)((char *)h - offsetof(struct fx, h) - (size_t)(h->owner - 1) * sizeof(struct heap));
	f->bad_calls++;
	f->bad_ptr = p;
	f->bad_err = err;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	size_t len = 16 * MiB;
	f->arena = aligned_alloc(4 * MiB, len);
	uintptr_t lo = (uintptr_t)f->arena;
	f->meta = malloc(buddy_meta_bytes(lo, lo + len));
	buddy_init(&f->b, lo, lo + len, f->meta);
	assert_int_equal(buddy_add_range(&f->b, lo, lo + len), (long)(len / PG));
	for (int i = 0; i < NHEAPS; i++) {
		heap_create(&f->h[i], &f->b, (uint16_t)(i + 1), NULL, NULL);
		heap_set_peers(&f->h[i], f->peers, NHEAPS);
		f->h[i].bad_remote = on_bad_remote;
		f->peers[i] = &f->h[i];
	}
	*state = f;
	return 0;
}

/* Every heap drained and empty, every page back with the buddy allocator, no bad remote free seen. */
static int teardown(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < NHEAPS; i++) {
		heap_drain_remote(&f->h[i]);
		struct heap_stats st;
		heap_read_stats(&f->h[i], &st);
		assert_int_equal(st.bytes_in_use, 0);
		assert_int_equal(st.allocs, st.frees);
		assert_int_equal(st.remote_pending, 0);
		assert_int_equal(st.large_live, 0);
		assert_int_equal(heap_pages_held(&f->h[i]), 0);
		assert_true(inbox_empty(&f->h[i].remote));
	}
	assert_int_equal(f->bad_calls, 0);
	assert_int_equal(f->b.free_pages, f->b.managed_pages);
	free(f->meta);
	free(f->arena);
	free(f);
	return 0;
}

static struct heap_stats stats(struct heap *h)
{
	struct heap_stats st;
	heap_read_stats(h, &st);
	return st;
}

/* A small block freed on another heap leaves the owner's in-use count at once, and its page on the next alloc. */
static void test_small_free_on_peer_pending_until_owner_allocates(void **state)
{
	struct fx *f = *state;
	void *p = heap_alloc(&f->h[0], 100, 0);   /* class 128 */
	assert_non_null(p);
	assert_int_equal(stats(&f->h[0]).bytes_in_use, 128);
	assert_int_equal(heap_free_any(&f->h[1], p), 0);

	struct heap_stats s0 = stats(&f->h[0]), s1 = stats(&f->h[1]);
	assert_int_equal(s0.bytes_in_use, 0);
	assert_int_equal(s0.frees, 1);
	assert_int_equal(s0.remote_received, 1);
	assert_int_equal(s0.remote_pending, 1);
	assert_int_equal(s0.pages, 1);            /* the slab waits for the owner */
	assert_int_equal(s1.remote_sent, 1);
	assert_int_equal(s1.frees, 0);            /* the sender's own counters are for its own blocks */
	assert_false(inbox_empty(&f->h[0].remote));

	void *q = heap_alloc(&f->h[0], 16, 0);    /* the owner's next allocation drains */
	assert_non_null(q);
	assert_true(inbox_empty(&f->h[0].remote));
	s0 = stats(&f->h[0]);
	assert_int_equal(s0.remote_pending, 0);
	assert_int_equal(s0.remote_received, 1);
	assert_int_equal(s0.bytes_in_use, 16);
	assert_int_equal(s0.class_live[3], 0);    /* the 128-byte object is gone for good */
	assert_int_equal(s0.pages, 1);            /* only the new 16-byte slab */
	assert_int_equal(heap_free(&f->h[0], q), 0);
}

/* A freed block comes back to its owner: the owner's next allocation of that class reuses it. */
static void test_remote_freed_object_reused_by_owner(void **state)
{
	struct fx *f = *state;
	void *keep = heap_alloc(&f->h[0], 64, 0);  /* keeps the slab page alive */
	void *p = heap_alloc(&f->h[0], 64, 0);
	assert_int_equal(heap_free_any(&f->h[2], p), 0);
	assert_ptr_equal(heap_alloc(&f->h[0], 64, 0), p);   /* LIFO free list: the drained object is first */
	assert_int_equal(heap_free(&f->h[0], p), 0);
	assert_int_equal(heap_free(&f->h[0], keep), 0);
}

/* Large blocks skip the list: their pages go back to the page allocator at the remote kfree. */
static void test_large_free_on_peer_returns_pages_at_once(void **state)
{
	struct fx *f = *state;
	size_t free0 = f->b.free_pages;
	void *l = heap_alloc(&f->h[0], 3 * PG, 0);   /* order 2 */
	assert_non_null(l);
	assert_int_equal(f->b.free_pages, free0 - 4);
	assert_int_equal(heap_free_any(&f->h[3], l), 0);
	assert_int_equal(f->b.free_pages, free0);
	assert_true(inbox_empty(&f->h[0].remote));
	struct heap_stats s0 = stats(&f->h[0]);
	assert_int_equal(s0.bytes_in_use, 0);
	assert_int_equal(s0.pages, 0);
	assert_int_equal(s0.large_live, 0);
	assert_int_equal(s0.frees, 1);
	assert_int_equal(s0.remote_received, 1);
	assert_int_equal(s0.remote_pending, 0);
	assert_int_equal(stats(&f->h[3]).remote_sent, 1);
	assert_int_equal(heap_owner_of(&f->b, l), -EINVAL);
	assert_int_equal(heap_free_any(&f->h[3], l), -EALREADY);
	assert_int_equal(heap_free(&f->h[0], l), -EALREADY);
}

/* Freeing the same block twice from peers, or once remotely and once locally, is refused every way. */
static void test_double_free_across_heaps_refused(void **state)
{
	struct fx *f = *state;
	void *keep = heap_alloc(&f->h[0], 32, 0);
	void *p = heap_alloc(&f->h[0], 32, 0);
	assert_int_equal(heap_free_any(&f->h[1], p), 0);
	assert_int_equal(heap_free_any(&f->h[2], p), -EALREADY);   /* pending on the owner's list */
	assert_int_equal(heap_free(&f->h[0], p), -EALREADY);       /* the owner finds it on its list */
	assert_int_equal(heap_free_any(&f->h[0], p), -EALREADY);
	assert_int_equal(heap_drain_remote(&f->h[0]), 1);
	assert_int_equal(heap_free_any(&f->h[1], p), -EALREADY);   /* drained: on the slab's free list */
	assert_int_equal(heap_free(&f->h[0], p), -EALREADY);
	struct heap_stats s0 = stats(&f->h[0]);
	assert_int_equal(s0.frees, 1);
	assert_int_equal(s0.remote_received, 1);
	assert_int_equal(stats(&f->h[1]).remote_sent, 1);
	assert_int_equal(stats(&f->h[2]).remote_sent, 0);
	assert_int_equal(heap_free_any(&f->h[3], keep), 0);
}

/* Pointers no heap returned are refused by the remote path too, and nothing is queued. */
static void test_bad_pointer_remote_refused(void **state)
{
	struct fx *f = *state;
	char *p = heap_alloc(&f->h[0], 64, 0);
	char *l = heap_alloc(&f->h[0], 2 * PG, 0);
	assert_int_equal(heap_free_any(&f->h[1], p + 8), -EINVAL);
	assert_int_equal(heap_free_any(&f->h[1], l + PG), -EINVAL);
	int local = 0;
	assert_int_equal(heap_free_any(&f->h[1], &local), -EINVAL);  /* outside the span */
	assert_int_equal(heap_free_remote(&f->h[2], p), -EXDEV);    /* not that heap's block */
	assert_true(inbox_empty(&f->h[0].remote));
	assert_true(inbox_empty(&f->h[2].remote));
	assert_int_equal(stats(&f->h[1]).remote_sent, 0);
	assert_int_equal(heap_free(&f->h[0], p), 0);
	assert_int_equal(heap_free(&f->h[0], l), 0);
}

/*
 * A node on the remote list that is not a live block when drained (here
 * pushed by hand, as a corrupting CPU would) is reported through
 * bad_remote and counted, never freed.
 */
static void test_drain_reports_invalid_node(void **state)
{
	struct fx *f = *state;
	char *p = heap_alloc(&f->h[0], 64, 0);
	__atomic_fetch_add(&f->h[0].remote_pending, 1, __ATOMIC_RELAXED);   /* as heap_free_remote would */
	inbox_push(&f->h[0].remote, (struct inbox_msg *)(p + 16));         /* inside the object */
	assert_int_equal(heap_drain_remote(&f->h[0]), 1);
	assert_int_equal(f->bad_calls, 1);
	assert_ptr_equal(f->bad_ptr, p + 16);
	assert_int_equal(f->bad_err, -EINVAL);
	struct heap_stats st = stats(&f->h[0]);
	assert_int_equal(st.remote_bad, 1);
	assert_int_equal(st.remote_pending, 0);
	assert_int_equal(st.bytes_in_use, 64);   /* p is still live */
	f->bad_calls = 0;
	assert_int_equal(heap_free(&f->h[0], p), 0);
}

/* A heap that does not know the owner among its peers leaves the block alone with -EXDEV. */
static void test_owner_not_a_peer_exdev(void **state)
{
	struct fx *f = *state;
	struct heap lone;
	heap_create(&lone, &f->b, 9, NULL, NULL);
	void *p = heap_alloc(&lone, 64, 0);
	assert_int_equal(heap_free_any(&f->h[0], p), -EXDEV);
	f->peers[1] = NULL;   /* a CPU not up yet */
	void *q = heap_alloc(&f->h[1], 64, 0);
	assert_int_equal(heap_free_any(&f->h[0], q), -EXDEV);
	f->peers[1] = &f->h[1];
	assert_int_equal(heap_free_any(&f->h[0], q), 0);
	assert_int_equal(heap_free(&lone, p), 0);
	assert_int_equal(heap_pages_held(&lone), 0);
}

/* realloc of a peer's block moves it to the caller's heap, keeps the contents and frees the old remotely. */
static void test_realloc_peer_block_moves_to_caller(void **state)
{
	struct fx *f = *state;
	uint8_t *p = heap_alloc(&f->h[0], 200, 0);
	for (int i = 0; i < 200; i++)
		p[i] = (uint8_t)(i * 3);
	assert_int_equal(heap_slot_size(&f->h[1], p), -EXDEV);
	assert_int_equal(heap_slot_size_any(&f->h[1], p), 256);
	uint8_t *n = heap_realloc(&f->h[1], p, 250);   /* same class, but another heap's: moved */
	assert_non_null(n);
	assert_ptr_not_equal(n, p);
	assert_int_equal(heap_owner_of(&f->b, n), 2);
	for (int i = 0; i < 200; i++)
		assert_int_equal(n[i], (uint8_t)(i * 3));
	assert_int_equal(stats(&f->h[0]).bytes_in_use, 0);
	assert_int_equal(stats(&f->h[0]).remote_pending, 1);
	assert_int_equal(stats(&f->h[1]).bytes_in_use, 256);
	uint8_t *l = heap_alloc(&f->h[2], 5 * PG, 0);
	l[5 * PG - 1] = 0x77;
	assert_null(heap_realloc(&f->h[3], l, 0));      /* size 0: a remote free */
	assert_int_equal(stats(&f->h[2]).bytes_in_use, 0);
	assert_int_equal(heap_free_any(&f->h[0], n), 0);
}

/*
 * Random allocations on random heaps, each freed from a random heap, with
 * owners allocating (and so draining) at random times: after every step
 * each heap's bytes in use, allocs and frees equal the shadow model's.
 */
static void test_random_cross_frees_stats_exact(void **state)
{
	struct fx *f = *state;
	enum { SLOTS = 512, OPS = 40000 };
	struct live { void *p; int owner; uint64_t slot; } *s = calloc(SLOTS, sizeof(*s));
	uint64_t bytes[NHEAPS] = { 0 }, allocs[NHEAPS] = { 0 }, frees[NHEAPS] = { 0 }, sent[NHEAPS] = { 0 };
	srand(777);
	for (int op = 0; op < OPS; op++) {
		struct live *e = &s[rand() % SLOTS];
		int cpu = rand() % NHEAPS;
		if (e->p) {
			assert_int_equal(heap_free_any(&f->h[cpu], e->p), 0);
			bytes[e->owner] -= e->slot;
			frees[e->owner]++;
			if (cpu != e->owner)
				sent[cpu]++;
			e->p = NULL;
		} else {
			size_t size = rand() % 10 ? (size_t)(rand() % 2048) + 1 : (size_t)(rand() % 20000) + 2049;
			e->p = heap_alloc(&f->h[cpu], size, 0);
			assert_non_null(e->p);
			memset(e->p, 0xa5, size);
			e->owner = cpu;
			e->slot = (uint64_t)heap_slot_size(&f->h[cpu], e->p);
			bytes[cpu] += e->slot;
			allocs[cpu]++;
		}
		int k = op % NHEAPS;
		struct heap_stats st = stats(&f->h[k]);
		assert_int_equal(st.bytes_in_use, bytes[k]);
		assert_int_equal(st.allocs, allocs[k]);
		assert_int_equal(st.frees, frees[k]);
		assert_int_equal(st.remote_sent, sent[k]);
	}
	for (int i = 0; i < SLOTS; i++)
		if (s[i].p)
			assert_int_equal(heap_free_any(&f->h[(s[i].owner + 1) % NHEAPS], s[i].p), 0);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_small_free_on_peer_pending_until_owner_allocates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_freed_object_reused_by_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_free_on_peer_returns_pages_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_free_across_heaps_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_pointer_remote_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_reports_invalid_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_not_a_peer_exdev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realloc_peer_block_moves_to_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_cross_frees_stats_exact, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
