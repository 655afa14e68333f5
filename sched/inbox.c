/*
 * sched/inbox.c: the lock-free multi-producer, single-consumer inbox (see
 * inbox.h). The consumer never pops single nodes (it swaps the whole list
 * out), so the ABA problem of Treiber-stack pops cannot arise.
 */
#include <stddef.h>

#include "sched/inbox.h"

bool inbox_push(struct inbox *ib, struct inbox_msg *m)
{
	struct inbox_msg *old = __atomic_load_n(&ib->head, __ATOMIC_RELAXED);
	do {
		m->next = old;
		/* Release: the message's contents are visible before it is. */
	} while (!__atomic_compare_exchange_n(&ib->head, &old, m, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	return old == NULL;
}

struct inbox_msg *inbox_take_all(struct inbox *ib)
{
	/* Acquire pairs with the producers' release. */
	struct inbox_msg *m = __atomic_exchange_n(&ib->head, NULL, __ATOMIC_ACQUIRE);
	struct inbox_msg *fifo = NULL;
	while (m) {
		struct inbox_msg *next = m->next;
		m->next = fifo;
		fifo = m;
		m = next;
	}
	return fifo;
}
