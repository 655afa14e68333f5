/*
 * sock/posix_poll.c: poll() and the epoll calls with POSIX/Linux names,
 * thin over sock/poll.h and sock/epset.h: descriptors to files, timeouts
 * in milliseconds (negative: for ever) to nanoseconds, errors to errno.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>

#include "sock/epset.h"
#include "sock/fd.h"
#include "sock/poll.h"
#include "sock/sock_os.h"

_Static_assert(sizeof(struct pollfd) == sizeof(struct fd_pollfd) &&
	       offsetof(struct pollfd, revents) == offsetof(struct fd_pollfd, revents),
	       "struct pollfd and struct fd_pollfd must share a layout");
_Static_assert(POLLIN == WATCH_IN && POLLOUT == WATCH_OUT && POLLERR == WATCH_ERR &&
	       POLLHUP == WATCH_HUP && POLLNVAL == WATCH_NVAL && POLLRDHUP == WATCH_RDHUP &&
	       POLLRDNORM == WATCH_RDNORM && POLLWRNORM == WATCH_WRNORM &&
	       EPOLLET == EPSET_ET && EPOLLONESHOT == EPSET_ONESHOT &&
	       EPOLL_CTL_ADD == EPSET_ADD && EPOLL_CTL_DEL == EPSET_DEL &&
	       EPOLL_CTL_MOD == EPSET_MOD,
	       "poll and epoll bits pass through unchanged");

#define EPOLL_MAX_EVENTS 1024	/* per call: results are staged on the heap */

static int ret(int r)
{
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

static uint64_t ms_to_ns(int timeout)
{
	return timeout < 0 ? SOCK_OS_FOREVER : (uint64_t)timeout * 1000000u;
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	return ret(fd_poll((struct fd_pollfd *)fds, nfds, ms_to_ns(timeout)));
}

int epoll_create1(int flags)
{
	struct file *f;
	int err, fd;

	if (flags & ~EPOLL_CLOEXEC)
		return ret(-EINVAL);
	err = epset_new(&f);
	if (err)
		return ret(err);
	fd = fd_install(f);
	if (fd < 0)
		file_put(f);
	return ret(fd);
}

int epoll_create(int size)
{
	if (size <= 0)
		return ret(-EINVAL);
	return epoll_create1(0);
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	struct file *ep, *target;
	int err;

	if (op != EPOLL_CTL_DEL && !event)
		return ret(-EFAULT);
	ep = fd_get(epfd);
	if (!ep)
		return ret(-EBADF);
	target = fd_get(fd);
	if (!target) {
		file_put(ep);
		return ret(-EBADF);
	}
	if (epfd == fd)
		err = -EINVAL;
	else
		err = epset_control(ep, op, fd, target,
				    op == EPOLL_CTL_DEL ? 0 : event->events,
				    op == EPOLL_CTL_DEL ? 0 : event->data.u64);
	file_put(target);
	file_put(ep);
	return ret(err);
}

int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	struct epset_result stack_res[16], *res = stack_res;
	struct file *ep;
	int n;

	if (maxevents <= 0)
		return ret(-EINVAL);
	if (maxevents > EPOLL_MAX_EVENTS)
		maxevents = EPOLL_MAX_EVENTS;
	ep = fd_get(epfd);
	if (!ep)
		return ret(-EBADF);
	if (maxevents > 16) {
		res = sock_os_zalloc((size_t)maxevents * sizeof(*res));
		if (!res) {
			file_put(ep);
			return ret(-ENOMEM);
		}
	}
	n = epset_wait(ep, res, maxevents, ms_to_ns(timeout));
	for (int i = 0; i < n; i++) {
		events[i].events = res[i].events;
		events[i].data.u64 = res[i].data;
	}
	if (res != stack_res)
		sock_os_free(res);
	file_put(ep);
	return ret(n);
}
