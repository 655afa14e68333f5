/*
 * sock_os_host.c: the socket layer's OS boundary on pthreads (see
 * sock_os_host.h and sock/sock_os.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "sock_os_host.h"
#include "../../sock/sock.h"
#include "../../sock/sock_os.h"

struct sock_waiter {
	pthread_mutex_t m;
	pthread_cond_t c;
	bool set;
};

static _Thread_local struct sock_waiter me;
static _Thread_local bool me_ready;
static long live;
static long allocs;
static struct sock_net *default_net;

struct sock_waiter *sock_os_waiter(void)
{
	if (!me_ready) {
		pthread_condattr_t ca;

		pthread_mutex_init(&me.m, NULL);
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&me.c, &ca);
		pthread_condattr_destroy(&ca);
		me_ready = true;
	}
	return &me;
}

void sock_os_wake(struct sock_waiter *w)
{
	pthread_mutex_lock(&w->m);
	w->set = true;
	pthread_cond_signal(&w->c);
	pthread_mutex_unlock(&w->m);
}

int sock_os_wait(struct sock_waiter *w, uint64_t deadline_ns)
{
	struct timespec ts = { (time_t)(deadline_ns / 1000000000u),
			       (long)(deadline_ns % 1000000000u) };
	int ret = 0;

	pthread_mutex_lock(&w->m);
	while (!w->set) {
		if (deadline_ns == SOCK_OS_FOREVER) {
			pthread_cond_wait(&w->c, &w->m);
		} else if (pthread_cond_timedwait(&w->c, &w->m, &ts) == ETIMEDOUT) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	w->set = false;
	pthread_mutex_unlock(&w->m);
	return ret;
}

/* The tests mark no memory static: every send copies. */
bool sock_os_static(const void *p, size_t len)
{
	(void)p;
	(void)len;
	return false;
}

int sock_os_cpu(void)
{
	return -1;	/* host threads migrate: no steering */
}

uint64_t sock_os_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void *sock_os_zalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (p) {
		__atomic_fetch_add(&live, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&allocs, 1, __ATOMIC_RELAXED);
	}
	return p;
}

void sock_os_free(void *p)
{
	if (!p)
		return;
	__atomic_fetch_sub(&live, 1, __ATOMIC_RELAXED);
	free(p);
}

unsigned long sock_spin_lock(struct sock_spin *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		sched_yield();
	return 0;
}

void sock_spin_unlock(struct sock_spin *l, unsigned long saved)
{
	(void)saved;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

long sock_os_host_live(void)
{
	return __atomic_load_n(&live, __ATOMIC_RELAXED);
}

long sock_os_host_allocs(void)
{
	return __atomic_load_n(&allocs, __ATOMIC_RELAXED);
}

void sock_os_host_set_default(struct sock_net *sn)
{
	default_net = sn;
}

struct sock_net *sock_net_default(void)
{
	return default_net;
}
