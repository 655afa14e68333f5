/*
 * mm/kmalloc.c: the kernel heap: one struct heap (mm/heap.c) over the page
 * allocator, behind a spinlock, and the kmalloc family on top of it.
 *
 * Promises: safe from any CPU with interrupts off; NULL (counted in
 * failures) when memory runs out or a request is invalid; kfree(NULL) does
 * nothing; a bad kfree or krealloc (double free, pointer the heap never
 * returned) panics with the address instead of corrupting the heap.
 *
 * SMP plan: heap_create() takes an owner id and every page carries it, so
 * per-CPU heaps become an array of struct heap indexed by cpu_id(), with
 * heap_free()'s -EXDEV routing a cross-CPU free to heap_owner_of()'s queue.
 */
#include <errno.h>
#include <string.h>

#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "mm/heap.h"
#include "mm/page.h"

#define KHEAP_OWNER 1

static struct heap kheap;
static struct spinlock heap_lock = SPINLOCK_INIT("heap");

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

void heap_init(void)
{
	heap_create(&kheap, page_buddy(), KHEAP_OWNER, &kheap_ops, NULL);
}

static __attribute__((noreturn)) void bad_pointer(const char *who, void *p, int err)
{
	const char *why = err == -EALREADY ? "double free (or a pointer into free memory)"
			: err == -EXDEV    ? "owned by another heap"
					   : "not a pointer the heap returned";
	panic("%s(%p): %s", who, p, why);
}

void *kmalloc_aligned(size_t size, size_t align)
{
	uint64_t f = spin_lock_irqsave(&heap_lock);
	void *p = heap_alloc(&kheap, size, align);
	spin_unlock_irqrestore(&heap_lock, f);
	return p;
}

void *kmalloc(size_t size)
{
	return kmalloc_aligned(size, 0);
}

void *kzalloc(size_t size)
{
	uint64_t f = spin_lock_irqsave(&heap_lock);
	void *p = heap_zalloc(&kheap, size);
	spin_unlock_irqrestore(&heap_lock, f);
	return p;
}

void *krealloc(void *p, size_t size)
{
	uint64_t f = spin_lock_irqsave(&heap_lock);
	long slot = p ? heap_slot_size(&kheap, p) : 0;
	void *n = slot < 0 ? NULL : heap_realloc(&kheap, p, size);
	spin_unlock_irqrestore(&heap_lock, f);
	if (slot < 0)
		bad_pointer("krealloc", p, (int)slot);
	return n;
}

void kfree(void *p)
{
	uint64_t f = spin_lock_irqsave(&heap_lock);
	int r = heap_free(&kheap, p);
	spin_unlock_irqrestore(&heap_lock, f);
	if (r)
		bad_pointer("kfree", p, r);
}

void heap_get_stats(struct heap_stats *st)
{
	uint64_t f = spin_lock_irqsave(&heap_lock);
	*st = kheap.st;
	spin_unlock_irqrestore(&heap_lock, f);
}
