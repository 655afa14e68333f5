/*
 * mm/buddy.h: a binary buddy allocator over one span of identity-mapped
 * memory, with per-page metadata. No globals and no locking: the kernel
 * glue (mm/page.c) owns one instance behind a spinlock, host tests build as
 * many as they like over malloc'd memory.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include <stddef.h>
#include <stdint.h>

#define BUDDY_PAGE_SIZE  4096ul
#define BUDDY_PAGE_SHIFT 12
#define BUDDY_MAX_ORDER  10        /* largest block: 2^10 pages = 4 MiB */
#define BUDDY_NORDERS    (BUDDY_MAX_ORDER + 1)

enum buddy_page_state {
	BUDDY_PAGE_UNMANAGED = 0,  /* a hole, a reserved range: never handed out */
	BUDDY_PAGE_FREE,           /* first page of a free block */
	BUDDY_PAGE_ALLOC,          /* first page of an allocated block */
	BUDDY_PAGE_TAIL,           /* any other page of a free or allocated block */
};

/*
 * One per page of the span (32 bytes, 0.8% of memory). The buddy fields
 * are the allocator's; while a block is allocated, the owner fields belong
 * to whoever allocated it (the heap keeps its slab state there), which is
 * what lets free() and kfree() find everything from the address alone.
 */
struct buddy_page {
	struct buddy_page *next, *prev;  /* free list; the owner's lists while allocated */
	union {
		void *freelist;          /* heap slab: first free object */
		size_t size;             /* heap large allocation: bytes requested */
	};
	uint16_t inuse;                  /* heap slab: objects handed out */
	uint16_t owner;                  /* heap id that owns the block, 0: none */
	uint8_t state;                   /* enum buddy_page_state */
	uint8_t order;                   /* block order, valid on FREE and ALLOC pages */
	uint8_t kind;                    /* owner-defined (heap: slab or large) */
	uint8_t sclass;                  /* owner-defined (heap: size class) */
};

struct buddy {
	uintptr_t base;                      /* first byte of the span, 2^MAX_ORDER-page aligned */
	size_t npages;                       /* pages in the span */
	struct buddy_page *meta;             /* npages entries, caller-provided, written lazily */
	uint8_t *blk;                        /* per largest block: how much of meta is written (buddy.c) */
	struct buddy_page *free[BUDDY_NORDERS];  /* free lists by order, LIFO */
	size_t nfree[BUDDY_NORDERS];         /* blocks on each free list */
	size_t managed_pages;                /* pages ever added */
	size_t free_pages;                   /* pages free now */
};

/* Bytes of metadata needed for a span covering [lo, hi) (need not be zeroed: buddy_init writes what it reads). */
size_t buddy_meta_bytes(uintptr_t lo, uintptr_t hi);
/*
 * Start an empty allocator whose span covers [lo, hi) (widened to
 * 2^MAX_ORDER-page boundaries). meta must hold buddy_meta_bytes(lo, hi)
 * bytes and must not lie in memory later added.
 */
void buddy_init(struct buddy *b, uintptr_t lo, uintptr_t hi, struct buddy_page *meta);
/*
 * Hand the whole pages inside [start, end) to the allocator. Pages already
 * added are skipped, so overlapping ranges are harmless. Returns the number
 * of pages newly added, or -EINVAL when the range leaves the span.
 */
long buddy_add_range(struct buddy *b, uintptr_t start, uintptr_t end);
/* 2^order contiguous pages aligned to their size, or NULL when none is free. */
void *buddy_alloc(struct buddy *b, unsigned order);
/*
 * Give back a block from buddy_alloc(b, order). 0, or -EINVAL for an
 * address this allocator never handed out (outside the span, unaligned,
 * inside a block), -EALREADY for a double free, -ERANGE for the wrong order.
 */
int buddy_free(struct buddy *b, void *p, unsigned order);
/*
 * Metadata of the page holding p, or NULL when p is outside the span. For
 * a page whose entry is not written yet (inside a largest block never
 * allocated) a shared read-only stand-in with the right state: only
 * blocks handed out by buddy_alloc may be written through it.
 */
struct buddy_page *buddy_page_of(const struct buddy *b, const void *p);
/*
 * State of the block that contains p: BUDDY_PAGE_FREE or BUDDY_PAGE_ALLOC
 * (p may be any byte of it), BUDDY_PAGE_UNMANAGED outside managed memory.
 */
enum buddy_page_state buddy_block_state(const struct buddy *b, const void *p);
/* Address of the page a metadata entry describes. */
void *buddy_page_addr(const struct buddy *b, const struct buddy_page *pg);

#endif
