/*
 * sched/runq.h: a CPU's queue of ready threads. FIFO: a thread that yields
 * goes behind every thread already ready, so cooperative threads share the
 * CPU round-robin. Owned by one CPU and touched only by it (interrupts off),
 * so it needs no lock.
 */
#ifndef SCHED_RUNQ_H
#define SCHED_RUNQ_H

#include <stdbool.h>

#include "lib/list.h"

struct runq {
	struct list_node head;
	unsigned n;
};

static inline void runq_init(struct runq *q)
{
	list_init(&q->head);
	q->n = 0;
}

static inline void runq_push(struct runq *q, struct list_node *n)
{
	list_add_tail(&q->head, n);
	q->n++;
}

/* The next thread to run (oldest ready), NULL when none. */
static inline struct list_node *runq_pop(struct runq *q)
{
	struct list_node *n = list_pop_head(&q->head);
	if (n)
		q->n--;
	return n;
}

static inline bool runq_empty(const struct runq *q)
{
	return q->n == 0;
}

#endif
