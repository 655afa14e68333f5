/*
 * lib/list.h: intrusive circular doubly-linked lists (the BSD/Linux idiom).
 * O(1) insert and remove with no allocation, which is what run queues and
 * wait queues need on their hot paths. Usable on the host and in the kernel.
 */
#ifndef LIB_LIST_H
#define LIB_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *prev, *next;
};

#define LIST_INIT(name) { &(name), &(name) }
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define list_entry(node, type, member) container_of(node, type, member)

static inline void list_init(struct list_node *h)
{
	h->prev = h->next = h;
}

static inline bool list_empty(const struct list_node *h)
{
	return h->next == h;
}

/* A node that is on no list points at itself (after list_init or list_del). */
static inline bool list_linked(const struct list_node *n)
{
	return n->next != n && n->next != NULL;
}

static inline void list_insert_between(struct list_node *n, struct list_node *prev, struct list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

static inline void list_add_tail(struct list_node *h, struct list_node *n)
{
	list_insert_between(n, h->prev, h);
}

static inline void list_add_head(struct list_node *h, struct list_node *n)
{
	list_insert_between(n, h, h->next);
}

static inline void list_del(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

/* Removes and returns the first node, NULL when empty. */
static inline struct list_node *list_pop_head(struct list_node *h)
{
	if (list_empty(h))
		return NULL;
	struct list_node *n = h->next;
	list_del(n);
	return n;
}

#define list_for_each(pos, head) for (struct list_node *pos = (head)->next; pos != (head); pos = pos->next)

#endif
