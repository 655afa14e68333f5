/*
 * mm/heap.h: the kernel heap. Out of memory returns NULL and is counted;
 * it never corrupts.
 *
 * Two layers: struct heap (mm/heap.c) is an allocator object over a page
 * source, with no globals and no locks, host-testable; kmalloc() and
 * friends (mm/kmalloc.c) are the kernel's instance behind a spinlock.
 * Every page a heap holds carries the heap's owner id in its metadata, so
 * that once each CPU has its own heap, a free on the wrong CPU is noticed
 * (-EXDEV) and can be sent back to the owner.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "mm/buddy.h"

#define HEAP_MIN_SHIFT 4                            /* smallest object: 16 bytes */
#define HEAP_MAX_SMALL 2048                         /* larger requests get whole pages */
#define HEAP_NCLASSES  8                            /* 16, 32, ... 2048 */
#define HEAP_MAX_SIZE  (BUDDY_PAGE_SIZE << BUDDY_MAX_ORDER)  /* largest allocation: 4 MiB */

struct heap_stats {
	uint64_t bytes_in_use;     /* bytes of the slots live now: the size class, or whole pages */
	uint64_t allocs, frees;
	uint64_t failures;         /* allocations that returned NULL */
	uint64_t pages;            /* pages the heap holds from the page allocator */
	uint64_t class_live[HEAP_NCLASSES];  /* live objects per size class (16 << i bytes) */
	uint64_t large_live;       /* live allocations above HEAP_MAX_SMALL */
};

/* ---- the heap object (mm/heap.c) ---------------------------------------- */

/* Where a heap gets its pages; the kernel's takes the page allocator's lock. */
struct heap_page_ops {
	void *(*alloc)(void *ctx, unsigned order);
	int (*free)(void *ctx, void *p, unsigned order);
};

struct heap {
	struct buddy *buddy;                      /* page metadata: every page comes from here */
	const struct heap_page_ops *ops;          /* NULL: call buddy_alloc/free directly */
	void *ctx;                                /* for ops */
	uint16_t owner;                           /* stamped on every page held, nonzero */
	struct buddy_page *partial[HEAP_NCLASSES];  /* slabs with at least one free object */
	struct heap_stats st;
};

void heap_create(struct heap *h, struct buddy *b, uint16_t owner, const struct heap_page_ops *ops, void *ctx);
/* size bytes aligned to align (a power of two up to a page; 0 means 16), or NULL. */
void *heap_alloc(struct heap *h, size_t size, size_t align);
/* heap_alloc(h, size, 0) with the first size bytes zeroed. */
void *heap_zalloc(struct heap *h, size_t size);
/*
 * 0, or -EINVAL for a pointer this heap family never returned, -EALREADY
 * for a double free (or any pointer into free memory), -EXDEV for a block owned by another heap (nothing is
 * changed: route it to heap_owner_of()'s heap). NULL is a no-op.
 */
int heap_free(struct heap *h, void *p);
/*
 * Grow or shrink, keeping the first min(old, new) bytes. NULL p allocates;
 * size 0 frees and returns NULL. On failure (or a pointer heap_free would
 * refuse) returns NULL and leaves p alone.
 */
void *heap_realloc(struct heap *h, void *p, size_t size);
/* Slot size of a live block (>= the size asked for), or a negative errno as heap_free. */
long heap_slot_size(const struct heap *h, const void *p);
/* Owner id of the heap holding p, or -EINVAL. */
int heap_owner_of(const struct buddy *b, const void *p);
/* Pages this heap holds: 0 means everything went back. */
uint64_t heap_pages_held(const struct heap *h);

/* ---- the kernel heap (mm/kmalloc.c) ------------------------------------- */

void heap_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *kmalloc_aligned(size_t size, size_t align);  /* align: a power of two up to PAGE_SIZE */
void *krealloc(void *p, size_t size);              /* size 0 frees and returns NULL */
void kfree(void *p);                               /* NULL is a no-op; a bad pointer panics */
void heap_get_stats(struct heap_stats *st);

#endif
