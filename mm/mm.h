/*
 * mm/mm.h: memory management across CPUs: bringing up each CPU's heap and
 * the statistics of every heap and of the page allocator.
 *
 * Each CPU allocates from its own struct heap (mm/heap.h) with interrupts
 * off and no lock; a block freed on another CPU goes back to its owner
 * (mm/kmalloc.c). The page allocator (mm/page.h) is shared, behind its
 * spinlock.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include <stdint.h>

#include "kernel/percpu.h"
#include "mm/heap.h"
#include "mm/page.h"

/* One CPU's heap, as heap_read_stats() reports it. */
struct mm_cpu_stats {
	uint64_t bytes_in_use;     /* slot bytes live now (remote frees already out) */
	uint64_t allocs, frees;    /* frees: of this CPU's blocks, wherever they were freed */
	uint64_t failures;         /* allocations that returned NULL */
	uint64_t remote_sent;      /* blocks this CPU freed for another CPU's heap */
	uint64_t remote_received;  /* blocks of this CPU's heap freed by other CPUs */
	uint64_t remote_pending;   /* of those, not drained yet (their pages still held) */
	uint64_t pages;            /* pages the heap holds from the page allocator */
};

struct mm_stats {
	unsigned ncpus;                     /* entries of cpu[] filled: CPUs with a heap */
	struct mm_cpu_stats cpu[MAX_CPUS];  /* indexed by CPU id */
	struct heap_stats heap;             /* sum over the CPUs, as heap_get_stats() */
	struct page_stats page;
};

/* On each CPU as it comes up, before its first kmalloc (the boot CPU: heap_init()). */
void mm_init_cpu(void);
/* Frees what other CPUs gave back to this CPU's heap; returns how many blocks. Any context. */
unsigned long mm_drain_remote_frees(void);
/*
 * Everything at once (about 4.5 KiB: keep it off small stacks). Drains the
 * calling CPU first; exact for comparisons when no other CPU is inside the
 * heap at that moment (remote frees count at the time of kfree).
 */
void mm_stats(struct mm_stats *st);

#endif
