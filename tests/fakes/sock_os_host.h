/*
 * sock_os_host.h: sock/sock_os.h on a Linux host (sock_os_host.c), for the
 * socket layer's unit tests: pthreads as threads, a mutex and condition
 * variable (on CLOCK_MONOTONIC) per thread as its waiter, calloc as the
 * allocator with a count of live blocks for leak checks.
 */
#ifndef TESTS_FAKES_SOCK_OS_HOST_H
#define TESTS_FAKES_SOCK_OS_HOST_H

#include <stddef.h>

struct sock_net;

/* Blocks from sock_os_zalloc() not yet freed. */
long sock_os_host_live(void);
/* What sock_net_default() returns (NULL until set). */
void sock_os_host_set_default(struct sock_net *sn);

#endif
