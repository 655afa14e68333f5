/*
 * sock/watch.h: readiness events and watches, the one mechanism behind
 * blocking socket calls, poll(), epoll and callback services.
 *
 * A file (socket, console, epoll instance) keeps a list of struct watch.
 * Whenever its readiness may have changed, its owner calls
 * watch_list_notify() with the readiness now, holding the lock that
 * guards the list (a socket's: its stack lock); every watch whose mask
 * meets those events (WATCH_ERR, WATCH_HUP and WATCH_NVAL always do) has
 * its fn called, there and then. So fn runs under that lock, perhaps in
 * an interrupt handler: it must not block, yield or take a stack lock; it
 * records what it needs and wakes someone (sock_os_wake(), or its own
 * queue). Notifications may repeat and may be spurious: the woken side
 * re-reads the readiness (the file's poll op) before acting.
 *
 * WATCH_GONE is sent once when the file is freed with the watch still on
 * its list, which is then emptied: the watcher must forget the file (epoll
 * drops its entry). Blocking calls never see it: they hold a reference.
 *
 * Event values are Linux's POLL* (and EPOLL*) bits, so the POSIX face
 * passes them through unchanged.
 */
#ifndef SOCK_WATCH_H
#define SOCK_WATCH_H

#include <stdbool.h>

#include "lib/list.h"

#define WATCH_IN	0x0001u	/* readable: data, a connection to accept, EOF */
#define WATCH_PRI	0x0002u
#define WATCH_OUT	0x0004u	/* writable */
#define WATCH_ERR	0x0008u	/* an error is pending (SO_ERROR) */
#define WATCH_HUP	0x0010u	/* both directions finished, or never opened */
#define WATCH_NVAL	0x0020u	/* the descriptor was closed */
#define WATCH_RDNORM	0x0040u	/* poll(2): reported with WATCH_IN */
#define WATCH_WRNORM	0x0100u	/* poll(2): reported with WATCH_OUT */
#define WATCH_RDHUP	0x2000u	/* the peer finished sending (its FIN) */
#define WATCH_GONE	0x01000000u	/* the file was freed (not a poll bit) */

/* Always reported, whatever the mask (poll(2): "ignored in events"). */
#define WATCH_ALWAYS	(WATCH_ERR | WATCH_HUP | WATCH_NVAL | WATCH_GONE)

struct watch;
typedef void (*watch_fn)(struct watch *w, unsigned events);

struct watch {
	struct list_node link;	/* on the file's list */
	unsigned mask;		/* WATCH_* wanted */
	watch_fn fn;		/* called under the list's lock */
	void *arg;		/* for fn */
};

void watch_init(struct watch *w, unsigned mask, watch_fn fn, void *arg);
/* Call every watch on list whose mask meets events; list lock held. A fn
 * may remove its own watch. */
void watch_list_notify(struct list_node *list, unsigned events);
/* Send WATCH_GONE to every watch left on list and empty it. */
void watch_list_gone(struct list_node *list);
/* A watch fn: sock_os_wake(w->arg), arg being a struct sock_waiter. */
void watch_wake_waiter(struct watch *w, unsigned events);

#endif
