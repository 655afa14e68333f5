/*
 * tests/unit/mm/page_test.c: the page allocator's core (mm/memmap.c turning
 * a firmware memory map into usable ranges, mm/buddy.c handing them out)
 * over a malloc'd arena and a fake memory map with holes, overlaps,
 * non-usable regions and boot reservations, as mm/page.c uses them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/buddy.h"
#include "mm/memmap.h"

#define KiB 1024ull
#define MiB (1024ull * 1024)
#define ARENA (64 * MiB)
#define PG BUDDY_PAGE_SIZE

struct fx {
	uint8_t *arena;                  /* 4 MiB aligned, so offsets keep their alignment */
	struct mem_range r[16];
	int n;
	struct buddy b;
	struct buddy_page *meta;
	size_t shape[BUDDY_NORDERS];     /* free blocks per order right after setup */
	uintptr_t *heads;                /* free block addresses right after setup, sorted */
	size_t nheads;
};

static uint64_t A(struct fx *f, uint64_t off)
{
	return (uint64_t)(uintptr_t)f->arena + off;
}

/*
 * Unsorted on purpose; usable regions overlap; a reserved and an ACPI
 * region sit inside usable ones; the start of one region is not page-aligned.
 */
static int fake_map(struct fx *f, struct mem_region *m)
{
	int n = 0;
	m[n++] = (struct mem_region){ A(f, 50 * MiB), 14 * MiB, MEM_USABLE };
	m[n++] = (struct mem_region){ A(f, 0), 20 * MiB, MEM_USABLE };
	m[n++] = (struct mem_region){ A(f, 5 * MiB + 100), 8192 - 100, MEM_RESERVED };
	m[n++] = (struct mem_region){ A(f, 24 * MiB + 123), 16 * MiB - 123, MEM_USABLE };
	m[n++] = (struct mem_region){ A(f, 30 * MiB), 14 * MiB, MEM_USABLE };
	m[n++] = (struct mem_region){ A(f, 43 * MiB), 4096, MEM_ACPI_NVS };
	m[n++] = (struct mem_region){ A(f, 20 * MiB), 4 * MiB, MEM_BAD };
	return n;
}

/* Kernel image and boot data (multiboot info, cmdline): never handed out. */
static int fake_excl(struct fx *f, struct mem_region *e)
{
	int n = 0;
	e[n++] = (struct mem_region){ A(f, 1 * MiB), 300 * KiB, MEM_RESERVED };
	e[n++] = (struct mem_region){ A(f, 52 * MiB + 10), 10, MEM_RESERVED };
	return n;
}

/* What memmap_usable must produce for fake_map/fake_excl in [64 KiB, 62 MiB). */
static const uint64_t expect_ranges[][2] = {
	{ 64 * KiB, 1 * MiB },
	{ 1 * MiB + 300 * KiB, 5 * MiB },
	{ 5 * MiB + 8 * KiB, 20 * MiB },
	{ 24 * MiB + 4 * KiB, 43 * MiB },
	{ 43 * MiB + 4 * KiB, 44 * MiB },
	{ 50 * MiB, 52 * MiB },
	{ 52 * MiB + 4 * KiB, 62 * MiB },
};
#define NEXPECT (sizeof(expect_ranges) / sizeof(expect_ranges[0]))

static int cmp_uptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

/* The free blocks from the free lists (the metadata is written lazily: no scan of it), sorted. */
static size_t collect_heads(const struct buddy *b, uintptr_t *out)
{
	size_t n = 0;
	for (unsigned o = 0; o < BUDDY_NORDERS; o++)
		for (const struct buddy_page *pg = b->free[o]; pg; pg = pg->next) {
			assert_int_equal(pg->state, BUDDY_PAGE_FREE);
			assert_int_equal(pg->order, o);
			if (out)
				out[n] = (uintptr_t)buddy_page_addr(b, pg) + o;   /* order in the low bits */
			n++;
		}
	if (out)
		qsort(out, n, sizeof(*out), cmp_uptr);
	return n;
}

#define POISON 0xa5   /* what the metadata holds before buddy_init: nothing may read it unwritten */

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->arena = aligned_alloc(4 * MiB, ARENA);
	struct mem_region m[16], e[4];
	int nm = fake_map(f, m), ne = fake_excl(f, e);
	f->n = memmap_usable(m, nm, e, ne, A(f, 64 * KiB), A(f, 62 * MiB), f->r, 16);
	assert_int_equal(f->n, NEXPECT);
	uintptr_t lo = f->r[0].start, hi = f->r[f->n - 1].end;
	f->meta = malloc(buddy_meta_bytes(lo, hi));
	memset(f->meta, POISON, buddy_meta_bytes(lo, hi));
	buddy_init(&f->b, lo, hi, f->meta);
	for (int i = 0; i < f->n; i++)
		assert_true(buddy_add_range(&f->b, f->r[i].start, f->r[i].end) > 0);
	memcpy(f->shape, f->b.nfree, sizeof(f->shape));
	f->nheads = collect_heads(&f->b, NULL);
	f->heads = malloc(f->nheads * sizeof(uintptr_t));
	collect_heads(&f->b, f->heads);
	*state = f;
	return 0;
}

/* Everything is back, in exactly the shape it started in. */
static int teardown(void **state)
{
	struct fx *f = *state;
	assert_int_equal(f->b.free_pages, f->b.managed_pages);
	assert_memory_equal(f->b.nfree, f->shape, sizeof(f->shape));
	uintptr_t *now = malloc(f->nheads * sizeof(uintptr_t));
	assert_int_equal(collect_heads(&f->b, now), f->nheads);
	assert_memory_equal(now, f->heads, f->nheads * sizeof(uintptr_t));
	free(now);
	free(f->heads);
	free(f->meta);
	free(f->arena);
	free(f);
	return 0;
}

static uint64_t managed_expected(void)
{
	uint64_t t = 0;
	for (size_t i = 0; i < NEXPECT; i++)
		t += expect_ranges[i][1] - expect_ranges[i][0];
	return t;
}

/* Is [p, p + len) inside one of the expected usable ranges? */
static int inside_usable(struct fx *f, uintptr_t p, size_t len)
{
	for (size_t i = 0; i < NEXPECT; i++)
		if (p >= A(f, expect_ranges[i][0]) && p + len <= A(f, expect_ranges[i][1]))
			return 1;
	return 0;
}

/* Non-usable regions, holes and exclusions are cut out, page-widened, and the rest merged and sorted. */
static void test_memmap_overlapping_unsorted_map_exact_ranges(void **state)
{
	struct fx *f = *state;
	for (size_t i = 0; i < NEXPECT; i++) {
		assert_int_equal(f->r[i].start, A(f, expect_ranges[i][0]));
		assert_int_equal(f->r[i].end, A(f, expect_ranges[i][1]));
	}
	assert_int_equal(memmap_bytes(f->r, f->n), managed_expected());
	assert_int_equal(f->b.managed_pages * PG, managed_expected());
}

static void test_memmap_too_many_ranges_enospc(void **state)
{
	(void)state;
	struct mem_region m[8];
	for (int i = 0; i < 8; i++)
		m[i] = (struct mem_region){ (uint64_t)i * 2 * MiB, MiB, MEM_USABLE };
	struct mem_range r[8];
	assert_int_equal(memmap_usable(m, 8, NULL, 0, 0, UINT64_MAX, r, 4), -ENOSPC);
	assert_int_equal(memmap_usable(m, 8, NULL, 0, 0, UINT64_MAX, r, 8), 8);
	/* A cut that splits a range needs a slot too. */
	struct mem_region e[] = { { 4 * MiB + 64 * KiB, 4096, MEM_RESERVED } };
	assert_int_equal(memmap_usable(m, 3, e, 1, 0, UINT64_MAX, r, 3), -ENOSPC);
	assert_int_equal(memmap_usable(m, 3, e, 1, 0, UINT64_MAX, r, 4), 4);
}

/* A region whose length runs past 2^64 is clamped, not wrapped to a small end. */
static void test_memmap_wrapping_region_clamped(void **state)
{
	(void)state;
	struct mem_region m[] = { { 8 * MiB, UINT64_MAX - MiB, MEM_USABLE } };
	struct mem_region e[] = { { 16 * MiB, UINT64_MAX, MEM_RESERVED } };
	struct mem_range r[2];
	assert_int_equal(memmap_usable(m, 1, e, 1, 0, 4096 * MiB, r, 2), 1);
	assert_int_equal(r[0].start, 8 * MiB);
	assert_int_equal(r[0].end, 16 * MiB);
}

/* Adding a range again (overlapping map entries) adds nothing twice. */
static void test_add_range_again_adds_nothing(void **state)
{
	struct fx *f = *state;
	size_t before = f->b.managed_pages;
	assert_int_equal(buddy_add_range(&f->b, f->r[2].start, f->r[2].end), 0);
	assert_int_equal(f->b.managed_pages, before);
	assert_int_equal(buddy_add_range(&f->b, A(f, 60 * MiB), A(f, 68 * MiB)), -EINVAL);   /* past the span */
	assert_int_equal(buddy_add_range(&f->b, A(f, 0) - PG, A(f, 64 * KiB)), -EINVAL);     /* before it */
	assert_int_equal(f->b.managed_pages, before);
}

/* Every usable page can be allocated, exactly once, and none outside the usable ranges. */
static void test_alloc_all_pages_never_reserved(void **state)
{
	struct fx *f = *state;
	size_t total = f->b.managed_pages, n = 0;
	void **pages = malloc(total * sizeof(void *));
	uint8_t *seen = calloc(ARENA / PG, 1);
	void *p;
	while ((p = buddy_alloc(&f->b, 0)) != NULL) {
		assert_true(n < total);
		assert_true(inside_usable(f, (uintptr_t)p, PG));
		size_t idx = ((uintptr_t)p - (uintptr_t)f->arena) / PG;
		assert_int_equal(seen[idx], 0);
		seen[idx] = 1;
		memset(p, 0xa5, PG);   /* ASan: really inside the arena */
		pages[n++] = p;
	}
	assert_int_equal(n, total);
	assert_int_equal(f->b.free_pages, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(buddy_free(&f->b, pages[n - 1 - i], 0), 0);
	free(seen);
	free(pages);
}

/* An order-n block is 2^n pages aligned to its size, inside one usable range. */
static void test_alloc_order_n_aligned_and_inside(void **state)
{
	struct fx *f = *state;
	void *blk[BUDDY_NORDERS];
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		blk[o] = buddy_alloc(&f->b, o);
		assert_non_null(blk[o]);
		assert_int_equal((uintptr_t)blk[o] % (PG << o), 0);
		assert_true(inside_usable(f, (uintptr_t)blk[o], PG << o));
	}
	assert_null(buddy_alloc(&f->b, BUDDY_MAX_ORDER + 1));
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		assert_int_equal(buddy_free(&f->b, blk[o], o), 0);
}

/* When nothing of an order (or above) is free, alloc returns NULL and changes nothing. */
static void test_exhausted_alloc_returns_null(void **state)
{
	struct fx *f = *state;
	void **held = malloc(f->b.managed_pages * sizeof(void *));
	unsigned *ord = malloc(f->b.managed_pages * sizeof(unsigned));
	size_t n = 0;
	for (int o = BUDDY_MAX_ORDER; o >= 0; o--) {
		void *p;
		while ((p = buddy_alloc(&f->b, (unsigned)o)) != NULL) {
			held[n] = p;
			ord[n++] = (unsigned)o;
		}
		assert_null(buddy_alloc(&f->b, (unsigned)o));
	}
	assert_int_equal(f->b.free_pages, 0);
	assert_null(buddy_alloc(&f->b, 0));
	assert_int_equal(f->b.free_pages, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(buddy_free(&f->b, held[i], ord[i]), 0);
	free(ord);
	free(held);
}

/* A second free is caught, both before and after the block merged with its buddy. */
static void test_double_free_ealready(void **state)
{
	struct fx *f = *state;
	void *a = buddy_alloc(&f->b, 0);
	void *b = buddy_alloc(&f->b, 0);
	assert_int_equal(buddy_free(&f->b, b, 0), 0);
	assert_int_equal(buddy_free(&f->b, b, 0), -EALREADY);
	void *big = buddy_alloc(&f->b, 3);
	assert_int_equal(buddy_free(&f->b, big, 3), 0);
	assert_int_equal(buddy_free(&f->b, big, 3), -EALREADY);     /* merged into a larger free block */
	assert_int_equal(buddy_free(&f->b, a, 0), 0);
	assert_int_equal(buddy_free(&f->b, a, 0), -EALREADY);
	size_t free_now = f->b.free_pages;
	assert_int_equal(free_now, f->b.managed_pages);
}

/* Addresses never handed out are refused and nothing changes. */
static void test_foreign_pointer_einval(void **state)
{
	struct fx *f = *state;
	void *blk = buddy_alloc(&f->b, 2);
	size_t free_before = f->b.free_pages;
	int on_stack;
	assert_int_equal(buddy_free(&f->b, &on_stack, 0), -EINVAL);               /* outside the span */
	assert_int_equal(buddy_free(&f->b, (char *)blk + 16, 2), -EINVAL);         /* not page-aligned */
	assert_int_equal(buddy_free(&f->b, (char *)blk + PG, 0), -EINVAL);         /* inside a live block */
	assert_int_equal(buddy_free(&f->b, (void *)(uintptr_t)A(f, 21 * MiB), 0), -EINVAL);  /* MEM_BAD hole */
	assert_int_equal(buddy_free(&f->b, (void *)(uintptr_t)A(f, 1 * MiB), 0), -EINVAL);   /* kernel image */
	assert_int_equal(buddy_free(&f->b, (void *)(uintptr_t)A(f, 5 * MiB), 0), -EINVAL);   /* firmware-reserved */
	assert_int_equal(f->b.free_pages, free_before);
	assert_int_equal(buddy_free(&f->b, blk, 2), 0);
}

/* An entry still holding the poison: never written. */
static bool unwritten(const struct buddy_page *pg)
{
	const uint8_t *p = (const uint8_t *)pg;
	for (size_t i = 0; i < sizeof(*pg); i++)
		if (p[i] != POISON)
			return false;
	return true;
}

/*
 * Adding ranges writes the head of each whole free 4 MiB block, not its
 * 1023 other entries (boot touches O(blocks), not O(pages)); the states
 * read through the API are nonetheless exact.
 */
static void test_add_range_writes_whole_blocks_lazily(void **state)
{
	struct fx *f = *state;
	size_t blk = BUDDY_PAGE_SIZE << BUDDY_MAX_ORDER, nun = 0;
	for (size_t i = 0; i < f->b.npages; i++)
		nun += unwritten(&f->b.meta[i]);
	/* Whole blocks inside the usable ranges: 8-20 MiB (3), 28-40 MiB (3), 56-60 MiB (1). */
	assert_true(nun >= 7 * (blk / PG - 1));
	void *mid = (void *)(uintptr_t)A(f, 13 * MiB + 5 * PG);   /* inside the free block at 12 MiB */
	assert_int_equal(buddy_page_of(&f->b, mid)->state, BUDDY_PAGE_TAIL);
	assert_int_equal(buddy_block_state(&f->b, mid), BUDDY_PAGE_FREE);
	assert_int_equal(buddy_free(&f->b, mid, 0), -EALREADY);
	/* 44-48 MiB has no usable page: unmanaged without a write. */
	assert_int_equal(buddy_block_state(&f->b, (void *)(uintptr_t)A(f, 45 * MiB)), BUDDY_PAGE_UNMANAGED);
	assert_int_equal(buddy_free(&f->b, (void *)(uintptr_t)A(f, 45 * MiB), 0), -EINVAL);
}

/* The first allocation from a lazily added block writes its entries: a tail is then a real TAIL. */
static void test_alloc_writes_block_entries(void **state)
{
	struct fx *f = *state;
	void *blocks[64];
	size_t n = 0;
	void *p;
	while (n < 64 && (p = buddy_alloc(&f->b, BUDDY_MAX_ORDER)))
		blocks[n++] = p;
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++) {
		const struct buddy_page *head = buddy_page_of(&f->b, blocks[i]);
		const struct buddy_page *tail = buddy_page_of(&f->b, (char *)blocks[i] + 7 * PG);
		assert_int_equal(head->state, BUDDY_PAGE_ALLOC);
		assert_int_equal(tail->state, BUDDY_PAGE_TAIL);
		assert_true(tail == &f->b.meta[(size_t)((uintptr_t)blocks[i] - f->b.base) / PG + 7]);
		assert_int_equal(buddy_free(&f->b, (char *)blocks[i] + 7 * PG, 0), -EINVAL);   /* inside a live block */
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(buddy_free(&f->b, blocks[i], BUDDY_MAX_ORDER), 0);
}

static void test_wrong_order_erange(void **state)
{
	struct fx *f = *state;
	void *blk = buddy_alloc(&f->b, 2);
	assert_int_equal(buddy_free(&f->b, blk, 1), -ERANGE);
	assert_int_equal(buddy_free(&f->b, blk, 3), -ERANGE);
	assert_int_equal(buddy_free(&f->b, blk, 2), 0);
}

/* Random orders, random free order: blocks never overlap and keep their contents. */
static void test_random_alloc_free_no_overlap(void **state)
{
	struct fx *f = *state;
	enum { SLOTS = 256, OPS = 20000 };
	struct { uint8_t *p; unsigned order; uint8_t tag; } s[SLOTS] = { 0 };
	srand(12345);
	for (int op = 0; op < OPS; op++) {
		int i = rand() % SLOTS;
		if (s[i].p) {
			size_t len = PG << s[i].order;
			for (size_t k = 0; k < len; k += 512)
				assert_int_equal(s[i].p[k], s[i].tag);
			assert_int_equal(buddy_free(&f->b, s[i].p, s[i].order), 0);
			s[i].p = NULL;
		} else {
			unsigned o = (unsigned)(rand() % 7);
			s[i].p = buddy_alloc(&f->b, o);
			if (!s[i].p)
				continue;
			assert_int_equal((uintptr_t)s[i].p % (PG << o), 0);
			s[i].order = o;
			s[i].tag = (uint8_t)(op | 1);
			memset(s[i].p, s[i].tag, PG << o);
		}
	}
	for (int i = 0; i < SLOTS; i++)
		if (s[i].p)
			assert_int_equal(buddy_free(&f->b, s[i].p, s[i].order), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_memmap_overlapping_unsorted_map_exact_ranges, setup, teardown),
		cmocka_unit_test(test_memmap_too_many_ranges_enospc),
		cmocka_unit_test(test_memmap_wrapping_region_clamped),
		cmocka_unit_test_setup_teardown(test_add_range_again_adds_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_all_pages_never_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_order_n_aligned_and_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhausted_alloc_returns_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_free_ealready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_pointer_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_order_erange, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_range_writes_whole_blocks_lazily, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_writes_block_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_alloc_free_no_overlap, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
