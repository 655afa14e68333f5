/*
 * mm/page.c: the kernel's page allocator: one struct buddy (mm/buddy.c)
 * over the RAM the boot memory map calls usable (mm/memmap.c), minus the
 * kernel image, the boot data the kernel still reads (boot_info.reserved:
 * multiboot2 information, command line, modules) and everything below
 * 1 MiB (kept for the SMP trampoline and the BIOS data areas).
 *
 * Only the first 4 GiB are identity-mapped (arch/x86_64/boot.S), so RAM
 * above that is left out and logged. The per-page metadata is carved from
 * the top of the largest usable range.
 *
 * Promises: every call is safe from any CPU and with interrupts off (one
 * spinlock, taken with interrupts saved); misuse (double free, foreign
 * pointer, wrong order) panics with the address rather than corrupting.
 */
#include <errno.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "mm/memmap.h"
#include "mm/page.h"

/* The identity map built by arch/x86_64/boot.S ends here. */
#define PAGE_MAPPED_LIMIT (4ull << 30)
#define MAX_RANGES (BOOTINFO_MAX_REGIONS + BOOTINFO_MAX_RESERVED + 4)

extern char __kernel_start[], __kernel_end[];   /* linker.ld */

static struct buddy buddy;
static struct spinlock page_lock = SPINLOCK_INIT("page");
static struct page_stats info;   /* the fields fixed at boot */
static struct mem_range ranges[MAX_RANGES];

struct buddy *page_buddy(void)
{
	return &buddy;
}

static uint64_t usable_between(const struct bootinfo *bi, uint64_t lo, uint64_t hi)
{
	int n = memmap_usable(bi->regions, bi->nregions, NULL, 0, lo, hi, ranges, MAX_RANGES);
	return n < 0 ? 0 : memmap_bytes(ranges, n);
}

/* Take the metadata from the top of the largest range, which stays out of the allocator. */
static struct buddy_page *carve_meta(int n, uint64_t bytes)
{
	int best = -1;
	for (int i = 0; i < n; i++)
		if (ranges[i].end - ranges[i].start >= bytes &&
		    (best < 0 || ranges[i].end - ranges[i].start > ranges[best].end - ranges[best].start))
			best = i;
	if (best < 0)
		panic("mm: no range holds %lu KiB of page metadata", (unsigned long)(bytes >> 10));
	ranges[best].end -= bytes;
	return (struct buddy_page *)(uintptr_t)ranges[best].end;
}

void page_init(const struct bootinfo *bi)
{
	struct mem_region excl[BOOTINFO_MAX_RESERVED + 1];
	int nexcl = 0;
	excl[nexcl++] = (struct mem_region){ (uintptr_t)__kernel_start,
					     (uintptr_t)__kernel_end - (uintptr_t)__kernel_start, MEM_RESERVED };
	for (int i = 0; i < bi->nreserved && i < BOOTINFO_MAX_RESERVED; i++)
		excl[nexcl++] = bi->reserved[i];

	info.total_bytes = usable_between(bi, 0, UINT64_MAX);
	info.unmapped_bytes = usable_between(bi, PAGE_MAPPED_LIMIT, UINT64_MAX);
	info.kernel_bytes = excl[0].len;

	int n = memmap_usable(bi->regions, bi->nregions, excl, nexcl, PAGE_LOW_LIMIT, PAGE_MAPPED_LIMIT,
			      ranges, MAX_RANGES);
	if (n < 0)
		panic("mm: memory map too fragmented (more than %d usable ranges)", MAX_RANGES);
	if (n == 0)
		panic("mm: no usable memory above 1 MiB in the boot memory map");

	uintptr_t lo = ranges[0].start, hi = ranges[n - 1].end;
	info.meta_bytes = (buddy_meta_bytes(lo, hi) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	struct buddy_page *meta = carve_meta(n, info.meta_bytes);
	buddy_init(&buddy, lo, hi, meta);
	for (int i = 0; i < n; i++)
		if (buddy_add_range(&buddy, ranges[i].start, ranges[i].end) < 0)
			panic("mm: range %#lx-%#lx outside the span", (unsigned long)ranges[i].start,
			      (unsigned long)ranges[i].end);
	info.nranges = n;
	info.managed_bytes = (uint64_t)buddy.managed_pages * PAGE_SIZE;

	klog("mm", "%lu MiB usable in %d regions, kernel %lu KiB reserved", (unsigned long)(info.managed_bytes >> 20),
	     n, (unsigned long)(info.kernel_bytes >> 10));
	klog("mm", "page metadata %lu KiB at %#lx, %lu MiB in the memory map", (unsigned long)(info.meta_bytes >> 10),
	     (unsigned long)(uintptr_t)meta, (unsigned long)(info.total_bytes >> 20));
	if (info.unmapped_bytes)
		kwarn("mm", "%lu MiB above 4 GiB left out (not identity-mapped)",
		      (unsigned long)(info.unmapped_bytes >> 20));
}

void *page_alloc(unsigned order)
{
	uint64_t f = spin_lock_irqsave(&page_lock);
	void *p = buddy_alloc(&buddy, order);
	spin_unlock_irqrestore(&page_lock, f);
	return p;
}

void page_free(void *p, unsigned order)
{
	const struct buddy_page *pg = buddy_page_of(&buddy, p);
	if (pg && pg->state == BUDDY_PAGE_ALLOC && pg->owner)
		panic("page_free: %p order %u belongs to heap %u; use kfree", p, order, pg->owner);
	uint64_t f = spin_lock_irqsave(&page_lock);
	int r = buddy_free(&buddy, p, order);
	spin_unlock_irqrestore(&page_lock, f);
	if (r == -EALREADY)
		panic("page_free: double free of %p order %u", p, order);
	if (r == -ERANGE)
		panic("page_free: %p freed with order %u, allocated with order %u", p, order, pg->order);
	if (r)
		panic("page_free: %p order %u was never allocated by page_alloc", p, order);
}

uint64_t page_total_bytes(void)
{
	return info.total_bytes;
}

uint64_t page_free_bytes(void)
{
	return (uint64_t)__atomic_load_n(&buddy.free_pages, __ATOMIC_RELAXED) * PAGE_SIZE;
}

void page_get_stats(struct page_stats *st)
{
	*st = info;
	uint64_t f = spin_lock_irqsave(&page_lock);
	st->free_bytes = (uint64_t)buddy.free_pages * PAGE_SIZE;
	for (int o = 0; o < BUDDY_NORDERS; o++)
		st->free_blocks[o] = buddy.nfree[o];
	spin_unlock_irqrestore(&page_lock, f);
}
