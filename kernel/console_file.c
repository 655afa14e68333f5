/*
 * kernel/console_file.c: the console's file ops (see console_file.h).
 * One file object serves 0, 1 and 2 (as if dup'ed from one tty); its
 * watches are guarded by a sock_spin so that an interrupt handler may
 * notify them.
 */
#include <errno.h>
#include <stddef.h>

#include "kernel/console.h"
#include "kernel/console_file.h"
#include "kernel/log.h"
#include "sock/fd.h"
#include "sock/sock_os.h"

static struct {
	struct sock_spin lock;
	struct list_node watches;
	struct file *file;
} con = { SOCK_SPIN_INIT, LIST_INIT(con.watches), NULL };

/* What the receive interrupt put in the console's ring (kernel/console.h). */
static long con_try_read(void *buf, size_t len)
{
	if (!len)
		return 0;
	size_t n = console_read(buf, len);
	return n ? (long)n : -EAGAIN;
}

static unsigned con_readiness(void)
{
	return WATCH_OUT | (console_readable() ? WATCH_IN : 0);
}

static void con_watch(struct file *f, struct watch *w, bool add)
{
	unsigned long saved = sock_spin_lock(&con.lock);

	(void)f;
	if (add)
		list_add_tail(&con.watches, &w->link);
	else if (list_linked(&w->link))
		list_del(&w->link);
	sock_spin_unlock(&con.lock, saved);
}

static long con_read(struct file *f, const struct sock_iov *iov, int iovcnt)
{
	struct sock_waiter *me = sock_os_waiter();
	struct watch w;
	long r;

	if (!iovcnt)
		return 0;
	watch_init(&w, WATCH_IN, watch_wake_waiter, me);
	for (bool watching = false;;) {
		r = con_try_read(iov[0].base, iov[0].len);
		if (r != -EAGAIN || file_nonblock(f))
			break;
		if (!watching) {
			/* Registered before the retry: input in between wakes us. */
			con_watch(f, &w, true);
			watching = true;
			continue;
		}
		sock_os_wait(me, SOCK_OS_FOREVER);
	}
	con_watch(f, &w, false);
	return r;
}

static long con_write(struct file *f, const struct sock_iov *iov, int iovcnt)
{
	long n = 0;

	(void)f;
	for (int i = 0; i < iovcnt; i++) {
		/* Whole, like printf's output: no other CPU's line cuts into it. */
		console_write_whole(iov[i].base, iov[i].len);
		n += (long)iov[i].len;
	}
	return n;
}

static unsigned con_poll(struct file *f)
{
	(void)f;
	return con_readiness();
}

static void con_release(struct file *f)
{
	(void)f;
}

static const struct file_ops con_ops = {
	.read = con_read,
	.write = con_write,
	.poll = con_poll,
	.watch = con_watch,
	.close = NULL,
	.release = con_release,
};

void console_file_input(void)
{
	unsigned long saved = sock_spin_lock(&con.lock);

	watch_list_notify(&con.watches, con_readiness());
	sock_spin_unlock(&con.lock, saved);
}

/* The receive interrupt's hook (interrupt context): readers and pollers re-check. */
static void con_input_hook(void *ctx)
{
	(void)ctx;
	console_file_input();
}

void console_file_init(void)
{
	con.file = file_new(&con_ops, NULL, 0);
	if (!con.file) {
		kwarn("console", "no memory for descriptors 0-2");
		return;
	}
	/* The table holds three references; the last close frees nothing. */
	file_hold(con.file);
	file_hold(con.file);
	if (fd_install_at(0, con.file) != 0 || fd_install_at(1, con.file) != 1 ||
	    fd_install_at(2, con.file) != 2)
		kwarn("console", "descriptors 0-2 were taken");
	console_set_input_hook(con_input_hook, NULL);
}
