/*
 * tcp.h: the TCP engine (RFC 9293 and companions), the API inside net/ that
 * both socket faces (callback services and POSIX sockets) build on.
 *
 * A struct tcp_pcb is a connection (or a listener) owned by the stack.
 * Nothing here blocks: calls that cannot proceed return -EAGAIN and the
 * pcb's event callback says later when they can. The callback runs with the
 * stack lock held (from input, timers or an API call); it may call back
 * into this API (the lock is recursive) but must not block or yield. A
 * socket layer typically records the events and wakes its waiters after
 * the lock is dropped. Callbacks are queued while the engine works and
 * run when the outermost engine call (input, timer, API) finishes, never
 * in the middle of a state change, so a callback may send, receive, close
 * or abort any pcb; a call made from a callback queues further callbacks
 * for the same run. The bits passed are what happened (only bits true at
 * that moment; READABLE and WRITABLE may repeat); tcp_events() reads the
 * current readiness without the lock (a word published with release
 * semantics), so a waiter's condition check never needs the stack lock.
 *
 * Lifetime: tcp_open() or tcp_accept() gives the app a pcb; the app owns it
 * until tcp_close() or tcp_abort(), after which the stack finishes the
 * connection (FIN handshake, TIME-WAIT) and frees it on its own; the app
 * must not touch the pointer again and gets no more callbacks. A connection
 * the peer resets or that times out stays allocated (state CLOSED, error
 * set) until the app closes it.
 *
 * Memory: send and receive data live in per-connection byte rings sized by
 * TCP_OPT_SNDBUF / TCP_OPT_RCVBUF (defaults from struct netstack_params),
 * never in the packet pools, so TCP queues cannot starve reception. The
 * receive ring comes with the connection, the send ring with the first
 * tcp_send() (-ENOMEM there if memory is short). The
 * receive ring also holds out-of-order data at its sequence offset, so the
 * advertised window never promises more than the ring can hold.
 *
 * Addresses are host byte order, ports host order.
 */
#ifndef NET_TCP_H
#define NET_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netstack.h"

struct tcp_pcb;

/* RFC 9293 3.3.2, in the BSD order: >= TCP_ESTABLISHED is synchronized. */
enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_CLOSE_WAIT,
	TCP_FIN_WAIT_1,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_FIN_WAIT_2,
	TCP_TIME_WAIT,
};

/* Events passed to the callback and returned by tcp_events(). */
#define TCP_EV_READABLE	 0x01u	/* data, or the peer's FIN (recv returns 0) */
#define TCP_EV_WRITABLE	 0x02u	/* the send ring has room */
#define TCP_EV_CONNECTED 0x04u	/* an active open completed */
#define TCP_EV_ACCEPT	 0x08u	/* listener: tcp_accept() has a connection */
#define TCP_EV_ERROR	 0x10u	/* tcp_error() has the reason */
#define TCP_EV_CLOSED	 0x20u	/* both directions finished, or reset */

typedef void (*tcp_event_fn)(void *arg, struct tcp_pcb *pcb, unsigned events);

/* A new pcb in CLOSED, with the stack's default options. */
int tcp_open(struct netstack *ns, tcp_event_fn fn, void *arg,
	     struct tcp_pcb **out);
/* Local address (0: any) and port (0: ephemeral, RFC 6056). -EADDRINUSE,
 * -EADDRNOTAVAIL (not one of our addresses), -EINVAL (already bound). */
int tcp_bind(struct netstack *ns, struct tcp_pcb *pcb, uint32_t addr,
	     uint16_t port);
/* Passive open; backlog bounds connections waiting for tcp_accept(). */
int tcp_listen(struct netstack *ns, struct tcp_pcb *pcb, int backlog);
/* Take an established connection from a listener; -EAGAIN if none. */
int tcp_accept(struct netstack *ns, struct tcp_pcb *lis, tcp_event_fn fn,
	       void *arg, struct tcp_pcb **out);
/* The same from CPU cpu: a connection that came in on that CPU's NIC
 * queue first, others' only once they may be taken (tcp_aq.c); -EAGAIN
 * when there is none this CPU may take. cpu -1: tcp_accept(). */
int tcp_accept_on(struct netstack *ns, struct tcp_pcb *lis, int cpu,
		  tcp_event_fn fn, void *arg, struct tcp_pcb **out);
/* Whether tcp_accept_on(cpu) would find a connection now; without the
 * stack lock (published state), for readiness. Asking marks cpu as one
 * that accepts here (its connections wait for it a while). */
bool tcp_accept_ready(struct tcp_pcb *lis, int cpu);
/* Active open: sends the SYN and returns 0; TCP_EV_CONNECTED or
 * TCP_EV_ERROR (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH)
 * follows. -ENETUNREACH at once when there is no route. A pcb connects
 * once: after a failed attempt, -EINVAL (open a new one). */
int tcp_connect(struct netstack *ns, struct tcp_pcb *pcb, uint32_t dst,
		uint16_t dport);

/* More follows soon: hold a partial segment (on a TSO interface, any
 * segment short of the largest) until a tcp_send() without the flag,
 * which may be empty (len 0) just to let it go. */
#define TCP_SEND_MORE	0x1u

/* Queue up to len bytes; returns bytes taken (> 0), -EAGAIN when the ring
 * is full, -EPIPE after shutdown(WR), -ENOTCONN on a pcb never connected
 * (data may be queued in SYN-SENT, RFC 9293 3.10.2), or the pending error
 * (-ECONNRESET, -ETIMEDOUT). */
long tcp_send(struct netstack *ns, struct tcp_pcb *pcb, const void *buf,
	      size_t len, unsigned flags);

/*
 * tcp_send() without the copy: the bytes at buf must stay unchanged and
 * valid for the life of the stack (static content in the image), and are
 * read again for each segment and retransmission. The same sequence,
 * window, Nagle and TCP_SEND_MORE rules as tcp_send(), and the same room:
 * a reference occupies its length of the send buffer. When the pcb's few
 * reference slots (TCP_SNDREF_MAX) are taken the bytes are copied.
 */
long tcp_send_ref(struct netstack *ns, struct tcp_pcb *pcb, const void *buf,
		  size_t len, unsigned flags);

#define TCP_RECV_PEEK	0x1u	/* copy without consuming (the error too) */

/* Copy out up to len bytes and open the window; 0 at the peer's FIN with
 * nothing left, -EAGAIN when nothing is there yet, or the pending error. */
long tcp_recv(struct netstack *ns, struct tcp_pcb *pcb, void *buf,
	      size_t len, unsigned flags);

/* Zero-copy receive: the in-order data as at most two spans of the ring
 * (returns the total), valid until the next call on this pcb; then
 * tcp_recv_ack() consumes n bytes of it (receive-acknowledge). */
struct tcp_span {
	const uint8_t *p;
	size_t len;
};
size_t tcp_recv_peek(struct netstack *ns, struct tcp_pcb *pcb,
		     struct tcp_span span[2]);
int tcp_recv_ack(struct netstack *ns, struct tcp_pcb *pcb, size_t n);

#define TCP_SHUT_RD	0x1u
#define TCP_SHUT_WR	0x2u
/* Half-close: WR sends FIN after the queued data; RD discards input. */
int tcp_shutdown(struct netstack *ns, struct tcp_pcb *pcb, unsigned how);
/* Release the pcb to the stack: FIN after queued data (RST instead when
 * received data was left unread, RFC 9293 3.10.4 / RFC 2525 2.17). */
int tcp_close(struct netstack *ns, struct tcp_pcb *pcb);
/* Release with RST now (SO_LINGER 0). */
void tcp_abort(struct netstack *ns, struct tcp_pcb *pcb);

/* Current readiness (TCP_EV_*), without the stack lock. */
unsigned tcp_events(const struct tcp_pcb *pcb);
/* The pending error as a negative errno, cleared by reading; 0 if none. */
int tcp_error(struct netstack *ns, struct tcp_pcb *pcb);
enum tcp_state tcp_state(const struct tcp_pcb *pcb);
const char *tcp_state_name(enum tcp_state s);

enum tcp_opt {
	TCP_OPT_NODELAY,	/* 1: no Nagle (RFC 1122 4.2.3.4) */
	TCP_OPT_KEEPALIVE,	/* 1: RFC 1122 4.2.3.6 keep-alives */
	TCP_OPT_KEEPIDLE,	/* seconds idle before the first probe */
	TCP_OPT_KEEPINTVL,	/* seconds between probes */
	TCP_OPT_KEEPCNT,	/* unanswered probes before ETIMEDOUT */
	TCP_OPT_SNDBUF,		/* bytes of send ring (before the first send) */
	TCP_OPT_RCVBUF,		/* bytes of receive ring (before listen/connect) */
	TCP_OPT_REUSEADDR,	/* 1: bind over TIME-WAIT */
	TCP_OPT_MAXSEG,		/* MSS clamp in bytes, 0: the path's */
	TCP_OPT_USER_TIMEOUT,	/* ms of unacknowledged data before ETIMEDOUT */
};
int tcp_setopt(struct netstack *ns, struct tcp_pcb *pcb, enum tcp_opt opt,
	       int val);
int tcp_getopt(struct netstack *ns, struct tcp_pcb *pcb, enum tcp_opt opt,
	       int *val);

int tcp_local(struct netstack *ns, const struct tcp_pcb *pcb,
	      uint32_t *addr, uint16_t *port);
int tcp_remote(struct netstack *ns, const struct tcp_pcb *pcb,
	       uint32_t *addr, uint16_t *port);

/* Per-connection counters (like Linux's struct tcp_info). */
struct tcp_conn_info {
	enum tcp_state state;
	uint32_t local_addr, remote_addr;
	uint16_t local_port, remote_port;
	uint32_t mss;			/* send MSS */
	uint32_t srtt_us, rttvar_us, rto_ms;
	uint32_t cwnd, ssthresh;	/* bytes */
	uint32_t snd_wnd, rcv_wnd;	/* bytes, scaled */
	uint8_t snd_wscale, rcv_wscale;
	bool ts_ok, sack_ok;
	uint64_t retransmits;		/* segments sent again */
	uint8_t backoff;		/* timer expiries in a row without
					 * progress: RTOs, or zero-window
					 * probes when snd_wnd is 0 */
	uint64_t bytes_sent;		/* bytes acknowledged by the peer */
	uint64_t bytes_received;	/* in-order bytes delivered */
	uint64_t segs_in, segs_out;
	uint32_t unacked;		/* bytes in flight */
	uint32_t sndq, rcvq;		/* bytes queued in each ring */
};
int tcp_info(struct netstack *ns, const struct tcp_pcb *pcb,
	     struct tcp_conn_info *out);
/* Call fn for every pcb (listeners and TIME-WAIT included); for printing. */
void tcp_foreach(struct netstack *ns,
		 void (*fn)(void *arg, const struct tcp_conn_info *ci),
		 void *arg);
/* pcbs allocated (any state); 0 when all are gone. */
uint32_t tcp_pcb_count(struct netstack *ns);

#endif /* NET_TCP_H */
