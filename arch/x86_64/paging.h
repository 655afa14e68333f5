/*
 * arch/x86_64/paging.h: mapping 4 KiB pages outside the boot identity map
 * (Intel SDM vol. 3A 4.5, 4-level paging). Used for thread stacks, whose
 * guard pages are simply never mapped. Mappings are only ever added, never
 * removed, so no other CPU can hold a stale TLB entry and no shootdown is
 * needed.
 */
#ifndef ARCH_X86_64_PAGING_H
#define ARCH_X86_64_PAGING_H

#include <stdint.h>

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_PWT (1ull << 3)    /* with PTE_PCD (PAT entry 3 at reset): uncached, for device memory */
#define PTE_PCD (1ull << 4)
#define PTE_HUGE (1ull << 7)
#define PTE_NX (1ull << 63)

/*
 * Where new page-table pages come from: alloc_page returns one 4 KiB-aligned
 * page (any contents) or NULL, and may be called with interrupts off and
 * the paging lock held. Set once at boot; until then a mapping that needs a
 * new table fails with -ENOMEM.
 */
void vm_set_table_source(void *(*alloc_page)(void));
/* Maps va -> pa (both page-aligned) writable; -ENOMEM if a table page cannot be had, -EEXIST if mapped. */
int vm_map_page(uint64_t va, uint64_t pa, uint64_t flags);
/* The physical address va maps to, or 0 when unmapped. */
uint64_t vm_translate(uint64_t va);

#endif
