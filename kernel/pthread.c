/*
 * kernel/pthread.c: include/pthread.h over skiff threads and wait queues.
 *
 * A pthread_t is the skiff thread. What POSIX adds (the start routine's
 * void * result, detach and join states) lives in a record per thread
 * made by pthread_create, found by thread in a small hash table under one
 * spinlock (create, exit, join, detach: never on a hot path). The creator
 * enters the record before the new thread may start its routine, so every
 * later lookup finds it; a record goes at join, or at exit once detached.
 *
 * A mutex or condition is a wait queue (sched/sched.h) plus a few fields,
 * all guarded by the queue's own lock: the state a waiter's condition
 * reads is changed under the same lock as the queue, so no wake-up can be
 * lost, and wakers wake with the lock held (waitq_wake_*_locked) so their
 * last touch of the object is the unlock: a woken thread may destroy and
 * free it at once. All-zero bytes are a valid unlocked spinlock; the
 * queue's list is set up on first use (static initialisers have no
 * address to point it at).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "include/skiff.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "mm/heap.h"
#include "sched/sched.h"

struct pmutex {
	struct waitq wq;           /* its lock guards the fields below */
	struct thread *owner;      /* NULL: unlocked */
	unsigned count;            /* times the owner holds it (recursive) */
	int type;                  /* PTHREAD_MUTEX_* */
};

struct pcond {
	struct waitq wq;           /* its lock guards the fields below */
	uint64_t seq;              /* bumped by every signal and broadcast */
	unsigned waiters;          /* threads between sampling seq and being signalled */
	clockid_t clock;           /* of timedwait's abstime */
};

_Static_assert(sizeof(struct pmutex) <= sizeof(pthread_mutex_t), "pthread_mutex_t too small");
_Static_assert(sizeof(struct pcond) <= sizeof(pthread_cond_t), "pthread_cond_t too small");

/* The queue's list, on first use of a statically initialised object. */
static void wq_ready(struct waitq *wq)
{
	if (__atomic_load_n(&wq->waiters.next, __ATOMIC_ACQUIRE))
		return;
	uint64_t f = spin_lock_irqsave(&wq->lock);
	if (!wq->waiters.next)
		list_init(&wq->waiters);
	spin_unlock_irqrestore(&wq->lock, f);
}

/* ---- threads ---- */

struct precord {
	struct thread *t;
	void *(*start)(void *);
	void *arg;
	void *ret;                 /* what start returned or pthread_exit gave */
	bool published;            /* entered in the table: the thread may start */
	bool exited, detached, joining;
	struct precord *next;      /* hash chain */
};

#define PT_BUCKETS 64

static struct precord *pt_table[PT_BUCKETS];
static struct spinlock pt_lock = SPINLOCK_INIT("pthread");
static unsigned pt_next_cpu;

static unsigned pt_hash(const struct thread *t)
{
	uint64_t x = (uint64_t)(uintptr_t)t * 0x9e3779b97f4a7c15ull;
	return (unsigned)(x >> 58);   /* top 6 bits: 64 buckets */
}

/* pt_lock held. */
static struct precord *pt_find(const struct thread *t)
{
	struct precord *r = pt_table[pt_hash(t)];
	while (r && r->t != t)
		r = r->next;
	return r;
}

/* pt_lock held. */
static void pt_remove(struct precord *r)
{
	struct precord **pp = &pt_table[pt_hash(r->t)];
	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
}

/* The end of a pthread: keep its result for pthread_join, or go if detached. */
static __attribute__((noreturn)) void pt_finish(struct precord *r, void *ret)
{
	uint64_t f = spin_lock_irqsave(&pt_lock);
	r->ret = ret;
	r->exited = true;
	bool gone = r->detached;
	if (gone)
		pt_remove(r);
	spin_unlock_irqrestore(&pt_lock, f);
	if (gone)
		kfree(r);
	thread_exit(0);
}

static int pt_trampoline(void *arg)
{
	struct precord *r = arg;
	/* The creator enters the record right after thread_create() returns: a few instructions. */
	while (!__atomic_load_n(&r->published, __ATOMIC_ACQUIRE))
		thread_yield();
	pt_finish(r, r->start(r->arg));
}

int pthread_attr_init(pthread_attr_t *attr)
{
	attr->detachstate = PTHREAD_CREATE_JOINABLE;
	attr->cpu = -1;
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
	if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	attr->detachstate = state;
	return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
	*state = attr->detachstate;
	return 0;
}

int pthread_attr_setcpu_np(pthread_attr_t *attr, unsigned cpu)
{
	if (cpu >= skiff_cpu_count())
		return EINVAL;
	attr->cpu = (int)cpu;
	return 0;
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
	unsigned ncpu = skiff_cpu_count();
	unsigned cpu = attr && attr->cpu >= 0 ? (unsigned)attr->cpu
					      : __atomic_fetch_add(&pt_next_cpu, 1, __ATOMIC_RELAXED) % ncpu;
	if (cpu >= ncpu || !start)
		return EINVAL;
	struct precord *r = kzalloc(sizeof(*r));
	if (!r)
		return EAGAIN;
	bool detached = attr && attr->detachstate == PTHREAD_CREATE_DETACHED;
	r->start = start;
	r->arg = arg;
	r->detached = detached;
	struct thread *t = thread_create(pt_trampoline, r, cpu);
	if (!t) {
		kfree(r);
		return EAGAIN;
	}
	uint64_t f = spin_lock_irqsave(&pt_lock);
	r->t = t;
	r->next = pt_table[pt_hash(t)];
	pt_table[pt_hash(t)] = r;
	spin_unlock_irqrestore(&pt_lock, f);
	/* From here a detached thread may end and free r: do not touch it. */
	__atomic_store_n(&r->published, true, __ATOMIC_RELEASE);
	if (detached)
		thread_detach(t);
	*thread = t;
	return 0;
}

int pthread_join(pthread_t t, void **ret)
{
	if (t == thread_self())
		return EDEADLK;
	uint64_t f = spin_lock_irqsave(&pt_lock);
	struct precord *r = pt_find(t);
	int err = r && (r->detached || r->joining) ? EINVAL : 0;
	if (r && !err)
		r->joining = true;
	spin_unlock_irqrestore(&pt_lock, f);
	if (err)
		return err;
	if (thread_join(t, NULL)) {
		if (r) {
			f = spin_lock_irqsave(&pt_lock);
			r->joining = false;
			spin_unlock_irqrestore(&pt_lock, f);
		}
		return EINVAL;
	}
	void *v = NULL;
	if (r) {
		f = spin_lock_irqsave(&pt_lock);
		pt_remove(r);
		spin_unlock_irqrestore(&pt_lock, f);
		v = r->ret;
		kfree(r);
	}
	if (ret)
		*ret = v;
	return 0;
}

int pthread_detach(pthread_t t)
{
	uint64_t f = spin_lock_irqsave(&pt_lock);
	struct precord *r = pt_find(t);
	bool gone = false;
	if (r && (r->detached || r->joining)) {
		spin_unlock_irqrestore(&pt_lock, f);
		return EINVAL;
	}
	if (r && r->exited) {
		pt_remove(r);
		gone = true;
	} else if (r) {
		r->detached = true;   /* pt_finish frees it */
	}
	spin_unlock_irqrestore(&pt_lock, f);
	if (gone)
		kfree(r);
	thread_detach(t);
	return 0;
}

pthread_t pthread_self(void)
{
	return thread_self();
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

void pthread_exit(void *ret)
{
	uint64_t f = spin_lock_irqsave(&pt_lock);
	struct precord *r = pt_find(thread_self());
	spin_unlock_irqrestore(&pt_lock, f);
	if (r)
		pt_finish(r, ret);
	thread_exit(0);   /* a skiff thread not made by pthread_create */
}

int pthread_once(pthread_once_t *once, void (*fn)(void))
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
	if (__atomic_load_n(&once->state, __ATOMIC_ACQUIRE) == 2)
		return 0;
	pthread_mutex_lock(&lock);
	while (once->state == 1)
		pthread_cond_wait(&done, &lock);
	if (once->state == 0) {
		once->state = 1;
		pthread_mutex_unlock(&lock);
		fn();
		pthread_mutex_lock(&lock);
		__atomic_store_n(&once->state, 2, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&done);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

/* ---- mutexes ---- */

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
	attr->type = PTHREAD_MUTEX_DEFAULT;
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type)
{
	if (type != PTHREAD_MUTEX_NORMAL && type != PTHREAD_MUTEX_ERRORCHECK && type != PTHREAD_MUTEX_RECURSIVE)
		return EINVAL;
	attr->type = type;
	return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type)
{
	*type = attr->type;
	return 0;
}

int pthread_mutex_init(pthread_mutex_t *mm, const pthread_mutexattr_t *attr)
{
	struct pmutex *m = (struct pmutex *)mm;
	memset(mm, 0, sizeof(*mm));
	waitq_init(&m->wq);
	m->type = attr ? attr->type : PTHREAD_MUTEX_DEFAULT;
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *mm)
{
	struct pmutex *m = (struct pmutex *)mm;
	uint64_t f = spin_lock_irqsave(&m->wq.lock);
	bool busy = m->owner || (m->wq.waiters.next && !list_empty(&m->wq.waiters));
	spin_unlock_irqrestore(&m->wq.lock, f);
	return busy ? EBUSY : 0;
}

struct mutex_try {
	struct pmutex *m;
	struct thread *self;
};

/* The wait condition: under m's queue lock, take m if it is free. */
static bool mutex_take(void *arg)
{
	struct mutex_try *a = arg;
	if (a->m->owner)
		return false;
	__atomic_store_n(&a->m->owner, a->self, __ATOMIC_RELAXED);
	a->m->count = 1;
	return true;
}

/* The caller already owns m: count once more (recursive) or refuse. */
static int mutex_again(struct pmutex *m)
{
	if (m->type != PTHREAD_MUTEX_RECURSIVE)
		return EDEADLK;
	if (m->count >= 0x7fffffffu)
		return EAGAIN;
	m->count++;
	return 0;
}

int pthread_mutex_lock(pthread_mutex_t *mm)
{
	struct pmutex *m = (struct pmutex *)mm;
	struct mutex_try a = { m, thread_self() };
	/* Only this thread stores itself as owner, so seeing itself there is exact. */
	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) == a.self)
		return mutex_again(m);
	wq_ready(&m->wq);
	waitq_wait(&m->wq, mutex_take, &a, WAITQ_FOREVER);
	return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *mm)
{
	struct pmutex *m = (struct pmutex *)mm;
	struct thread *self = thread_self();
	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) == self)
		return m->type == PTHREAD_MUTEX_RECURSIVE ? mutex_again(m) : EBUSY;
	struct mutex_try a = { m, self };
	uint64_t f = spin_lock_irqsave(&m->wq.lock);
	bool got = mutex_take(&a);
	spin_unlock_irqrestore(&m->wq.lock, f);
	return got ? 0 : EBUSY;
}

int pthread_mutex_unlock(pthread_mutex_t *mm)
{
	struct pmutex *m = (struct pmutex *)mm;
	uint64_t f = spin_lock_irqsave(&m->wq.lock);
	if (m->owner != thread_self()) {
		spin_unlock_irqrestore(&m->wq.lock, f);
		return EPERM;
	}
	if (--m->count == 0) {
		__atomic_store_n(&m->owner, NULL, __ATOMIC_RELAXED);
		/* A list never set up has never had a waiter. */
		if (m->wq.waiters.next)
			waitq_wake_one_locked(&m->wq);
	}
	spin_unlock_irqrestore(&m->wq.lock, f);
	return 0;
}

/* ---- condition variables ---- */

int pthread_condattr_init(pthread_condattr_t *attr)
{
	attr->clock = CLOCK_REALTIME;
	return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	attr->clock = clock;
	return 0;
}

int pthread_condattr_getclock(const pthread_condattr_t *attr, clockid_t *clock)
{
	*clock = attr->clock;
	return 0;
}

int pthread_cond_init(pthread_cond_t *cc, const pthread_condattr_t *attr)
{
	struct pcond *c = (struct pcond *)cc;
	memset(cc, 0, sizeof(*cc));
	waitq_init(&c->wq);
	c->clock = attr ? attr->clock : CLOCK_REALTIME;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *cc)
{
	struct pcond *c = (struct pcond *)cc;
	for (;;) {
		uint64_t f = spin_lock_irqsave(&c->wq.lock);
		bool blocked = c->wq.waiters.next && !list_empty(&c->wq.waiters);
		unsigned left = c->waiters;
		spin_unlock_irqrestore(&c->wq.lock, f);
		if (blocked)
			return EBUSY;
		if (!left)
			return 0;
		/*
		 * Woken by a signal or broadcast but not yet run: they will
		 * still take c's lock once. POSIX lets the caller free c as
		 * soon as this returns, so let them finish first.
		 */
		thread_yield();
	}
}

struct cond_try {
	struct pcond *c;
	uint64_t seq;              /* c->seq when the wait began */
};

/*
 * The wait condition, under c's queue lock: a signal or broadcast came
 * since the wait began. The waiter stops counting as one here, under the
 * lock, so once a broadcast's waiters have run, destroy sees none.
 */
static bool cond_signalled(void *arg)
{
	struct cond_try *a = arg;
	if (a->c->seq == a->seq)
		return false;
	a->c->waiters--;
	return true;
}

/* Releases m, waits for a signal on c for up to timeout_ns, owns m again; 0, ETIMEDOUT or EPERM. */
static int cond_wait(struct pcond *c, struct pmutex *m, uint64_t timeout_ns)
{
	struct thread *self = thread_self();
	if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != self)
		return EPERM;
	wq_ready(&c->wq);
	struct cond_try a = { c, 0 };
	uint64_t f = spin_lock_irqsave(&c->wq.lock);
	a.seq = c->seq;   /* before m goes: a signal given under m after this is seen */
	c->waiters++;
	spin_unlock_irqrestore(&c->wq.lock, f);
	unsigned count = m->count;
	m->count = 1;
	pthread_mutex_unlock((pthread_mutex_t *)m);
	int r = waitq_wait(&c->wq, cond_signalled, &a, timeout_ns);
	if (r == -ETIMEDOUT) {
		f = spin_lock_irqsave(&c->wq.lock);
		c->waiters--;
		spin_unlock_irqrestore(&c->wq.lock, f);
	} else if (r) {
		/* No timer slot for the timeout: return as a spurious wake-up (the caller re-checks). */
		f = spin_lock_irqsave(&c->wq.lock);
		c->waiters--;
		spin_unlock_irqrestore(&c->wq.lock, f);
		r = 0;
	}
	pthread_mutex_lock((pthread_mutex_t *)m);
	m->count = count;
	return r == -ETIMEDOUT ? ETIMEDOUT : 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	return cond_wait((struct pcond *)c, (struct pmutex *)m, WAITQ_FOREVER);
}

int pthread_cond_timedwait(pthread_cond_t *cc, pthread_mutex_t *m, const struct timespec *abstime)
{
	struct pcond *c = (struct pcond *)cc;
	if (!abstime || abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000L)
		return EINVAL;
	uint64_t now = c->clock == CLOCK_MONOTONIC ? time_ns() : time_wall_ns();
	uint64_t until = abstime->tv_sec < 0 ? 0 : (uint64_t)abstime->tv_sec * NSEC_PER_SEC + (uint64_t)abstime->tv_nsec;
	return cond_wait(c, (struct pmutex *)m, until > now ? until - now : 0);
}

/* Wakes one waiter (or all) with c's lock held, so c may be freed by the woken at once. */
static int cond_wake(struct pcond *c, bool all)
{
	uint64_t f = spin_lock_irqsave(&c->wq.lock);
	c->seq++;
	if (c->wq.waiters.next) {
		if (all)
			waitq_wake_all_locked(&c->wq);
		else
			waitq_wake_one_locked(&c->wq);
	}
	spin_unlock_irqrestore(&c->wq.lock, f);
	return 0;
}

int pthread_cond_signal(pthread_cond_t *c)
{
	return cond_wake((struct pcond *)c, false);
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	return cond_wake((struct pcond *)c, true);
}
