/*
 * include/skiff/service.h: callback network services, Toro's socket
 * multiplexing (SysRegisterNetworkService with DoInit, DoAccept,
 * DoReceive, DoClose, DoTimeout), built on the POSIX socket and epoll API.
 *
 * An app describes a service by a table of handlers and registers it; the
 * kernel starts one thread for the service on the CPU the app chose and
 * calls every handler there, in thread context, never from an interrupt
 * and never inside the network stack's lock. One service thread waits on
 * one epoll set holding its listening sockets and connections, so a wake
 * costs work for the ready connections only, and a handler that is slow
 * (sleeps, blocks) delays only its own service: other services have
 * their own threads, on the same CPU or on others. Threads are
 * cooperative: a handler that computes for long without sleeping or
 * blocking holds its CPU, so such a service wants a CPU of its own (and
 * not CPU 0, where the network thread runs).
 *
 * The handlers and their order, per service:
 *   init      once, in the service thread, before anything else: it
 *             calls svc_listen() for its port(s). Non-zero stops the
 *             service; svc_register() returns that value.
 *   accept    once per new connection. Non-zero refuses it (it is closed
 *             at once, and close is not called).
 *   receive   when bytes arrived (and see "input" below). It gets them in
 *             a buffer and returns how many it consumed.
 *   timeout   when the connection's timer (svc_set_timer) expired (NULL:
 *             the connection is closed, svc_close).
 *   writable  optional: after svc_send() refused data with -ENOBUFS, once
 *             the output queue has drained to half of out_max or less.
 *   connected optional: once a connection made by svc_connect() is
 *             established (before its first receive). One that cannot be
 *             established gets close(SVC_FAILED, -ECONNREFUSED, ...) instead.
 *   tick      optional: the service's own one-shot timer (svc_set_tick),
 *             for work tied to no connection (retries, generators, stats).
 *   close     exactly once per accepted connection, last: the peer closed
 *             (SVC_PEER_CLOSED), the connection failed (SVC_RESET,
 *             SVC_FAILED with the negative errno), the app's svc_close()
 *             completed (SVC_LOCAL_CLOSED), or the service stopped
 *             (SVC_STOPPED). Free the connection's data here; the pointer
 *             c is invalid once close returns. In SVC_PEER_CLOSED the
 *             peer still reads: close may svc_send() a last answer, which
 *             is sent before our FIN. A connection from svc_connect() gets
 *             close exactly once too, whether or not it was established.
 * Calls for one service never overlap (one thread), so handlers need no
 * locks for the service's own state.
 *
 * Input (receive): the service reads a connection's bytes into its own
 * buffer and hands them over in place; the handler returns the number it
 * consumed (0..len). Bytes it leaves are kept, in order, and handed again
 * at the front of the next call, with what arrived after them: a request
 * that came in pieces can be parsed once it is whole, and no byte is lost
 * or copied twice (what was consumed is never copied; a leftover is copied
 * once into the connection's buffer of in_max bytes). receive is called
 * again with the bytes left when new bytes arrive or when writable would
 * be (output pressure released). When in_max bytes are held and the
 * handler consumes none: with output queued, reading pauses (the peer's
 * window closes: TCP flow control) until the queue has drained, then
 * receive is called again; with nothing queued the handler can never make
 * progress, so the connection fails with -EMSGSIZE.
 *
 * Output (svc_send): never blocks. The bytes go straight to the socket
 * while it takes them; the rest is copied into the connection's output
 * queue, which the service thread sends as the peer's window opens
 * (EPOLLOUT). The queue is bounded by out_max: a send that would exceed it
 * takes nothing and returns -ENOBUFS (never a partial or silent drop), and
 * writable says when to go on. svc_close() closes after the queue drained.
 *
 * Timers: one per connection, one-shot, in a heap (O(log n) set and clear).
 * A timer still set after svc_close (or after close(SVC_PEER_CLOSED))
 * bounds the drain: if it fires first, the connection is closed at once
 * (close gets SVC_FAILED, -ETIMEDOUT; after SVC_PEER_CLOSED nothing more).
 *
 * Threads: every svc_ call on a service or connection is made from that
 * service's handlers (its thread), except svc_register(), svc_join(),
 * svc_stop() and svc_get_stats().
 */
#ifndef SKIFF_SERVICE_H
#define SKIFF_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct svc;
struct svc_conn;

/* Why a connection ended: the close handler's first argument. */
enum svc_reason {
	SVC_PEER_CLOSED,	/* the peer's FIN, after all its data was delivered */
	SVC_LOCAL_CLOSED,	/* svc_close() done: the queue drained (or SVC_CLOSE_NOW) */
	SVC_RESET,		/* the peer reset the connection (-ECONNRESET, -EPIPE) */
	SVC_FAILED,		/* another error, given as err (-ETIMEDOUT, -EMSGSIZE, ...) */
	SVC_STOPPED,		/* svc_stop(): the service ended with the connection open */
};

struct svc_handlers {
	int (*init)(struct svc *s);
	int (*accept)(struct svc_conn *c);	/* may be NULL: accept all */
	size_t (*receive)(struct svc_conn *c, const uint8_t *data, size_t len);
	void (*close)(struct svc_conn *c, enum svc_reason why, int err); /* may be NULL */
	void (*timeout)(struct svc_conn *c);	/* may be NULL: timers close */
	void (*writable)(struct svc_conn *c);	/* may be NULL */
	void (*connected)(struct svc_conn *c);	/* may be NULL */
	void (*tick)(struct svc *s);		/* may be NULL */
};

#define SVC_DEFAULT_MAX_CONNS	1024
#define SVC_DEFAULT_OUT_MAX	(256u * 1024)	/* bytes queued per connection */
#define SVC_DEFAULT_IN_MAX	(16u * 1024)	/* bytes held per connection */

struct svc_config {
	const char *name;		/* for log lines ("svc NAME: ...") */
	struct svc_handlers handlers;	/* init and receive are required */
	void *data;			/* the app's pointer for svc_data() */
	unsigned cpu;			/* the service thread's CPU */
	unsigned max_conns;		/* 0: SVC_DEFAULT_MAX_CONNS */
	size_t out_max;			/* 0: SVC_DEFAULT_OUT_MAX */
	size_t in_max;			/* 0: SVC_DEFAULT_IN_MAX; at least 64 */
};

/*
 * Starts the service: its thread on cfg->cpu runs init, and this call
 * returns once init has returned, with init's value (0: the service runs
 * and *out is its handle; else the thread has ended, *out is NULL).
 * -EINVAL for a bad config, -ENOMEM, -ENODEV when the CPU is not online.
 */
int svc_register(const struct svc_config *cfg, struct svc **out);

/*
 * Listens on TCP port (any local address, 0: an ephemeral one) for s, from
 * s's handlers (init, usually). Returns the port, or a negative errno.
 * backlog <= 0: 128.
 */
int svc_listen(struct svc *s, uint16_t port, int backlog);
/*
 * Accepts on fd, a TCP socket the app made non-blocking, bound and
 * listening, from s's handlers (init). The app keeps it: s never closes
 * it, and it must stay open until s has stopped. Several services (on
 * several CPUs) may share one listening socket this way, as Linux threads
 * share one with an epoll set each: every one is woken when a connection
 * waits, and the first to accept() gets it (the others find EAGAIN).
 * Returns the socket's port, or a negative errno.
 */
int svc_listen_fd(struct svc *s, int fd);

/*
 * Opens a TCP connection to addr:port (IPv4, host byte order) for s, from
 * s's handlers, without waiting: *out is the connection at once, with data
 * as its svc_conn_data. svc_send() queues on it while the handshake is
 * under way (the bytes go once it is established); connected is called
 * when it is, and close(SVC_FAILED, err) when it cannot be (refused,
 * timed out). It counts against max_conns like an accepted one. Returns 0,
 * -EMFILE when max_conns are open, or the socket's error (-ENETUNREACH...).
 */
int svc_connect(struct svc *s, uint32_t addr, uint16_t port, void *data,
		struct svc_conn **out);

/*
 * The service's own timer: tick is called once, in s's thread, ms
 * milliseconds from now (re-arms when set). From s's handlers.
 */
int svc_set_tick(struct svc *s, uint64_t ms);
void svc_clear_tick(struct svc *s);

/*
 * Listens on host TCP port through the host pipes (include/skiff/pipe.h,
 * tools/cloudit.sh --pipes), from s's handlers (init): each host
 * connection arrives as a pipe stream and is served exactly like a TCP
 * connection (svc_conn_port() says port; svc_conn_peer() the host peer).
 * Several services cannot share one pipe listener: give it to one. Returns
 * the host port the monitor bound (its --fwd map may change it), or a
 * negative errno: -ENODEV without pipes, the monitor's error (-EADDRINUSE).
 */
int svc_listen_pipe(struct svc *s, uint16_t port);

/*
 * Ends s once the current pass of its thread is over: every connection
 * still open gets close(SVC_STOPPED) and is closed at once (queued output
 * is dropped), the listeners close and the thread exits. Meant for s's
 * handlers; from another thread it takes effect when s next wakes.
 */
void svc_stop(struct svc *s);
/* From another thread: waits for s's thread to end after svc_stop, frees s. */
int svc_join(struct svc *s);

void *svc_data(struct svc *s);
const char *svc_name(const struct svc *s);
struct svc *svc_of(struct svc_conn *c);

void *svc_conn_data(struct svc_conn *c);
void svc_conn_set_data(struct svc_conn *c, void *p);
/* The peer's IPv4 address and port, host byte order (for svc_connect: the
 * address it was given). */
void svc_conn_peer(const struct svc_conn *c, uint32_t *addr, uint16_t *port);
/* The local port it came in on (which svc_listen); 0 for svc_connect. */
uint16_t svc_conn_port(const struct svc_conn *c);
/* A number unique per connection within the service, for log lines. */
uint64_t svc_conn_id(const struct svc_conn *c);
/* Bytes of c's output the socket has taken so far: with output queued,
 * it grows as the peer acknowledges (and the transport frees room). */
uint64_t svc_conn_sent(const struct svc_conn *c);
/*
 * c's TCP state and counters (struct tcp_info of <netinet/tcp.h>, as
 * getsockopt TCP_INFO gives them): 0, or a negative errno (-ENOPROTOOPT
 * for a host pipe stream, -ENOTCONN once closed). tcpi_retransmits > 0
 * with tcpi_unacked > 0: the path is losing data (RTOs in a row);
 * tcpi_probes > 0: the peer's window is closed (it stopped reading).
 */
struct tcp_info;
int svc_conn_tcp_info(const struct svc_conn *c, struct tcp_info *ti);

/*
 * Queues len bytes for c and returns at once: 0 when all were taken;
 * -ENOBUFS when queued + len would exceed out_max (nothing taken; wait for
 * writable); -EMSGSIZE when len alone exceeds out_max (send it in
 * pieces); -EPIPE after svc_close(); the connection's error (-ECONNRESET,
 * ...) once it failed; -ENOMEM when memory is short (nothing taken, or,
 * if part had gone out already, the connection fails).
 */
int svc_send(struct svc_conn *c, const void *buf, size_t len);

/*
 * svc_send() of head_len bytes at head (copied, may be 0) followed by
 * body_len bytes at body, a file embedded in the image (read-only data,
 * never changing): what the socket takes now goes in one call, so head
 * and body share a segment, and the body is queued by reference, not
 * copied (MSG_SKIFF_STATIC; bytes outside the image's read-only data are
 * copied anyway). What must wait in the output queue is copied there as
 * by svc_send(). Same returns as svc_send(), for the whole.
 */
int svc_send_static(struct svc_conn *c, const void *head, size_t head_len,
		    const void *body, size_t body_len);
/* Bytes svc_send would take now without -ENOBUFS (out_max - queued). */
size_t svc_send_room(const struct svc_conn *c);
/* Bytes in c's output queue, not yet taken by the socket. */
size_t svc_queued(const struct svc_conn *c);

#define SVC_CLOSE_NOW	0x1u	/* drop the queue, close at once */
/*
 * Closes c: no more receive, timeout or writable calls; the queued output
 * is sent, then the socket is closed (our FIN follows the data) and close
 * is called with SVC_LOCAL_CLOSED, after the current handler returns.
 */
int svc_close(struct svc_conn *c, unsigned flags);

/* Arms c's one timer to fire in ms milliseconds (re-arms if set). */
int svc_set_timer(struct svc_conn *c, uint64_t ms);
void svc_clear_timer(struct svc_conn *c);

struct svc_stats {
	uint64_t accepted;	/* connections given to accept */
	uint64_t connects;	/* connections svc_connect() began */
	uint64_t refused;	/* accept said no, or max_conns was reached */
	uint64_t accept_errors;	/* accept() failed (EMFILE...): listener rested */
	uint64_t active;	/* connections open now */
	uint64_t bytes_in;	/* bytes received */
	uint64_t bytes_out;	/* bytes handed to the socket */
	uint64_t send_refused;	/* svc_send() calls that got -ENOBUFS */
	uint64_t timeouts;	/* timeout calls */
	uint64_t closed[SVC_STOPPED + 1];	/* close calls per reason */
};
/* From any thread (counters may be a moment old). */
void svc_get_stats(const struct svc *s, struct svc_stats *st);
const char *svc_reason_name(enum svc_reason why);

#endif
