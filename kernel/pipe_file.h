/*
 * kernel/pipe_file.h: host pipe streams as descriptors (sock/fd.h), so
 * poll, epoll and the callback services (sock/svc*.c) treat them as they
 * treat sockets: a listener descriptor whose "accept" hands out one
 * descriptor per host TCP connection arriving by pipe, and stream
 * descriptors with read, write and readiness (WATCH_IN, WATCH_OUT,
 * WATCH_RDHUP at the host's end of stream, WATCH_ERR|WATCH_HUP at a reset).
 */
#ifndef KERNEL_PIPE_FILE_H
#define KERNEL_PIPE_FILE_H

#include <stdbool.h>
#include <stdint.h>

struct sockaddr_in;

/* A listener on host TCP port (through the monitor's port map): its descriptor, or -errno. */
int pipe_file_listen(uint16_t port, uint16_t *host_port);
bool pipe_file_is_listener(int fd);
/*
 * The next connection on listener lfd as a non-blocking descriptor, its
 * peer in *sa; -1 with errno EAGAIN when none waits (POSIX accept's form,
 * as sock/svc.c calls it).
 */
int pipe_file_accept(int lfd, struct sockaddr_in *sa);

#endif
