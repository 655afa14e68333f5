/*
 * tools/lossylink/queue.h: frames waiting for their departure time, one
 * queue per direction of the link. A binary min-heap ordered by (departure,
 * arrival), so frames due at the same time leave in the order they came,
 * over a pool of slots allocated once: no allocation per frame, O(log n)
 * per put and pop.
 */
#ifndef LOSSYLINK_QUEUE_H
#define LOSSYLINK_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "link.h"

struct link_slot {
	uint64_t depart;              /* ns, CLOCK_MONOTONIC */
	uint64_t seq;                 /* arrival order: the tie-break */
	size_t len;
	uint8_t data[LINK_FRAME_MAX];
};

struct link_queue {
	uint32_t cap;             /* slots */
	uint32_t n;               /* frames waiting */
	uint64_t seq;             /* next arrival number */
	struct link_slot *slots;
	uint32_t *heap;           /* slot indices, heap-ordered */
	uint32_t *free;           /* stack of free slot indices */
	uint32_t nfree;
};

/* link_queue_init: room for cap frames. 0 or -ENOMEM. */
int link_queue_init(struct link_queue *q, uint32_t cap);
void link_queue_free(struct link_queue *q);

/* link_queue_put: a copy of frame (len <= LINK_FRAME_MAX) to leave at
 * depart. 0, or -ENOBUFS when cap frames wait already. */
int link_queue_put(struct link_queue *q, uint64_t depart, const uint8_t *frame, size_t len);

/* link_queue_due: the earliest frame if it is due at now, else NULL. It
 * stays queued until link_queue_pop. */
const struct link_slot *link_queue_due(const struct link_queue *q, uint64_t now);
void link_queue_pop(struct link_queue *q);

/* link_queue_next: the earliest departure, or UINT64_MAX when empty. */
uint64_t link_queue_next(const struct link_queue *q);

#endif
