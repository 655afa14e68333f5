/*
 * sock/sock_udp.c: datagram sockets over net/udp.h (RFC 768).
 *
 * Each socket owns a byte ring of rcvbuf bytes (allocated when it binds)
 * holding whole records: a header (length, source address and port) and
 * the payload. The stack's receive callback copies a datagram in once and
 * returns; the packet buffer is never kept. A datagram that does not fit
 * is dropped and counted (sock_udp_drops()), as Linux drops on a full
 * receive buffer. recvmsg() hands out one record per call, truncating it
 * to the caller's buffer (SOCK_MSG_TRUNC) and discarding the rest, so
 * datagram boundaries hold. Sending never waits: udp_sendto() queues to
 * the interface at once, so a UDP socket is always writable.
 *
 * Deviations: the port is bound on every interface (udp_bind(ifindex 0));
 * a specific bound address only filters input by destination. ICMP errors
 * are not reported to the socket.
 */
#include <errno.h>
#include <string.h>

#include "net/netif.h"
#include "sock/sock_os.h"
#include "sock/sock_priv.h"

/* One queued datagram: this header, then len payload bytes. */
struct udp_rec {
	uint32_t len;
	uint32_t addr;		/* source */
	uint16_t port;
	uint16_t pad;
};

#define UDP_MAX_PAYLOAD 65507u	/* RFC 791 total length less the headers */

static struct netstack *ns_of(struct sock *s)
{
	return s->sn->ns;
}

static void ring_write(struct sock_udp *u, uint32_t at, const void *src,
		       uint32_t n)
{
	uint32_t pos = (u->head + at) % u->rcvbuf;
	uint32_t first = u->rcvbuf - pos < n ? u->rcvbuf - pos : n;

	memcpy(u->ring + pos, src, first);
	memcpy(u->ring, (const uint8_t *)src + first, n - first);
}

static void ring_read(const struct sock_udp *u, uint32_t at, void *dst,
		      uint32_t n)
{
	uint32_t pos = (u->head + at) % u->rcvbuf;
	uint32_t first = u->rcvbuf - pos < n ? u->rcvbuf - pos : n;

	memcpy(dst, u->ring + pos, first);
	memcpy((uint8_t *)dst + first, u->ring, n - first);
}

/* Stack lock held, from udp_input(): data is valid only during the call. */
static void udp_sock_input(void *arg, const struct udp_meta *m,
			   const uint8_t *data, size_t len)
{
	struct sock *s = arg;
	struct sock_udp *u = &s->udp;
	struct udp_rec rec = { (uint32_t)len, m->src, m->sport, 0 };

	if (u->connected && (m->src != u->raddr || m->sport != u->rport))
		return;	/* Linux: a connected socket hears only its peer */
	if (u->laddr && m->dst != u->laddr)
		return;
	if (s->shut_rd)
		return;
	if (!u->ring || sizeof(rec) + len > u->rcvbuf - u->used) {
		u->drops++;
		return;
	}
	ring_write(u, u->used, &rec, sizeof(rec));
	ring_write(u, u->used + (uint32_t)sizeof(rec), data, (uint32_t)len);
	u->used += (uint32_t)(sizeof(rec) + len);
	__atomic_store_n(&u->count, u->count + 1, __ATOMIC_RELEASE);
	sock_notify(s);
}

static int udp_sock_init(struct sock *s)
{
	s->udp.rcvbuf = SOCK_UDP_RCVBUF;
	return 0;
}

static void udp_sock_release(struct sock *s)
{
	if (s->udp.pcb)
		udp_unbind(ns_of(s), s->udp.pcb);
	s->udp.pcb = NULL;
	sock_os_free(s->udp.ring);
	s->udp.ring = NULL;
}

static unsigned udp_sock_poll(struct sock *s)
{
	unsigned r = WATCH_OUT;

	if (__atomic_load_n(&s->udp.count, __ATOMIC_ACQUIRE))
		r |= WATCH_IN;
	if (s->shut_rd)
		r |= WATCH_IN | WATCH_RDHUP;
	if (s->shut_rd && s->shut_wr)
		r |= WATCH_HUP;
	return r;
}

static int udp_do_bind(struct sock *s, uint32_t addr, uint16_t port)
{
	struct sock_udp *u = &s->udp;
	int err;

	if (u->pcb)
		return -EINVAL;
	if (addr && addr != 0xffffffffu && !netif_addr_is_local(ns_of(s), addr))
		return -EADDRNOTAVAIL;
	if (!u->ring) {
		u->ring = sock_os_zalloc(u->rcvbuf);
		if (!u->ring)
			return -ENOMEM;
	}
	err = udp_bind(ns_of(s), port, 0, udp_sock_input, s, &u->pcb);
	if (err == -ENOSPC)
		err = -ENOBUFS;	/* the stack's endpoint table is full */
	if (err)
		return err;
	u->laddr = addr;
	return 0;
}

static int udp_sock_bind(struct sock *s, const struct sock_addr *a)
{
	return udp_do_bind(s, a->addr, a->port);
}

static int udp_sock_listen(struct sock *s, int backlog)
{
	(void)s;
	(void)backlog;
	return -EOPNOTSUPP;
}

static int udp_sock_accept(struct sock *s, unsigned flags, struct sock **out,
			   struct sock_addr *peer)
{
	(void)s;
	(void)flags;
	(void)out;
	(void)peer;
	return -EOPNOTSUPP;
}

static int udp_sock_connect(struct sock *s, const struct sock_addr *a,
			    unsigned flags)
{
	struct sock_udp *u = &s->udp;
	int err = 0;

	(void)flags;
	sock_lock(s);
	if (s->cancelled) {
		err = -EBADF;
	} else if (!a->addr && !a->port) {
		u->connected = false;	/* AF_UNSPEC: dissolve */
	} else {
		if (!u->pcb)
			err = udp_do_bind(s, 0, 0);
		if (!err) {
			u->raddr = a->addr;
			u->rport = a->port;
			u->connected = true;
		}
	}
	sock_unlock(s);
	return err;
}

static long udp_send_locked(struct sock *s, const struct sock_iov *iov,
			    int iovcnt, const struct sock_addr *to)
{
	struct sock_udp *u = &s->udp;
	size_t total = sock_iov_total(iov, iovcnt);
	const void *data = iovcnt ? iov[0].base : NULL;
	uint8_t *gather = NULL;
	long r;

	if (s->cancelled)
		return -EBADF;
	if (s->shut_wr)
		return -EPIPE;
	if (!to && !u->connected)
		return -EDESTADDRREQ;
	if (total > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if ((to ? to->addr : u->raddr) == 0xffffffffu && !u->broadcast)
		return -EACCES;	/* Linux: broadcast needs SO_BROADCAST */
	if (!u->pcb) {
		r = udp_do_bind(s, 0, 0);
		if (r)
			return r;
	}
	if (iovcnt > 1) {
		size_t off = 0;

		gather = sock_os_zalloc(total ? total : 1);
		if (!gather)
			return -ENOBUFS;
		for (int i = 0; i < iovcnt; i++) {
			memcpy(gather + off, iov[i].base, iov[i].len);
			off += iov[i].len;
		}
		data = gather;
	}
	r = udp_sendto(ns_of(s), u->pcb, to ? to->addr : u->raddr,
		       to ? to->port : u->rport, data, total);
	sock_os_free(gather);
	return r < 0 ? r : (long)total;
}

static long udp_sock_sendmsg(struct sock *s, const struct sock_iov *iov,
			     int iovcnt, unsigned flags,
			     const struct sock_addr *to)
{
	long r;

	(void)flags;
	sock_lock(s);
	r = udp_send_locked(s, iov, iovcnt, to);
	sock_unlock(s);
	return r;
}

struct udp_recv_ctx {
	const struct sock_iov *iov;
	int iovcnt;
	unsigned flags;
	unsigned out_flags;
	struct sock_addr *from;
};

static long try_recv(struct sock *s, void *arg)
{
	struct udp_recv_ctx *c = arg;
	struct sock_udp *u = &s->udp;
	struct udp_rec rec;
	uint32_t at, left;
	size_t copied = 0;

	if (!u->count)
		return s->shut_rd ? 0 : -EAGAIN;
	ring_read(u, 0, &rec, sizeof(rec));
	at = (uint32_t)sizeof(rec);
	left = rec.len;
	for (int i = 0; i < c->iovcnt && left; i++) {
		uint32_t k = c->iov[i].len < left ? (uint32_t)c->iov[i].len : left;

		ring_read(u, at, c->iov[i].base, k);
		at += k;
		left -= k;
		copied += k;
	}
	if (left)
		c->out_flags |= SOCK_MSG_TRUNC;
	if (c->from) {
		c->from->addr = rec.addr;
		c->from->port = rec.port;
	}
	if (!(c->flags & SOCK_MSG_PEEK)) {
		uint32_t sz = (uint32_t)sizeof(rec) + rec.len;

		u->head = (u->head + sz) % u->rcvbuf;
		u->used -= sz;
		__atomic_store_n(&u->count, u->count - 1, __ATOMIC_RELEASE);
		if (!u->used)
			u->head = 0;
	}
	/* Linux: with MSG_TRUNC asked for, the datagram's real length. */
	if (c->flags & SOCK_MSG_TRUNC)
		return (long)rec.len;
	return (long)copied;
}

static long udp_sock_recvmsg(struct sock *s, const struct sock_iov *iov,
			     int iovcnt, unsigned *flags,
			     struct sock_addr *from)
{
	struct udp_recv_ctx c = { iov, iovcnt, *flags, 0, from };
	long r;

	r = sock_wait_for(s, WATCH_IN, c.flags, s->rcvtimeo, try_recv, &c);
	*flags = c.out_flags;
	return r;
}

static int udp_sock_shutdown(struct sock *s, int how)
{
	if (!s->udp.connected)
		return -ENOTCONN;	/* Linux, for an unconnected socket */
	if (how != SOCK_SHUT_WR)
		s->shut_rd = true;
	if (how != SOCK_SHUT_RD)
		s->shut_wr = true;
	sock_notify(s);
	return 0;
}

static int udp_sock_name(struct sock *s, struct sock_addr *a, bool peer)
{
	struct sock_udp *u = &s->udp;

	if (peer) {
		if (!u->connected)
			return -ENOTCONN;
		a->addr = u->raddr;
		a->port = u->rport;
		return 0;
	}
	a->addr = u->laddr;
	a->port = u->pcb ? udp_local_port(u->pcb) : 0;
	return 0;
}

static int udp_sock_setopt(struct sock *s, enum sock_opt opt, int val)
{
	struct sock_udp *u = &s->udp;

	switch (opt) {
	case SOCK_OPT_REUSEADDR:
	case SOCK_OPT_KEEPALIVE:
	case SOCK_OPT_SNDBUF:
		return 0;	/* accepted as Linux does; nothing to change */
	case SOCK_OPT_BROADCAST:
		u->broadcast = val != 0;
		return 0;
	case SOCK_OPT_RCVBUF: {
		uint32_t size = val < (int)SOCK_BUF_MIN ? SOCK_BUF_MIN :
				val > (int)SOCK_BUF_MAX ? SOCK_BUF_MAX : (uint32_t)val;
		uint8_t *ring;

		if (!u->ring) {
			u->rcvbuf = size;
			return 0;
		}
		if (u->used)
			return 0;	/* resized only while empty */
		ring = sock_os_zalloc(size);
		if (!ring)
			return -ENOMEM;
		sock_os_free(u->ring);
		u->ring = ring;
		u->rcvbuf = size;
		u->head = 0;
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
}

static int udp_sock_getopt(struct sock *s, enum sock_opt opt, int *val)
{
	switch (opt) {
	case SOCK_OPT_RCVBUF:
		*val = (int)s->udp.rcvbuf;
		return 0;
	case SOCK_OPT_SNDBUF:
		*val = (int)SOCK_UDP_SNDBUF;
		return 0;
	case SOCK_OPT_BROADCAST:
		*val = s->udp.broadcast;
		return 0;
	case SOCK_OPT_REUSEADDR:
	case SOCK_OPT_KEEPALIVE:
	case SOCK_OPT_ACCEPTCONN:
		*val = 0;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int udp_sock_error(struct sock *s)
{
	(void)s;
	return 0;
}

const struct sock_proto sock_udp_proto = {
	.init = udp_sock_init,
	.release = udp_sock_release,
	.bind = udp_sock_bind,
	.listen = udp_sock_listen,
	.accept = udp_sock_accept,
	.connect = udp_sock_connect,
	.sendmsg = udp_sock_sendmsg,
	.recvmsg = udp_sock_recvmsg,
	.shutdown = udp_sock_shutdown,
	.name = udp_sock_name,
	.setopt = udp_sock_setopt,
	.getopt = udp_sock_getopt,
	.error = udp_sock_error,
	.poll = udp_sock_poll,
};
