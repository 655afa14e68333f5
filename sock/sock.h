/*
 * sock/sock.h: sockets over the network stack (net/): the core that every
 * face builds on (POSIX names in sock/posix_*.c, callback services,
 * libioth, the xv6 API). TCP over the engine of net/tcp.h, UDP over
 * net/udp.h with a bounded datagram queue per socket.
 *
 * Promises:
 *   - every call returns 0 (or a count) or a negative errno with Linux's
 *     meaning for the matching socket call (EAGAIN, ECONNRESET, EPIPE,
 *     EADDRINUSE, ECONNREFUSED, ENOTCONN, EISCONN, EALREADY, EINPROGRESS...);
 *   - a call that cannot proceed blocks the calling thread (never the CPU)
 *     unless SOCK_MSG_DONTWAIT is given; a thread may block on a socket of
 *     any stack from any CPU; the receive and send timeouts
 *     (sock_set_timeout) end the wait with -EAGAIN (connect: -EINPROGRESS);
 *   - a blocking send returns only when everything was queued (or with the
 *     count queued so far when an error, the timeout or DONTWAIT stops it);
 *   - UDP: each datagram is copied once, in the stack's receive callback,
 *     into the socket's queue (SOCK_OPT_RCVBUF bytes); when it is full the
 *     datagram is dropped and counted (sock_udp_drops); no packet buffer
 *     is ever held; datagram boundaries are kept (a short read truncates
 *     and reports SOCK_MSG_TRUNC);
 *   - sock_poll() reads the readiness without any lock (WATCH_* bits, as
 *     Linux's poll would report them for this socket);
 *   - watches (sock/watch.h) on a socket are notified under its stack lock
 *     whenever its readiness may have changed;
 *   - sock_cancel() makes every call blocked on the socket, and every call
 *     after it, return -EBADF; the socket stays allocated until its last
 *     reference goes (sock_put); sock_close() is cancel plus put.
 *
 * Lifetime: sock_create() and sock_accept() give a socket with one
 * reference. A caller that may race with another thread's sock_close()
 * holds its own reference across the call (the fd table does this).
 *
 * Addresses are host order: an IPv4 address as a uint32_t, a port.
 * Deviations from Linux: IPv4 only; UDP binds a port on every interface
 * (a specific local address only filters what is received); no signals
 * (SIGPIPE never happens: MSG_NOSIGNAL is implied).
 */
#ifndef SOCK_SOCK_H
#define SOCK_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/netstack.h"
#include "sock/watch.h"

/*
 * One per network stack: the stack, the lock that serialises calls into
 * it (recursive: net/netstack.h), and a count of the sockets open on it.
 */
struct sock_net {
	struct netstack *ns;
	void (*lock)(void *ctx);
	void (*unlock)(void *ctx);
	void *ctx;
	unsigned long open;	/* sockets not yet freed (atomic) */
};

void sock_net_init(struct sock_net *sn, struct netstack *ns,
		   void (*lock)(void *ctx), void (*unlock)(void *ctx),
		   void *ctx);
/* Sockets open on sn (to refuse deleting a stack in use). */
unsigned long sock_net_open_count(const struct sock_net *sn);
/* The OS's default stack (the kernel's); NULL when there is none. */
struct sock_net *sock_net_default(void);

enum sock_type {
	SOCK_T_STREAM = 1,	/* TCP (Linux's SOCK_STREAM value) */
	SOCK_T_DGRAM = 2,	/* UDP */
};

struct sock_addr {
	uint32_t addr;
	uint16_t port;
};

/* The layout of POSIX's struct iovec. */
struct sock_iov {
	void *base;
	size_t len;
};

/* Call flags: Linux's MSG_* values, so the POSIX face passes them on. */
#define SOCK_MSG_PEEK		0x0002u
#define SOCK_MSG_TRUNC		0x0020u	/* out: a datagram was cut short */
#define SOCK_MSG_DONTWAIT	0x0040u	/* never block this call */
#define SOCK_MSG_WAITALL	0x0100u
#define SOCK_MSG_NOSIGNAL	0x4000u	/* accepted; there are no signals */
#define SOCK_MSG_MORE		0x8000u
#define SOCK_MSG_STATIC		0x10000000u	/* send: read-only image bytes by reference (tcp_send_ref) */

#define SOCK_SHUT_RD	0
#define SOCK_SHUT_WR	1
#define SOCK_SHUT_RDWR	2

struct sock;

int sock_create(struct sock_net *sn, enum sock_type type, struct sock **out);
void sock_hold(struct sock *s);
void sock_put(struct sock *s);
void sock_cancel(struct sock *s);
void sock_close(struct sock *s);

/* Port 0: an ephemeral one. */
int sock_bind(struct sock *s, const struct sock_addr *a);
int sock_listen(struct sock *s, int backlog);
/* flags: SOCK_MSG_DONTWAIT; peer may be NULL. */
int sock_accept(struct sock *s, unsigned flags, struct sock **out,
		struct sock_addr *peer);
/* TCP: with DONTWAIT, -EINPROGRESS and later WATCH_OUT (connected) or
 * WATCH_ERR (sock_error()). UDP: sets the default peer and the filter on
 * input; port 0 with address 0 dissolves it. */
int sock_connect(struct sock *s, const struct sock_addr *a, unsigned flags);
/* to: UDP's destination (NULL: the connected peer); ignored by TCP. */
long sock_sendmsg(struct sock *s, const struct sock_iov *iov, int iovcnt,
		  unsigned flags, const struct sock_addr *to);
/* *flags in: SOCK_MSG_*; out: SOCK_MSG_TRUNC when a datagram was cut.
 * from may be NULL. */
long sock_recvmsg(struct sock *s, const struct sock_iov *iov, int iovcnt,
		  unsigned *flags, struct sock_addr *from);
long sock_send(struct sock *s, const void *buf, size_t len, unsigned flags);
long sock_recv(struct sock *s, void *buf, size_t len, unsigned flags);
int sock_shutdown(struct sock *s, int how);
int sock_getsockname(struct sock *s, struct sock_addr *a);
int sock_getpeername(struct sock *s, struct sock_addr *a);

enum sock_opt {
	SOCK_OPT_REUSEADDR,	/* SO_REUSEADDR */
	SOCK_OPT_KEEPALIVE,	/* SO_KEEPALIVE */
	SOCK_OPT_RCVBUF,	/* SO_RCVBUF, bytes */
	SOCK_OPT_SNDBUF,	/* SO_SNDBUF, bytes */
	SOCK_OPT_BROADCAST,	/* SO_BROADCAST (recorded) */
	SOCK_OPT_LINGER,	/* seconds; -1 off; 0: close resets */
	SOCK_OPT_NODELAY,	/* TCP_NODELAY */
	SOCK_OPT_KEEPIDLE,	/* TCP_KEEPIDLE, seconds */
	SOCK_OPT_KEEPINTVL,	/* TCP_KEEPINTVL, seconds */
	SOCK_OPT_KEEPCNT,	/* TCP_KEEPCNT */
	SOCK_OPT_MAXSEG,	/* TCP_MAXSEG, bytes */
	SOCK_OPT_USER_TIMEOUT,	/* TCP_USER_TIMEOUT, ms */
	SOCK_OPT_TYPE,		/* get only: enum sock_type */
	SOCK_OPT_ACCEPTCONN,	/* get only: 1 when listening */
};
/* -ENOPROTOOPT when opt does not apply to this socket's type. */
int sock_setopt(struct sock *s, enum sock_opt opt, int val);
int sock_getopt(struct sock *s, enum sock_opt opt, int *val);
/* A TCP socket's connection state and counters (TCP_INFO);
 * -ENOPROTOOPT for other types. */
struct tcp_conn_info;
int sock_tcp_info(struct sock *s, struct tcp_conn_info *ci);
/* Receive (send == false) or send timeout in ns; 0: none (block). */
void sock_set_timeout(struct sock *s, bool send, uint64_t ns);
uint64_t sock_get_timeout(struct sock *s, bool send);
/* The pending error (SO_ERROR) as a negative errno, cleared; 0 if none. */
int sock_error(struct sock *s);
enum sock_type sock_type(const struct sock *s);
struct sock_net *sock_net_of(const struct sock *s);

/* Readiness now (WATCH_* bits), without a lock; WATCH_NVAL once
 * cancelled. */
unsigned sock_poll(struct sock *s);
/* Add or remove a watch (takes the stack lock). */
void sock_watch_add(struct sock *s, struct watch *w);
void sock_watch_del(struct sock *s, struct watch *w);
/* Send WATCH_GONE to every watch (the file naming s is going away). */
void sock_forget_watches(struct sock *s);

/* UDP datagrams dropped because the queue was full. */
uint64_t sock_udp_drops(struct sock *s);

#endif
