/*
 * xv6/xv6_sock.c: the xv6 loopback socket API (include/xv6/socket.h, seed
 * 001) over POSIX TCP sockets on 127.0.0.1.
 *
 * Each xv6 socket is one TCP connection, plus for a server port one TCP
 * listener bound to 127.0.0.1 that the port's server sockets share
 * (xv6_table.c keeps the mapping and the references). What it promises:
 *   - a call blocks only the calling thread, and never while holding the
 *     table lock: the lock covers table changes and the calls that cannot
 *     block (socket, bind, listen, close);
 *   - only the owning thread ever touches a connection's fd, so waiting
 *     for it needs no lock; a listener is shared and non-blocking: its
 *     waiters poll it and take turns at accept(), a waiter that loses the
 *     race waits again (within its deadline);
 *   - a listener is closed only when no socket of its port is left, so no
 *     thread ever waits on a closed fd;
 *   - send() queues every byte or reports why not; recv() hands out what
 *     has arrived before it reports the peer gone.
 * Deviations from the seed are listed in the header (byte count from
 * recv, many clients per port, E_TIMEOUT); the transport is TCP as RFC
 * 9293 describes it, on the loopback interface only (RFC 1122 3.2.1.3(g)).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xv6_os.h"
#include "xv6_table.h"

#define XV6_BACKLOG	XV6_SOCK_MAX	/* clients queued per port */
#define XV6_FOREVER	UINT64_MAX	/* no deadline */

/* All zero is an empty table (xv6_table.h), so no init call is needed. */
static struct xv6_table xv6_tab;
static pthread_mutex_t xv6_lock = PTHREAD_MUTEX_INITIALIZER;

/* 127.0.0.1:port */
static struct sockaddr_in loopback_addr(int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

/* The seed supports "localhost" and "127.0.0.1"; host names compare
 * without regard to case (RFC 4343). */
static bool host_is_loopback(const char *host)
{
	static const char lh[] = "localhost";
	size_t i;

	if (!host)
		return false;
	if (strcmp(host, "127.0.0.1") == 0)
		return true;
	for (i = 0; i < sizeof(lh); i++) {
		char c = host[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lh[i])
			return false;
	}
	return true;
}

/* errno after a failed call on a connection: the peer is gone, or
 * something the seed has no name for. */
static bool errno_peer_gone(int err)
{
	return err == ECONNRESET || err == EPIPE || err == ENOTCONN ||
	       err == ETIMEDOUT || err == ECONNABORTED;
}

static int set_blocking(int fd, bool blocking)
{
	int fl = fcntl(fd, F_GETFL, 0);

	if (fl < 0)
		return -1;
	fl = blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

/*
 * Waits until fd is readable (data, a connection to accept, the peer's
 * FIN or an error: a recv or accept then does not block). 1 when it is,
 * 0 when deadline (xv6_now_ms() time, or XV6_FOREVER) passed, -1 on an
 * error of poll itself.
 */
static int wait_readable(int fd, uint64_t deadline)
{
	struct pollfd p;
	int ms, n;

	for (;;) {
		ms = -1;
		if (deadline != XV6_FOREVER) {
			uint64_t now = xv6_now_ms();

			ms = now >= deadline ? 0 :
			     deadline - now > __INT_MAX__ ? __INT_MAX__ : (int)(deadline - now);
		}
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		n = poll(&p, 1, ms);
		if (n > 0)
			return 1;
		if (n == 0 && ms >= 0 && xv6_now_ms() >= deadline)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static uint64_t deadline_after(int ms)
{
	return ms < 0 ? XV6_FOREVER : xv6_now_ms() + (uint64_t)ms;
}

/* A listening TCP socket on 127.0.0.1:port, non-blocking (its waiters
 * poll it), or the code to return. */
static int listener_open(int port)
{
	struct sockaddr_in sin = loopback_addr(port);
	int one = 1, fd, err;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return E_FAIL;
	/* A port given up a moment ago may still have connections in
	 * TIME-WAIT (RFC 9293 3.6.1); they must not stop a new listen. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto out_close;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		err = errno;
		close(fd);
		/* Taken by a socket outside this face: not ours to use. */
		return err == EADDRINUSE ? E_ACCESS_DENIED : E_FAIL;
	}
	if (listen(fd, XV6_BACKLOG) < 0 || set_blocking(fd, false) < 0)
		goto out_close;
	return fd;
out_close:
	close(fd);
	return E_FAIL;
}

/* Under the lock: the caller's socket at port, ready for send/recv. */
static int conn_get(int port, struct xv6_sock **out)
{
	struct xv6_sock *s;
	int r;

	pthread_mutex_lock(&xv6_lock);
	r = xv6_table_find(&xv6_tab, port, xv6_self(), &s);
	if (r == 0) {
		if (s->state == XV6_LISTENING)
			r = E_WRONG_STATE;
		else if (s->state == XV6_CLOSED)
			r = E_CONNECTION_RESET_BY_REMOTE;
		else
			*out = s;
	}
	pthread_mutex_unlock(&xv6_lock);
	return r;
}

/* The peer is gone: say so now and on every later send or recv. */
static int conn_gone(struct xv6_sock *s)
{
	pthread_mutex_lock(&xv6_lock);
	s->state = XV6_CLOSED;
	pthread_mutex_unlock(&xv6_lock);
	return E_CONNECTION_RESET_BY_REMOTE;
}

static int conn_failed(struct xv6_sock *s, int err)
{
	return errno_peer_gone(err) ? conn_gone(s) : E_FAIL;
}

/*
 * True when the peer's FIN or RST arrived and nothing is left to read.
 * The xv6 API has no half-close, so a peer that stopped sending has
 * disconnected, and data sent now would be lost to its RST.
 */
static bool conn_peer_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
	char c;
	long n;

	if (poll(&p, 1, 0) <= 0)
		return false;
	n = recv(fd, &c, 1, MSG_PEEK);
	return n == 0 || (n < 0 && errno_peer_gone(errno));
}

static int do_listen(int port, int ms)
{
	struct xv6_sock *s;
	uint64_t deadline = deadline_after(ms);
	int r, lfd = -1, cfd;

	pthread_mutex_lock(&xv6_lock);
	r = xv6_table_listen(&xv6_tab, port, xv6_self(), &s);
	if (r == 0 && s->lis->fd < 0) {
		/* The port's first server socket opens its listener. */
		lfd = listener_open(port);
		if (lfd < 0) {
			r = lfd;
			xv6_table_release(&xv6_tab, s);
		} else {
			s->lis->fd = lfd;
		}
	}
	if (r == 0)
		lfd = s->lis->fd;	/* stays open: s holds a reference */
	pthread_mutex_unlock(&xv6_lock);
	if (r)
		return r;

	for (;;) {
		r = wait_readable(lfd, deadline);
		if (r == 0)
			return E_TIMEOUT;	/* s stays LISTENING */
		if (r < 0)
			return E_FAIL;
		cfd = accept(lfd, NULL, NULL);
		if (cfd >= 0)
			break;
		/* Another waiter took it, or it was reset before we came. */
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ECONNABORTED || errno == EINTR)
			continue;
		return E_FAIL;
	}
	/* Some stacks pass the listener's O_NONBLOCK on to accepted sockets
	 * (POSIX leaves it open); connections block. */
	if (set_blocking(cfd, true) < 0) {
		close(cfd);
		return E_FAIL;
	}
	pthread_mutex_lock(&xv6_lock);
	s->fd = cfd;
	s->state = XV6_CONNECTED;
	pthread_mutex_unlock(&xv6_lock);
	return 0;
}

int xv6_listen(int localPort)
{
	return do_listen(localPort, -1);
}

int xv6_listen_timeout(int localPort, int ms)
{
	if (ms < 0)
		return E_INVALID_ARG;
	return do_listen(localPort, ms);
}

int xv6_connect(int remotePort, const char *hostname)
{
	struct sockaddr_in sin = loopback_addr(remotePort);
	socklen_t sl = sizeof(sin);
	struct xv6_sock *s;
	int r, fd;

	if (!xv6_port_valid(remotePort) || !host_is_loopback(hostname))
		return E_INVALID_ARG;
	/* A slot first: a full table fails before anything is sent. */
	pthread_mutex_lock(&xv6_lock);
	s = xv6_table_reserve(&xv6_tab, xv6_self());
	pthread_mutex_unlock(&xv6_lock);
	if (!s)
		return E_FAIL;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		r = E_FAIL;
		goto out_release;
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		/* RFC 9293 3.10.7.3: a RST to our SYN: nobody listens there. */
		r = errno == ECONNREFUSED ? E_NOTFOUND : E_FAIL;
		goto out_close;
	}
	if (getsockname(fd, (struct sockaddr *)&sin, &sl) < 0) {
		r = E_FAIL;
		goto out_close;
	}
	pthread_mutex_lock(&xv6_lock);
	r = xv6_table_bind(&xv6_tab, s, ntohs(sin.sin_port), fd);
	pthread_mutex_unlock(&xv6_lock);
	if (r)
		goto out_close;
	return ntohs(sin.sin_port);

out_close:
	close(fd);
out_release:
	pthread_mutex_lock(&xv6_lock);
	xv6_table_release(&xv6_tab, s);
	pthread_mutex_unlock(&xv6_lock);
	return r;
}

int xv6_send(int localPort, const char *buf, int len)
{
	struct xv6_sock *s;
	int r, off = 0;
	long n;

	if (!xv6_port_valid(localPort) || !buf || len <= 0)
		return E_INVALID_ARG;
	r = conn_get(localPort, &s);
	if (r)
		return r;
	if (conn_peer_closed(s->fd))
		return conn_gone(s);
	while (off < len) {
		n = send(s->fd, buf + off, (size_t)(len - off), MSG_NOSIGNAL);
		if (n > 0)
			off += (int)n;
		else if (n < 0 && errno != EINTR)
			return conn_failed(s, errno);
	}
	return 0;
}

static int do_recv(int port, char *buf, int len, int ms)
{
	struct xv6_sock *s;
	int r;
	long n;

	if (!xv6_port_valid(port) || !buf || len <= 0)
		return E_INVALID_ARG;
	r = conn_get(port, &s);
	if (r)
		return r;
	if (ms >= 0) {
		r = wait_readable(s->fd, deadline_after(ms));
		if (r == 0)
			return E_TIMEOUT;
		if (r < 0)
			return E_FAIL;
	}
	for (;;) {
		n = recv(s->fd, buf, (size_t)len, 0);
		if (n > 0)
			return (int)n;
		/* RFC 9293 3.10.7.4: the peer's FIN, after all it sent. */
		if (n == 0)
			return conn_gone(s);
		if (errno != EINTR)
			return conn_failed(s, errno);
	}
}

int xv6_recv(int localPort, char *buf, int len)
{
	return do_recv(localPort, buf, len, -1);
}

int xv6_recv_timeout(int localPort, char *buf, int len, int ms)
{
	if (ms < 0)
		return E_INVALID_ARG;
	return do_recv(localPort, buf, len, ms);
}

int xv6_disconnect(int localPort)
{
	struct xv6_sock *s;
	int r, fd, lfd;

	pthread_mutex_lock(&xv6_lock);
	r = xv6_table_find(&xv6_tab, localPort, xv6_self(), &s);
	if (r == 0) {
		fd = s->fd;
		lfd = xv6_table_release(&xv6_tab, s);
		/* Under the lock: a listen() right after must find the port
		 * free again. Neither close waits for the peer. */
		if (fd >= 0)
			close(fd);
		if (lfd >= 0)
			close(lfd);
	}
	pthread_mutex_unlock(&xv6_lock);
	return r;
}

int xv6_sockets(void)
{
	int n;

	pthread_mutex_lock(&xv6_lock);
	n = (int)xv6_table_count(&xv6_tab);
	pthread_mutex_unlock(&xv6_lock);
	return n;
}
