/*
 * tests/unit/mm/heap_test.c: the heap object (mm/heap.c) over a buddy
 * allocator on a malloc'd arena: size classes, alignment, realloc, zeroing,
 * statistics, out-of-memory, bad frees, owners, and a randomized workload
 * checked against a shadow model with canaries.
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

struct fx {
	uint8_t *arena;
	size_t arena_len;
	struct buddy b;
	struct buddy_page *meta;
	struct heap h;
};

static struct fx *fx_new(size_t len)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->arena_len = len;
	f->arena = aligned_alloc(4 * MiB, len < 4 * MiB ? 4 * MiB : len);
	uintptr_t lo = (uintptr_t)f->arena;
	f->meta = malloc(buddy_meta_bytes(lo, lo + len));
	buddy_init(&f->b, lo, lo + len, f->meta);
	assert_int_equal(buddy_add_range(&f->b, lo, lo + len), (long)(len / PG));
	heap_create(&f->h, &f->b, 1, NULL, NULL);
	return f;
}

static int setup(void **state)
{
	*state = fx_new(16 * MiB);
	return 0;
}

static int setup_small(void **state)
{
	*state = fx_new(8 * PG);
	return 0;
}

/* The heap holds nothing and every page is back with the buddy allocator. */
static int teardown(void **state)
{
	struct fx *f = *state;
	assert_int_equal(heap_pages_held(&f->h), 0);
	assert_int_equal(f->h.st.bytes_in_use, 0);
	assert_int_equal(f->h.st.large_live, 0);
	for (int c = 0; c < HEAP_NCLASSES; c++) {
		assert_int_equal(f->h.st.class_live[c], 0);
		assert_null(f->h.partial[c]);
	}
	assert_int_equal(f->h.st.allocs, f->h.st.frees);
	assert_int_equal(f->b.free_pages, f->b.managed_pages);
	free(f->meta);
	free(f->arena);
	free(f);
	return 0;
}

static size_t expect_class(size_t size)
{
	size_t c = 16;
	while (c < size)
		c <<= 1;
	return c;
}

/* Each size lands in the smallest power-of-two class, naturally aligned, and fills its slot. */
static void test_each_class_naturally_aligned_and_counted(void **state)
{
	struct fx *f = *state;
	static const size_t sizes[] = { 1, 15, 16, 17, 31, 32, 33, 64, 100, 128, 255, 256,
					 300, 512, 513, 1000, 1024, 1500, 2047, 2048 };
	void *p[sizeof(sizes) / sizeof(sizes[0])];
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t cls = expect_class(sizes[i]);
		unsigned ci = (unsigned)__builtin_ctzl(cls) - HEAP_MIN_SHIFT;
		uint64_t live = f->h.st.class_live[ci];
		p[i] = heap_alloc(&f->h, sizes[i], 0);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % cls, 0);
		assert_int_equal(heap_slot_size(&f->h, p[i]), (long)cls);
		assert_int_equal(f->h.st.class_live[ci], live + 1);
		memset(p[i], (int)i, cls);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(((uint8_t *)p[i])[0], (uint8_t)i);
		assert_int_equal(((uint8_t *)p[i])[expect_class(sizes[i]) - 1], (uint8_t)i);
		assert_int_equal(heap_free(&f->h, p[i]), 0);
	}
}

/* A full page of one class comes from one slab page; the next object needs a second page. */
static void test_class_fills_page_then_takes_another(void **state)
{
	struct fx *f = *state;
	enum { N = PG / 64 };
	void *p[N + 1];
	for (int i = 0; i < N; i++)
		p[i] = heap_alloc(&f->h, 64, 0);
	assert_int_equal(heap_pages_held(&f->h), 1);
	for (int i = 1; i < N; i++)
		assert_int_equal((uintptr_t)p[i] & ~(PG - 1), (uintptr_t)p[0] & ~(PG - 1));
	p[N] = heap_alloc(&f->h, 64, 0);
	assert_int_equal(heap_pages_held(&f->h), 2);
	for (int i = 0; i <= N; i++)
		assert_int_equal(heap_free(&f->h, p[i]), 0);
}

/* Size 0 still gets a unique, freeable object. */
static void test_size_zero_gets_smallest_object(void **state)
{
	struct fx *f = *state;
	void *a = heap_alloc(&f->h, 0, 0), *b = heap_alloc(&f->h, 0, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(heap_slot_size(&f->h, a), 16);
	assert_int_equal(heap_free(&f->h, a), 0);
	assert_int_equal(heap_free(&f->h, b), 0);
}

/* Above 2048 bytes: whole pages, rounded to a power of two, up to HEAP_MAX_SIZE. */
static void test_large_whole_pages_counted(void **state)
{
	struct fx *f = *state;
	void *a = heap_alloc(&f->h, 2049, 0);
	void *b = heap_alloc(&f->h, PG + 1, 0);
	void *c = heap_alloc(&f->h, HEAP_MAX_SIZE, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal((uintptr_t)a % PG, 0);
	assert_int_equal(heap_slot_size(&f->h, a), (long)PG);
	assert_int_equal(heap_slot_size(&f->h, b), (long)(2 * PG));
	assert_int_equal(heap_slot_size(&f->h, c), (long)HEAP_MAX_SIZE);
	assert_int_equal(heap_pages_held(&f->h), 1 + 2 + HEAP_MAX_SIZE / PG);
	assert_int_equal(f->h.st.large_live, 3);
	assert_int_equal(f->h.st.bytes_in_use, PG + 2 * PG + HEAP_MAX_SIZE);
	memset(c, 0x5a, HEAP_MAX_SIZE);
	uint64_t fails = f->h.st.failures;
	assert_null(heap_alloc(&f->h, HEAP_MAX_SIZE + 1, 0));
	assert_null(heap_alloc(&f->h, SIZE_MAX, 0));
	assert_int_equal(f->h.st.failures, fails + 2);
	assert_int_equal(heap_free(&f->h, a), 0);
	assert_int_equal(heap_free(&f->h, b), 0);
	assert_int_equal(heap_free(&f->h, c), 0);
}

/* Every power-of-two alignment up to a page is honoured for small and large sizes; others fail. */
static void test_aligned_alloc_honours_alignment(void **state)
{
	struct fx *f = *state;
	static const size_t sizes[] = { 1, 24, 100, 1000, 2048, 3000, 5000 };
	for (size_t align = 1; align <= PG; align <<= 1)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			void *p = heap_alloc(&f->h, sizes[i], align);
			assert_non_null(p);
			assert_int_equal((uintptr_t)p % align, 0);
			assert_true(heap_slot_size(&f->h, p) >= (long)sizes[i]);
			memset(p, 0xee, sizes[i]);
			assert_int_equal(heap_free(&f->h, p), 0);
		}
	uint64_t fails = f->h.st.failures;
	assert_null(heap_alloc(&f->h, 16, 3));
	assert_null(heap_alloc(&f->h, 16, 2 * PG));
	assert_int_equal(f->h.st.failures, fails + 2);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void check(const uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			fail_msg("byte %zu of %p: %#x, expected %#x", i, (const void *)p, p[i], (uint8_t)(seed + i * 7));
}

/* Growing and shrinking across classes and into pages keeps the common prefix. */
static void test_realloc_grow_shrink_keeps_contents(void **state)
{
	struct fx *f = *state;
	static const size_t steps[] = { 10, 100, 2048, 3000, 9000, 20000, 5000, 700, 20, 1 };
	uint8_t *p = heap_realloc(&f->h, NULL, 5);
	fill(p, 5, 3);
	size_t have = 5;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		uint8_t *n = heap_realloc(&f->h, p, steps[i]);
		assert_non_null(n);
		check(n, have < steps[i] ? have : steps[i], 3);
		fill(n, steps[i], 3);
		have = steps[i];
		p = n;
	}
	assert_null(heap_realloc(&f->h, p, 0));   /* frees */
	assert_int_equal(heap_pages_held(&f->h), 0);
}

/* A size within the same class (or the same page order) keeps the block where it is. */
static void test_realloc_same_slot_keeps_pointer(void **state)
{
	struct fx *f = *state;
	void *p = heap_alloc(&f->h, 40, 0);
	assert_ptr_equal(heap_realloc(&f->h, p, 64), p);
	assert_ptr_equal(heap_realloc(&f->h, p, 33), p);
	void *q = heap_realloc(&f->h, p, 65);
	assert_ptr_not_equal(q, p);
	void *l = heap_alloc(&f->h, 3 * PG, 0);
	assert_ptr_equal(heap_realloc(&f->h, l, 4 * PG), l);
	assert_ptr_equal(heap_realloc(&f->h, l, 2 * PG + 1), l);
	assert_int_equal(heap_free(&f->h, q), 0);
	assert_int_equal(heap_free(&f->h, l), 0);
}

/* When realloc cannot grow, it returns NULL and the old block stays intact and live. */
static void test_realloc_oom_keeps_old_block(void **state)
{
	struct fx *f = *state;   /* 8 pages */
	uint8_t *p = heap_alloc(&f->h, 100, 0);
	fill(p, 100, 9);
	assert_null(heap_realloc(&f->h, p, 16 * PG));
	check(p, 100, 9);
	assert_int_equal(heap_slot_size(&f->h, p), 128);
	assert_int_equal(heap_free(&f->h, p), 0);
}

/* Zeroed allocation zeroes a reused, dirty slot. */
static void test_zalloc_reused_slot_zeroed(void **state)
{
	struct fx *f = *state;
	void *keep = heap_alloc(&f->h, 200, 0);   /* keeps the slab page alive */
	uint8_t *p = heap_alloc(&f->h, 200, 0);
	memset(p, 0xaa, 256);
	assert_int_equal(heap_free(&f->h, p), 0);
	uint8_t *z = heap_zalloc(&f->h, 200);
	assert_ptr_equal(z, p);   /* LIFO: the dirty slot comes back */
	for (int i = 0; i < 200; i++)
		assert_int_equal(z[i], 0);
	assert_int_equal(heap_free(&f->h, z), 0);
	assert_int_equal(heap_free(&f->h, keep), 0);
}

/* A mixed workload leaves the statistics where they were, apart from the counters. */
static void test_stats_before_equal_after_workload(void **state)
{
	struct fx *f = *state;
	void *base = heap_alloc(&f->h, 500, 0);
	struct heap_stats before = f->h.st;
	void *p[300];
	for (int i = 0; i < 300; i++)
		p[i] = heap_alloc(&f->h, (size_t)(i * 37 % 9000) + 1, (size_t)1 << (i % 13));
	for (int i = 0; i < 300; i += 2)
		p[i] = heap_realloc(&f->h, p[i], (size_t)(i * 53 % 5000) + 1);
	for (int i = 299; i >= 0; i--)
		assert_int_equal(heap_free(&f->h, p[i]), 0);
	struct heap_stats after = f->h.st;
	assert_int_equal(after.bytes_in_use, before.bytes_in_use);
	assert_int_equal(after.pages, before.pages);
	assert_memory_equal(after.class_live, before.class_live, sizeof(before.class_live));
	assert_int_equal(after.large_live, before.large_live);
	assert_int_equal(after.allocs - before.allocs, after.frees - before.frees);
	assert_int_equal(after.failures, before.failures);
	assert_int_equal(heap_free(&f->h, base), 0);
}

/* Out of pages: NULL, counted, and the objects already handed out are untouched. */
static void test_oom_returns_null_counts_failures(void **state)
{
	struct fx *f = *state;   /* 8 pages: 16 objects of 2048 bytes */
	uint8_t *p[17];
	int n = 0;
	while (n < 17 && (p[n] = heap_alloc(&f->h, 2048, 0)) != NULL) {
		fill(p[n], 2048, (uint8_t)n);
		n++;
	}
	assert_int_equal(n, 16);
	assert_int_equal(f->h.st.failures, 1);
	assert_null(heap_alloc(&f->h, 16, 0));
	assert_null(heap_alloc(&f->h, 3 * PG, 0));
	assert_int_equal(f->h.st.failures, 3);
	assert_int_equal(f->b.free_pages, 0);
	for (int i = 0; i < n; i++) {
		check(p[i], 2048, (uint8_t)i);
		assert_int_equal(heap_free(&f->h, p[i]), 0);
	}
}

/* Double frees and pointers the heap never returned are refused and change nothing. */
static void test_bad_free_refused(void **state)
{
	struct fx *f = *state;
	uint8_t *a = heap_alloc(&f->h, 64, 0);
	uint8_t *keep = heap_alloc(&f->h, 64, 0);
	uint8_t *l = heap_alloc(&f->h, 3 * PG, 0);
	void *raw = buddy_alloc(&f->b, 0);
	int on_stack;
	struct heap_stats before = f->h.st;
	assert_int_equal(heap_free(&f->h, a + 8), -EINVAL);        /* inside an object */
	assert_int_equal(heap_free(&f->h, l + 64), -EINVAL);       /* inside a large block's first page */
	assert_int_equal(heap_free(&f->h, l + PG), -EINVAL);       /* a tail page */
	assert_int_equal(heap_free(&f->h, raw), -EINVAL);          /* a page_alloc page */
	assert_int_equal(heap_free(&f->h, &on_stack), -EINVAL);    /* outside the span */
	assert_int_equal(heap_slot_size(&f->h, a + 8), -EINVAL);
	assert_null(heap_realloc(&f->h, a + 8, 10));
	assert_memory_equal(&f->h.st, &before, sizeof(before));
	assert_int_equal(heap_free(&f->h, a), 0);
	assert_int_equal(heap_free(&f->h, a), -EALREADY);
	assert_int_equal(heap_free(&f->h, l), 0);
	assert_int_equal(heap_free(&f->h, l), -EALREADY);          /* pages went back to the buddy */
	assert_int_equal(heap_free(&f->h, l + PG), -EALREADY);
	assert_int_equal(heap_free(&f->h, keep), 0);
	assert_int_equal(heap_free(&f->h, keep), -EALREADY);       /* its slab page went back too */
	assert_int_equal(heap_free(&f->h, NULL), 0);
	assert_int_equal(buddy_free(&f->b, raw, 0), 0);
}

/* A live object whose second word looks like the free magic is not mistaken for a double free. */
static void test_live_object_with_magic_pattern_frees(void **state)
{
	struct fx *f = *state;
	void *keep = heap_alloc(&f->h, 32, 0);
	uintptr_t *a = heap_alloc(&f->h, 32, 0);
	uintptr_t *b = heap_alloc(&f->h, 32, 0);
	assert_int_equal(heap_free(&f->h, b), 0);
	memcpy(a, b, 16);
	a[1] ^= (uintptr_t)b ^ (uintptr_t)a;   /* the magic for a's own address */
	assert_int_equal(heap_free(&f->h, a), 0);
	assert_int_equal(heap_free(&f->h, keep), 0);
}

/* Two heaps over one page allocator: each refuses the other's blocks with -EXDEV. */
static void test_other_owner_exdev(void **state)
{
	struct fx *f = *state;
	struct heap h2;
	heap_create(&h2, &f->b, 2, NULL, NULL);
	void *a = heap_alloc(&f->h, 64, 0), *b = heap_alloc(&h2, 64, 0), *l = heap_alloc(&h2, 3 * PG, 0);
	assert_int_equal(heap_owner_of(&f->b, a), 1);
	assert_int_equal(heap_owner_of(&f->b, b), 2);
	assert_int_equal(heap_owner_of(&f->b, l), 2);
	assert_int_equal(heap_free(&f->h, b), -EXDEV);
	assert_int_equal(heap_free(&f->h, l), -EXDEV);
	assert_int_equal(heap_free(&h2, a), -EXDEV);
	assert_int_equal(heap_free(&h2, b), 0);
	assert_int_equal(heap_free(&h2, l), 0);
	assert_int_equal(heap_free(&f->h, a), 0);
	assert_int_equal(heap_pages_held(&h2), 0);
	assert_int_equal(heap_owner_of(&f->b, a), -EINVAL);
}

/* Random allocs, frees and reallocs against a shadow model; canaries catch any overlap or stray write. */
static void test_random_stress_matches_shadow(void **state)
{
	struct fx *f = *state;
	enum { SLOTS = 1024, OPS = 60000, CANARY = 8 };
	struct shadow { uint8_t *p; size_t size; uint8_t seed; } *s = calloc(SLOTS, sizeof(*s));
	uint64_t live[HEAP_NCLASSES + 1] = { 0 };
	srand(4242);
	for (int op = 0; op < OPS; op++) {
		struct shadow *e = &s[rand() % SLOTS];
		int r = rand() % 100;
		/* Mostly small, a tail of large ones: the shape of real workloads. */
		size_t size = r < 85 ? (size_t)(rand() % 2048) + 1 : (size_t)(rand() % 40000) + 1;
		if (e->p && r < 30) {
			check(e->p, e->size + CANARY, e->seed);
			uint8_t *n = heap_realloc(&f->h, e->p, size + CANARY);
			if (!n)
				continue;
			check(n, (e->size < size ? e->size : size), e->seed);
			e->p = n;
		} else if (e->p) {
			check(e->p, e->size + CANARY, e->seed);
			assert_int_equal(heap_free(&f->h, e->p), 0);
			e->p = NULL;
			continue;
		} else {
			size_t align = (r & 3) == 0 ? (size_t)1 << (rand() % 13) : 0;
			e->p = heap_alloc(&f->h, size + CANARY, align);
			if (!e->p)
				continue;
			if (align)
				assert_int_equal((uintptr_t)e->p % align, 0);
		}
		e->size = size;
		e->seed = (uint8_t)rand();
		fill(e->p, size + CANARY, e->seed);
		if ((op & 1023) == 0) {
			memset(live, 0, sizeof(live));
			for (int i = 0; i < SLOTS; i++) {
				if (!s[i].p)
					continue;
				long slot = heap_slot_size(&f->h, s[i].p);
				assert_true(slot >= (long)(s[i].size + CANARY));
				live[slot > HEAP_MAX_SMALL ? HEAP_NCLASSES : __builtin_ctzl((unsigned long)slot) - HEAP_MIN_SHIFT]++;
			}
			assert_memory_equal(live, f->h.st.class_live, sizeof(f->h.st.class_live));
			assert_int_equal(live[HEAP_NCLASSES], f->h.st.large_live);
		}
	}
	for (int i = 0; i < SLOTS; i++)
		if (s[i].p) {
			check(s[i].p, s[i].size + CANARY, s[i].seed);
			assert_int_equal(heap_free(&f->h, s[i].p), 0);
		}
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_each_class_naturally_aligned_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_fills_page_then_takes_another, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_zero_gets_smallest_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_whole_pages_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aligned_alloc_honours_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realloc_grow_shrink_keeps_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realloc_same_slot_keeps_pointer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realloc_oom_keeps_old_block, setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_zalloc_reused_slot_zeroed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_before_equal_after_workload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_returns_null_counts_failures, setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_bad_free_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_object_with_magic_pattern_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_owner_exdev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_stress_matches_shadow, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
