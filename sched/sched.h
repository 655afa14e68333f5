/*
 * sched/sched.h: cooperative per-CPU threads (Toro's model).
 *
 * A thread belongs to one CPU for life and runs until it yields, sleeps,
 * blocks or exits; nothing preempts it. Each CPU schedules only its own
 * threads, round-robin, without locks. Work reaches another CPU through
 * that CPU's inbox (sched/inbox.h) and an IPI when the CPU is halted. An
 * idle CPU halts until its next timer (one-shot APIC timer, no periodic
 * tick) or interrupt.
 *
 * Rules: never yield, sleep or block while holding a spinlock (checked:
 * the kernel panics naming the lock count); interrupt handlers may wake
 * threads but never block.
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/spinlock.h"
#include "lib/list.h"

/*
 * The thread calls apps use (thread_create, thread_yield, thread_sleep,
 * thread_exit, thread_join, thread_detach, thread_self, thread_id,
 * cpu_id) are declared once, with their contracts, in include/skiff.h.
 */
#include "include/skiff.h"

unsigned thread_cpu(const struct thread *t);
/*
 * Each thread's own one-bit event, for layers that block a thread on
 * several sources at once (sock/: poll, epoll, a blocking recv): sources
 * signal it (any CPU, interrupt handlers, under any lock), the thread waits
 * on it and re-checks its sources; wakes coalesce and may be spurious.
 */
struct event *thread_wake_event(struct thread *t);
/* The thread's errno cell (include/errno.h's errno). */
int *thread_errno(struct thread *t);

/*
 * Work a running thread leaves for the moment it gives up its CPU. One
 * hook for the system (sched_set_before_switch; kernel/netdev.c: the
 * doorbell for frames the thread's sends queued), asked for per CPU by
 * sched_want_before_switch() and run by that thread itself as it blocks,
 * sleeps, yields or exits: with no spinlock held, before any other thread
 * of its CPU runs. A waitq_wait() whose condition already holds does not
 * block and leaves the work due, so a thread's burst of sends shares it.
 */
void sched_set_before_switch(void (*fn)(void));
void sched_want_before_switch(void);
/* Runs the hook if it is due and the caller holds exactly held spinlocks; true if it ran. */
bool sched_run_before_switch(unsigned held);

/*
 * Wait queues: a thread blocks until woken by another thread (any CPU), an
 * interrupt handler, or its timeout. waitq_wait() evaluates cond(arg) with
 * the queue's lock held and blocks only while it is false, so a waker that
 * makes cond true and then calls waitq_wake_*() can never be missed.
 */
struct waitq {
	struct spinlock lock;
	struct list_node waiters;
};

#define WAITQ_FOREVER UINT64_MAX

void waitq_init(struct waitq *wq);
/* 0 once cond holds; -ETIMEDOUT after timeout_ns (WAITQ_FOREVER: no limit). */
int waitq_wait(struct waitq *wq, bool (*cond)(void *arg), void *arg, uint64_t timeout_ns);
void waitq_wake_one(struct waitq *wq);
void waitq_wake_all(struct waitq *wq);
/*
 * The same with wq->lock already held (interrupts off), by a waker that
 * changed what cond() reads under that lock: the waker's last touch of the
 * queue is then its unlock, so a woken thread may free the object holding
 * the queue as soon as it runs (pthread mutexes and conditions).
 */
void waitq_wake_one_locked(struct waitq *wq);
void waitq_wake_all_locked(struct waitq *wq);

/* A one-bit event: signal sets it (from threads or interrupt handlers), wait consumes it. */
struct event {
	struct waitq wq;
	volatile bool set;
};

void event_init(struct event *e);
void event_signal(struct event *e);
/* 0 when the event was (or becomes) set, consuming it; -ETIMEDOUT. */
int event_wait(struct event *e, uint64_t timeout_ns);

/* Boot CPU: turns the running boot context into thread 0 ("main") of CPU 0. */
void sched_init_bsp(void);
/* Any CPU: creates its idle thread; the AP variant then runs the idle loop forever. */
void sched_init_cpu(void);
__attribute__((noreturn)) void sched_run_ap(void);
/* A guard-paged stack for a starting CPU's boot context (its idle thread): its top, or NULL. */
void *sched_cpu_stack(void);

/* Allocated stacks and threads alive now (for leak checks). */
struct sched_stats {
	uint64_t threads_alive;
	uint64_t threads_created;
	uint64_t stacks_mapped;    /* stack slots ever mapped (kept for reuse) */
	uint64_t stacks_free;      /* of those, free now */
};
void sched_get_stats(struct sched_stats *st);
/* Time CPU id has spent halted in its idle loop since boot (any CPU may ask; 0 if offline). */
uint64_t sched_cpu_idle_ns(unsigned id);
/* Thread switches CPU id has made (read without a lock: a counter of that CPU's). */
uint64_t sched_cpu_switches(unsigned id);
/* Non-zero when addr lies in a stack guard page: the kernel names stack overflows. */
bool sched_addr_is_stack_guard(uint64_t addr);
/* The end of the mapped thread stack holding addr (every byte from addr up to it is mapped), or 0. */
uint64_t sched_stack_top(uint64_t addr);

#endif
