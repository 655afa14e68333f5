/*
 * timer.c: the stack's timer heap (see timer.h).
 *
 * Promises: arm, move and cancel are O(log n) and allocate nothing: the
 * array is sized at stack creation for one timer per TCP pcb plus a few
 * (net_timers_init), and grows by doubling only past that, which only a
 * test arming timers of its own reaches; net_timers_run() fires each
 * expired timer exactly once, earliest deadline first, and a timer re-armed
 * from its own callback for a time already past waits for the next run (so
 * a callback cannot spin the poll loop forever).
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"

#define TIMER_HEAP_MIN 64u

void net_timer_init(struct net_timer *t, net_timer_fn fn)
{
	t->when = 0;
	t->slot = 0;
	t->fn = fn;
}

static void heap_set(struct net_timer_heap *h, uint32_t i, struct net_timer *t)
{
	h->v[i] = t;
	t->slot = i + 1;
}

static void heap_up(struct net_timer_heap *h, uint32_t i)
{
	struct net_timer *t = h->v[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (h->v[parent]->when <= t->when)
			break;
		heap_set(h, i, h->v[parent]);
		i = parent;
	}
	heap_set(h, i, t);
}

static void heap_down(struct net_timer_heap *h, uint32_t i)
{
	struct net_timer *t = h->v[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->when < h->v[c]->when)
			c++;
		if (t->when <= h->v[c]->when)
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, t);
}

static int heap_resize(struct netstack *ns, struct net_timer_heap *h,
		       uint32_t cap)
{
	struct net_timer **v = net_alloc(ns, sizeof(*v) * cap);

	if (!v)
		return -ENOMEM;
	if (h->n)
		memcpy(v, h->v, sizeof(*v) * h->n);
	net_free(ns, h->v, sizeof(*v) * h->cap);
	h->v = v;
	h->cap = cap;
	return 0;
}

int net_timer_arm(struct netstack *ns, struct net_timer *t, uint64_t when)
{
	struct net_timer_heap *h = &ns->timers;
	uint32_t i;

	if (t->slot) {
		uint64_t old = t->when;

		t->when = when;
		i = t->slot - 1;
		if (when < old)
			heap_up(h, i);
		else
			heap_down(h, i);
		return 0;
	}
	if (h->n == h->cap &&
	    heap_resize(ns, h, h->cap ? h->cap * 2 : TIMER_HEAP_MIN))
		return -ENOMEM;
	t->when = when;
	i = h->n++;
	h->v[i] = t;
	heap_up(h, i);
	return 0;
}

void net_timer_cancel(struct netstack *ns, struct net_timer *t)
{
	struct net_timer_heap *h = &ns->timers;
	struct net_timer *last;
	uint32_t i;

	if (!t->slot)
		return;
	i = t->slot - 1;
	t->slot = 0;
	last = h->v[--h->n];
	if (i != h->n) {
		/* The last leaf takes the hole; it may go either way. */
		h->v[i] = last;
		last->slot = i + 1;
		heap_up(h, i);
		heap_down(h, last->slot - 1);
	}
}

int net_timers_init(struct netstack *ns, uint32_t cap)
{
	memset(&ns->timers, 0, sizeof(ns->timers));
	return heap_resize(ns, &ns->timers,
			   cap > TIMER_HEAP_MIN ? cap : TIMER_HEAP_MIN);
}

uint64_t net_timers_next(const struct netstack *ns)
{
	return ns->timers.n ? ns->timers.v[0]->when : UINT64_MAX;
}

void net_timers_run(struct netstack *ns, uint64_t now)
{
	struct net_timer_heap *h = &ns->timers;
	/* Bound the run to what was due on entry: a callback that re-arms in
	 * the past runs again at the next poll, not in a loop here. */
	uint32_t budget = h->n;

	while (budget-- && h->n && h->v[0]->when <= now) {
		struct net_timer *t = h->v[0];

		net_timer_cancel(ns, t);
		t->fn(ns, t);
	}
}

void net_timers_fini(struct netstack *ns)
{
	struct net_timer_heap *h = &ns->timers;
	uint32_t i;

	for (i = 0; i < h->n; i++)
		h->v[i]->slot = 0;
	net_free(ns, h->v, sizeof(*h->v) * h->cap);
	memset(h, 0, sizeof(*h));
}
