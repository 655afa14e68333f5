/*
 * sched/wait.c: wait queues and events. A queue's lock is held only across
 * list changes and the condition check, never across a switch. A timeout is
 * a timer on the waiter's own CPU; whichever comes first, the wake (which
 * unlinks the waiter under the lock) or the timer (which unlinks it under
 * the same lock), wins, and the other finds it gone.
 */
#include <errno.h>
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "sched/sched_priv.h"

void waitq_init(struct waitq *wq)
{
	wq->lock = (struct spinlock)SPINLOCK_INIT("waitq");
	list_init(&wq->waiters);
}

/* Runs on the waiter's CPU, interrupts off. */
static void wait_timeout(struct timer *tm)
{
	struct thread *t = container_of(tm, struct thread, timer);
	struct waitq *wq = t->waiting_on;
	spin_lock(&wq->lock);
	if (list_linked(&t->link)) {
		list_del(&t->link);
		t->wake_reason = -ETIMEDOUT;
		sched_make_ready_local(t);
	}
	spin_unlock(&wq->lock);
}

int waitq_wait(struct waitq *wq, bool (*cond)(void *arg), void *arg, uint64_t timeout_ns)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;
	uint64_t deadline = timeout_ns == WAITQ_FOREVER ? UINT64_MAX : time_ns() + timeout_ns;
	int ret = 0;
	uint64_t f = spin_lock_irqsave(&wq->lock);
	while (!cond(arg)) {
		if (deadline != UINT64_MAX && time_ns() >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		if (c->before_switch_due) {
			/* About to block: the work this thread left for its switch first, outside the queue's lock. */
			spin_unlock_irqrestore(&wq->lock, f);
			bool ran = sched_run_before_switch(0);
			f = spin_lock_irqsave(&wq->lock);
			if (ran)
				continue;   /* it may have taken time: look at cond again */
		}
		t->waiting_on = wq;
		t->wake_reason = 0;
		list_add_tail(&wq->waiters, &t->link);
		t->state = THREAD_BLOCKED;
		if (deadline != UINT64_MAX) {
			t->timer.fn = wait_timeout;
			if (timerq_add(&c->timers, &t->timer, deadline) != 0) {
				list_del(&t->link);
				t->state = THREAD_RUNNING;
				ret = -ENOMEM;
				break;
			}
		}
		spin_unlock(&wq->lock);
		sched_schedule();   /* interrupts stay off from the check to the switch */
		spin_lock(&wq->lock);
		t->waiting_on = NULL;
	}
	spin_unlock_irqrestore(&wq->lock, f);
	/* A timeout that raced with the condition becoming true still reports success. */
	return ret;
}

/* wq->lock held. */
static void wake_locked(struct waitq *wq, bool all)
{
	struct list_node *n;
	while ((n = list_pop_head(&wq->waiters))) {
		sched_wake(container_of(n, struct thread, link));
		if (!all)
			break;
	}
}

static void wake(struct waitq *wq, bool all)
{
	uint64_t f = spin_lock_irqsave(&wq->lock);
	wake_locked(wq, all);
	spin_unlock_irqrestore(&wq->lock, f);
}

void waitq_wake_one(struct waitq *wq)
{
	wake(wq, false);
}

void waitq_wake_all(struct waitq *wq)
{
	wake(wq, true);
}

void waitq_wake_one_locked(struct waitq *wq)
{
	wake_locked(wq, false);
}

void waitq_wake_all_locked(struct waitq *wq)
{
	wake_locked(wq, true);
}

void event_init(struct event *e)
{
	waitq_init(&e->wq);
	e->set = false;
}

void event_signal(struct event *e)
{
	__atomic_store_n(&e->set, true, __ATOMIC_RELEASE);
	waitq_wake_one(&e->wq);
}

/* Consumes the event if set; called with the queue lock held, so one waiter takes it. */
static bool event_take(void *arg)
{
	struct event *e = arg;
	return __atomic_exchange_n(&e->set, false, __ATOMIC_ACQ_REL);
}

int event_wait(struct event *e, uint64_t timeout_ns)
{
	return waitq_wait(&e->wq, event_take, e, timeout_ns);
}
