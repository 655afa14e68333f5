/*
 * mm/heap.h: the kernel heap. Out of memory returns NULL and is counted;
 * it never corrupts.
 *
 * Two layers: struct heap (mm/heap.c) is an allocator object over a page
 * source, with no globals and no locks, host-testable; kmalloc() and
 * friends (mm/kmalloc.c) give each CPU its own heap, used without a lock.
 * Every page a heap holds carries the heap's owner id in its metadata, so
 * a free on the wrong CPU is noticed (-EXDEV) and sent back to the owner:
 * a small block goes onto the owner's remote-free list (lock-free,
 * sched/inbox.h), which the owner drains on its next allocation; a large
 * block goes straight back to the page source. Either way the owner's
 * statistics count it as freed at once, so before/after comparisons are
 * exact whether or not the owner has drained.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "mm/buddy.h"
#include "sched/inbox.h"

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
	uint64_t remote_sent;      /* blocks this heap's CPU freed for other heaps */
	uint64_t remote_received;  /* blocks other CPUs freed into this heap */
	uint64_t remote_pending;   /* of those, still on the remote list: counted freed, their pages held */
	uint64_t remote_bad;       /* remote frees the owner found invalid when draining */
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
	struct heap_stats st;                     /* owner-only; read with heap_read_stats() */
	struct heap *const *peers;                /* peers[id - 1]: the heap with owner id, or NULL */
	unsigned npeers;
	void (*bad_remote)(struct heap *h, void *p, int err);  /* a drained remote free was invalid */
	/* Written by other CPUs (atomics), drained by the owner: */
	struct inbox remote;                      /* small blocks freed elsewhere, newest first */
	uint64_t remote_pending;                  /* blocks on remote */
	uint64_t remote_pending_bytes;            /* their slot bytes */
	uint64_t remote_large;                    /* large blocks freed elsewhere, straight to the pages */
	uint64_t remote_large_bytes;
	uint64_t remote_large_pages;
};

void heap_create(struct heap *h, struct buddy *b, uint16_t owner, const struct heap_page_ops *ops, void *ctx);
/*
 * Lets h route frees of its peers' blocks (heap_free_any, heap_realloc):
 * peers[i] is the heap whose owner id is i + 1 (NULL until it exists; read
 * atomically, so a peer may be published later). The page source must
 * then be safe to call from every peer's thread.
 */
void heap_set_peers(struct heap *h, struct heap *const *peers, unsigned n);
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
/*
 * Free p from h's CPU: heap_free() if h owns it, else heap_free_remote()
 * to its owner among h's peers (-EXDEV when the owner is not a peer).
 */
int heap_free_any(struct heap *h, void *p);
/*
 * Any thread: give a block owned by `owner` back to it. A small block is
 * pushed onto owner's remote list (its first 16 bytes become the list
 * node), a large one goes straight to the page source. 0, or -EINVAL /
 * -EALREADY / -EXDEV as heap_free. The double-free check here cannot walk
 * the owner's lists, so it trusts a 64-bit per-address tag (a live block
 * holding exactly that value at offset 8 would be misreported).
 */
int heap_free_remote(struct heap *owner, void *p);
/* Owner only: free every block on the remote list; returns how many. heap_alloc() calls it. */
unsigned long heap_drain_remote(struct heap *h);
/*
 * Consistent view of h's counters for any thread: remote frees already
 * count as frees and are out of bytes_in_use (pending ones still hold
 * their pages until drained). Exact when h's owner is not running heap
 * calls at the same moment.
 */
void heap_read_stats(const struct heap *h, struct heap_stats *st);
/* Slot size of a live block (>= the size asked for), or a negative errno as heap_free. */
long heap_slot_size(const struct heap *h, const void *p);
/* heap_slot_size(), also for a block of one of h's peers (which heap_realloc would move). */
long heap_slot_size_any(const struct heap *h, const void *p);
/* Owner id of the heap holding p, or -EINVAL. */
int heap_owner_of(const struct buddy *b, const void *p);
/* Pages this heap holds: 0 means everything went back. */
uint64_t heap_pages_held(const struct heap *h);

/* ---- the kernel heap (mm/kmalloc.c) ------------------------------------- */

/* The boot CPU's heap, after page_init(); mm_init_cpu() (mm/mm.h) for the others. */
void heap_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *kmalloc_aligned(size_t size, size_t align);  /* align: a power of two up to PAGE_SIZE */
void *krealloc(void *p, size_t size);              /* size 0 frees and returns NULL */
void kfree(void *p);                               /* NULL is a no-op; a bad pointer panics */
/* Sum over every CPU's heap, after draining the calling CPU's remote frees (mm_stats() for each CPU). */
void heap_get_stats(struct heap_stats *st);

#endif
