/*
 * xv6/xv6_table.h: the socket table behind the xv6 face: which socket a
 * (port, thread) pair names, and which error the seed's API gives when it
 * names none. Pure bookkeeping, no I/O and no lock (the caller holds one),
 * so it runs on a host unchanged (tests/unit/xv6/xv6_table_test.c).
 *
 * The mapping (include/xv6/socket.h explains it for app writers):
 *   - a socket is found by its port and its owner, the thread that created
 *     it; at most one socket per (port, owner);
 *   - a port names either client sockets (connect's local port, one TCP
 *     connection each, unique because TCP gave the port) or server sockets
 *     (listen's port, any number, one per owner), which share one listener
 *     record for the port, counted by reference;
 *   - a port someone else owns answers E_ACCESS_DENIED, a port no one owns
 *     E_NOTFOUND.
 * Lookups scan the table (XV6_SOCK_MAX entries): it is small, and nothing
 * here is on a per-packet path.
 */
#ifndef XV6_XV6_TABLE_H
#define XV6_XV6_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#define XV6_SOCKET_PREFIX_ONLY
#include "include/xv6/socket.h"

enum xv6_state {
	XV6_FREE,
	XV6_RESERVED,	/* connect() under way: counted, never found by port */
	XV6_LISTENING,	/* listen() waiting, or timed out and kept */
	XV6_CONNECTED,
	XV6_CLOSED,	/* the peer is gone: only disconnect() is left */
};

/* The TCP listener of one port, shared by that port's server sockets. */
struct xv6_listener {
	uint16_t port;		/* 0: the slot is free */
	unsigned refs;		/* server sockets on this port */
	int fd;			/* the listening socket; -1 until opened */
};

struct xv6_sock {
	enum xv6_state state;
	uint16_t port;		/* the app's name for it; 0 while RESERVED */
	uintptr_t owner;	/* the creating thread's token */
	int fd;			/* the connection; -1 while LISTENING */
	struct xv6_listener *lis;	/* server side: its port; NULL: client */
};

struct xv6_table {
	struct xv6_sock sock[XV6_SOCK_MAX];
	/* A listener has at least one server socket: never more than those. */
	struct xv6_listener lis[XV6_SOCK_MAX];
};

void xv6_table_init(struct xv6_table *t);
bool xv6_port_valid(int port);

/*
 * The owner's socket at port: 0 and *out; E_INVALID_ARG (port outside
 * 1..65535), E_ACCESS_DENIED (only other threads have sockets there),
 * E_NOTFOUND.
 */
int xv6_table_find(struct xv6_table *t, int port, uintptr_t owner,
		   struct xv6_sock **out);

/*
 * listen(): the owner's listening socket at port, new or the one a timed
 * out listen left (then returned as it is). A new one holds a reference
 * on the port's listener; when that listener is new too its fd is -1 and
 * the caller opens it (or calls xv6_table_release() to undo). Errors:
 * E_INVALID_ARG, E_WRONG_STATE (the owner is connected on port),
 * E_ACCESS_DENIED (port is another thread's client connection),
 * E_FAIL (table full).
 */
int xv6_table_listen(struct xv6_table *t, int port, uintptr_t owner,
		     struct xv6_sock **out);

/* connect(): a RESERVED socket for owner, or NULL when the table is full. */
struct xv6_sock *xv6_table_reserve(struct xv6_table *t, uintptr_t owner);

/*
 * connect() succeeded: the reserved socket becomes CONNECTED, named by
 * its local port, with fd. E_FAIL (and no change) when the owner already
 * has a socket at that port (a listen port TCP also handed out).
 */
int xv6_table_bind(struct xv6_table *t, struct xv6_sock *s, uint16_t port,
		   int fd);

/*
 * Frees s (any state). Returns the port's listener fd when s was the last
 * server socket on its port, for the caller to close (-1 if it was never
 * opened); -1 otherwise. s->fd is the caller's to close, read it first.
 */
int xv6_table_release(struct xv6_table *t, struct xv6_sock *s);

/* Sockets in use (any state but FREE); listener records in use. */
unsigned xv6_table_count(const struct xv6_table *t);
unsigned xv6_table_listeners(const struct xv6_table *t);

#endif /* XV6_XV6_TABLE_H */
