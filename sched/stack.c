/*
 * sched/stack.c: thread stacks with guard pages. Stacks live in their own
 * virtual region (STACK_REGION, above the identity map), one 64 KiB slot
 * each: the lowest page is never mapped, so running off the end of a stack
 * faults at once (and the double-fault IST stack reports it) instead of
 * silently corrupting a neighbour. A freed slot keeps its pages and goes on
 * a free list for the next thread: creating a thread touches no page
 * tables after warm-up, and nothing is ever unmapped (no TLB shootdowns).
 */
#include <stdint.h>

#include "arch/x86_64/paging.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "mm/page.h"
#include "sched/sched_priv.h"

#define STACK_REGION 0x0000010000000000ull   /* 1 TiB: PML4 slot 2 */
#define STACK_MAX_SLOTS 65536u

struct free_slot {
	struct free_slot *next;
};

static struct spinlock stack_lock = SPINLOCK_INIT("stacks");
static struct free_slot *free_list;
static uint64_t slots_mapped, slots_free;

void *stack_alloc(void)
{
	uint64_t f = spin_lock_irqsave(&stack_lock);
	struct free_slot *s = free_list;
	if (s) {
		free_list = s->next;
		slots_free--;
		spin_unlock_irqrestore(&stack_lock, f);
		return (char *)s - (STACK_SLOT - sizeof(*s));
	}
	if (slots_mapped == STACK_MAX_SLOTS) {
		spin_unlock_irqrestore(&stack_lock, f);
		return NULL;
	}
	uint64_t base = STACK_REGION + slots_mapped * STACK_SLOT;
	/* Map the stack pages of this slot; the guard page at base stays unmapped. */
	for (uint64_t va = base + STACK_GUARD; va < base + STACK_SLOT; va += PAGE_SIZE) {
		if (vm_translate(va))
			continue;  /* mapped by an earlier attempt that ran out of memory */
		void *pg = page_alloc(0);
		if (!pg || vm_map_page(va, (uint64_t)(uintptr_t)pg, PTE_WRITE | PTE_NX) != 0) {
			/* Pages mapped so far stay with this slot, which the next call retries. */
			if (pg)
				page_free(pg, 0);
			spin_unlock_irqrestore(&stack_lock, f);
			return NULL;
		}
	}
	slots_mapped++;
	spin_unlock_irqrestore(&stack_lock, f);
	return (void *)(uintptr_t)base;
}

void stack_free(void *base)
{
	/* The free-list node sits at the top of the freed stack, far from the guard page. */
	struct free_slot *s = (struct free_slot *)((char *)base + STACK_SLOT - sizeof(*s));
	uint64_t f = spin_lock_irqsave(&stack_lock);
	s->next = free_list;
	free_list = s;
	slots_free++;
	spin_unlock_irqrestore(&stack_lock, f);
}

bool sched_addr_is_stack_guard(uint64_t addr)
{
	if (addr < STACK_REGION || addr >= STACK_REGION + (uint64_t)STACK_MAX_SLOTS * STACK_SLOT)
		return false;
	return (addr - STACK_REGION) % STACK_SLOT < STACK_GUARD;
}

uint64_t sched_stack_top(uint64_t addr)
{
	if (addr < STACK_REGION || addr >= STACK_REGION + slots_mapped * STACK_SLOT)
		return 0;
	if ((addr - STACK_REGION) % STACK_SLOT < STACK_GUARD)
		return 0;
	return addr - (addr - STACK_REGION) % STACK_SLOT + STACK_SLOT;
}

void stack_get_stats(uint64_t *mapped, uint64_t *nfree);
void stack_get_stats(uint64_t *mapped, uint64_t *nfree)
{
	*mapped = __atomic_load_n(&slots_mapped, __ATOMIC_RELAXED);
	*nfree = __atomic_load_n(&slots_free, __ATOMIC_RELAXED);
}

void *sched_cpu_stack(void)
{
	char *base = stack_alloc();
	return base ? base + STACK_SLOT : NULL;
}
