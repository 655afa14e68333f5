/*
 * sock/posix_io.c: descriptor calls with POSIX names over sock/fd.h: read,
 * write, readv, writev, close, dup, dup2 and fcntl. Each looks the file up
 * (holding a reference for the call), runs its op and maps a negative
 * errno to errno and -1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sock/fd.h"

static long ret(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static ssize_t rw(int fd, const struct iovec *iov, int iovcnt, bool wr)
{
	struct file *f;
	long r;

	if (iovcnt < 0 || iovcnt > UIO_MAXIOV)
		return ret(-EINVAL);
	f = fd_get(fd);
	if (!f)
		return ret(-EBADF);
	if (wr)
		r = f->ops->write ? f->ops->write(f, (const struct sock_iov *)iov, iovcnt) : -EINVAL;
	else
		r = f->ops->read ? f->ops->read(f, (const struct sock_iov *)iov, iovcnt) : -EINVAL;
	file_put(f);
	return ret(r);
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	return rw(fd, iov, iovcnt, false);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	return rw(fd, iov, iovcnt, true);
}

ssize_t read(int fd, void *buf, size_t len)
{
	struct iovec iov = { buf, len };

	return rw(fd, &iov, 1, false);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	struct iovec iov = { (void *)buf, len };

	return rw(fd, &iov, 1, true);
}

int close(int fd)
{
	return (int)ret(fd_close(fd));
}

static int dup_from(int fd, int min)
{
	struct file *f = fd_get(fd);
	int nfd;

	if (!f)
		return (int)ret(-EBADF);
	nfd = fd_install_from(min, f);
	if (nfd < 0)
		file_put(f);
	return (int)ret(nfd);
}

int dup(int fd)
{
	return dup_from(fd, 0);
}

int dup2(int fd, int newfd)
{
	struct file *f = fd_get(fd);
	int r;

	if (!f)
		return (int)ret(-EBADF);
	if (fd == newfd) {
		file_put(f);
		return newfd;
	}
	r = fd_install_at(newfd, f);
	if (r < 0)
		file_put(f);
	return (int)ret(r);
}

int fcntl(int fd, int cmd, ...)
{
	struct file *f;
	va_list ap;
	long arg;
	long r = 0;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return dup_from(fd, (int)arg);
	f = fd_get(fd);
	if (!f)
		return (int)ret(-EBADF);
	switch (cmd) {
	case F_GETFD:
	case F_SETFD:
		r = 0;	/* no exec: FD_CLOEXEC means nothing here */
		break;
	case F_GETFL:
		r = O_RDWR | (file_nonblock(f) ? O_NONBLOCK : 0);
		break;
	case F_SETFL:
		if (arg & O_NONBLOCK)
			__atomic_fetch_or(&f->flags, FILE_NONBLOCK, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&f->flags, ~FILE_NONBLOCK, __ATOMIC_RELAXED);
		break;
	default:
		r = -EINVAL;
	}
	file_put(f);
	return (int)ret(r);
}
