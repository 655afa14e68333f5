/*
 * sched/thread.c: thread life cycle: create (locally or on another CPU
 * through its inbox), yield, sleep, exit, join, detach.
 *
 * A thread's memory (struct and stack) is freed only once its CPU has
 * switched off its stack (sched_finish_switch sets `dead`): by the joiner,
 * or by that CPU itself for a detached thread. So a joiner on another CPU
 * can never free a stack still in use.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/switch.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "mm/heap.h"
#include "sched/sched_priv.h"

void sched_post_new(struct thread *t);
void stack_get_stats(uint64_t *mapped, uint64_t *nfree);

uint64_t sched_threads_alive;
static uint64_t threads_created;
static unsigned next_id = 1;

static void thread_init_common(struct thread *t, struct cpu *c)
{
	t->cpu = c;
	t->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
	list_init(&t->link);
	timer_init(&t->timer, NULL);
	waitq_init(&t->join_wq);
	event_init(&t->wake);
}

/* A new thread's first code (switch_frame_init's entry): finish the switch that brought it here, run, exit. */
static void thread_entry(void *arg)
{
	struct thread *t = arg;
	sched_finish_switch();
	irq_enable();
	thread_exit(t->fn(t->arg));
}

struct thread *thread_create(int (*fn)(void *arg), void *arg, unsigned cpu)
{
	if (cpu >= MAX_CPUS || !cpus[cpu].online)
		return NULL;
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->stack = stack_alloc();
	if (!t->stack) {
		kfree(t);
		return NULL;
	}
	thread_init_common(t, &cpus[cpu]);
	t->fn = fn;
	t->arg = arg;
	t->rsp = switch_frame_init((char *)t->stack + STACK_SLOT, thread_entry, t);
	__atomic_fetch_add(&sched_threads_alive, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&threads_created, 1, __ATOMIC_RELAXED);
	sched_post_new(t);
	return t;
}

void thread_yield(void)
{
	sched_run_before_switch(0);
	uint64_t f = irq_save();
	sched_schedule();
	irq_restore(f);
}

static void sleep_timeout(struct timer *tm)
{
	struct thread *t = container_of(tm, struct thread, timer);
	t->wake_reason = -ETIMEDOUT;
	sched_make_ready_local(t);
}

int thread_sleep(uint64_t ns)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;
	sched_run_before_switch(0);
	uint64_t f = irq_save();
	t->timer.fn = sleep_timeout;
	if (timerq_add(&c->timers, &t->timer, time_ns() + ns) != 0) {
		irq_restore(f);
		return -ENOMEM;
	}
	t->state = THREAD_BLOCKED;
	sched_schedule();
	irq_restore(f);
	return 0;
}

void thread_exit(int status)
{
	sched_run_before_switch(0);
	irq_disable();
	struct cpu *c = this_cpu();
	struct thread *t = c->current;
	if (t == c->idle || !t->stack)
		panic("sched: thread %u (%s) cannot exit", t->id, t == c->idle ? "idle" : "boot");
	t->exit_status = status;
	t->state = THREAD_ZOMBIE;
	c->zombie = t;             /* finished by the next thread, once off this stack */
	sched_schedule();
	panic("sched: exited thread %u ran again", t->id);
}

static bool thread_dead(void *arg)
{
	return __atomic_load_n(&((struct thread *)arg)->dead, __ATOMIC_ACQUIRE);
}

int thread_join(struct thread *t, int *status)
{
	if (!t || t == thread_self() || t->detached)
		return -EINVAL;
	waitq_wait(&t->join_wq, thread_dead, t, WAITQ_FOREVER);
	if (status)
		*status = t->exit_status;
	stack_free(t->stack);
	kfree(t);
	__atomic_fetch_sub(&sched_threads_alive, 1, __ATOMIC_RELAXED);
	return 0;
}

void thread_detach(struct thread *t)
{
	/* A detached thread that is already dead has nobody left to free it: do it now. */
	uint64_t f = spin_lock_irqsave(&t->join_wq.lock);
	t->detached = true;
	bool dead = thread_dead(t);
	spin_unlock_irqrestore(&t->join_wq.lock, f);
	if (dead) {
		t->detached = false;
		thread_join(t, NULL);
	}
}

struct thread *thread_self(void)
{
	return this_cpu()->current;
}

unsigned thread_id(const struct thread *t)
{
	return t->id;
}

unsigned thread_cpu(const struct thread *t)
{
	return t->cpu->id;
}

struct event *thread_wake_event(struct thread *t)
{
	return &t->wake;
}

int *thread_errno(struct thread *t)
{
	return &t->err;
}

void sched_get_stats(struct sched_stats *st)
{
	st->threads_alive = __atomic_load_n(&sched_threads_alive, __ATOMIC_RELAXED);
	st->threads_created = __atomic_load_n(&threads_created, __ATOMIC_RELAXED);
	stack_get_stats(&st->stacks_mapped, &st->stacks_free);
}

/* Each CPU's idle thread runs on the stack the CPU booted on; it needs no slot. */
static struct thread idle_threads[MAX_CPUS];
static struct thread boot_thread;

void sched_install_handlers(void);

void sched_init_bsp(void)
{
	struct cpu *c = this_cpu();
	runq_init(&c->runq);
	timerq_init(&c->timers, krealloc);
	inbox_init(&c->inbox);
	c->online = true;
	/* The boot context becomes thread "main": it runs kmain and then the app. */
	thread_init_common(&boot_thread, c);
	boot_thread.state = THREAD_RUNNING;
	c->current = &boot_thread;
	sched_install_handlers();
}

__attribute__((noreturn)) void sched_idle_loop(void);

/* The BSP's idle thread's first code: as thread_entry, but it never exits. */
static void idle_entry(void *arg)
{
	(void)arg;
	sched_finish_switch();
	irq_enable();
	sched_idle_loop();
}

/*
 * The BSP's idle thread needs a stack of its own (the boot stack belongs to
 * "main"); an AP's idle thread is the AP's boot context itself.
 */
void sched_init_cpu(void)
{
	struct cpu *c = this_cpu();
	struct thread *idle = &idle_threads[c->id];
	thread_init_common(idle, c);
	c->idle = idle;
	if (c->current) {
		idle->stack = stack_alloc();
		if (!idle->stack)
			panic("sched: no memory for CPU %u's idle stack", c->id);
		idle->rsp = switch_frame_init((char *)idle->stack + STACK_SLOT, idle_entry, NULL);
		idle->state = THREAD_READY;
	}
}

void sched_run_ap(void)
{
	struct cpu *c = this_cpu();
	runq_init(&c->runq);
	timerq_init(&c->timers, krealloc);
	inbox_init(&c->inbox);
	sched_init_cpu();
	c->idle->state = THREAD_RUNNING;
	c->current = c->idle;
	/* Only now may other CPUs post to this one: its inbox and run queue exist. */
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	sched_idle_loop();
}
