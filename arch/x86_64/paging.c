/*
 * arch/x86_64/paging.c: adds 4 KiB mappings to the one kernel address space
 * (see paging.h). Table pages come from the source the kernel registered
 * (vm_set_table_source), zeroed here. A lock serialises writers; readers
 * (the MMU) see each entry appear atomically because it is one aligned
 * 64-bit store.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/spinlock.h"

#define ADDR_MASK 0x000ffffffffff000ull
#define TABLE_SIZE 4096

static struct arch_spinlock vm_lock = ARCH_SPINLOCK_INIT;
static void *(*table_source)(void);

void vm_set_table_source(void *(*alloc_page)(void))
{
	table_source = alloc_page;
}

/* The next-level table under entry e, created if absent; NULL when out of memory or a huge page is in the way. */
static uint64_t *next_table(uint64_t *e)
{
	if (*e & PTE_PRESENT)
		return (*e & PTE_HUGE) ? NULL : (uint64_t *)(uintptr_t)(*e & ADDR_MASK);
	void *p = table_source ? table_source() : NULL;
	if (!p)
		return NULL;
	memset(p, 0, TABLE_SIZE);
	*e = (uint64_t)(uintptr_t)p | PTE_PRESENT | PTE_WRITE;
	return p;
}

int vm_map_page(uint64_t va, uint64_t pa, uint64_t flags)
{
	int ret = -ENOMEM;
	uint64_t f = arch_spin_lock_irqsave(&vm_lock);
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ADDR_MASK);
	uint64_t *pdpt = next_table(&pml4[(va >> 39) & 511]);
	uint64_t *pd = pdpt ? next_table(&pdpt[(va >> 30) & 511]) : NULL;
	uint64_t *pt = pd ? next_table(&pd[(va >> 21) & 511]) : NULL;
	if (pt) {
		uint64_t *pte = &pt[(va >> 12) & 511];
		if (*pte & PTE_PRESENT) {
			ret = -EEXIST;
		} else {
			*pte = (pa & ADDR_MASK) | flags | PTE_PRESENT;
			ret = 0;
		}
	}
	arch_spin_unlock_irqrestore(&vm_lock, f);
	return ret;
}

uint64_t vm_translate(uint64_t va)
{
	const uint64_t *t = (const uint64_t *)(uintptr_t)(read_cr3() & ADDR_MASK);
	for (int level = 3; level >= 0; level--) {
		uint64_t e = t[(va >> (12 + 9 * level)) & 511];
		if (!(e & PTE_PRESENT))
			return 0;
		if (level == 0 || (e & PTE_HUGE)) {
			uint64_t span = 1ull << (12 + 9 * level);
			return (e & ADDR_MASK & ~(span - 1)) | (va & (span - 1));
		}
		t = (const uint64_t *)(uintptr_t)(e & ADDR_MASK);
	}
	return 0;
}
