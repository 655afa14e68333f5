/*
 * msg/msg_node.c: a SchemeStation domain or router (seed 003, 3): its list
 * of connections, the routing table from domain address to connection,
 * sending (net_deliverpacket, net_findconnection), forwarding, and the
 * timers (keepalives, silence, retries).
 *
 * Promises: a packet's path is found by one hash lookup (no scan of the
 * connections); each destination keeps one connection for its packets,
 * the first one opened or established for it, so they arrive in the order
 * sent; a router forwards a packet as it came (header and data, one copy
 * into the destination's queue) or drops it and counts why; an address
 * leaves the table the moment its connection ends. Nothing here blocks or
 * allocates per packet: memory is taken per connection.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg/msg_priv.h"

#define MSG_DEFAULT_QUEUE	65536
#define MSG_DEFAULT_KEEPALIVE	2000
#define MSG_DEFAULT_RETRY	500
#define MSG_DEFAULT_HANDSHAKE	5000

void msg_node_enter(struct msg_node *n)
{
	n->depth++;
}

/* The outermost call is over: owed ready calls, then the dead are freed. */
void msg_node_leave(struct msg_node *n)
{
	if (--n->depth)
		return;
	while (n->ready_owed) {
		n->ready_owed = false;
		if (n->io.ready) {
			n->depth++;
			n->io.ready(n->io.ctx);
			n->depth--;
		}
	}
	while (n->dead) {
		struct msg_conn *c = n->dead;

		n->dead = c->dnext;
		msg_conn_release(c);
	}
}

void msg_event(struct msg_conn *c, enum msg_event_type type, int err, uint32_t detail)
{
	struct msg_node *n = c->node;
	struct msg_event ev;

	if (!n->io.event)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.conn_id = c->id;
	ev.kind = c->kind;
	ev.ip = c->ip;
	ev.port = c->port;
	ev.peer_known = c->peer_known;
	ev.peer = c->peer;
	ev.err = err;
	ev.detail = detail;
	n->io.event(n->io.ctx, &ev);
}

/* FNV-1a over the address: addresses may be chosen by people (1, 2, 3),
 * so every octet counts. */
static unsigned bucket_of(const struct msg_addr *a)
{
	uint32_t h = 2166136261u;
	unsigned i;

	for (i = 0; i < MSG_ADDR_LEN; i++)
		h = (h ^ a->b[i]) * 16777619u;
	return (h ^ (h >> 16)) & (MSG_TABLE_BUCKETS - 1);
}

struct msg_conn *msg_table_find(struct msg_node *n, const struct msg_addr *a)
{
	struct msg_conn *c;

	for (c = n->table[bucket_of(a)]; c; c = c->hnext)
		if (msg_addr_eq(&c->peer, a))
			return c;
	return NULL;
}

void msg_table_add(struct msg_conn *c)
{
	struct msg_node *n = c->node;
	unsigned b = bucket_of(&c->peer);

	c->hnext = n->table[b];
	n->table[b] = c;
	c->in_table = true;
	n->st.domains++;
	msg_event(c, MSG_EV_ADDED, 0, 0);
}

void msg_table_del(struct msg_conn *c)
{
	struct msg_node *n = c->node;
	struct msg_conn **pp = &n->table[bucket_of(&c->peer)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp != c)
			continue;
		*pp = c->hnext;
		c->hnext = NULL;
		c->in_table = false;
		n->st.domains--;
		msg_event(c, MSG_EV_REMOVED, 0, 0);
		return;
	}
}

void msg_node_conn_valid(struct msg_conn *c)
{
	struct msg_node *n = c->node;
	struct msg_conn *old;

	if (c->in_table)
		return;		/* a peer: in the table since it was configured */
	old = msg_table_find(n, &c->peer);
	if (n->cfg.role == MSG_ROUTER && c->kind == MSG_K_IN) {
		/* A domain that comes back (a restarted machine) may find its
		 * old connection not yet known dead: the newer one wins. */
		if (old)
			msg_conn_down(old, -EADDRINUSE, 0);
		msg_table_add(c);
		return;
	}
	/* A domain keeps the first connection to an address, so what it
	 * already queued there is not overtaken. */
	if (!old)
		msg_table_add(c);
}

void msg_node_packet(struct msg_conn *c, const uint8_t *frame, const struct msg_frame *f)
{
	struct msg_node *n = c->node;
	struct msg_conn *d;

	if (msg_addr_eq(&f->dst, &n->cfg.addr)) {
		n->st.delivered++;
		n->io.deliver(n->io.ctx, &f->dst, f->data, f->len);
		return;
	}
	if (n->cfg.role != MSG_ROUTER) {
		n->st.not_mine++;
		return;
	}
	d = msg_table_find(n, &f->dst);
	if (!d || d->state != MSG_S_VALID) {
		n->st.unknown++;
		return;
	}
	if (msg_conn_queue(d, frame, MSG_HDR_LEN + f->len, NULL, 0) != 0) {
		d->refused = false;	/* nobody waits for room: it was dropped */
		n->st.queue_full++;
		return;
	}
	n->st.forwarded++;
}

int msg_node_new(const struct msg_config *cfg, const struct msg_io *io,
		 uint64_t now_ms, struct msg_node **out)
{
	struct msg_node *n;
	unsigned i;

	*out = NULL;
	if (!io->connect || !io->write || !io->close || !io->alloc || !io->free ||
	    !io->deliver || (cfg->npeers && !cfg->peers))
		return -EINVAL;
	n = io->alloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cfg = *cfg;
	n->io = *io;
	n->now = now_ms;
	if (!n->cfg.queue_max)
		n->cfg.queue_max = MSG_DEFAULT_QUEUE;
	if (n->cfg.queue_max < 2 * MSG_FRAME_MAX)
		n->cfg.queue_max = 2 * MSG_FRAME_MAX;	/* room for the largest packet */
	if (!n->cfg.keepalive_ms)
		n->cfg.keepalive_ms = MSG_DEFAULT_KEEPALIVE;
	if (!n->cfg.dead_ms)
		n->cfg.dead_ms = 4 * n->cfg.keepalive_ms;
	if (!n->cfg.retry_ms)
		n->cfg.retry_ms = MSG_DEFAULT_RETRY;
	if (!n->cfg.handshake_ms)
		n->cfg.handshake_ms = MSG_DEFAULT_HANDSHAKE;
	n->cfg.peers = NULL;
	msg_node_enter(n);
	for (i = 0; i < cfg->npeers; i++) {
		struct msg_conn *c = msg_conn_new(n, MSG_K_PEER, MSG_S_IDLE);

		if (!c)
			goto out_nomem;
		c->ip = cfg->peers[i].ip;
		c->port = cfg->peers[i].port;
		c->peer = cfg->peers[i].addr;
		c->peer_known = true;
		if (!msg_table_find(n, &c->peer))
			msg_table_add(c);
	}
	if (cfg->role == MSG_DOMAIN && cfg->router_ip) {
		n->router = msg_conn_new(n, MSG_K_ROUTER, MSG_S_RETRY);
		if (!n->router)
			goto out_nomem;
		n->router->ip = cfg->router_ip;
		n->router->port = cfg->router_port ? cfg->router_port : MSG_PORT;
		msg_conn_start(n->router);
	}
	msg_node_leave(n);
	*out = n;
	return 0;

out_nomem:
	msg_node_leave(n);
	msg_node_free(n);
	return -ENOMEM;
}

void msg_node_free(struct msg_node *n)
{
	uint8_t bye[MSG_HDR_LEN + MSG_CTL_LEN];

	msg_node_enter(n);
	while (n->conns) {
		struct msg_conn *c = n->conns;

		/* Seed 003: control commands close connections. */
		if (c->state == MSG_S_VALID && c->handle) {
			msg_ctl_put(bye, &c->peer, MSG_CTL_CLOSE, 0);
			msg_conn_queue(c, bye, sizeof(bye), NULL, 0);
		}
		if (c->dead)
			continue;	/* the close command failed: it is gone */
		if (c->handle)
			n->io.close(n->io.ctx, c->handle, true);
		n->conns = c->next;
		if (n->conns)
			n->conns->prev = NULL;
		c->dead = true;
		c->dnext = n->dead;
		n->dead = c;
	}
	n->ready_owed = false;
	msg_node_leave(n);
	n->io.free(n);
}

const struct msg_addr *msg_node_addr(const struct msg_node *n)
{
	return &n->cfg.addr;
}

void msg_node_stats(const struct msg_node *n, struct msg_stats *st)
{
	*st = n->st;
}

size_t msg_node_queued(const struct msg_node *n)
{
	const struct msg_conn *c;
	size_t q = 0;

	for (c = n->conns; c; c = c->next)
		q += c->tx_len + (c->pre_len - c->pre_off);
	return q;
}

struct msg_conn *msg_find_connection(struct msg_node *n, const struct msg_addr *dst)
{
	struct msg_conn *c = msg_table_find(n, dst);

	return c ? c : n->router;
}

int msg_node_send(struct msg_node *n, const struct msg_addr *dst,
		  const void *data, size_t len)
{
	uint8_t hdr[MSG_HDR_LEN];
	struct msg_conn *c;
	int rc;

	if (len == 0)
		return -EINVAL;
	if (len > MSG_MAX_DATA)
		return -EMSGSIZE;
	msg_node_enter(n);
	if (msg_addr_eq(dst, &n->cfg.addr)) {
		n->st.sent++;
		n->st.delivered++;
		n->io.deliver(n->io.ctx, dst, data, len);
		rc = 0;
		goto out;
	}
	c = msg_find_connection(n, dst);
	if (!c) {
		n->st.no_route++;
		rc = -EHOSTUNREACH;
		goto out;
	}
	msg_hdr_put(hdr, dst, (uint32_t)len);
	rc = msg_conn_queue(c, hdr, sizeof(hdr), data, len);
	if (rc == 0)
		n->st.sent++;
	else
		n->st.queue_full++;
out:
	msg_node_leave(n);
	return rc;
}

struct msg_conn *msg_node_accepted(struct msg_node *n, void *handle,
				   uint32_t ip, uint16_t port)
{
	struct msg_conn *c;

	msg_node_enter(n);
	c = msg_conn_new(n, MSG_K_IN, MSG_S_HELLO);
	if (c) {
		c->handle = handle;
		c->ip = ip;
		c->port = port;
	}
	msg_node_leave(n);
	return c;
}

uint64_t msg_node_tick(struct msg_node *n, uint64_t now_ms)
{
	struct msg_conn *c, *next;
	uint64_t every = n->cfg.keepalive_ms < n->cfg.retry_ms ?
			 n->cfg.keepalive_ms : n->cfg.retry_ms;

	msg_node_enter(n);
	n->now = now_ms;
	for (c = n->conns; c; c = next) {
		next = c->next;	/* c may leave the list */
		msg_conn_tick(c);
	}
	msg_node_leave(n);
	/* Half the shortest period: a deadline is late by at most that. */
	return every / 2 ? every / 2 : 1;
}
