/*
 * xv6/xv6_os.h: the little the xv6 face needs besides POSIX sockets, for
 * both places it runs: in a skiff image (freestanding: skiff's own thread
 * identity and clock) and on a Linux host for its tests (hosted: pthread
 * and clock_gettime). Both sides lock with a pthread mutex.
 */
#ifndef XV6_XV6_OS_H
#define XV6_XV6_OS_H

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

#if __STDC_HOSTED__
#include <time.h>

/* The calling thread's identity, the owner of what it creates. */
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
#else
#include <skiff.h>

static inline uintptr_t xv6_self(void)
{
	return (uintptr_t)thread_self();
}

static inline uint64_t xv6_now_ms(void)
{
	return skiff_time_ns() / 1000000u;
}
#endif

/* Linux raises SIGPIPE on a send to a reset peer unless told not to;
 * where there are no signals there is no flag either. */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#endif /* XV6_XV6_OS_H */
