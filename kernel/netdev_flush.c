/*
 * kernel/netdev_flush.c: a driver's deferred doorbell, rung by the thread
 * whose sends queued the frames, as it gives up its CPU (see netdev.h,
 * netdev_flush_later).
 *
 * Frames a thread other than the queue's own sends (a service answering
 * its connections) wait in the ring unpublished, so that a burst costs
 * one doorbell. Someone must publish them before the CPU goes idle. When
 * the queue's thread (the network thread for queue 0, a poller for the
 * others) lives on another CPU, it is woken to do it, in parallel. When it
 * lives on the sender's own CPU it could run only after the sender stops
 * anyway (scheduling is cooperative), so waking it would cost a thread
 * switch and a pass over an idle receive ring for one doorbell: instead
 * the sender rings it itself, through the scheduler's before-switch hook,
 * as it blocks, sleeps, yields or exits. A request then goes from the
 * NIC's interrupt through the network thread to the service and back out
 * of the NIC with one thread switch, not two.
 *
 * One slot per CPU, touched only by that CPU's running thread (no lock,
 * no interrupt handler): a second device or queue deferring on the same
 * CPU before the slot is rung falls back to the wake-up.
 */
#include <stdbool.h>
#include <stddef.h>

#include "kernel/netdev.h"
#include "kernel/netdev_priv.h"
#include "kernel/percpu.h"
#include "sched/sched.h"

struct flush_slot {
	struct netdev *dev;          /* NULL: free */
	void (*fn)(void *arg);
	void *arg;
};

static struct flush_slot slots[MAX_CPUS];

/* The scheduler's before-switch hook: no spinlock held, on the sender's CPU. */
static void flush_due(void)
{
	struct flush_slot s = slots[cpu_id()];
	if (!s.dev)
		return;
	slots[cpu_id()].dev = NULL;
	netdev_lock_dev(s.dev);
	s.fn(s.arg);
	netdev_unlock_dev(s.dev);
}

/* The CPU whose thread passes queue q of d, or -1 when none runs yet. Stack lock held. */
static int queue_cpu(struct netdev *d, unsigned q)
{
	if (q == 0) {
		struct netns *nn = d->owner;
		return nn && nn->thr ? (int)nn->cpu : -1;
	}
	struct netdev_queue *nq = q < NETDEV_QUEUES ? __atomic_load_n(&d->queues[q], __ATOMIC_ACQUIRE) : NULL;
	return nq && nq->thr ? (int)thread_cpu(nq->thr) : -1;
}

bool netdev_flush_later(struct netdev *d, unsigned q, void (*fn)(void *arg), void *arg)
{
	unsigned me = cpu_id();
	struct flush_slot *s = &slots[me];
	if (queue_cpu(d, q) != (int)me || (s->dev && (s->dev != d || s->fn != fn || s->arg != arg))) {
		netdev_kick_queue(d, q);
		return false;
	}
	s->dev = d;
	s->fn = fn;
	s->arg = arg;
	sched_want_before_switch();
	return true;
}

void netdev_flush_init(void)
{
	sched_set_before_switch(flush_due);
}
