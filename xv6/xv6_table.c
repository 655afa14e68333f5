/*
 * xv6/xv6_table.c: the (port, owner) -> socket mapping of the xv6 face
 * (xv6_table.h says what it promises). The seed keys a socket by its port
 * alone and so serves one client per port; here the owner is part of the
 * key, which lets many server sockets share a port, one per thread, with
 * the seed's errors kept for a port nobody (E_NOTFOUND) or somebody else
 * (E_ACCESS_DENIED) owns.
 */
#include <stddef.h>

#include "xv6_table.h"

void xv6_table_init(struct xv6_table *t)
{
	unsigned i;

	for (i = 0; i < XV6_SOCK_MAX; i++) {
		t->sock[i] = (struct xv6_sock){ .state = XV6_FREE, .fd = -1 };
		t->lis[i] = (struct xv6_listener){ .port = 0, .fd = -1 };
	}
}

bool xv6_port_valid(int port)
{
	return port >= 1 && port <= 65535;
}

/* A socket found by port: RESERVED ones have no port yet. */
static bool sock_named(const struct xv6_sock *s, uint16_t port)
{
	return s->state >= XV6_LISTENING && s->port == port;
}

int xv6_table_find(struct xv6_table *t, int port, uintptr_t owner,
		   struct xv6_sock **out)
{
	bool others = false;
	unsigned i;

	if (!xv6_port_valid(port))
		return E_INVALID_ARG;
	for (i = 0; i < XV6_SOCK_MAX; i++) {
		struct xv6_sock *s = &t->sock[i];

		if (!sock_named(s, (uint16_t)port))
			continue;
		if (s->owner == owner) {
			*out = s;
			return 0;
		}
		others = true;
	}
	return others ? E_ACCESS_DENIED : E_NOTFOUND;
}

static struct xv6_sock *sock_alloc(struct xv6_table *t)
{
	unsigned i;

	for (i = 0; i < XV6_SOCK_MAX; i++)
		if (t->sock[i].state == XV6_FREE)
			return &t->sock[i];
	return NULL;
}

/* The port's listener record, taken (refs + 1), new if there is none. */
static struct xv6_listener *lis_get(struct xv6_table *t, uint16_t port)
{
	struct xv6_listener *fresh = NULL;
	unsigned i;

	for (i = 0; i < XV6_SOCK_MAX; i++) {
		struct xv6_listener *l = &t->lis[i];

		if (l->port == port) {
			l->refs++;
			return l;
		}
		if (l->port == 0 && !fresh)
			fresh = l;
	}
	/* Never NULL: the caller holds a free socket, and every record in
	 * use has a socket of its own. */
	fresh->port = port;
	fresh->refs = 1;
	fresh->fd = -1;
	return fresh;
}

int xv6_table_listen(struct xv6_table *t, int port, uintptr_t owner,
		     struct xv6_sock **out)
{
	struct xv6_sock *s;
	unsigned i;

	if (!xv6_port_valid(port))
		return E_INVALID_ARG;
	for (i = 0; i < XV6_SOCK_MAX; i++) {
		s = &t->sock[i];
		if (!sock_named(s, (uint16_t)port))
			continue;
		if (s->owner == owner) {
			/* One socket per (port, owner): a listen that timed out
			 * left this one, and waiting goes on with it. */
			if (s->state != XV6_LISTENING)
				return E_WRONG_STATE;
			*out = s;
			return 0;
		}
		/* Server sockets of other threads share the port; another
		 * thread's client connection has it to itself. */
		if (!s->lis)
			return E_ACCESS_DENIED;
	}
	s = sock_alloc(t);
	if (!s)
		return E_FAIL;
	*s = (struct xv6_sock){
		.state = XV6_LISTENING,
		.port = (uint16_t)port,
		.owner = owner,
		.fd = -1,
		.lis = lis_get(t, (uint16_t)port),
	};
	*out = s;
	return 0;
}

struct xv6_sock *xv6_table_reserve(struct xv6_table *t, uintptr_t owner)
{
	struct xv6_sock *s = sock_alloc(t);

	if (s)
		*s = (struct xv6_sock){ .state = XV6_RESERVED, .owner = owner,
					.fd = -1 };
	return s;
}

int xv6_table_bind(struct xv6_table *t, struct xv6_sock *s, uint16_t port,
		   int fd)
{
	struct xv6_sock *other;

	if (port == 0 || xv6_table_find(t, port, s->owner, &other) == 0)
		return E_FAIL;
	s->state = XV6_CONNECTED;
	s->port = port;
	s->fd = fd;
	return 0;
}

int xv6_table_release(struct xv6_table *t, struct xv6_sock *s)
{
	struct xv6_listener *l = s->lis;
	int lfd = -1;

	(void)t;
	if (l && --l->refs == 0) {
		lfd = l->fd;
		*l = (struct xv6_listener){ .port = 0, .fd = -1 };
	}
	*s = (struct xv6_sock){ .state = XV6_FREE, .fd = -1 };
	return lfd;
}

unsigned xv6_table_count(const struct xv6_table *t)
{
	unsigned i, n = 0;

	for (i = 0; i < XV6_SOCK_MAX; i++)
		n += t->sock[i].state != XV6_FREE;
	return n;
}

unsigned xv6_table_listeners(const struct xv6_table *t)
{
	unsigned i, n = 0;

	for (i = 0; i < XV6_SOCK_MAX; i++)
		n += t->lis[i].port != 0;
	return n;
}
