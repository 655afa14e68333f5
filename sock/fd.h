/*
 * sock/fd.h: files and the descriptor table. One image is one process, so
 * there is one table, shared by every thread and CPU.
 *
 * A struct file is anything a descriptor names (a socket, the console, an
 * epoll set): an ops table and a reference count. Adding a kind of file is
 * writing a struct file_ops and calling file_new() then fd_install().
 *
 * Promises:
 *   - fd_install() takes the lowest free descriptor (POSIX), -EMFILE when
 *     all FD_MAX are in use;
 *   - fd_get() returns the file with a reference the caller gives back
 *     with file_put(); the file stays valid in between even if another
 *     thread closes the descriptor;
 *   - fd_close() frees the descriptor at once and drops the table's
 *     reference; when no descriptor names the file any more (dup() makes
 *     several) it calls the file's close op, which makes calls blocked on
 *     it return -EBADF; release runs when the last reference goes;
 *   - the table lock is a short sock_spin: no op runs under it.
 */
#ifndef SOCK_FD_H
#define SOCK_FD_H

#include <stdbool.h>
#include <stddef.h>

#include "sock/sock.h"
#include "sock/watch.h"

#define FD_MAX 1024

/* File status flags: Linux's O_* values (fcntl F_GETFL/F_SETFL). */
#define FILE_NONBLOCK	04000u	/* O_NONBLOCK */

struct file;

struct file_ops {
	/* readv/writev: bytes, 0 at EOF, or a negative errno; they honour
	 * FILE_NONBLOCK. NULL: -EINVAL. */
	long (*read)(struct file *f, const struct sock_iov *iov, int iovcnt);
	long (*write)(struct file *f, const struct sock_iov *iov, int iovcnt);
	/* Readiness now (WATCH_*), without blocking. */
	unsigned (*poll)(struct file *f);
	/* Add (add true) or remove a watch; notified as sock/watch.h says. */
	void (*watch)(struct file *f, struct watch *w, bool add);
	/* No descriptor names f any more: wake calls blocked on it. May be
	 * NULL. */
	void (*close)(struct file *f);
	/* The last reference went: send WATCH_GONE to the watches still on
	 * the object (epoll sets forget it), then free what priv holds. */
	void (*release)(struct file *f);
};

struct file {
	const struct file_ops *ops;
	void *priv;		/* the object behind it (a struct sock...) */
	unsigned refs;		/* atomic */
	unsigned flags;		/* FILE_NONBLOCK; atomic */
	unsigned fds;		/* descriptors naming it; table lock */
};

/* A file with one reference (the caller's); NULL when memory is short. */
struct file *file_new(const struct file_ops *ops, void *priv, unsigned flags);
void file_hold(struct file *f);
void file_put(struct file *f);
/* A reference unless the last one is already gone (release under way):
 * true when taken. */
bool file_tryhold(struct file *f);
bool file_nonblock(const struct file *f);

/* Install f (taking over the caller's reference) at the lowest free
 * descriptor: the descriptor, or -EMFILE. */
int fd_install(struct file *f);
/* The same, at the lowest free descriptor >= min (F_DUPFD). */
int fd_install_from(int min, struct file *f);
/* Install at fd, closing what was there (dup2): fd, or -EBADF. */
int fd_install_at(int fd, struct file *f);
/* The file at fd with a new reference; NULL when fd is not open. */
struct file *fd_get(int fd);
/* 0, or -EBADF. */
int fd_close(int fd);
/* Descriptors in use (for tests and leak checks). */
unsigned fd_count(void);

#endif
