/*
 * xv6/xv6_os.h: what the xv6 face needs besides sockets (a thread
 * identity, a clock, a lock), from POSIX alone: <pthread.h> and <time.h>,
 * which skiff provides (kernel/pthread.c, kernel/clock.c) and the host has,
 * so the same code runs in the image and in the host tests.
 */
#ifndef XV6_XV6_OS_H
#define XV6_XV6_OS_H

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

/* The calling thread's identity, the owner of what it creates. pthread_t
 * is an integer on Linux and a pointer on skiff; both fit. */
static inline uintptr_t xv6_self(void)
{
	return (uintptr_t)pthread_self();
}

/* Monotonic milliseconds. */
static inline uint64_t xv6_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Linux raises SIGPIPE on a send to a reset peer unless told not to;
 * where there are no signals there may be no flag either. */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#endif /* XV6_XV6_OS_H */
