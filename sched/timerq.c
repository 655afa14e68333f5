/*
 * sched/timerq.c: the binary heap behind per-CPU timers (see timerq.h).
 * Classic sift-up/sift-down on an array of pointers; every move updates the
 * moved timer's slot so cancel is O(log n).
 */
#include <errno.h>
#include <stdint.h>

#include "sched/timerq.h"

void timer_init(struct timer *t, void (*fn)(struct timer *t))
{
	t->deadline = 0;
	t->seq = 0;
	t->fn = fn;
	t->slot = -1;
}

void timerq_init(struct timerq *q, void *(*grow)(void *old, size_t new_size))
{
	q->heap = NULL;
	q->n = q->cap = 0;
	q->next_seq = 0;
	q->grow = grow;
}

static bool earlier(const struct timer *a, const struct timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

static void place(struct timerq *q, uint32_t i, struct timer *t)
{
	q->heap[i] = t;
	t->slot = (int32_t)i;
}

static void sift_up(struct timerq *q, uint32_t i)
{
	struct timer *t = q->heap[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (!earlier(t, q->heap[parent]))
			break;
		place(q, i, q->heap[parent]);
		i = parent;
	}
	place(q, i, t);
}

static void sift_down(struct timerq *q, uint32_t i)
{
	struct timer *t = q->heap[i];
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		const struct timer *best = t;
		if (l < q->n && earlier(q->heap[l], best))
			m = l, best = q->heap[l];
		if (r < q->n && earlier(q->heap[r], best))
			m = r;
		if (m == i)
			break;
		place(q, i, q->heap[m]);
		i = m;
	}
	place(q, i, t);
}

/* Takes slot i out, moving the last element into it. */
static void remove_at(struct timerq *q, uint32_t i)
{
	struct timer *t = q->heap[i];
	t->slot = -1;
	q->n--;
	if (i == q->n)
		return;
	struct timer *moved = q->heap[q->n];
	place(q, i, moved);
	/* The moved timer may belong above or below slot i; at most one sift moves it. */
	sift_down(q, i);
	sift_up(q, (uint32_t)moved->slot);
}

int timerq_add(struct timerq *q, struct timer *t, uint64_t deadline)
{
	if (timer_pending(t))
		remove_at(q, (uint32_t)t->slot);
	if (q->n == q->cap) {
		uint32_t ncap = q->cap ? q->cap * 2 : 16;
		struct timer **h = q->grow(q->heap, ncap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		q->heap = h;
		q->cap = ncap;
	}
	t->deadline = deadline;
	t->seq = q->next_seq++;
	place(q, q->n++, t);
	sift_up(q, q->n - 1);
	return 0;
}

bool timerq_cancel(struct timerq *q, struct timer *t)
{
	if (!timer_pending(t))
		return false;
	remove_at(q, (uint32_t)t->slot);
	return true;
}

uint64_t timerq_next(const struct timerq *q)
{
	return q->n ? q->heap[0]->deadline : UINT64_MAX;
}

struct timer *timerq_pop_due(struct timerq *q, uint64_t now)
{
	if (!q->n || q->heap[0]->deadline > now)
		return NULL;
	struct timer *t = q->heap[0];
	remove_at(q, 0);
	return t;
}

unsigned timerq_run(struct timerq *q, uint64_t now)
{
	unsigned ran = 0, limit = q->n;
	struct timer *t;
	/*
	 * Only the timers queued on entry: a callback that re-arms itself for a
	 * time already past runs on the next call instead of looping here.
	 */
	while (ran < limit && (t = timerq_pop_due(q, now))) {
		ran++;
		t->fn(t);
	}
	return ran;
}
