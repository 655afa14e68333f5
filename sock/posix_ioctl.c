/*
 * sock/posix_ioctl.c: ioctl() for sockets (include/sys/ioctl.h): FIONBIO
 * sets the descriptor's O_NONBLOCK as fcntl(F_SETFL) does; FIONREAD reads
 * how much a recv() would return now without blocking: TCP's in-order
 * bytes in the receive ring (tcp_recv_peek, under the stack lock), UDP's
 * next datagram length (a peek with MSG_TRUNC, which reports the real
 * length, Linux's answer for datagram sockets).
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>

#include "net/tcp.h"
#include "sock/fd.h"
#include "sock/sock_file.h"
#include "sock/sock_priv.h"

/* Bytes a recv() could take now; 0 when none or listening. */
static long sock_nread(struct sock *s)
{
	if (s->type == SOCK_T_DGRAM) {
		unsigned flags = SOCK_MSG_PEEK | SOCK_MSG_DONTWAIT | SOCK_MSG_TRUNC;
		long n = sock_recvmsg(s, NULL, 0, &flags, NULL);
		return n == -EAGAIN ? 0 : n;
	}
	struct tcp_span span[2];
	long n = 0;
	sock_lock(s);
	if (s->tcp.pcb && tcp_state(s->tcp.pcb) != TCP_LISTEN)
		n = (long)tcp_recv_peek(s->sn->ns, s->tcp.pcb, span);
	sock_unlock(s);
	return n;
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	int *arg;
	struct file *f;
	struct sock *s;
	long r;

	va_start(ap, request);
	arg = va_arg(ap, int *);
	va_end(ap);
	switch (request) {
	case FIONBIO:
		f = fd_get(fd);
		if (!f) {
			errno = EBADF;
			return -1;
		}
		if (*arg)
			__atomic_fetch_or(&f->flags, FILE_NONBLOCK, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&f->flags, ~FILE_NONBLOCK, __ATOMIC_RELAXED);
		file_put(f);
		return 0;
	case FIONREAD:
		r = sock_fd_get(fd, &f, &s);
		if (r == -ENOTSOCK)
			r = -ENOTTY;
		if (r < 0) {
			errno = (int)-r;
			return -1;
		}
		r = sock_nread(s);
		file_put(f);
		if (r < 0) {
			errno = (int)-r;
			return -1;
		}
		*arg = (int)r;
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}
