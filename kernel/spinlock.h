/*
 * kernel/spinlock.h: test-and-test-and-set spinlocks with interrupt
 * save/restore, for the little state that is truly shared between CPUs.
 * The holder count per CPU lets the scheduler catch a thread that yields or
 * sleeps while holding one (a deadlock waiting to happen).
 *
 * struct rspinlock is the recursive variant, for an API whose callbacks
 * re-enter it (the network stack: a UDP receive handler that sends). Its
 * owner is a CPU, not a thread: a thread cannot be switched out while it
 * holds a spinlock, so on one CPU only the holder can be running inside
 * it (interrupt handlers cannot, the lock keeps interrupts off).
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "kernel/percpu.h"

struct spinlock {
	volatile uint32_t locked;
	const char *name;      /* for the report when a lock is misused */
};

#define SPINLOCK_INIT(n) { 0, n }

static inline void spin_lock(struct spinlock *l)
{
	/* Counted per CPU: the scheduler refuses to switch while any is held. */
	this_cpu()->locks_held++;
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
	}
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
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
	uint64_t flags;        /* interrupt state before the outermost take */
};

#define RSPINLOCK_INIT(n) { SPINLOCK_INIT(n), -1, 0, 0 }

static inline void rspin_init(struct rspinlock *l, const char *name)
{
	*l = (struct rspinlock)RSPINLOCK_INIT(name);
}

/* Takes l with interrupts off, or only counts once more if this CPU holds it. */
static inline void rspin_lock(struct rspinlock *l)
{
	int me = (int)this_cpu()->id;
	/*
	 * Only this CPU ever stores its own id here, so seeing it means we
	 * hold the lock; any other value (stale or not) means we do not.
	 */
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == me) {
		l->depth++;
		return;
	}
	uint64_t f = spin_lock_irqsave(&l->lock);
	__atomic_store_n(&l->owner, me, __ATOMIC_RELAXED);
	l->depth = 1;
	l->flags = f;
}

/* Undoes one rspin_lock(); the outermost release restores the interrupt state. */
static inline void rspin_unlock(struct rspinlock *l)
{
	if (--l->depth)
		return;
	uint64_t f = l->flags;
	/* Cleared while still held: once released, the next holder writes its own id. */
	__atomic_store_n(&l->owner, -1, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&l->lock, f);
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
