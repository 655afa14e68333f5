/*
 * include/pthread.h: a POSIX threads subset over skiff threads, so that
 * thread-per-connection servers port as they are.
 *
 * A pthread is a skiff thread (include/skiff.h): cooperative, bound to one
 * CPU for life. pthread_create puts the new thread on the next online CPU
 * in turn (round-robin over every CPU, the caller's included), unless the
 * attribute names one (pthread_attr_setcpu_np, a skiff extension). Since
 * threads are cooperative, a thread on the caller's CPU runs once the
 * caller blocks, sleeps, yields or exits.
 *
 * Mutexes and condition variables block the thread, never the CPU, on any
 * CPU: a thread waiting for a mutex held on another CPU lets the other
 * threads of its own CPU run. Mutexes are not fair (a thread that unlocks
 * and locks again may get it before a woken waiter). Condition waits may
 * wake spuriously, as POSIX allows. Static initialisers need no init call.
 *
 * Functions return 0 or a positive error number, as POSIX says (they do
 * not set errno). Not provided: cancellation, signals, thread-specific
 * data, rwlocks, process-shared objects; pthread_exit from main (main's
 * return ends the app).
 */
#ifndef SKIFF_PTHREAD_H
#define SKIFF_PTHREAD_H

#include <stddef.h>
#include <time.h>

struct thread;
typedef struct thread *pthread_t;   /* the skiff thread itself: pthread_self() works in any thread */

#define PTHREAD_CREATE_JOINABLE 0
#define PTHREAD_CREATE_DETACHED 1

typedef struct {
	int detachstate;   /* PTHREAD_CREATE_* */
	int cpu;           /* -1: round-robin */
} pthread_attr_t;

int pthread_attr_init(pthread_attr_t *attr);
int pthread_attr_destroy(pthread_attr_t *attr);
int pthread_attr_setdetachstate(pthread_attr_t *attr, int state);
int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state);
/* skiff: run the thread on CPU cpu (EINVAL if not online at create time). */
int pthread_attr_setcpu_np(pthread_attr_t *attr, unsigned cpu);

/* attr may be NULL. EAGAIN when no thread could be made, EINVAL for a bad CPU. */
int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg);
/* Waits for t, stores what it returned (or gave pthread_exit) in *ret. EDEADLK (self), EINVAL (detached, or already being joined). */
int pthread_join(pthread_t t, void **ret);
/* t's memory goes when it ends; it may no longer be joined. EINVAL if already detached. */
int pthread_detach(pthread_t t);
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);
__attribute__((noreturn)) void pthread_exit(void *ret);

#define PTHREAD_MUTEX_NORMAL 0
#define PTHREAD_MUTEX_ERRORCHECK 1
#define PTHREAD_MUTEX_RECURSIVE 2
#define PTHREAD_MUTEX_DEFAULT PTHREAD_MUTEX_NORMAL

typedef struct {
	int type;          /* PTHREAD_MUTEX_* */
} pthread_mutexattr_t;

/* Opaque; all zero bytes is an unlocked default mutex. */
typedef struct {
	long opaque[8];
} pthread_mutex_t;

#define PTHREAD_MUTEX_INITIALIZER { { 0 } }

int pthread_mutexattr_init(pthread_mutexattr_t *attr);
int pthread_mutexattr_destroy(pthread_mutexattr_t *attr);
int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type);
int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type);

/* attr may be NULL (a default mutex). */
int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
/* EBUSY while locked. */
int pthread_mutex_destroy(pthread_mutex_t *m);
/* Blocks until the caller owns m. EDEADLK if it does already (recursive: counts once more, EAGAIN past 2^31). */
int pthread_mutex_lock(pthread_mutex_t *m);
/* EBUSY instead of blocking. */
int pthread_mutex_trylock(pthread_mutex_t *m);
/* EPERM when the caller does not own m. */
int pthread_mutex_unlock(pthread_mutex_t *m);

typedef struct {
	clockid_t clock;   /* of pthread_cond_timedwait's abstime: CLOCK_REALTIME (default) or CLOCK_MONOTONIC */
} pthread_condattr_t;

/* Opaque; all zero bytes is a condition variable timed on CLOCK_REALTIME. */
typedef struct {
	long opaque[8];
} pthread_cond_t;

#define PTHREAD_COND_INITIALIZER { { 0 } }

int pthread_condattr_init(pthread_condattr_t *attr);
int pthread_condattr_destroy(pthread_condattr_t *attr);
int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock);
int pthread_condattr_getclock(const pthread_condattr_t *attr, clockid_t *clock);

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr);
/* EBUSY while threads wait on it; waits for the ones just woken to leave it. */
int pthread_cond_destroy(pthread_cond_t *c);
/* Releases m (which the caller owns: else EPERM), waits for a signal, owns m again on return. */
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
/*
 * As pthread_cond_wait, until abstime on the condition's clock at the
 * latest: ETIMEDOUT then (m owned again). EINVAL for tv_nsec outside
 * 0 .. 999999999.
 */
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_cond_broadcast(pthread_cond_t *c);

typedef struct {
	int state;         /* 0 not run, 1 running, 2 done */
} pthread_once_t;

#define PTHREAD_ONCE_INIT { 0 }

/* Runs fn exactly once across every caller; the others wait until it returned. */
int pthread_once(pthread_once_t *once, void (*fn)(void));

#endif
