/*
 * sock/poll.h: poll() over files of any kind (sockets, the console, epoll
 * sets), the core behind the POSIX poll().
 *
 * Promises: each entry's revents is the file's readiness masked by its
 * events plus WATCH_ERR, WATCH_HUP and WATCH_NVAL (and WATCH_RDNORM /
 * WATCH_WRNORM with IN / OUT when asked for), as Linux reports them; a
 * negative fd is skipped (revents 0); a descriptor that is not open gives
 * WATCH_NVAL. The calling thread waits on its own waiter, which each
 * watched file signals (one waiter, N watches, no wait queue per file),
 * until something is ready or the deadline passes.
 */
#ifndef SOCK_POLL_H
#define SOCK_POLL_H

#include <stdint.h>

/* The layout of POSIX's struct pollfd. */
struct fd_pollfd {
	int fd;
	short events;
	short revents;
};

/* Entries ready (>= 0) or a negative errno (-ENOMEM, -EINVAL for too
 * many). timeout_ns: 0 checks once, SOCK_OS_FOREVER waits for ever. */
int fd_poll(struct fd_pollfd *fds, unsigned long nfds, uint64_t timeout_ns);

#endif
