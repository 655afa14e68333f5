/*
 * sock/sock_file.c: the file ops of a socket (see sock_file.h).
 */
#include <errno.h>
#include <stddef.h>

#include "sock/sock_file.h"

unsigned sock_file_flags(struct file *f)
{
	return file_nonblock(f) ? SOCK_MSG_DONTWAIT : 0;
}

static long sf_read(struct file *f, const struct sock_iov *iov, int iovcnt)
{
	unsigned flags = sock_file_flags(f);

	return sock_recvmsg(f->priv, iov, iovcnt, &flags, NULL);
}

static long sf_write(struct file *f, const struct sock_iov *iov, int iovcnt)
{
	return sock_sendmsg(f->priv, iov, iovcnt, sock_file_flags(f), NULL);
}

static unsigned sf_poll(struct file *f)
{
	return sock_poll(f->priv);
}

static void sf_watch(struct file *f, struct watch *w, bool add)
{
	if (add)
		sock_watch_add(f->priv, w);
	else
		sock_watch_del(f->priv, w);
}

static void sf_close(struct file *f)
{
	sock_cancel(f->priv);
}

static void sf_release(struct file *f)
{
	/* Epoll items point at f, which goes now even if s lives on. */
	sock_forget_watches(f->priv);
	sock_put(f->priv);
}

static const struct file_ops sock_file_ops = {
	.read = sf_read,
	.write = sf_write,
	.poll = sf_poll,
	.watch = sf_watch,
	.close = sf_close,
	.release = sf_release,
};

int sock_fd_open(struct sock *s, unsigned flags)
{
	struct file *f = file_new(&sock_file_ops, s, flags);
	int fd;

	if (!f) {
		sock_close(s);
		return -ENOMEM;
	}
	fd = fd_install(f);
	if (fd < 0)
		file_put(f);	/* releases s */
	return fd;
}

struct sock *sock_of_file(struct file *f)
{
	return f->ops == &sock_file_ops ? f->priv : NULL;
}

int sock_fd_get(int fd, struct file **fp, struct sock **sp)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	*sp = sock_of_file(f);
	if (!*sp) {
		file_put(f);
		return -ENOTSOCK;
	}
	*fp = f;
	return 0;
}
