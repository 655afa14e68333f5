/*
 * sock/sock_os.h: the little the socket layer needs from its OS, so that
 * sock/ builds both into the kernel (kernel/sock_os.c: skiff threads and
 * events) and on a Linux host for tests (tests/fakes/sock_os_host.c:
 * pthreads, a mutex and a condition variable per thread).
 *
 * Promises asked of an implementation:
 *   - sock_os_waiter() is the calling thread's own waiter, the same one on
 *     every call from that thread; it lives as long as the thread;
 *   - sock_os_wake() may be called from any thread or CPU, from interrupt
 *     handlers and under any lock (the stack lock in particular); it never
 *     blocks; a wake before the wait is not lost (one bit: several wakes
 *     coalesce into one, and a wait may also return for a stale wake, so
 *     callers re-check their condition);
 *   - sock_os_wait() blocks the thread (never the CPU) until a wake or the
 *     deadline (sock_os_now() time; SOCK_OS_FOREVER: none) and returns 0
 *     or -ETIMEDOUT;
 *   - sock_os_zalloc() returns zeroed memory or NULL; never blocks;
 *   - struct sock_spin is a short-hold lock usable from any context that
 *     wakes (interrupt handlers included): the kernel's disables
 *     interrupts; holders never block or yield.
 */
#ifndef SOCK_SOCK_OS_H
#define SOCK_SOCK_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOCK_OS_FOREVER UINT64_MAX

struct sock_waiter;

struct sock_waiter *sock_os_waiter(void);
void sock_os_wake(struct sock_waiter *w);
int sock_os_wait(struct sock_waiter *w, uint64_t deadline_ns);
/* Monotonic nanoseconds. */
uint64_t sock_os_now(void);
/* The calling thread's CPU, for accept steering (tcp_accept_on); -1 when it does not matter (host). */
int sock_os_cpu(void);
/* [p, p + len) never changes while the system runs (the image's read-only
 * data): a TCP send may queue it by reference (MSG_SKIFF_STATIC). */
bool sock_os_static(const void *p, size_t len);
void *sock_os_zalloc(size_t size);
void sock_os_free(void *p);

struct sock_spin {
	uint32_t locked;
};
#define SOCK_SPIN_INIT { 0 }

/* Returns what sock_spin_unlock() restores (the interrupt flag). */
unsigned long sock_spin_lock(struct sock_spin *l);
void sock_spin_unlock(struct sock_spin *l, unsigned long saved);

#endif
