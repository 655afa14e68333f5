/*
 * kernel/spinlock.h: test-and-test-and-set spinlocks with interrupt
 * save/restore, for the little state that is truly shared between CPUs: the
 * raw lock of arch/x86_64/spinlock.h plus a count of locks held per CPU.
 * The holder count per CPU lets the scheduler catch a thread that yields or
 * sleeps while holding one (a deadlock waiting to happen).
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdint.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/spinlock.h"
#include "kernel/percpu.h"

struct spinlock {
	struct arch_spinlock raw;
	const char *name;      /* for the report when a lock is misused */
};

#define SPINLOCK_INIT(n) { ARCH_SPINLOCK_INIT, n }

static inline void spin_lock(struct spinlock *l)
{
	/* Counted per CPU: the scheduler refuses to switch while any is held. */
	this_cpu()->locks_held++;
	arch_spin_lock(&l->raw);
}

static inline void spin_unlock(struct spinlock *l)
{
	arch_spin_unlock(&l->raw);
	this_cpu()->locks_held--;
}

static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
	uint64_t f = irq_save();
	spin_lock(l);
	return f;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t f)
{
	spin_unlock(l);
	irq_restore(f);
}

#endif
