/*
 * tools/lossylink/queue.c: the departure queue (queue.h): a binary heap of
 * slot indices (CLRS ch. 6) over a pool allocated at start.
 */
#include "queue.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int link_queue_init(struct link_queue *q, uint32_t cap)
{
	uint32_t i;

	memset(q, 0, sizeof(*q));
	q->slots = calloc(cap, sizeof(*q->slots));
	q->heap = calloc(cap, sizeof(*q->heap));
	q->free = calloc(cap, sizeof(*q->free));
	if (!q->slots || !q->heap || !q->free) {
		link_queue_free(q);
		return -ENOMEM;
	}
	q->cap = cap;
	for (i = 0; i < cap; i++)
		q->free[i] = cap - 1 - i;
	q->nfree = cap;
	return 0;
}

void link_queue_free(struct link_queue *q)
{
	free(q->slots);
	free(q->heap);
	free(q->free);
	memset(q, 0, sizeof(*q));
}

static bool earlier(const struct link_queue *q, uint32_t a, uint32_t b)
{
	const struct link_slot *x = &q->slots[a], *y = &q->slots[b];

	return x->depart < y->depart || (x->depart == y->depart && x->seq < y->seq);
}

static void swap(uint32_t *h, uint32_t i, uint32_t j)
{
	uint32_t t = h[i];

	h[i] = h[j];
	h[j] = t;
}

int link_queue_put(struct link_queue *q, uint64_t depart, const uint8_t *frame, size_t len)
{
	struct link_slot *s;
	uint32_t idx, i;

	if (q->nfree == 0 || len > LINK_FRAME_MAX)
		return -ENOBUFS;
	idx = q->free[--q->nfree];
	s = &q->slots[idx];
	s->depart = depart;
	s->seq = q->seq++;
	s->len = len;
	memcpy(s->data, frame, len);
	i = q->n++;
	q->heap[i] = idx;
	while (i > 0 && earlier(q, q->heap[i], q->heap[(i - 1) / 2])) {
		swap(q->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

const struct link_slot *link_queue_due(const struct link_queue *q, uint64_t now)
{
	if (q->n == 0 || q->slots[q->heap[0]].depart > now)
		return NULL;
	return &q->slots[q->heap[0]];
}

void link_queue_pop(struct link_queue *q)
{
	uint32_t i = 0;

	if (q->n == 0)
		return;
	q->free[q->nfree++] = q->heap[0];
	q->heap[0] = q->heap[--q->n];
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < q->n && earlier(q, q->heap[l], q->heap[m]))
			m = l;
		if (r < q->n && earlier(q, q->heap[r], q->heap[m]))
			m = r;
		if (m == i)
			break;
		swap(q->heap, i, m);
		i = m;
	}
}

uint64_t link_queue_next(const struct link_queue *q)
{
	return q->n ? q->slots[q->heap[0]].depart : UINT64_MAX;
}
