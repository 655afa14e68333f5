/*
 * sched/inbox.h: a CPU's inbox, how work reaches a CPU from elsewhere.
 * Many producers (any CPU, interrupt handlers), one consumer (the owning
 * CPU). Producers push with one compare-and-swap onto a Treiber stack; the
 * consumer takes the whole stack with one exchange and reverses it, so
 * messages from one producer arrive in the order sent. No locks, no
 * allocation: a message is embedded in whatever it is about (a thread, a
 * free list node). A message may be in at most one inbox at a time.
 */
#ifndef SCHED_INBOX_H
#define SCHED_INBOX_H

#include <stdbool.h>

struct inbox_msg {
	struct inbox_msg *next;
	int kind;                  /* what the consumer should do (sched's INBOX_*) */
};

struct inbox {
	struct inbox_msg *head;    /* newest first */
};

static inline void inbox_init(struct inbox *ib)
{
	ib->head = 0;
}

/* Any context, any CPU. Returns true if the inbox was empty before (the consumer may need waking). */
bool inbox_push(struct inbox *ib, struct inbox_msg *m);
/* Owner only: takes every message, oldest first, as a NULL-terminated list. */
struct inbox_msg *inbox_take_all(struct inbox *ib);
static inline bool inbox_empty(const struct inbox *ib)
{
	return __atomic_load_n(&ib->head, __ATOMIC_ACQUIRE) == 0;
}

#endif
