/*
 * sock/sock_tcp.c: stream sockets over the TCP engine (net/tcp.h).
 *
 * The pcb's event callback (stack lock held) only notifies the socket's
 * watches; every call tries the engine under the lock and, when it says
 * -EAGAIN, waits in sock_wait_for(). Readiness follows Linux's tcp_poll():
 *   - a listener is WATCH_IN when a connection waits for accept; once
 *     shut for reading, WATCH_OUT | WATCH_HUP as a closed socket;
 *   - WATCH_HUP when the connection is closed (never opened, reset, timed
 *     out, finished) or both directions are shut;
 *   - WATCH_IN | WATCH_RDHUP once the peer's FIN is in (or SHUT_RD);
 *   - WATCH_IN for data, WATCH_OUT for send room, both only once the
 *     handshake is over; WATCH_OUT too once sending is shut (a send fails
 *     at once); WATCH_ERR while an error is pending.
 * The pcb is given back to the engine (tcp_close(), or tcp_abort() with
 * SO_LINGER 0) when the last reference goes.
 */
#include <errno.h>
#include <string.h>

#include "sock/sock_os.h"
#include "sock/sock_priv.h"

static struct netstack *ns_of(struct sock *s)
{
	return s->sn->ns;
}

/* Stack lock held, from the engine. An accepted socket learns its pcb
 * here first: the engine announces what arrived before tcp_accept()
 * returned. */
static void tcp_sock_event(void *arg, struct tcp_pcb *pcb, unsigned events)
{
	struct sock *s = arg;

	(void)events;
	if (!s->tcp.pcb)
		s->tcp.pcb = pcb;
	sock_notify(s);
}

static int tcp_sock_init(struct sock *s)
{
	return tcp_open(ns_of(s), tcp_sock_event, s, &s->tcp.pcb);
}

static void tcp_sock_release(struct sock *s)
{
	if (!s->tcp.pcb)
		return;
	if (s->linger == 0)
		tcp_abort(ns_of(s), s->tcp.pcb);
	else
		tcp_close(ns_of(s), s->tcp.pcb);
	s->tcp.pcb = NULL;
}

/* RFC 9293 3.3.2: states in which the peer's FIN has been received. */
static bool fin_received(enum tcp_state st)
{
	return st == TCP_CLOSE_WAIT || st == TCP_LAST_ACK ||
	       st == TCP_CLOSING || st == TCP_TIME_WAIT;
}

/* States in which our FIN is queued or sent. */
static bool fin_sent(enum tcp_state st)
{
	return st == TCP_FIN_WAIT_1 || st == TCP_FIN_WAIT_2 ||
	       st == TCP_CLOSING || st == TCP_LAST_ACK || st == TCP_TIME_WAIT;
}

static unsigned tcp_sock_poll(struct sock *s)
{
	struct tcp_pcb *pcb = s->tcp.pcb;
	unsigned ev, r = 0;
	enum tcp_state st;
	bool closed, rd_shut, wr_shut;

	if (!pcb)
		return 0;
	ev = tcp_events(pcb);
	st = tcp_state(pcb);
	/* Linux: shutdown(SHUT_RD) turns a listener into a closed socket
	 * (OUT | HUP); HUP also wakes a blocked accept() to fail. */
	if (st == TCP_LISTEN && s->shut_rd)
		return WATCH_OUT | WATCH_HUP;
	/* A multiqueue NIC's connections wait for their own CPU a while (tcp_aq.c). */
	if (st == TCP_LISTEN)
		return tcp_accept_ready(pcb, sock_os_cpu()) ? WATCH_IN : 0;
	/* Closed after a connection or a failed attempt: both ways done. */
	closed = st == TCP_CLOSED && (ev & TCP_EV_CLOSED);
	rd_shut = s->shut_rd || fin_received(st) || closed;
	wr_shut = s->shut_wr || fin_sent(st) || closed;
	if (st == TCP_CLOSED || (rd_shut && wr_shut))
		r |= WATCH_HUP;
	if (rd_shut)
		r |= WATCH_IN | WATCH_RDHUP;
	if (st != TCP_SYN_SENT && st != TCP_SYN_RECEIVED) {
		if (ev & TCP_EV_READABLE)
			r |= WATCH_IN;
		/* A socket never connected is writable, as on Linux. */
		if (wr_shut || (ev & TCP_EV_WRITABLE) || st == TCP_CLOSED)
			r |= WATCH_OUT;
	}
	if (ev & TCP_EV_ERROR)
		r |= WATCH_ERR;
	return r;
}

static int tcp_sock_bind(struct sock *s, const struct sock_addr *a)
{
	return tcp_bind(ns_of(s), s->tcp.pcb, a->addr, a->port);
}

static int tcp_sock_listen(struct sock *s, int backlog)
{
	if (s->tcp.connecting || tcp_state(s->tcp.pcb) > TCP_LISTEN)
		return -EINVAL;
	return tcp_listen(ns_of(s), s->tcp.pcb, backlog);
}

struct accept_ctx {
	struct sock *news;
};

static long try_accept(struct sock *s, void *arg)
{
	struct accept_ctx *c = arg;
	struct tcp_pcb *pcb;
	long r;

	if (tcp_state(s->tcp.pcb) != TCP_LISTEN || s->shut_rd)
		return -EINVAL;
	r = tcp_accept_on(ns_of(s), s->tcp.pcb, sock_os_cpu(), tcp_sock_event, c->news, &pcb);
	if (r == 0)
		c->news->tcp.pcb = pcb;
	return r;
}

static int tcp_sock_accept(struct sock *s, unsigned flags, struct sock **out,
			   struct sock_addr *peer)
{
	struct accept_ctx c;
	long r;

	c.news = sock_alloc(s->sn, SOCK_T_STREAM);
	if (!c.news)
		return -ENOMEM;
	r = sock_wait_for(s, WATCH_IN, flags, s->rcvtimeo, try_accept, &c);
	if (r < 0) {
		/* Never given to the engine: nothing else knows it. */
		__atomic_fetch_sub(&s->sn->open, 1, __ATOMIC_RELEASE);
		sock_os_free(c.news);
		return (int)r;
	}
	/* Timeouts and buffer sizes are per socket, as on Linux. */
	c.news->rcvtimeo = s->rcvtimeo;
	c.news->sndtimeo = s->sndtimeo;
	if (peer) {
		sock_lock(s);
		tcp_remote(ns_of(s), c.news->tcp.pcb, &peer->addr, &peer->port);
		sock_unlock(s);
	}
	*out = c.news;
	return 0;
}

/* Waiting for the handshake's outcome: 0 connected, or the error. */
static long try_connected(struct sock *s, void *arg)
{
	unsigned ev = tcp_events(s->tcp.pcb);

	(void)arg;
	if (ev & TCP_EV_ERROR) {
		s->tcp.connecting = false;
		return tcp_error(ns_of(s), s->tcp.pcb);
	}
	if (ev & TCP_EV_CONNECTED) {
		s->tcp.connecting = false;
		return 0;
	}
	if (tcp_state(s->tcp.pcb) == TCP_CLOSED) {
		s->tcp.connecting = false;
		return -ECONNABORTED;
	}
	return -EAGAIN;
}

/*
 * Linux's rules: a second connect() while the first is under way says
 * EALREADY (non-blocking) or waits; once it finished it returns its
 * outcome (0 or the error) one more time; after that EISCONN.
 */
static int tcp_sock_connect(struct sock *s, const struct sock_addr *a,
			    unsigned flags)
{
	long r;

	sock_lock(s);
	if (s->cancelled) {
		r = -EBADF;
	} else if (s->tcp.connecting) {
		r = try_connected(s, NULL);
		if (r == -EAGAIN)
			r = (flags & SOCK_MSG_DONTWAIT) ? -EALREADY : 0;
		else if (r == 0)
			r = 1;	/* done: report success below */
	} else {
		r = tcp_connect(ns_of(s), s->tcp.pcb, a->addr, a->port);
		if (r == 0)
			s->tcp.connecting = true;
		if (r == 0 && (flags & SOCK_MSG_DONTWAIT))
			r = -EINPROGRESS;
	}
	sock_unlock(s);
	if (r)
		return r > 0 ? 0 : (int)r;
	r = sock_wait_for(s, WATCH_OUT, 0, s->sndtimeo, try_connected, NULL);
	/* Linux: a connect cut short by SO_SNDTIMEO is still in progress. */
	return r == -EAGAIN ? -EINPROGRESS : (int)r;
}

struct io_ctx {
	const struct sock_iov *iov;
	int iovcnt;
	int i;			/* current vector entry */
	size_t off;		/* bytes of it done */
	size_t done;		/* bytes moved in all */
	size_t total;
	unsigned flags;
};

static long try_send(struct sock *s, void *arg)
{
	struct io_ctx *c = arg;

	while (c->i < c->iovcnt) {
		const struct sock_iov *v = &c->iov[c->i];
		bool last = c->i == c->iovcnt - 1;
		unsigned tf = (!last || (c->flags & SOCK_MSG_MORE)) ? TCP_SEND_MORE : 0;
		long n;

		if (c->off == v->len) {
			c->i++;
			c->off = 0;
			continue;
		}
		/* By reference only what the kernel knows never changes. */
		if ((c->flags & SOCK_MSG_STATIC) &&
		    sock_os_static((const char *)v->base + c->off, v->len - c->off))
			n = tcp_send_ref(ns_of(s), s->tcp.pcb,
					 (const char *)v->base + c->off,
					 v->len - c->off, tf);
		else
			n = tcp_send(ns_of(s), s->tcp.pcb,
				     (const char *)v->base + c->off,
				     v->len - c->off, tf);
		if (n < 0)
			return n;
		c->off += (size_t)n;
		c->done += (size_t)n;
	}
	return (long)c->done;
}

static long tcp_sock_sendmsg(struct sock *s, const struct sock_iov *iov,
			     int iovcnt, unsigned flags,
			     const struct sock_addr *to)
{
	struct io_ctx c = { iov, iovcnt, 0, 0, 0, 0, flags };
	long r;

	(void)to;	/* Linux ignores the address on a connected stream */
	r = sock_wait_for(s, WATCH_OUT, flags, s->sndtimeo, try_send, &c);
	if (r < 0 && c.done)
		return (long)c.done;	/* the error comes with the next call */
	return r;
}

/* Copy n bytes from src to the vector at the context's position. */
static void iov_put(struct io_ctx *c, const uint8_t *src, size_t n)
{
	while (n && c->i < c->iovcnt) {
		const struct sock_iov *v = &c->iov[c->i];
		size_t k = v->len - c->off;

		if (k > n)
			k = n;
		memcpy((char *)v->base + c->off, src, k);
		src += k;
		n -= k;
		c->off += k;
		c->done += k;
		if (c->off == v->len) {
			c->i++;
			c->off = 0;
		}
	}
}

static long try_recv(struct sock *s, void *arg)
{
	struct io_ctx *c = arg;
	struct tcp_span sp[2];
	bool peek = c->flags & SOCK_MSG_PEEK;
	size_t avail, want, n;
	uint8_t b;
	long r;

	if (c->done == c->total)
		return (long)c->done;
	avail = tcp_recv_peek(ns_of(s), s->tcp.pcb, sp);
	if (!avail) {
		/* EOF, nothing yet, or the error; after a partial read the
		 * error stays for the next call, as on Linux. */
		r = tcp_recv(ns_of(s), s->tcp.pcb, &b, 1,
			     (peek || c->done) ? TCP_RECV_PEEK : 0);
		if (r == -EAGAIN || !c->done)
			return r;
		return (long)c->done;
	}
	want = c->total - c->done;
	n = avail < want ? avail : want;
	iov_put(c, sp[0].p, n < sp[0].len ? n : sp[0].len);
	if (n > sp[0].len)
		iov_put(c, sp[1].p, n - sp[0].len);
	if (!peek)
		tcp_recv_ack(ns_of(s), s->tcp.pcb, n);
	if ((c->flags & SOCK_MSG_WAITALL) && !peek && c->done < c->total)
		return -EAGAIN;
	return (long)c->done;
}

static long tcp_sock_recvmsg(struct sock *s, const struct sock_iov *iov,
			     int iovcnt, unsigned *flags,
			     struct sock_addr *from)
{
	struct io_ctx c = { iov, iovcnt, 0, 0, 0, 0, *flags };
	long r;

	c.total = sock_iov_total(iov, iovcnt);
	*flags = 0;
	if (from) {
		sock_lock(s);
		tcp_remote(ns_of(s), s->tcp.pcb, &from->addr, &from->port);
		sock_unlock(s);
	}
	r = sock_wait_for(s, WATCH_IN, c.flags, s->rcvtimeo, try_recv, &c);
	if (r < 0 && c.done)
		return (long)c.done;
	return r;
}

static int tcp_sock_shutdown(struct sock *s, int how)
{
	unsigned tcp_how = 0;
	int err;

	if (how != SOCK_SHUT_WR)
		tcp_how |= TCP_SHUT_RD;
	if (how != SOCK_SHUT_RD)
		tcp_how |= TCP_SHUT_WR;
	if (tcp_state(s->tcp.pcb) == TCP_LISTEN) {
		/* Linux: SHUT_RD stops a listener; accept() then fails. */
		if (!(tcp_how & TCP_SHUT_RD))
			return -ENOTCONN;
		s->shut_rd = true;
		sock_notify(s);
		return 0;
	}
	err = tcp_shutdown(ns_of(s), s->tcp.pcb, tcp_how);
	if (err)
		return err;
	s->shut_rd |= (tcp_how & TCP_SHUT_RD) != 0;
	s->shut_wr |= (tcp_how & TCP_SHUT_WR) != 0;
	/* Blocked readers see EOF, blocked writers EPIPE. */
	sock_notify(s);
	return 0;
}

static int tcp_sock_name(struct sock *s, struct sock_addr *a, bool peer)
{
	enum tcp_state st = tcp_state(s->tcp.pcb);

	if (!peer)
		return tcp_local(ns_of(s), s->tcp.pcb, &a->addr, &a->port);
	if (st == TCP_CLOSED || st == TCP_LISTEN || st == TCP_SYN_SENT)
		return -ENOTCONN;
	return tcp_remote(ns_of(s), s->tcp.pcb, &a->addr, &a->port);
}

static int tcp_opt_of(enum sock_opt opt, enum tcp_opt *t)
{
	switch (opt) {
	case SOCK_OPT_REUSEADDR: *t = TCP_OPT_REUSEADDR; return 0;
	case SOCK_OPT_KEEPALIVE: *t = TCP_OPT_KEEPALIVE; return 0;
	case SOCK_OPT_RCVBUF: *t = TCP_OPT_RCVBUF; return 0;
	case SOCK_OPT_SNDBUF: *t = TCP_OPT_SNDBUF; return 0;
	case SOCK_OPT_NODELAY: *t = TCP_OPT_NODELAY; return 0;
	case SOCK_OPT_KEEPIDLE: *t = TCP_OPT_KEEPIDLE; return 0;
	case SOCK_OPT_KEEPINTVL: *t = TCP_OPT_KEEPINTVL; return 0;
	case SOCK_OPT_KEEPCNT: *t = TCP_OPT_KEEPCNT; return 0;
	case SOCK_OPT_MAXSEG: *t = TCP_OPT_MAXSEG; return 0;
	case SOCK_OPT_USER_TIMEOUT: *t = TCP_OPT_USER_TIMEOUT; return 0;
	default: return -ENOPROTOOPT;
	}
}

static int tcp_sock_setopt(struct sock *s, enum sock_opt opt, int val)
{
	enum tcp_opt t;
	int err = tcp_opt_of(opt, &t);

	if (opt == SOCK_OPT_BROADCAST)
		return 0;	/* Linux accepts it on any socket */
	if (err)
		return err;
	err = tcp_setopt(ns_of(s), s->tcp.pcb, t, val);
	/* Linux takes buffer sizes at any time; the rings are sized once. */
	if (err == -EISCONN && (opt == SOCK_OPT_RCVBUF || opt == SOCK_OPT_SNDBUF))
		err = 0;
	return err;
}

static int tcp_sock_getopt(struct sock *s, enum sock_opt opt, int *val)
{
	enum tcp_opt t;
	int err;

	if (opt == SOCK_OPT_ACCEPTCONN) {
		*val = tcp_state(s->tcp.pcb) == TCP_LISTEN;
		return 0;
	}
	if (opt == SOCK_OPT_BROADCAST) {
		*val = 0;
		return 0;
	}
	err = tcp_opt_of(opt, &t);
	if (err)
		return err;
	return tcp_getopt(ns_of(s), s->tcp.pcb, t, val);
}

static int tcp_sock_error(struct sock *s)
{
	int err = tcp_error(ns_of(s), s->tcp.pcb);

	if (err && s->tcp.connecting)
		s->tcp.connecting = false;
	return err;
}

int sock_tcp_info(struct sock *s, struct tcp_conn_info *ci)
{
	int err;

	if (s->proto != &sock_tcp_proto)
		return -ENOPROTOOPT;
	sock_lock(s);
	err = s->cancelled ? -EBADF : tcp_info(ns_of(s), s->tcp.pcb, ci);
	sock_unlock(s);
	return err;
}

const struct sock_proto sock_tcp_proto = {
	.init = tcp_sock_init,
	.release = tcp_sock_release,
	.bind = tcp_sock_bind,
	.listen = tcp_sock_listen,
	.accept = tcp_sock_accept,
	.connect = tcp_sock_connect,
	.sendmsg = tcp_sock_sendmsg,
	.recvmsg = tcp_sock_recvmsg,
	.shutdown = tcp_sock_shutdown,
	.name = tcp_sock_name,
	.setopt = tcp_sock_setopt,
	.getopt = tcp_sock_getopt,
	.error = tcp_sock_error,
	.poll = tcp_sock_poll,
};
