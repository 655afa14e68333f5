/*
 * sock/sock_file.h: a socket as a file in the descriptor table, for the
 * POSIX face and anything else that hands out descriptors (libioth).
 * read/write are recv/send with no flags (MSG_DONTWAIT when the file is
 * O_NONBLOCK); closing the descriptor cancels the socket (blocked calls
 * get -EBADF) and its last reference closes it.
 */
#ifndef SOCK_SOCK_FILE_H
#define SOCK_SOCK_FILE_H

#include "sock/fd.h"
#include "sock/sock.h"

/* A descriptor for s, taking over the caller's reference: the fd, or
 * -EMFILE / -ENOMEM (then s is closed). flags: FILE_NONBLOCK. */
int sock_fd_open(struct sock *s, unsigned flags);
/* The socket behind a file, NULL when it is not one. */
struct sock *sock_of_file(struct file *f);
/* fd's file and socket with a reference on the file (file_put() it):
 * 0, -EBADF or -ENOTSOCK. */
int sock_fd_get(int fd, struct file **fp, struct sock **sp);
/* SOCK_MSG_DONTWAIT when the file is non-blocking. */
unsigned sock_file_flags(struct file *f);

#endif
