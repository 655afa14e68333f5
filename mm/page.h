/*
 * mm/page.h: the physical page allocator. Memory is identity-mapped, so a
 * page's address is both its physical and its virtual address.
 *
 * mm/page.c is the kernel's one instance of the buddy allocator
 * (mm/buddy.c) behind a spinlock, built from the boot memory map.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/bootinfo.h"
#include "mm/buddy.h"

#define PAGE_SIZE 4096ul
#define PAGE_SHIFT 12
#define PAGE_MAX_ORDER BUDDY_MAX_ORDER

/* Memory below this stays out of the allocator: SMP trampoline, BIOS data, EBDA. */
#define PAGE_LOW_LIMIT 0x100000ull

struct page_stats {
	uint64_t total_bytes;      /* usable RAM the memory map reports */
	uint64_t managed_bytes;    /* of that, handed to the allocator */
	uint64_t free_bytes;       /* free now */
	uint64_t kernel_bytes;     /* the kernel image, [__kernel_start, __kernel_end) */
	uint64_t meta_bytes;       /* per-page metadata */
	uint64_t unmapped_bytes;   /* usable RAM beyond the identity map, left out */
	uint64_t free_blocks[BUDDY_NORDERS];  /* free blocks of each order */
	int nranges;               /* disjoint usable ranges managed */
};

void page_init(const struct bootinfo *bi);  /* from the memory map, minus kernel, boot data, low 1 MiB */
void *page_alloc(unsigned order);           /* 2^order contiguous pages, aligned to their size; NULL when none */
void page_free(void *p, unsigned order);    /* a bad pointer, order or double free panics */
uint64_t page_total_bytes(void);            /* usable RAM in the memory map (what "N MiB of memory" means) */
uint64_t page_free_bytes(void);
void page_get_stats(struct page_stats *st);
/* The allocator instance, for mm/ only: the heap reads page metadata through it. */
struct buddy *page_buddy(void);

#endif
