/*
 * mm/kmalloc.c: the kernel heap: one struct heap (mm/heap.c) per CPU over
 * the page allocator, and the kmalloc family on top of them.
 *
 * Promises: safe from any CPU, in threads and interrupt handlers. A CPU
 * allocates from its own heap with interrupts off and no lock (threads do
 * not migrate, and nothing else touches the heap's local state). kfree of
 * another CPU's block hands it to the owner (heap_free_any: a lock-free
 * push for small blocks, drained by the owner on its next allocation or
 * mm_drain_remote_frees(); a direct page free for large ones), so no IPI
 * is needed. NULL (counted in failures) when memory runs out or a request
 * is invalid; kfree(NULL) does nothing; a bad kfree or krealloc (double
 * free, pointer the heap never returned) panics with the address instead
 * of corrupting the heap; a bad remote free panics on the owner when it
 * drains.
 *
 * Heap owner ids are CPU index + 1 (0 means "no heap" in page metadata).
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/page.h"

static struct heap heaps[MAX_CPUS];
static struct heap *peers[MAX_CPUS];   /* peers[i]: CPU i's heap once it is up (owner i + 1) */

static void *ops_alloc(void *ctx, unsigned order)
{
	(void)ctx;
	return page_alloc(order);
}

static int ops_free(void *ctx, void *p, unsigned order)
{
	(void)ctx;
	page_free(p, order);
	return 0;
}

static const struct heap_page_ops kheap_ops = { ops_alloc, ops_free };

static __attribute__((noreturn)) void bad_pointer(const char *who, void *p, int err)
{
	const char *why = err == -EALREADY ? "double free (or a pointer into free memory)"
			: err == -EXDEV    ? "owned by a heap that does not exist"
					   : "not a pointer the heap returned";
	panic("%s(%p) on CPU %u: %s", who, p, this_cpu()->id, why);
}

static void bad_remote(struct heap *h, void *p, int err)
{
	(void)h;
	bad_pointer("kfree (from another CPU)", p, err);
}

void mm_init_cpu(void)
{
	struct cpu *c = this_cpu();
	struct heap *h = &heaps[c->id];
	heap_create(h, page_buddy(), (uint16_t)(c->id + 1), &kheap_ops, NULL);
	heap_set_peers(h, peers, MAX_CPUS);
	h->bad_remote = bad_remote;
	c->heap = h;
	/* Release: a CPU that finds this heap through a block's owner id sees it initialised. */
	__atomic_store_n(&peers[c->id], h, __ATOMIC_RELEASE);
}

void heap_init(void)
{
	mm_init_cpu();
}

/* The calling CPU's heap; interrupts must be off (nothing else may run on it meanwhile). */
static struct heap *my_heap(void)
{
	struct heap *h = this_cpu()->heap;
	if (!h)
		panic("mm: CPU %u allocates before mm_init_cpu()", this_cpu()->id);
	return h;
}

void *kmalloc_aligned(size_t size, size_t align)
{
	uint64_t f = irq_save();
	void *p = heap_alloc(my_heap(), size, align);
	irq_restore(f);
	return p;
}

void *kmalloc(size_t size)
{
	return kmalloc_aligned(size, 0);
}

void *kzalloc(size_t size)
{
	uint64_t f = irq_save();
	void *p = heap_zalloc(my_heap(), size);
	irq_restore(f);
	return p;
}

void *krealloc(void *p, size_t size)
{
	uint64_t f = irq_save();
	struct heap *h = my_heap();
	long slot = p ? heap_slot_size_any(h, p) : 0;
	void *n = slot < 0 ? NULL : heap_realloc(h, p, size);
	irq_restore(f);
	if (slot < 0)
		bad_pointer("krealloc", p, (int)slot);
	return n;
}

void kfree(void *p)
{
	if (!p)
		return;
	uint64_t f = irq_save();
	int r = heap_free_any(my_heap(), p);
	irq_restore(f);
	if (r)
		bad_pointer("kfree", p, r);
}

unsigned long mm_drain_remote_frees(void)
{
	uint64_t f = irq_save();
	struct heap *h = this_cpu()->heap;
	unsigned long n = h && !inbox_empty(&h->remote) ? heap_drain_remote(h) : 0;
	irq_restore(f);
	return n;
}

static void sum_into(struct heap_stats *sum, const struct heap_stats *s)
{
	const uint64_t *src = (const uint64_t *)s;
	uint64_t *dst = (uint64_t *)sum;
	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		dst[i] += src[i];
}

/*
 * Sums every CPU's heap into sum and, when per is not NULL, records each
 * CPU's figures there; returns one past the highest CPU that has a heap.
 */
static unsigned collect_stats(struct heap_stats *sum, struct mm_cpu_stats *per)
{
	unsigned ncpus = 0;
	mm_drain_remote_frees();
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct heap *h = __atomic_load_n(&peers[i], __ATOMIC_ACQUIRE);
		if (!h)
			continue;
		struct heap_stats s;
		heap_read_stats(h, &s);
		sum_into(sum, &s);
		if (per)
			per[i] = (struct mm_cpu_stats){ s.bytes_in_use, s.allocs, s.frees, s.failures, s.remote_sent,
							s.remote_received, s.remote_pending, s.pages };
		ncpus = i + 1;
	}
	return ncpus;
}

void heap_get_stats(struct heap_stats *st)
{
	collect_stats(st, NULL);
}

void mm_stats(struct mm_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->ncpus = collect_stats(&st->heap, st->cpu);
	page_get_stats(&st->page);
}
