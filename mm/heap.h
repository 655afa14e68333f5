/*
 * mm/heap.h: the kernel heap. Out of memory returns NULL and is counted;
 * it never corrupts.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct heap_stats {
	uint64_t bytes_in_use;     /* sum of requested sizes live now */
	uint64_t allocs, frees;
	uint64_t failures;         /* allocations that returned NULL */
	uint64_t pages;            /* pages the heap holds from the page allocator */
};

void heap_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *kmalloc_aligned(size_t size, size_t align);  /* align: a power of two up to PAGE_SIZE */
void *krealloc(void *p, size_t size);
void kfree(void *p);
void heap_get_stats(struct heap_stats *st);

#endif
