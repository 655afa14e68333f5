/*
 * include/fcntl.h: fcntl() for descriptor and status flags, Linux's values.
 * F_GETFL/F_SETFL take O_NONBLOCK; F_GETFD/F_SETFD keep FD_CLOEXEC (there
 * is no exec: it is recorded only); F_DUPFD duplicates.
 */
#ifndef SKIFF_FCNTL_H
#define SKIFF_FCNTL_H

#define O_RDONLY	00
#define O_WRONLY	01
#define O_RDWR		02
#define O_NONBLOCK	04000
#define O_NDELAY	O_NONBLOCK
#define O_CLOEXEC	02000000

#define F_DUPFD		0
#define F_GETFD		1
#define F_SETFD		2
#define F_GETFL		3
#define F_SETFL		4
#define F_DUPFD_CLOEXEC	1030

#define FD_CLOEXEC	1

int fcntl(int fd, int cmd, ...);

#endif
