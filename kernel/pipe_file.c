/*
 * kernel/pipe_file.c: host pipe streams as descriptors (kernel/pipe_file.h).
 *
 * Readiness reaches watchers (poll, epoll, blocked reads) from the pipes'
 * interrupt: kernel/pipe_stream.c calls pf_notify(slot) for each slot the
 * monitor signalled, which notifies that slot's file's watch list. The
 * monitor signals only what a wait flag asked for (pipe/ring.h), so the
 * poll op arms the flag of each direction it finds not ready before
 * re-checking: whoever polls and then sleeps is woken by the next change.
 *
 * A file's lifetime against the interrupt: files[] maps a slot to its
 * file under pf_lock, which the interrupt takes too; release unmaps before
 * freeing, so a notification never reaches a freed file.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "include/skiff.h"
#include "include/skiff/pipe.h"
#include "kernel/pipe_file.h"
#include "kernel/pipe_stream.h"
#include "pipe/shm.h"
#include "sock/fd.h"
#include "sock/sock_os.h"
#include "sock/watch.h"

struct pipe_file {
	struct pipe_stream *s;
	uint32_t slot;
	bool listener;
	struct list_node watches;  /* under pf_lock */
};

static struct sock_spin pf_lock = SOCK_SPIN_INIT;
static struct pipe_file *files[PIPE_MAX_SLOTS];

static unsigned readiness(struct pipe_file *pf)
{
	unsigned r = pipe_ready(pf->s), w = 0;
	if (r & PIPE_READY_IN)
		w |= WATCH_IN;
	if ((r & PIPE_READY_OUT) && !pf->listener)
		w |= WATCH_OUT;
	if ((r & PIPE_READY_HUP) && !pf->listener)
		w |= WATCH_RDHUP;
	if (r & PIPE_READY_ERR)
		w |= WATCH_ERR | WATCH_HUP;
	return w;
}

/* The interrupt's hook (pipe_set_notify): arg is the slot. */
static void pf_notify(void *arg)
{
	uint32_t slot = (uint32_t)(uintptr_t)arg;
	unsigned long saved = sock_spin_lock(&pf_lock);
	struct pipe_file *pf = files[slot];
	if (pf)
		watch_list_notify(&pf->watches, readiness(pf));
	sock_spin_unlock(&pf_lock, saved);
}

static unsigned pf_poll(struct file *f)
{
	struct pipe_file *pf = f->priv;
	unsigned w = readiness(pf);
	if (w & (WATCH_ERR | WATCH_RDHUP))
		return w;
	/* Not ready one way: ask the monitor to signal a change, then look again (no lost wake). */
	pipe_stream_arm(pf->s, !(w & WATCH_IN), !(w & WATCH_OUT) && !pf->listener);
	return readiness(pf);
}

static void pf_watch(struct file *f, struct watch *w, bool add)
{
	struct pipe_file *pf = f->priv;
	unsigned long saved = sock_spin_lock(&pf_lock);
	if (add)
		list_add_tail(&pf->watches, &w->link);
	else if (list_linked(&w->link))
		list_del(&w->link);
	sock_spin_unlock(&pf_lock, saved);
}

/* Blocking reads and writes sleep in the stream layer itself (its slot's wait queue). */
static long pf_read(struct file *f, const struct sock_iov *iov, int iovcnt)
{
	struct pipe_file *pf = f->priv;
	if (pf->listener)
		return -EINVAL;
	if (!iovcnt)
		return 0;
	return pipe_read(pf->s, iov[0].base, iov[0].len, file_nonblock(f));
}

static long pf_write(struct file *f, const struct sock_iov *iov, int iovcnt)
{
	struct pipe_file *pf = f->priv;
	long total = 0;
	if (pf->listener)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		long n = pipe_write(pf->s, iov[i].base, iov[i].len, file_nonblock(f));
		if (n < 0)
			return total ? total : n;
		total += n;
		if ((size_t)n < iov[i].len)
			break;
	}
	return total;
}

static void pf_release(struct file *f)
{
	struct pipe_file *pf = f->priv;
	unsigned long saved = sock_spin_lock(&pf_lock);
	files[pf->slot] = NULL;
	watch_list_gone(&pf->watches);
	sock_spin_unlock(&pf_lock, saved);
	/* Connections announced to a listener that is closing: close them too, or their slots stay taken. */
	struct pipe_stream *c;
	while (pf->listener && pipe_tcp_accept(pf->s, &c, NULL, NULL, true) == 0)
		pipe_close(c, true);
	pipe_close(pf->s, pf->listener);
	free(pf);
}

static const struct file_ops pf_ops = {
	.read = pf_read,
	.write = pf_write,
	.poll = pf_poll,
	.watch = pf_watch,
	.close = NULL,
	.release = pf_release,
};

/* A descriptor for stream s (the file takes it over, closing it on any failure). */
static int pf_install(struct pipe_stream *s, bool listener)
{
	struct pipe_file *pf = calloc(1, sizeof(*pf));
	struct file *f = pf ? file_new(&pf_ops, pf, FILE_NONBLOCK) : NULL;
	if (!f) {
		free(pf);
		pipe_close(s, true);
		return -ENOMEM;
	}
	pf->s = s;
	pf->slot = pipe_slot(s);
	pf->listener = listener;
	list_init(&pf->watches);
	unsigned long saved = sock_spin_lock(&pf_lock);
	files[pf->slot] = pf;
	sock_spin_unlock(&pf_lock, saved);
	pipe_set_notify(s, pf_notify, (void *)(uintptr_t)pf->slot);
	int fd = fd_install(f);
	if (fd < 0)
		file_put(f);   /* release closes the stream */
	return fd;
}

int pipe_file_listen(uint16_t port, uint16_t *host_port)
{
	struct pipe_stream *l;
	int err = pipe_tcp_listen(0x7f000001, port, &l, host_port);
	return err ? err : pf_install(l, true);
}

bool pipe_file_is_listener(int fd)
{
	struct file *f = fd_get(fd);
	bool yes = f && f->ops == &pf_ops && ((struct pipe_file *)f->priv)->listener;
	if (f)
		file_put(f);
	return yes;
}

int pipe_file_accept(int lfd, struct sockaddr_in *sa)
{
	struct file *f = fd_get(lfd);
	if (!f || f->ops != &pf_ops) {
		if (f)
			file_put(f);
		errno = EBADF;
		return -1;
	}
	struct pipe_file *pf = f->priv;
	struct pipe_stream *c;
	uint32_t addr;
	uint16_t port;
	int err = pipe_tcp_accept(pf->s, &c, &addr, &port, true);
	file_put(f);
	if (!err)
		err = pf_install(c, false);
	if (err < 0) {
		errno = -err;
		return -1;
	}
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(addr);
	sa->sin_port = htons(port);
	return err;
}
