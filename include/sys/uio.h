/*
 * include/sys/uio.h: scatter/gather I/O (POSIX), Linux's layout.
 */
#ifndef SKIFF_SYS_UIO_H
#define SKIFF_SYS_UIO_H

#include <sys/types.h>

#define UIO_MAXIOV 1024
#ifndef IOV_MAX
#define IOV_MAX UIO_MAXIOV
#endif

struct iovec {
	void *iov_base;
	size_t iov_len;
};

ssize_t readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t writev(int fd, const struct iovec *iov, int iovcnt);

#endif
