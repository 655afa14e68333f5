/*
 * sock/poll.c: fd_poll() (see poll.h). Each file is looked up once, with
 * a reference held for the whole call; the first pass checks without
 * watches (the common case when something is ready), later passes run
 * with one watch per file registered, all waking the same waiter, so any
 * change after a check is seen by the next.
 */
#include <errno.h>
#include <stddef.h>

#include "sock/fd.h"
#include "sock/poll.h"
#include "sock/sock_os.h"

#define POLL_STACK_ITEMS 16

struct poll_item {
	struct file *file;	/* NULL: fd < 0 or not open */
	struct watch w;
};

/* What Linux reports for wanted: the readiness bits asked for, plus the
 * ones always reported, plus RDNORM/WRNORM if asked. */
static short revents_of(unsigned ready, short wanted)
{
	unsigned want = (unsigned)(unsigned short)wanted;

	if (ready & WATCH_IN)
		ready |= WATCH_RDNORM;
	if (ready & WATCH_OUT)
		ready |= WATCH_WRNORM;
	return (short)(ready & (want | WATCH_ERR | WATCH_HUP | WATCH_NVAL));
}

static int scan(struct fd_pollfd *fds, struct poll_item *it, unsigned long n)
{
	int ready = 0;

	for (unsigned long i = 0; i < n; i++) {
		if (fds[i].fd < 0) {
			fds[i].revents = 0;
			continue;
		}
		fds[i].revents = it[i].file ?
			revents_of(it[i].file->ops->poll(it[i].file), fds[i].events) :
			(short)WATCH_NVAL;
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

int fd_poll(struct fd_pollfd *fds, unsigned long nfds, uint64_t timeout_ns)
{
	struct poll_item stack_items[POLL_STACK_ITEMS], *it = stack_items;
	uint64_t deadline = SOCK_OS_FOREVER;
	struct sock_waiter *me = NULL;
	bool timed_out = false;
	int ready;

	if (nfds > FD_MAX)
		return -EINVAL;
	if (nfds > POLL_STACK_ITEMS) {
		it = sock_os_zalloc(nfds * sizeof(*it));
		if (!it)
			return -ENOMEM;
	}
	for (unsigned long i = 0; i < nfds; i++)
		it[i].file = fds[i].fd >= 0 ? fd_get(fds[i].fd) : NULL;
	if (timeout_ns != SOCK_OS_FOREVER)
		deadline = sock_os_now() + timeout_ns;
	for (;;) {
		ready = scan(fds, it, nfds);
		if (ready || !timeout_ns || timed_out)
			break;
		if (!me) {
			me = sock_os_waiter();
			for (unsigned long i = 0; i < nfds; i++) {
				struct file *f = it[i].file;

				watch_init(&it[i].w, (unsigned)(unsigned short)fds[i].events,
					   watch_wake_waiter, me);
				if (f && f->ops->watch)
					f->ops->watch(f, &it[i].w, true);
			}
			continue;	/* check again, now watched */
		}
		timed_out = sock_os_wait(me, deadline) == -ETIMEDOUT;
	}
	for (unsigned long i = 0; i < nfds; i++) {
		struct file *f = it[i].file;

		if (!f)
			continue;
		if (me && f->ops->watch)
			f->ops->watch(f, &it[i].w, false);
		file_put(f);
	}
	if (it != stack_items)
		sock_os_free(it);
	return ready;
}
