/*
 * xv6/xv6_os.h: the little the xv6 face needs besides POSIX sockets (a
 * thread identity, a clock, a lock), for both places it runs: in a skiff
 * image (freestanding: include/skiff.h alone) and on a Linux host for its
 * tests (hosted: pthread and clock_gettime).
 *
 * The lock guards the socket table. It is held only across table updates
 * and calls that do not wait for anything (socket, bind, listen, fcntl,
 * close), never across a blocking call, so in the image a thread that
 * finds it taken yields its CPU and tries again: the holder, on this CPU
 * or another, is about to let go.
 */
#ifndef XV6_XV6_OS_H
#define XV6_XV6_OS_H

#include <stdint.h>
#include <sys/socket.h>

#if __STDC_HOSTED__
#include <pthread.h>
#include <time.h>

struct xv6_mutex {
	pthread_mutex_t m;
};
#define XV6_MUTEX_INIT { PTHREAD_MUTEX_INITIALIZER }

static inline void xv6_mutex_lock(struct xv6_mutex *l)
{
	pthread_mutex_lock(&l->m);
}

static inline void xv6_mutex_unlock(struct xv6_mutex *l)
{
	pthread_mutex_unlock(&l->m);
}

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

struct xv6_mutex {
	int locked;		/* atomic */
};
#define XV6_MUTEX_INIT { 0 }

static inline void xv6_mutex_lock(struct xv6_mutex *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		thread_yield();
}

static inline void xv6_mutex_unlock(struct xv6_mutex *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

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
