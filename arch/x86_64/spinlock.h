/*
 * arch/x86_64/spinlock.h: the raw test-and-test-and-set spinlock, for the
 * little machine state that is shared between CPUs (an I/O APIC's
 * index/data register pair, the page tables). The kernel's spinlock
 * (kernel/spinlock.h) is this lock plus its per-CPU count of locks held.
 *
 * arch/ takes these only with interrupts off, around a few register or
 * table writes, never across a yield: the kernel's count, which exists to
 * catch a thread that yields while holding a lock, has nothing to catch here.
 */
#ifndef ARCH_X86_64_SPINLOCK_H
#define ARCH_X86_64_SPINLOCK_H

#include <stdint.h>

#include "arch/x86_64/io.h"

struct arch_spinlock {
	volatile uint32_t locked;
};

#define ARCH_SPINLOCK_INIT { 0 }

static inline void arch_spin_lock(struct arch_spinlock *l)
{
	/* Acquire: the holder's accesses stay after the exchange that took the lock. */
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		/* Spin on a plain load so the line stays shared until it looks free. */
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
	}
}

static inline void arch_spin_unlock(struct arch_spinlock *l)
{
	/* Release: everything done under the lock is visible before it reads free. */
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline uint64_t arch_spin_lock_irqsave(struct arch_spinlock *l)
{
	uint64_t f = irq_save();
	arch_spin_lock(l);
	return f;
}

static inline void arch_spin_unlock_irqrestore(struct arch_spinlock *l, uint64_t f)
{
	arch_spin_unlock(l);
	irq_restore(f);
}

#endif
