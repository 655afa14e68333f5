/*
 * sched/timerq.h: one CPU's pending timers, a binary min-heap ordered by
 * deadline (ties by arrival, so equal deadlines fire in the order set).
 * Insert, cancel and pop are O(log n); the earliest deadline is O(1), which
 * is what the idle loop needs to program the one-shot APIC timer. Each timer
 * knows its heap slot, so cancel needs no search. Not thread-safe: a queue
 * belongs to one CPU and is touched only by it, with interrupts off.
 */
#ifndef SCHED_TIMERQ_H
#define SCHED_TIMERQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timer {
	uint64_t deadline;         /* monotonic ns */
	uint64_t seq;              /* arrival order, breaks deadline ties */
	void (*fn)(struct timer *t);
	int32_t slot;              /* index in the heap, -1 when not queued */
};

struct timerq {
	struct timer **heap;
	uint32_t n, cap;
	uint64_t next_seq;
	/* Grows the slot array: realloc-like, NULL on failure. */
	void *(*grow)(void *old, size_t new_size);
};

void timer_init(struct timer *t, void (*fn)(struct timer *t));
static inline bool timer_pending(const struct timer *t) { return t->slot >= 0; }

void timerq_init(struct timerq *q, void *(*grow)(void *old, size_t new_size));
/* Queues t (re-queues it if pending) for deadline; -ENOMEM if the heap cannot grow. */
int timerq_add(struct timerq *q, struct timer *t, uint64_t deadline);
/* Removes t if pending; true when it was. */
bool timerq_cancel(struct timerq *q, struct timer *t);
/* Earliest deadline, or UINT64_MAX when empty. */
uint64_t timerq_next(const struct timerq *q);
/* Removes and returns one timer due at now (deadline <= now), NULL when none. */
struct timer *timerq_pop_due(struct timerq *q, uint64_t now);
/* Pops and runs every timer due at now; returns how many ran. */
unsigned timerq_run(struct timerq *q, uint64_t now);

#endif
