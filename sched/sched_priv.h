/*
 * sched/sched_priv.h: the thread structure and the scheduler's internals
 * shared by the files of sched/.
 */
#ifndef SCHED_SCHED_PRIV_H
#define SCHED_SCHED_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/percpu.h"
#include "lib/list.h"
#include "sched/inbox.h"
#include "sched/sched.h"
#include "sched/timerq.h"

enum thread_state {
	THREAD_READY,              /* on its CPU's run queue (or being posted there) */
	THREAD_RUNNING,            /* its CPU's current thread */
	THREAD_BLOCKED,            /* on a wait queue or sleeping */
	THREAD_ZOMBIE,             /* exited; freed by join (or at once if detached) */
};

enum inbox_kind {
	INBOX_NEW_THREAD = 1,      /* start this thread here */
	INBOX_WAKE,                /* this blocked thread of yours may run */
};

struct thread {
	uint64_t rsp;              /* saved stack pointer while switched out */
	struct cpu *cpu;           /* owner, for life */
	enum thread_state state;
	unsigned id;
	struct list_node link;     /* run queue or wait queue */
	struct waitq *waiting_on;  /* the queue it blocks on, NULL otherwise */
	int wake_reason;           /* 0, or -ETIMEDOUT when a timer woke it */
	struct timer timer;        /* sleep and wait timeouts, on its CPU's heap */
	struct inbox_msg msg;      /* how other CPUs hand it to its CPU */
	void *stack;               /* base of the stack slot, NULL for boot stacks */
	int (*fn)(void *);
	void *arg;
	int exit_status;
	volatile bool dead;        /* set once it is off its stack: join may free */
	bool detached;
	struct waitq join_wq;
	struct event wake;         /* thread_wake_event(): the socket layer's per-thread waiter */
	int err;                   /* the app's errno (thread_errno()) */
};

/* Makes t ready on the calling CPU, which must own it; interrupts off. */
void sched_make_ready_local(struct thread *t);
/* Makes t ready on its own CPU from anywhere. */
void sched_wake(struct thread *t);
/* Switches to the next ready thread; interrupts must be off and no spinlock held. */
void sched_schedule(void);
void sched_finish_switch(void);

/* sched/stack.c */
void *stack_alloc(void);   /* base of a slot: guard page, then STACK_SIZE bytes */
void stack_free(void *base);
#define STACK_SLOT (64 * 1024)
#define STACK_GUARD 4096
#define STACK_SIZE (STACK_SLOT - STACK_GUARD)

#endif
