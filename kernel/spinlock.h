/*
 * kernel/spinlock.h: test-and-test-and-set spinlocks with interrupt
 * save/restore, for the little state that is truly shared between CPUs: the
 * raw lock of arch/x86_64/spinlock.h plus a count of locks held per CPU.
 * The holder count per CPU lets the scheduler catch a thread that yields or
 * sleeps while holding one (a deadlock waiting to happen).
 *
 * struct rspinlock is the recursive variant, for an API whose callbacks
 * re-enter it (the network stack: a UDP receive handler that sends). It
 * leaves interrupts as they were: the network stack holds it across a
 * whole pass and its callbacks, and interrupts that arrive meanwhile
 * (the timer, other NICs, IPIs) run at once instead of after the pass.
 * That is sound because no interrupt handler ever takes it: handlers
 * only acknowledge, count and wake (the drivers' files say so), and
 * rspin_lock() panics when called from one (cpu_in_irq()), which would
 * otherwise see its own CPU as the owner and walk into the holder's
 * half-done work. Its owner is a CPU, not a thread: a thread cannot be
 * switched out while it holds a spinlock (the scheduler is cooperative
 * and refuses), so on one CPU only the holder runs inside it.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/spinlock.h"
#include "kernel/panic.h"
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

struct rspinlock {
	struct spinlock lock;
	volatile int owner;    /* CPU id of the holder, -1 when free */
	unsigned depth;        /* times the holder took it; owner's only */
};

#define RSPINLOCK_INIT(n) { SPINLOCK_INIT(n), -1, 0 }

static inline void rspin_init(struct rspinlock *l, const char *name)
{
	*l = (struct rspinlock)RSPINLOCK_INIT(name);
}

/* Takes l (interrupts left as they are), or only counts once more if this CPU holds it. */
static inline void rspin_lock(struct rspinlock *l)
{
	if (cpu_in_irq())
		panic("rspinlock %s taken in an interrupt handler", l->lock.name);
	int me = (int)this_cpu()->id;
	/*
	 * Only this CPU ever stores its own id here, so seeing it means we
	 * hold the lock; any other value (stale or not) means we do not.
	 * Interrupt handlers never get here, so the test needs no
	 * interrupts off.
	 */
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == me) {
		l->depth++;
		return;
	}
	spin_lock(&l->lock);
	__atomic_store_n(&l->owner, me, __ATOMIC_RELAXED);
	l->depth = 1;
}

/* Undoes one rspin_lock(); the outermost release gives the lock up. */
static inline void rspin_unlock(struct rspinlock *l)
{
	if (--l->depth)
		return;
	/* Cleared while still held: once released, the next holder writes its own id. */
	__atomic_store_n(&l->owner, -1, __ATOMIC_RELAXED);
	spin_unlock(&l->lock);
}

/* True when this CPU holds l. */
static inline bool rspin_held(const struct rspinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == (int)this_cpu()->id;
}

/* How many times this CPU holds l (0 when it does not). */
static inline unsigned rspin_depth(const struct rspinlock *l)
{
	return rspin_held(l) ? l->depth : 0;
}

#endif
