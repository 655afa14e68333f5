/*
 * sched/sched.c: the per-CPU scheduler core. Each CPU runs its own threads
 * from its own run queue; the only cross-CPU traffic is the inbox (lock-free
 * posts) plus an IPI when the target is halted. Interrupt handlers (timer,
 * devices) only move threads to the ready queue; switching happens at
 * cooperative points (yield, sleep, block, exit) and in the idle loop.
 *
 * Lost-wakeup freedom across CPUs: the idle loop publishes `halted`, then
 * re-checks the inbox; a poster pushes, then reads `halted` (both with a
 * full fence between their store and load), so at least one side sees the
 * other and either the message is taken or the IPI is sent.
 */
#include <errno.h>
#include <stdint.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/switch.h"
#include "arch/x86_64/trap.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "sched/sched_priv.h"

static bool make_ready(struct thread *t);

static void process_inbox(struct cpu *c)
{
	struct inbox_msg *m = inbox_take_all(&c->inbox);
	while (m) {
		struct inbox_msg *next = m->next;
		struct thread *t = container_of(m, struct thread, msg);
		if (m->kind == INBOX_NEW_THREAD) {
			c->stats.threads_created++;
			t->state = THREAD_BLOCKED;
			make_ready(t);
		} else if (make_ready(t)) {
			c->stats.wakeups_remote++;
		}
		m = next;
	}
}

/* Owner CPU, interrupts off. False when t was not blocked (a stale or duplicate wake). */
static bool make_ready(struct thread *t)
{
	struct cpu *c = t->cpu;
	timerq_cancel(&c->timers, &t->timer);
	if (t->state != THREAD_BLOCKED)
		return false;
	if (t == c->current) {
		/* Woken between deciding to block and switching away: just keep running. */
		t->state = THREAD_RUNNING;
		return true;
	}
	t->state = THREAD_READY;
	runq_push(&c->runq, &t->link);
	return true;
}

void sched_make_ready_local(struct thread *t)
{
	if (make_ready(t))
		t->cpu->stats.wakeups_local++;
}

static void post(struct cpu *target, struct thread *t, int kind)
{
	t->msg.kind = kind;
	inbox_push(&target->inbox, &t->msg);
	/* Full fence: the push must be visible before we read `halted` (see the file comment). */
	mb();
	if (target->halted) {
		this_cpu()->stats.ipis_sent++;
		lapic_send_ipi(target->apic_id, IRQ_VECTOR_IPI);
	}
}

void sched_wake(struct thread *t)
{
	struct cpu *c = this_cpu();
	if (t->cpu == c) {
		uint64_t f = irq_save();
		sched_make_ready_local(t);
		irq_restore(f);
	} else {
		post(t->cpu, t, INBOX_WAKE);
	}
}

void sched_post_new(struct thread *t);
void sched_post_new(struct thread *t)
{
	struct cpu *c = this_cpu();
	if (t->cpu == c) {
		uint64_t f = irq_save();
		c->stats.threads_created++;
		t->state = THREAD_READY;
		runq_push(&c->runq, &t->link);
		irq_restore(f);
	} else {
		post(t->cpu, t, INBOX_NEW_THREAD);
	}
}

/* Called on the new thread's stack right after every switch. */
void sched_finish_switch(void)
{
	struct cpu *c = this_cpu();
	struct thread *z = c->zombie;
	if (!z)
		return;
	c->zombie = NULL;
	/* z is off its stack now: only from here may anyone free it. */
	if (z->detached) {
		stack_free(z->stack);
		kfree(z);
		extern uint64_t sched_threads_alive;
		__atomic_fetch_sub(&sched_threads_alive, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_store_n(&z->dead, true, __ATOMIC_RELEASE);
	waitq_wake_all(&z->join_wq);
}

static void (*before_switch_fn)(void);

void sched_set_before_switch(void (*fn)(void))
{
	before_switch_fn = fn;
}

void sched_want_before_switch(void)
{
	this_cpu()->before_switch_due = true;
}

bool sched_run_before_switch(unsigned held)
{
	struct cpu *c = this_cpu();
	/* Only the running thread sets or clears the flag, and it cannot be switched out meanwhile. */
	if (!c->before_switch_due || c->locks_held != held)
		return false;
	c->before_switch_due = false;
	if (before_switch_fn)
		before_switch_fn();
	return true;
}

void sched_schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current;
	if (c->locks_held)
		panic("sched: thread %u switching with %u spinlock(s) held", prev->id, c->locks_held);
	process_inbox(c);
	timerq_run(&c->timers, time_ns());
	if (prev->state == THREAD_RUNNING && prev != c->idle) {
		/* A yield: behind everyone already ready. */
		prev->state = THREAD_READY;
		runq_push(&c->runq, &prev->link);
	}
	struct list_node *n = runq_pop(&c->runq);
	struct thread *next = n ? container_of(n, struct thread, link) : c->idle;
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		return;
	}
	if (next == c->idle && prev->state == THREAD_RUNNING)
		return;            /* the idle loop itself found nothing to run */
	next->state = THREAD_RUNNING;
	c->current = next;
	c->stats.switches++;
	switch_to(&prev->rsp, next->rsp);
	sched_finish_switch();
}

static void ipi_handler(void *ctx)
{
	(void)ctx;
	/* Nothing to do here: waking from hlt is the point; the idle loop drains the inbox. */
	this_cpu()->stats.ipis_received++;
}

static void timer_handler(void *ctx)
{
	(void)ctx;
	struct cpu *c = this_cpu();
	c->timer_armed = 0;
	timerq_run(&c->timers, time_ns());
}

void sched_install_handlers(void);
void sched_install_handlers(void)
{
	irq_set_handler(IRQ_VECTOR_IPI, ipi_handler, NULL);
	lapic_timer_set_handler(timer_handler, NULL);
}

/*
 * A halt that began at t0 ended: its time joins idle_ns. The sequence
 * count lets another CPU read idle_ns and idle_since as one pair.
 */
static void idle_account(struct cpu *c, uint64_t t0)
{
	uint64_t t1 = time_ns();

	__atomic_store_n(&c->idle_seq, c->idle_seq + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&c->idle_ns, c->idle_ns + (t1 - t0), __ATOMIC_RELAXED);
	__atomic_store_n(&c->idle_since, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&c->idle_seq, c->idle_seq + 1, __ATOMIC_RELEASE);
}

uint64_t sched_cpu_switches(unsigned id)
{
	if (id >= MAX_CPUS || !cpus[id].online)
		return 0;
	return __atomic_load_n(&cpus[id].stats.switches, __ATOMIC_RELAXED);
}

uint64_t sched_cpu_idle_ns(unsigned id)
{
	struct cpu *c;
	uint64_t s1, s2, idle, since;

	if (id >= MAX_CPUS || !cpus[id].online)
		return 0;
	c = &cpus[id];
	do {
		s1 = __atomic_load_n(&c->idle_seq, __ATOMIC_ACQUIRE);
		idle = __atomic_load_n(&c->idle_ns, __ATOMIC_RELAXED);
		since = __atomic_load_n(&c->idle_since, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&c->idle_seq, __ATOMIC_RELAXED);
	} while (s1 != s2 || (s1 & 1));
	if (since) {
		uint64_t now = time_ns();

		idle += now > since ? now - since : 0;
	}
	return idle;
}

/* The idle thread of each CPU: run whatever is ready, else halt until an interrupt. */
__attribute__((noreturn)) void sched_idle_loop(void);
__attribute__((noreturn)) void sched_idle_loop(void)
{
	struct cpu *c = this_cpu();
	for (;;) {
		irq_disable();
		sched_schedule();
		/* Back on the idle thread: nothing was ready. Give back blocks other CPUs freed to us. */
		mm_drain_remote_frees();
		/* Arm for the next timer and halt. */
		uint64_t next = timerq_next(&c->timers);
		if (next != UINT64_MAX && next <= time_ns())
			continue;
		if (next != c->timer_armed) {
			c->timer_armed = next == UINT64_MAX ? 0 : next;
			lapic_timer_set(c->timer_armed);
		}
		c->halted = true;
		mb();
		if (!inbox_empty(&c->inbox) || !runq_empty(&c->runq)) {
			c->halted = false;
			continue;
		}
		c->stats.halts++;
		uint64_t t0 = time_ns();
		__atomic_store_n(&c->idle_since, t0, __ATOMIC_RELEASE);
		cpu_idle();   /* sti; hlt: an interrupt wakes us, its handler runs, then we continue */
		c->halted = false;
		idle_account(c, t0);
	}
}
