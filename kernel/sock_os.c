/*
 * kernel/sock_os.c: the socket layer's OS boundary (sock/sock_os.h) on
 * skiff threads, and the kernel's default socket stack.
 *
 * A thread's waiter is its own wake event (sched/: thread_wake_event()),
 * so waking is event_signal(): safe from any CPU, from interrupt handlers
 * and under the stack lock (it takes only the event's wait-queue lock,
 * which no stack code ever holds while taking the stack lock). sock_spin
 * disables interrupts and counts as a held lock, so the scheduler refuses
 * a yield under it, as with struct spinlock.
 *
 * sock_net_default() is the kernel's one stack (kernel/netdev.c) with
 * netdev_lock/netdev_unlock as its lock.
 */
#include <errno.h>
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "kernel/cpu.h"
#include "kernel/netdev.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "mm/heap.h"
#include "sched/sched.h"
#include "sock/sock.h"
#include "sock/sock_os.h"

struct sock_waiter *sock_os_waiter(void)
{
	return (struct sock_waiter *)thread_wake_event(thread_self());
}

void sock_os_wake(struct sock_waiter *w)
{
	event_signal((struct event *)w);
}

int sock_os_wait(struct sock_waiter *w, uint64_t deadline_ns)
{
	uint64_t now = time_ns();
	int err;

	if (deadline_ns == SOCK_OS_FOREVER)
		return event_wait((struct event *)w, WAITQ_FOREVER) ? -ETIMEDOUT : 0;
	if (now >= deadline_ns)
		return -ETIMEDOUT;
	err = event_wait((struct event *)w, deadline_ns - now);
	/* -ENOMEM (no timer slot) ends the wait like a timeout: no spinning. */
	return err ? -ETIMEDOUT : 0;
}

uint64_t sock_os_now(void)
{
	return time_ns();
}

/* Threads are pinned: the CPU stays the caller's for the call. */
/* linker.ld: the bounds of .rodata (embedded files, string constants). */
extern const char __rodata_start[], __rodata_end[];

bool sock_os_static(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)__rodata_start, hi = (uintptr_t)__rodata_end;

	return a >= lo && a <= hi && len <= hi - a;
}

int sock_os_cpu(void)
{
	return (int)cpu_id();
}

void *sock_os_zalloc(size_t size)
{
	return kzalloc(size);
}

void sock_os_free(void *p)
{
	kfree(p);
}

unsigned long sock_spin_lock(struct sock_spin *l)
{
	uint64_t f = irq_save();

	this_cpu()->locks_held++;
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
	}
	return f;
}

void sock_spin_unlock(struct sock_spin *l, unsigned long saved)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	this_cpu()->locks_held--;
	irq_restore(saved);
}

static void default_lock(void *ctx)
{
	(void)ctx;
	netdev_lock();
}

static void default_unlock(void *ctx)
{
	(void)ctx;
	netdev_unlock();
}

static struct sock_net default_net = {
	.lock = default_lock,
	.unlock = default_unlock,
};

struct sock_net *sock_net_default(void)
{
	/* netdev_init() made the stack before any app runs; every caller
	 * stores the same pointer. */
	if (!default_net.ns)
		default_net.ns = netdev_stack();
	return default_net.ns ? &default_net : NULL;
}
