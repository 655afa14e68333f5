/*
 * sock/sock_priv.h: the socket structure and what sock_core.c shares with
 * the protocol files (sock_tcp.c, sock_udp.c).
 *
 * Locking: every field below the reference count changes only under the
 * stack lock (sn->lock); sock_poll() reads without it, through the
 * engine's published event word (TCP) or the atomically stored queue
 * count (UDP), plus flags that only ever go from false to true.
 */
#ifndef SOCK_SOCK_PRIV_H
#define SOCK_SOCK_PRIV_H

#include "net/tcp.h"
#include "net/udp.h"
#include "sock/sock.h"

#define SOCK_UDP_RCVBUF		65536u	/* default datagram queue bytes */
#define SOCK_UDP_SNDBUF		65536u	/* reported only: UDP sends at once */
#define SOCK_BUF_MIN		2048u
#define SOCK_BUF_MAX		(4u << 20)

struct sock;

/* What differs between TCP and UDP; every op runs with the stack lock held
 * except poll (lock-free). */
struct sock_proto {
	int (*init)(struct sock *s);
	void (*release)(struct sock *s);
	int (*bind)(struct sock *s, const struct sock_addr *a);
	int (*listen)(struct sock *s, int backlog);
	int (*accept)(struct sock *s, unsigned flags, struct sock **out,
		      struct sock_addr *peer);
	int (*connect)(struct sock *s, const struct sock_addr *a,
		       unsigned flags);
	long (*sendmsg)(struct sock *s, const struct sock_iov *iov, int iovcnt,
			unsigned flags, const struct sock_addr *to);
	long (*recvmsg)(struct sock *s, const struct sock_iov *iov, int iovcnt,
			unsigned *flags, struct sock_addr *from);
	int (*shutdown)(struct sock *s, int how);
	int (*name)(struct sock *s, struct sock_addr *a, bool peer);
	int (*setopt)(struct sock *s, enum sock_opt opt, int val);
	int (*getopt)(struct sock *s, enum sock_opt opt, int *val);
	int (*error)(struct sock *s);
	unsigned (*poll)(struct sock *s);
};

struct sock_tcp {
	struct tcp_pcb *pcb;
	bool connecting;	/* tcp_connect() sent the SYN, outcome unread */
};

struct sock_udp {
	struct udp_pcb *pcb;	/* NULL until bound (explicitly or not) */
	uint32_t laddr;		/* bound address; 0: any */
	uint32_t raddr;		/* connected peer, if connected */
	uint16_t rport;
	bool connected;
	bool broadcast;		/* SO_BROADCAST */
	uint8_t *ring;		/* datagram queue, rcvbuf bytes */
	uint32_t rcvbuf;
	uint32_t head;		/* first byte of the oldest record */
	uint32_t used;		/* bytes of records queued */
	uint32_t count;		/* datagrams queued (atomic for sock_poll) */
	uint64_t drops;		/* dropped: queue full */
};

struct sock {
	struct sock_net *sn;
	const struct sock_proto *proto;
	enum sock_type type;
	unsigned refs;		/* atomic */
	bool cancelled;		/* sock_cancel(): calls get -EBADF */
	bool shut_rd, shut_wr;	/* shutdown() called for that direction */
	int linger;		/* SO_LINGER seconds, -1 off */
	uint64_t rcvtimeo;	/* ns, 0: none */
	uint64_t sndtimeo;
	struct list_node watches;
	union {
		struct sock_tcp tcp;
		struct sock_udp udp;
	};
};

extern const struct sock_proto sock_tcp_proto;
extern const struct sock_proto sock_udp_proto;

void sock_lock(struct sock *s);
void sock_unlock(struct sock *s);
/* A zeroed socket with one reference, not yet given to a protocol. */
struct sock *sock_alloc(struct sock_net *sn, enum sock_type type);
/* Tell the watches the readiness now; stack lock held. */
void sock_notify(struct sock *s);

/*
 * The blocking loop every waiting call shares. With the stack lock held,
 * it calls attempt(s, ctx); while that returns -EAGAIN it waits (watching
 * mask on s) for a notification, the deadline of timeout_ns (0: none) or
 * sock_cancel() (-EBADF), and tries again. With SOCK_MSG_DONTWAIT in flags
 * it tries once. The watch is registered in the same lock hold as the
 * failed attempt, so no change between the two is missed. Returns what
 * attempt returned last, -EAGAIN on timeout, or -EBADF.
 */
long sock_wait_for(struct sock *s, unsigned mask, unsigned flags,
		   uint64_t timeout_ns,
		   long (*attempt)(struct sock *s, void *ctx), void *ctx);

/* Bytes the vector holds in all (saturating). */
size_t sock_iov_total(const struct sock_iov *iov, int iovcnt);

#endif
