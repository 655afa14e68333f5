/*
 * sock/epset.h: epoll sets as files, built on watches (sock/watch.h): the
 * core behind epoll_create1/epoll_ctl/epoll_wait, and what event loops
 * (callback services) use to serve thousands of connections with work in
 * proportion to what is ready.
 *
 * Each registered file carries one watch whose fn, under the file's own
 * lock, puts the item on the set's ready list and wakes the set's waiters.
 * epoll_wait takes items off that list only: it never scans the set.
 *
 * Promises (Linux's, with these limits):
 *   - level-triggered by default: an item reported stays on the ready list
 *     and is checked again by the next wait, reported while still ready;
 *   - EPOLLET: reported once per notification (a socket notifies on every
 *     arrival, so each new data or connection reports again);
 *   - EPOLLONESHOT: reported once, then disabled until EPOLL_CTL_MOD;
 *   - a set does not hold its files: when a file goes (its last reference),
 *     its item leaves the set by itself (WATCH_GONE);
 *   - an epoll set cannot be added to a set (-EINVAL; Linux allows
 *     nesting); poll() on a set says WATCH_IN while its ready list is not
 *     empty;
 *   - waiting blocks the thread only; several threads may wait on one set.
 */
#ifndef SOCK_EPSET_H
#define SOCK_EPSET_H

#include <stdint.h>

#include "sock/fd.h"

#define EPSET_IN	WATCH_IN
#define EPSET_OUT	WATCH_OUT
#define EPSET_ONESHOT	(1u << 30)
#define EPSET_ET	(1u << 31)

#define EPSET_ADD	1
#define EPSET_DEL	2
#define EPSET_MOD	3

struct epset_result {
	unsigned events;
	uint64_t data;
};

/* A new set as a file with one reference (fd_install() it). */
int epset_new(struct file **out);
bool file_is_epset(const struct file *f);
/* op on target, known to the set as fd: 0, -EEXIST (ADD twice), -ENOENT
 * (MOD/DEL of what is not there), -EINVAL, -ENOMEM. */
int epset_control(struct file *ep, int op, int fd, struct file *target,
		  unsigned events, uint64_t data);
/* Up to max ready items into out: how many (0 after the timeout), or a
 * negative errno. timeout_ns: 0 checks, SOCK_OS_FOREVER none. */
int epset_wait(struct file *ep, struct epset_result *out, int max,
		    uint64_t timeout_ns);

#endif
