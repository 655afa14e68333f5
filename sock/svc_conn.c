/*
 * sock/svc_conn.c: one connection of a callback service
 * (include/skiff/service.h): reading into the handler's receive, the
 * output queue and its flush, svc_close, the per-connection timer, and the
 * one place where a connection's state is made consistent again after a
 * handler ran (settle).
 *
 * Everything here runs in the service's thread. Handlers change a
 * connection only through the svc_ calls, which record what must follow
 * (a failure, a close, EPOLLOUT to arm) and put the connection on the
 * service's touched list; the caller of each handler then settles every
 * touched connection. So a handler never re-enters another handler, and
 * close is called from one place.
 *
 * Sockets are non-blocking, in epoll level-triggered: EPOLLIN while the
 * connection reads, EPOLLOUT only while its output queue is not empty.
 * One recv of at most in_max bytes per ready connection per wake, so a
 * busy connection cannot starve the others of its service. A connection
 * svc_connect() began waits for EPOLLOUT alone until its handshake is over
 * (SO_ERROR says how it went); what is sent meanwhile is queued.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock/svc_priv.h"

static void conn_timer_fired(struct timer *t);

struct svc_conn *svc_conn_new(struct svc *s, int fd, uint32_t addr,
			      uint16_t port, uint16_t local_port, bool connecting)
{
	struct svc_conn *c = calloc(1, sizeof(*c));
	struct epoll_event ev;

	if (!c)
		return NULL;
	c->ep.kind = SVC_EP_CONN;
	c->ep.fd = fd;
	c->svc = s;
	c->id = ++s->next_id;
	c->peer_addr = addr;
	c->peer_port = port;
	c->local_port = local_port;
	c->state = SVC_CONN_OPEN;
	c->connecting = connecting;
	svc_outq_init(&c->out, s->out_max);
	timer_init(&c->timer, conn_timer_fired);
	list_init(&c->tlink);
	memset(&ev, 0, sizeof(ev));
	ev.events = connecting ? EPOLLOUT : EPOLLIN;
	ev.data.ptr = &c->ep;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		free(c);
		return NULL;
	}
	c->ev = ev.events;
	list_add_tail(&s->conns, &c->link);
	SVC_STAT_ADD(s, active, 1);
	return c;
}

void svc_conn_touch(struct svc_conn *c)
{
	if (c->touched || c->state == SVC_CONN_DEAD)
		return;
	c->touched = true;
	list_add_tail(&c->svc->touched, &c->tlink);
}

static void conn_fail(struct svc_conn *c, int err)
{
	if (!c->err)
		c->err = err;
	svc_conn_touch(c);
}

static bool would_block(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

/*
 * The socket goes: out of epoll, closed (the stack sends our FIN after the
 * data it holds). Bytes that arrived unread since the last recv are read
 * and dropped first on an orderly close: closing over unread data resets
 * the connection (RFC 9293 3.10.4, RFC 2525 2.17), which would destroy the
 * data still in flight to the peer.
 */
static void conn_release(struct svc_conn *c)
{
	struct svc *s = c->svc;
	int i;

	timerq_cancel(&s->timers, &c->timer);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->ep.fd, NULL);
	for (i = 0; !c->err && !c->eof && i < 4; i++) {
		ssize_t n = svc_os_recv(c->ep.fd, s->scratch, s->in_max);

		if (n <= 0)
			break;
	}
	close(c->ep.fd);
	c->ep.fd = -1;
	svc_outq_clear(&c->out);
	free(c->in);
	c->in = NULL;
	c->in_len = 0;
	c->state = SVC_CONN_DEAD;
	if (c->touched) {
		list_del(&c->tlink);
		c->touched = false;
	}
	list_del(&c->link);
	list_add_tail(&s->dead, &c->link);
	SVC_STAT_ADD(s, active, -1);
}

/* The last call for c: its socket is already closed, sends fail -EPIPE. */
static void conn_call_close(struct svc_conn *c, enum svc_reason why, int err)
{
	struct svc *s = c->svc;

	if (c->close_called)
		return;
	c->close_called = true;
	SVC_STAT_ADD(s, closed[why], 1);
	if (s->h.close)
		s->h.close(c, why, err);
}

static enum svc_reason reason_of(int err)
{
	return err == -ECONNRESET || err == -EPIPE ? SVC_RESET : SVC_FAILED;
}

static bool conn_reading(const struct svc_conn *c)
{
	if (c->eof || c->connecting)
		return false;
	return (c->state == SVC_CONN_OPEN && !c->paused) ||
	       c->state == SVC_CONN_CLOSING;
}

/* Makes c consistent after handlers and I/O: report a failure, finish a
 * close whose queue drained, or register the epoll events c needs now. */
static void conn_settle(struct svc_conn *c)
{
	struct svc *s = c->svc;
	struct epoll_event ev;
	uint32_t want = 0;

	if (c->state == SVC_CONN_DEAD)
		return;
	if (c->err) {
		int err = c->err;

		conn_release(c);
		conn_call_close(c, reason_of(err), err);
		return;
	}
	if (c->state != SVC_CONN_OPEN && svc_outq_bytes(&c->out) == 0) {
		bool local = c->state == SVC_CONN_CLOSING;

		conn_release(c);
		if (local)
			conn_call_close(c, SVC_LOCAL_CLOSED, 0);
		return;
	}
	if (conn_reading(c))
		want |= EPOLLIN;
	if (svc_outq_bytes(&c->out) || c->connecting)
		want |= EPOLLOUT;
	if (want == c->ev)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.ptr = &c->ep;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->ep.fd, &ev) != 0) {
		c->err = -errno;
		conn_settle(c);
		return;
	}
	c->ev = want;
}

void svc_conn_settle_all(struct svc *s)
{
	while (!list_empty(&s->touched)) {
		struct svc_conn *c = container_of(s->touched.next, struct svc_conn, tlink);

		list_del(&c->tlink);
		c->touched = false;
		conn_settle(c);
	}
}

/*
 * Hands base[0..total) to receive and keeps what it left: copied once
 * into c->in when it came from the shared scratch buffer, moved to the
 * front of c->in otherwise.
 */
static void conn_deliver(struct svc_conn *c, uint8_t *base, size_t total)
{
	struct svc *s = c->svc;
	size_t used = s->h.receive(c, base, total), rest;

	svc_conn_touch(c);
	if (used > total)
		used = total;	/* a handler bug; take it as "all" */
	if (c->state != SVC_CONN_OPEN) {
		free(c->in);	/* closed from the handler: nobody wants the rest */
		c->in = NULL;
		c->in_len = 0;
		return;
	}
	rest = total - used;
	if (rest == 0) {
		free(c->in);
		c->in = NULL;
	} else if (base == s->scratch) {
		c->in = malloc(s->in_max);
		if (!c->in) {
			conn_fail(c, -ENOMEM);
			c->in_len = 0;
			return;
		}
		memcpy(c->in, base + used, rest);
	} else if (used) {
		memmove(c->in, c->in + used, rest);
	}
	c->in_len = rest;
	if (rest < s->in_max)
		return;
	/* Full and nothing taken: wait for our output to drain (the peer
	 * is ahead of us), unless nothing is queued: then no call will ever
	 * take these bytes. */
	if (svc_outq_bytes(&c->out))
		c->paused = true;
	else
		conn_fail(c, -EMSGSIZE);
}

/* The peer's FIN: what it sent was all delivered (one recv returned 0). */
static void conn_peer_closed(struct svc_conn *c)
{
	c->eof = true;
	svc_conn_touch(c);
	if (c->state != SVC_CONN_OPEN)
		return;	/* closing: keep sending what is queued */
	free(c->in);
	c->in = NULL;
	c->in_len = 0;
	c->state = SVC_CONN_LINGER;
	conn_call_close(c, SVC_PEER_CLOSED, 0);
}

/* One recv. Returns true when it moved anything (data, EOF or an error). */
static bool conn_read(struct svc_conn *c)
{
	struct svc *s = c->svc;
	bool open = c->state == SVC_CONN_OPEN;
	uint8_t *base = open && c->in ? c->in : s->scratch;
	size_t held = open ? c->in_len : 0;
	ssize_t n;

	if (held >= s->in_max)
		return false;	/* paused: a recv of 0 bytes would look like EOF */
	n = svc_os_recv(c->ep.fd, base + held, s->in_max - held);
	if (n < 0) {
		if (would_block(errno))
			return false;
		conn_fail(c, -errno);
		return true;
	}
	if (n == 0) {
		conn_peer_closed(c);
		return true;
	}
	SVC_STAT_ADD(s, bytes_in, n);
	if (open)
		conn_deliver(c, base, held + (size_t)n);
	return true;	/* closing: read and dropped */
}

/* Hands the held input to receive again (output pressure went away). */
static void conn_redeliver(struct svc_conn *c)
{
	if (c->state == SVC_CONN_OPEN && c->in_len && !c->paused && !c->err)
		conn_deliver(c, c->in, c->in_len);
}

/* The queue fell to half of out_max or less: writable is owed after a
 * refused send, paused input resumes, held input is offered again. */
static void conn_output_released(struct svc_conn *c)
{
	struct svc *s = c->svc;
	bool again = false;

	if (c->state != SVC_CONN_OPEN || svc_outq_bytes(&c->out) > s->out_max / 2)
		return;
	if (c->paused) {
		c->paused = false;
		again = true;
	}
	if (c->refused) {
		c->refused = false;
		again = true;
		if (s->h.writable) {
			s->h.writable(c);
			svc_conn_touch(c);
		}
	}
	if (again)
		conn_redeliver(c);
}

/* Sends from the queue until the socket takes no more. True on progress. */
static bool conn_flush(struct svc_conn *c)
{
	struct svc *s = c->svc;
	bool moved = false;

	while (svc_outq_bytes(&c->out)) {
		size_t len;
		const uint8_t *p = svc_outq_front(&c->out, &len);
		ssize_t n = svc_os_send(c->ep.fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (would_block(errno))
				break;
			conn_fail(c, -errno);
			return true;
		}
		svc_outq_consume(&c->out, (size_t)n);
		SVC_STAT_ADD(s, bytes_out, n);
		c->sent += (uint64_t)n;
		moved = true;
	}
	svc_conn_touch(c);
	conn_output_released(c);
	return moved;
}

static bool conn_check_error(struct svc_conn *c)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(c->ep.fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
		e = errno;
	if (!e)
		return false;
	conn_fail(c, -e);
	return true;
}

/* svc_connect's handshake ended (EPOLLOUT, ERR or HUP): how? */
static void conn_connect_done(struct svc_conn *c, uint32_t events)
{
	struct svc *s = c->svc;

	c->connecting = false;
	svc_conn_touch(c);
	if (conn_check_error(c))
		return;
	/* Closed with no error left to read (it was taken already): the
	 * attempt failed all the same. */
	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLOUT)) {
		conn_fail(c, -ECONNABORTED);
		return;
	}
	if (s->h.connected && c->state == SVC_CONN_OPEN)
		s->h.connected(c);
}

void svc_conn_event(struct svc_conn *c, uint32_t events)
{
	bool moved = false;

	if (c->state == SVC_CONN_DEAD)
		return;
	if (c->connecting) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		conn_connect_done(c, events);
		svc_conn_settle_all(c->svc);
		return;	/* level-triggered: what is ready now is reported again */
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && conn_reading(c))
		moved |= conn_read(c);
	if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && !c->err &&
	    c->state != SVC_CONN_DEAD && svc_outq_bytes(&c->out))
		moved |= conn_flush(c);
	if ((events & EPOLLERR) && !c->err && c->state != SVC_CONN_DEAD)
		moved |= conn_check_error(c);
	/* A hang-up that neither read nor wrote anything would be reported
	 * again at once (level-triggered): the connection is gone. */
	if ((events & EPOLLHUP) && !moved && c->state != SVC_CONN_DEAD)
		conn_fail(c, -EPIPE);
	svc_conn_touch(c);
	svc_conn_settle_all(c->svc);
}

static void conn_timer_fired(struct timer *t)
{
	struct svc_conn *c = container_of(t, struct svc_conn, timer);
	struct svc *s = c->svc;

	switch (c->state) {
	case SVC_CONN_OPEN:
		SVC_STAT_ADD(s, timeouts, 1);
		if (s->h.timeout)
			s->h.timeout(c);
		else
			svc_close(c, 0);
		break;
	case SVC_CONN_CLOSING:
		/* The peer took too long to take our last bytes. */
		conn_fail(c, -ETIMEDOUT);
		break;
	case SVC_CONN_LINGER:
		conn_release(c);	/* close was called already */
		break;
	case SVC_CONN_DEAD:
		break;
	}
	svc_conn_touch(c);
	svc_conn_settle_all(s);
}

void svc_conn_stop(struct svc_conn *c)
{
	if (c->state == SVC_CONN_DEAD)
		return;
	c->err = 0;
	c->eof = true;	/* no draining read: the service is going away */
	conn_release(c);
	conn_call_close(c, SVC_STOPPED, 0);
}

void svc_conn_free_dead(struct svc *s)
{
	while (!list_empty(&s->dead)) {
		struct svc_conn *c = container_of(s->dead.next, struct svc_conn, link);

		list_del(&c->link);
		free(c);
	}
}

/* ---- the app's calls on a connection (include/skiff/service.h) ---- */

/*
 * svc_send() and svc_send_static(): head then body, as one stream. What
 * the socket takes now goes in one call (one segment when it fits; with
 * is_static the socket queues read-only image bytes by reference); the
 * rest is copied into the output queue.
 */
static int conn_send(struct svc_conn *c, const void *head, size_t hlen,
		     const void *body, size_t blen, bool is_static)
{
	struct svc *s = c->svc;
	size_t len = hlen + blen;
	ssize_t n = 0;
	int rc = 0;

	if (c->state == SVC_CONN_DEAD || c->state == SVC_CONN_CLOSING)
		return -EPIPE;
	if (c->err)
		return c->err;
	if (len == 0)
		return 0;
	if (len > s->out_max)
		return -EMSGSIZE;
	if (len > svc_outq_room(&c->out)) {
		c->refused = true;
		SVC_STAT_ADD(s, send_refused, 1);
		return -ENOBUFS;
	}
	/* Nothing queued: the socket may take it now, with no copy here
	 * (not while connecting: the queue holds it until the handshake). */
	if (svc_outq_bytes(&c->out) == 0 && !c->connecting) {
		n = svc_os_send2(c->ep.fd, head, hlen, body, blen, is_static);
		if (n < 0) {
			if (!would_block(errno)) {
				conn_fail(c, -errno);
				return c->err;
			}
			n = 0;
		}
		SVC_STAT_ADD(s, bytes_out, n);
		c->sent += (uint64_t)n;
		if ((size_t)n == len)
			return 0;
	}
	/* What waits is copied, static or not (the queue holds bytes only);
	 * len fits the room, so only memory can fail a push. */
	if ((size_t)n < hlen)
		rc = svc_outq_push(&c->out, (const uint8_t *)head + n, hlen - (size_t)n);
	if (!rc) {
		size_t skip = (size_t)n > hlen ? (size_t)n - hlen : 0;

		rc = svc_outq_push(&c->out, (const uint8_t *)body + skip, blen - skip);
		if (rc == -ENOMEM && (size_t)n < hlen)
			n = 1;	/* the head is queued: the body must not go missing */
	}
	if (rc == -ENOMEM && n > 0)
		conn_fail(c, rc);	/* the stream would have a hole */
	svc_conn_touch(c);	/* EPOLLOUT */
	return rc;
}

int svc_send(struct svc_conn *c, const void *buf, size_t len)
{
	return conn_send(c, NULL, 0, buf, len, false);
}

int svc_send_static(struct svc_conn *c, const void *head, size_t head_len,
		    const void *body, size_t body_len)
{
	return conn_send(c, head, head_len, body, body_len, true);
}

size_t svc_send_room(const struct svc_conn *c)
{
	return svc_outq_room(&c->out);
}

size_t svc_queued(const struct svc_conn *c)
{
	return svc_outq_bytes(&c->out);
}

int svc_close(struct svc_conn *c, unsigned flags)
{
	if (c->state != SVC_CONN_OPEN)
		return c->state == SVC_CONN_DEAD ? -EINVAL : 0;
	c->state = SVC_CONN_CLOSING;
	if (flags & SVC_CLOSE_NOW)
		svc_outq_clear(&c->out);
	free(c->in);
	c->in = NULL;
	c->in_len = 0;
	c->paused = false;
	svc_conn_touch(c);
	return 0;
}

int svc_set_timer(struct svc_conn *c, uint64_t ms)
{
	struct svc *s = c->svc;
	uint64_t ns = ms > UINT64_MAX / 2000000u ? UINT64_MAX / 2 : ms * 1000000u;

	if (c->state == SVC_CONN_DEAD)
		return -EINVAL;
	return timerq_add(&s->timers, &c->timer, svc_os_now_ns() + ns);
}

void svc_clear_timer(struct svc_conn *c)
{
	timerq_cancel(&c->svc->timers, &c->timer);
}

struct svc *svc_of(struct svc_conn *c)
{
	return c->svc;
}

void *svc_conn_data(struct svc_conn *c)
{
	return c->data;
}

void svc_conn_set_data(struct svc_conn *c, void *p)
{
	c->data = p;
}

void svc_conn_peer(const struct svc_conn *c, uint32_t *addr, uint16_t *port)
{
	if (addr)
		*addr = c->peer_addr;
	if (port)
		*port = c->peer_port;
}

uint64_t svc_conn_sent(const struct svc_conn *c)
{
	return c->sent;
}

int svc_conn_tcp_info(const struct svc_conn *c, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	if (c->ep.fd < 0)
		return -ENOTCONN;
	/* A pipe stream is no TCP socket: the call says so (ENOPROTOOPT). */
	return getsockopt(c->ep.fd, IPPROTO_TCP, TCP_INFO, ti, &len) < 0 ? -errno : 0;
}

uint16_t svc_conn_port(const struct svc_conn *c)
{
	return c->local_port;
}

uint64_t svc_conn_id(const struct svc_conn *c)
{
	return c->id;
}
