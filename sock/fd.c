/*
 * sock/fd.c: the descriptor table (see fd.h). A fixed array of FD_MAX
 * file pointers under one spin lock; the scan for the lowest free slot
 * starts at a hint (the lowest slot that may be free), so opening is O(1)
 * while descriptors are closed in LIFO order and O(FD_MAX) at worst.
 */
#include <errno.h>
#include <stddef.h>

#include "sock/fd.h"
#include "sock/sock_os.h"

static struct {
	struct sock_spin lock;
	struct file *slot[FD_MAX];
	unsigned lowest_free;	/* no free slot below this */
	unsigned used;
} fdt = { SOCK_SPIN_INIT, { NULL }, 0, 0 };

struct file *file_new(const struct file_ops *ops, void *priv, unsigned flags)
{
	struct file *f = sock_os_zalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->ops = ops;
	f->priv = priv;
	f->refs = 1;
	f->flags = flags;
	return f;
}

void file_hold(struct file *f)
{
	__atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	f->ops->release(f);
	sock_os_free(f);
}

bool file_tryhold(struct file *f)
{
	unsigned n = __atomic_load_n(&f->refs, __ATOMIC_RELAXED);

	while (n) {
		if (__atomic_compare_exchange_n(&f->refs, &n, n + 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/* The table's reference to f went with one descriptor: the last one
 * closes f (no table lock held). */
static void fd_drop(struct file *f, bool last_fd)
{
	if (last_fd && f->ops->close)
		f->ops->close(f);
	file_put(f);
}

bool file_nonblock(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & FILE_NONBLOCK;
}

int fd_install_from(int min, struct file *f)
{
	unsigned long saved;
	unsigned start;
	int fd = -EMFILE;

	if (min < 0 || min >= FD_MAX)
		return -EINVAL;
	saved = sock_spin_lock(&fdt.lock);
	start = (unsigned)min > fdt.lowest_free ? (unsigned)min : fdt.lowest_free;
	for (unsigned i = start; i < FD_MAX; i++) {
		if (!fdt.slot[i]) {
			fdt.slot[i] = f;
			f->fds++;
			if (i == fdt.lowest_free)
				fdt.lowest_free = i + 1;
			fdt.used++;
			fd = (int)i;
			break;
		}
	}
	if (fd < 0 && start == fdt.lowest_free)
		fdt.lowest_free = FD_MAX;
	sock_spin_unlock(&fdt.lock, saved);
	return fd;
}

int fd_install(struct file *f)
{
	return fd_install_from(0, f);
}

int fd_install_at(int fd, struct file *f)
{
	struct file *old;
	unsigned long saved;
	bool last = false;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	saved = sock_spin_lock(&fdt.lock);
	old = fdt.slot[fd];
	fdt.slot[fd] = f;
	f->fds++;
	if (old)
		last = --old->fds == 0;
	else
		fdt.used++;
	sock_spin_unlock(&fdt.lock, saved);
	if (old)
		fd_drop(old, last);
	return fd;
}

struct file *fd_get(int fd)
{
	struct file *f;
	unsigned long saved;

	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	saved = sock_spin_lock(&fdt.lock);
	f = fdt.slot[fd];
	if (f)
		file_hold(f);
	sock_spin_unlock(&fdt.lock, saved);
	return f;
}

int fd_close(int fd)
{
	struct file *f;
	unsigned long saved;
	bool last = false;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	saved = sock_spin_lock(&fdt.lock);
	f = fdt.slot[fd];
	if (f) {
		fdt.slot[fd] = NULL;
		last = --f->fds == 0;
		fdt.used--;
		if ((unsigned)fd < fdt.lowest_free)
			fdt.lowest_free = (unsigned)fd;
	}
	sock_spin_unlock(&fdt.lock, saved);
	if (!f)
		return -EBADF;
	fd_drop(f, last);
	return 0;
}

unsigned fd_count(void)
{
	return __atomic_load_n(&fdt.used, __ATOMIC_RELAXED);
}
