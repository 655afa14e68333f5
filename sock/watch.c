/*
 * sock/watch.c: notifying watch lists (see watch.h).
 */
#include <stddef.h>

#include "sock/sock_os.h"
#include "sock/watch.h"

void watch_init(struct watch *w, unsigned mask, watch_fn fn, void *arg)
{
	list_init(&w->link);
	w->mask = mask;
	w->fn = fn;
	w->arg = arg;
}

void watch_list_notify(struct list_node *list, unsigned events)
{
	struct list_node *n, *next;

	for (n = list->next; n != list; n = next) {
		struct watch *w = container_of(n, struct watch, link);

		next = n->next;	/* fn may unlink w */
		if (events & (w->mask | WATCH_ALWAYS))
			w->fn(w, events);
	}
}

void watch_list_gone(struct list_node *list)
{
	struct list_node *n;

	while ((n = list_pop_head(list))) {
		struct watch *w = container_of(n, struct watch, link);

		w->fn(w, WATCH_GONE);
	}
}

void watch_wake_waiter(struct watch *w, unsigned events)
{
	(void)events;
	sock_os_wake(w->arg);
}
