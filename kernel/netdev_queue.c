/*
 * kernel/netdev_queue.c: poller threads for a NIC's receive queues beyond
 * the first (virtio-net multiqueue, virtio 1.2 5.1.6.5.5), so that the
 * frames of queue q are taken on CPU q, where its interrupt lands, and
 * what they wake (the connection's socket, the service on that CPU)
 * runs there too.
 *
 * Queue 0 stays with the stack's network thread (netns.c), which also
 * runs the stack's timers; queue q >= 1 gets a thread on CPU q % CPUs
 * that sleeps on an event its interrupt sets (no polling while idle),
 * then, under the stack lock, drains the queue in bounded rounds and
 * re-arms its interrupt, and yields once per pass like the network
 * thread. Current limit: the stack lock is one per stack, so passes on
 * different CPUs serialise on it; what runs in parallel is the work
 * outside it (the services' handlers, the copies to and from sockets).
 *
 * Pollers are started once per queue and never stopped: a NIC that moves
 * to another stack takes the lock of its owner at each pass
 * (netdev_lock_dev), and a queue no longer in use (its driver shrank
 * nqueues, or unbound) is skipped.
 */
#include <errno.h>
#include <stdint.h>

#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/netdev_priv.h"
#include "mm/heap.h"
#include "sched/sched.h"

#define NETDEV_QUEUE_BUDGET 64
#define NETDEV_QUEUE_ROUNDS 16   /* budgets per pass, as the network thread gives each device */

static int queue_thread(void *arg)
{
	struct netdev_queue *nq = arg;
	struct netdev *d = nq->dev;

	for (;;) {
		event_wait(&nq->event, WAITQ_FOREVER);
		netdev_lock_dev(d);
		if (nq->q < d->nqueues) {
			for (int round = 0; round < NETDEV_QUEUE_ROUNDS; round++)
				if (d->ops->poll_queue(d->drv, nq->q, NETDEV_QUEUE_BUDGET) < NETDEV_QUEUE_BUDGET)
					break;
			d->ops->rearm_queue(d->drv, nq->q);
			nq->passes++;
		}
		netdev_unlock_dev(d);
		/* As the network thread: a queue that never goes quiet must not starve this CPU's other threads. */
		thread_yield();
	}
	return 0;
}

int netdev_set_queues(struct netdev *d, unsigned n)
{
	if (!n || n > NETDEV_QUEUES || (n > 1 && (!d->ops->poll_queue || !d->ops->rearm_queue)))
		return -EINVAL;
	for (unsigned q = 1; q < n; q++) {
		if (d->queues[q])
			continue;
		struct netdev_queue *nq = kzalloc(sizeof(*nq));
		if (!nq)
			return -ENOMEM;
		nq->dev = d;
		nq->q = q;
		event_init(&nq->event);
		nq->thr = thread_create(queue_thread, nq, q % cpu_count());
		if (!nq->thr) {
			kfree(nq);
			return -ENOMEM;
		}
		__atomic_store_n(&d->queues[q], nq, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&d->nqueues, n, __ATOMIC_RELEASE);
	return 0;
}

void netdev_kick_queue(struct netdev *d, unsigned q)
{
	struct netdev_queue *nq = d && q && q < NETDEV_QUEUES ? __atomic_load_n(&d->queues[q], __ATOMIC_ACQUIRE) : NULL;
	if (nq)
		event_signal(&nq->event);
	else
		netdev_kick(d);   /* queue 0, or a kick before the poller exists */
}

bool netdev_queue_in_poller(struct netdev *d)
{
	unsigned n = __atomic_load_n(&d->nqueues, __ATOMIC_ACQUIRE);
	struct thread *self = thread_self();
	for (unsigned q = 1; q < n; q++)
		if (d->queues[q] && d->queues[q]->thr == self)
			return true;
	return false;
}
