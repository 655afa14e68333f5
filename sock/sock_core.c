/*
 * sock/sock_core.c: what every socket shares (see sock.h): creation and
 * the reference count, cancel and close, the blocking loop, timeouts,
 * watches, and dispatch to the protocol (sock_tcp.c, sock_udp.c).
 *
 * Waiting follows the hazards of the stack lock (REVIEW-net.md): state is
 * tried and a watch registered under the stack lock, the thread then waits
 * on its own waiter with no lock held, and the engine's callbacks (under
 * the stack lock) notify the watches, which only wake waiters. Nothing
 * here takes the stack lock inside a wait condition.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sock/sock_os.h"
#include "sock/sock_priv.h"

void sock_net_init(struct sock_net *sn, struct netstack *ns,
		   void (*lock)(void *ctx), void (*unlock)(void *ctx),
		   void *ctx)
{
	sn->ns = ns;
	sn->lock = lock;
	sn->unlock = unlock;
	sn->ctx = ctx;
	sn->open = 0;
}

unsigned long sock_net_open_count(const struct sock_net *sn)
{
	return __atomic_load_n(&sn->open, __ATOMIC_ACQUIRE);
}

void sock_lock(struct sock *s)
{
	s->sn->lock(s->sn->ctx);
}

void sock_unlock(struct sock *s)
{
	s->sn->unlock(s->sn->ctx);
}

struct sock *sock_alloc(struct sock_net *sn, enum sock_type type)
{
	struct sock *s = sock_os_zalloc(sizeof(*s));

	if (!s)
		return NULL;
	s->sn = sn;
	s->type = type;
	s->proto = type == SOCK_T_STREAM ? &sock_tcp_proto : &sock_udp_proto;
	s->refs = 1;
	s->linger = -1;
	list_init(&s->watches);
	__atomic_fetch_add(&sn->open, 1, __ATOMIC_RELAXED);
	return s;
}

int sock_create(struct sock_net *sn, enum sock_type type, struct sock **out)
{
	struct sock *s;
	int err;

	if (!sn || !sn->ns)
		return -ENETDOWN;
	if (type != SOCK_T_STREAM && type != SOCK_T_DGRAM)
		return -ESOCKTNOSUPPORT;
	s = sock_alloc(sn, type);
	if (!s)
		return -ENOMEM;
	sock_lock(s);
	err = s->proto->init(s);
	sock_unlock(s);
	if (err) {
		__atomic_fetch_sub(&sn->open, 1, __ATOMIC_RELEASE);
		sock_os_free(s);
		return err;
	}
	*out = s;
	return 0;
}

void sock_hold(struct sock *s)
{
	__atomic_fetch_add(&s->refs, 1, __ATOMIC_RELAXED);
}

void sock_put(struct sock *s)
{
	struct sock_net *sn = s->sn;

	if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		return;
	sock_lock(s);
	/* First, while the pcb still exists: whoever still watches (an
	 * epoll set) must forget this socket and may poll it until then. */
	watch_list_gone(&s->watches);
	s->proto->release(s);
	sock_unlock(s);
	sock_os_free(s);
	__atomic_fetch_sub(&sn->open, 1, __ATOMIC_RELEASE);
}

void sock_cancel(struct sock *s)
{
	sock_lock(s);
	__atomic_store_n(&s->cancelled, true, __ATOMIC_RELAXED);
	watch_list_notify(&s->watches, sock_poll(s));
	sock_unlock(s);
}

void sock_forget_watches(struct sock *s)
{
	sock_lock(s);
	watch_list_gone(&s->watches);
	sock_unlock(s);
}

void sock_close(struct sock *s)
{
	sock_cancel(s);
	sock_put(s);
}

void sock_notify(struct sock *s)
{
	watch_list_notify(&s->watches, sock_poll(s));
}

long sock_wait_for(struct sock *s, unsigned mask, unsigned flags,
		   uint64_t timeout_ns,
		   long (*attempt)(struct sock *s, void *ctx), void *ctx)
{
	uint64_t deadline = SOCK_OS_FOREVER;
	struct sock_waiter *me = NULL;
	bool timed_out = false;
	struct watch w;
	long r;

	sock_lock(s);
	for (;;) {
		r = s->cancelled ? -EBADF : attempt(s, ctx);
		if (r != -EAGAIN || (flags & SOCK_MSG_DONTWAIT) || timed_out)
			break;
		if (!me) {
			me = sock_os_waiter();
			watch_init(&w, mask, watch_wake_waiter, me);
			list_add_tail(&s->watches, &w.link);
			if (timeout_ns)
				deadline = sock_os_now() + timeout_ns;
		}
		sock_unlock(s);
		/* After the deadline, one last attempt, then -EAGAIN. */
		timed_out = sock_os_wait(me, deadline) == -ETIMEDOUT;
		sock_lock(s);
	}
	if (me)
		list_del(&w.link);
	sock_unlock(s);
	return r;
}

size_t sock_iov_total(const struct sock_iov *iov, int iovcnt)
{
	size_t total = 0;

	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].len > SIZE_MAX - total)
			return SIZE_MAX;
		total += iov[i].len;
	}
	return total;
}

/* Calls under the stack lock that fail on a cancelled socket. */
#define SOCK_CALL(s, expr)                            \
	({                                            \
		long r_;                              \
		sock_lock(s);                         \
		r_ = (s)->cancelled ? -EBADF : (expr); \
		sock_unlock(s);                       \
		r_;                                   \
	})

int sock_bind(struct sock *s, const struct sock_addr *a)
{
	return (int)SOCK_CALL(s, s->proto->bind(s, a));
}

int sock_listen(struct sock *s, int backlog)
{
	return (int)SOCK_CALL(s, s->proto->listen(s, backlog));
}

/* The protocols' blocking calls take the lock through sock_wait_for. */
int sock_accept(struct sock *s, unsigned flags, struct sock **out,
		struct sock_addr *peer)
{
	return s->proto->accept(s, flags, out, peer);
}

int sock_connect(struct sock *s, const struct sock_addr *a, unsigned flags)
{
	return s->proto->connect(s, a, flags);
}

long sock_sendmsg(struct sock *s, const struct sock_iov *iov, int iovcnt,
		  unsigned flags, const struct sock_addr *to)
{
	if (iovcnt < 0)
		return -EINVAL;
	return s->proto->sendmsg(s, iov, iovcnt, flags, to);
}

long sock_recvmsg(struct sock *s, const struct sock_iov *iov, int iovcnt,
		  unsigned *flags, struct sock_addr *from)
{
	if (iovcnt < 0)
		return -EINVAL;
	return s->proto->recvmsg(s, iov, iovcnt, flags, from);
}

long sock_send(struct sock *s, const void *buf, size_t len, unsigned flags)
{
	struct sock_iov iov = { (void *)buf, len };

	return sock_sendmsg(s, &iov, 1, flags, NULL);
}

long sock_recv(struct sock *s, void *buf, size_t len, unsigned flags)
{
	struct sock_iov iov = { buf, len };

	return sock_recvmsg(s, &iov, 1, &flags, NULL);
}

int sock_shutdown(struct sock *s, int how)
{
	if (how < SOCK_SHUT_RD || how > SOCK_SHUT_RDWR)
		return -EINVAL;
	return (int)SOCK_CALL(s, s->proto->shutdown(s, how));
}

int sock_getsockname(struct sock *s, struct sock_addr *a)
{
	return (int)SOCK_CALL(s, s->proto->name(s, a, false));
}

int sock_getpeername(struct sock *s, struct sock_addr *a)
{
	return (int)SOCK_CALL(s, s->proto->name(s, a, true));
}

int sock_setopt(struct sock *s, enum sock_opt opt, int val)
{
	if (opt == SOCK_OPT_LINGER) {
		sock_lock(s);
		s->linger = val < 0 ? -1 : val;
		sock_unlock(s);
		return 0;
	}
	if (opt == SOCK_OPT_TYPE || opt == SOCK_OPT_ACCEPTCONN)
		return -ENOPROTOOPT;
	return (int)SOCK_CALL(s, s->proto->setopt(s, opt, val));
}

int sock_getopt(struct sock *s, enum sock_opt opt, int *val)
{
	if (opt == SOCK_OPT_TYPE) {
		*val = (int)s->type;
		return 0;
	}
	if (opt == SOCK_OPT_LINGER) {
		*val = s->linger;
		return 0;
	}
	return (int)SOCK_CALL(s, s->proto->getopt(s, opt, val));
}

void sock_set_timeout(struct sock *s, bool send, uint64_t ns)
{
	sock_lock(s);
	if (send)
		s->sndtimeo = ns;
	else
		s->rcvtimeo = ns;
	sock_unlock(s);
}

uint64_t sock_get_timeout(struct sock *s, bool send)
{
	return send ? s->sndtimeo : s->rcvtimeo;
}

int sock_error(struct sock *s)
{
	int err;

	sock_lock(s);
	err = s->proto->error(s);
	sock_unlock(s);
	return err;
}

enum sock_type sock_type(const struct sock *s)
{
	return s->type;
}

struct sock_net *sock_net_of(const struct sock *s)
{
	return s->sn;
}

unsigned sock_poll(struct sock *s)
{
	unsigned r = s->proto->poll(s);

	if (__atomic_load_n(&s->cancelled, __ATOMIC_RELAXED))
		r |= WATCH_NVAL;
	return r;
}

void sock_watch_add(struct sock *s, struct watch *w)
{
	sock_lock(s);
	list_add_tail(&s->watches, &w->link);
	sock_unlock(s);
}

void sock_watch_del(struct sock *s, struct watch *w)
{
	sock_lock(s);
	if (list_linked(&w->link))
		list_del(&w->link);
	sock_unlock(s);
}

uint64_t sock_udp_drops(struct sock *s)
{
	uint64_t n;

	if (s->type != SOCK_T_DGRAM)
		return 0;
	sock_lock(s);
	n = s->udp.drops;
	sock_unlock(s);
	return n;
}
