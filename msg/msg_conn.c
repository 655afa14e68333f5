/*
 * msg/msg_conn.c: one connection between SchemeStation domains (seed 003,
 * 3; the format in include/skiff/msg.h): the handshake on both sides, the
 * reassembly of what arrives in pieces, and the send queue drained as the
 * transport takes octets.
 *
 * Promises: every octet that arrives is consumed (a packet cut anywhere
 * is completed by later input; a whole packet already in the input is
 * handled in place, without a copy); packets leave in the order they
 * were queued, after the handshake; a queue never grows past queue_max
 * (the packet is refused whole); a protocol error, a wrong magic or
 * version, or silence past dead_ms ends the connection with a reason.
 * Everything runs inside a node call (msg_node_enter/leave), so a
 * connection that ends is only marked here and freed when that call
 * returns: no caller up the stack is left holding freed memory.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg/msg_priv.h"

struct msg_conn *msg_conn_new(struct msg_node *n, enum msg_kind kind, enum msg_state st)
{
	struct msg_conn *c = n->io.alloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rx = n->io.alloc(1, MSG_FRAME_MAX);
	c->tx = n->io.alloc(1, n->cfg.queue_max);
	if (!c->rx || !c->tx) {
		n->io.free(c->rx);
		n->io.free(c->tx);
		n->io.free(c);
		return NULL;
	}
	c->node = n;
	c->id = ++n->next_id;
	c->kind = kind;
	c->state = st;
	c->tx_cap = n->cfg.queue_max;
	c->since = c->last_rx = c->last_tx = n->now;
	c->next = n->conns;
	if (n->conns)
		n->conns->prev = c;
	n->conns = c;
	n->st.conns++;
	return c;
}

void msg_conn_release(struct msg_conn *c)
{
	struct msg_node *n = c->node;

	n->io.free(c->rx);
	n->io.free(c->tx);
	n->io.free(c);
}

/* Ours: ask the host for a TCP connection; without one, try again later. */
void msg_conn_start(struct msg_conn *c)
{
	struct msg_node *n = c->node;

	c->since = n->now;
	c->handle = n->io.connect(n->io.ctx, c->ip, c->port, c);
	if (!c->handle) {
		c->state = MSG_S_RETRY;
		c->retry_at = n->now + n->cfg.retry_ms;
		return;
	}
	c->state = MSG_S_CONNECTING;
}

static void unlink_conn(struct msg_conn *c)
{
	struct msg_node *n = c->node;

	if (c->prev)
		c->prev->next = c->next;
	else
		n->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	c->dnext = n->dead;
	n->dead = c;
	n->st.conns--;
}

void msg_conn_down(struct msg_conn *c, int err, uint32_t detail)
{
	struct msg_node *n = c->node;
	bool was_valid = c->state == MSG_S_VALID;

	if (c->dead || c->state == MSG_S_IDLE || c->state == MSG_S_RETRY)
		return;
	msg_event(c, MSG_EV_DOWN, err, detail);
	if (c->handle) {
		/* Ended by us: what the peer has not taken is of no use. */
		n->io.close(n->io.ctx, c->handle, false);
		c->handle = NULL;
	}
	if (c->in_table && c->kind != MSG_K_PEER)
		msg_table_del(c);
	/* A packet partly written cannot be finished on a new connection,
	 * so a valid connection's queue goes with it. One that never became
	 * valid sent none: its queue waits for the next attempt. */
	if (was_valid || c->kind == MSG_K_IN) {
		n->st.lost_bytes += c->tx_len;
		c->tx_len = c->tx_head = 0;
		if (c->refused) {
			c->refused = false;
			n->ready_owed = true;
		}
	}
	c->rx_len = 0;
	c->pre_len = c->pre_off = 0;
	if (c->kind == MSG_K_IN) {
		c->dead = true;
		unlink_conn(c);
		return;
	}
	if (c->kind == MSG_K_ROUTER)
		c->peer_known = false;	/* learnt again from the next hello */
	c->state = MSG_S_RETRY;
	c->retry_at = n->now + n->cfg.retry_ms;
}

static void pre_put(struct msg_conn *c, const uint8_t *p, size_t len)
{
	if (c->pre_off == c->pre_len)
		c->pre_off = c->pre_len = 0;
	memcpy(c->pre + c->pre_len, p, len);
	c->pre_len += len;
}

/* Hands the transport what it takes: the handshake's octets, then (valid
 * only) the queue. */
void msg_conn_drain(struct msg_conn *c)
{
	struct msg_node *n = c->node;

	if (!c->handle || c->dead || c->state == MSG_S_CONNECTING)
		return;
	while (c->pre_off < c->pre_len) {
		long k = n->io.write(n->io.ctx, c->handle, c->pre + c->pre_off,
				     c->pre_len - c->pre_off);

		if (k < 0) {
			msg_conn_down(c, (int)k, 0);
			return;
		}
		if (k == 0)
			return;
		c->pre_off += (size_t)k;
		c->last_tx = n->now;
	}
	if (c->state != MSG_S_VALID)
		return;
	while (c->tx_len) {
		size_t chunk = c->tx_cap - c->tx_head;
		long k;

		if (chunk > c->tx_len)
			chunk = c->tx_len;
		k = n->io.write(n->io.ctx, c->handle, c->tx + c->tx_head, chunk);
		if (k < 0) {
			msg_conn_down(c, (int)k, 0);
			return;
		}
		if (k == 0)
			break;
		c->tx_head = (c->tx_head + (size_t)k) % c->tx_cap;
		c->tx_len -= (size_t)k;
		c->last_tx = n->now;
	}
	if (c->tx_len == 0)
		c->tx_head = 0;
	if (c->refused && c->tx_len <= c->tx_cap / 2) {
		c->refused = false;
		n->ready_owed = true;
	}
}

static void ring_put(struct msg_conn *c, const uint8_t *p, size_t len)
{
	size_t tail = (c->tx_head + c->tx_len) % c->tx_cap;
	size_t first = c->tx_cap - tail;

	if (first > len)
		first = len;
	memcpy(c->tx + tail, p, first);
	memcpy(c->tx, p + first, len - first);
	c->tx_len += len;
}

int msg_conn_queue(struct msg_conn *c, const uint8_t *hdr, size_t hlen,
		   const uint8_t *data, size_t dlen)
{
	if (hlen + dlen > c->tx_cap - c->tx_len) {
		c->refused = true;
		return -ENOBUFS;
	}
	ring_put(c, hdr, hlen);
	if (dlen)
		ring_put(c, data, dlen);
	if (c->state == MSG_S_IDLE)
		msg_conn_start(c);	/* seed: opened when first needed */
	else
		msg_conn_drain(c);
	return 0;
}

void msg_conn_connected(struct msg_conn *c)
{
	struct msg_node *n = c->node;
	uint8_t hello[MSG_HELLO_LEN];

	msg_node_enter(n);
	if (!c->dead && c->state == MSG_S_CONNECTING) {
		msg_hello_put(hello, MSG_MAGIC_CLIENT, &n->cfg.addr);
		pre_put(c, hello, sizeof(hello));
		c->state = MSG_S_HELLO;
		c->since = n->now;
		msg_conn_drain(c);
	}
	msg_node_leave(n);
}

static void conn_valid(struct msg_conn *c)
{
	c->state = MSG_S_VALID;
	c->since = c->node->now;
	msg_event(c, MSG_EV_UP, 0, 0);
	msg_node_conn_valid(c);
	msg_conn_drain(c);
}

static void refuse(struct msg_conn *c, int err, uint32_t detail)
{
	c->node->st.refused++;
	msg_conn_down(c, err, detail);
}

/* Seed 003, 3: "a client sends first a magic number, then protocol
 * version number, and then its SSPP DomainAddress. The server replies
 * with another magic number, protocol version number and its address." */
static void hello_in(struct msg_conn *c, const uint8_t *p, size_t len)
{
	struct msg_node *n = c->node;
	bool server = c->kind == MSG_K_IN;
	struct msg_hello h;
	uint8_t out[MSG_HDR_LEN + MSG_CTL_LEN];
	int rc = msg_hello_parse(p, len, server ? MSG_MAGIC_CLIENT : MSG_MAGIC_SERVER, &h);

	if (rc == -EBADMSG) {
		refuse(c, rc, h.magic);
		return;
	}
	if (rc < 0) {
		refuse(c, rc, h.version);
		return;
	}
	if (!server && c->peer_known && !msg_addr_eq(&c->peer, &h.addr)) {
		refuse(c, -EADDRNOTAVAIL, 0);
		return;
	}
	c->peer = h.addr;
	c->peer_known = true;
	if (server) {
		msg_hello_put(out, MSG_MAGIC_SERVER, &n->cfg.addr);
		pre_put(c, out, MSG_HELLO_LEN);
		c->state = MSG_S_OPEN_WAIT;
		c->since = n->now;
		msg_conn_drain(c);
		return;
	}
	/* "The client then sends an open connection control command, and at
	 * this point both ends agree on having a valid connection." */
	msg_ctl_put(out, &c->peer, MSG_CTL_OPEN, 0);
	pre_put(c, out, sizeof(out));
	conn_valid(c);
}

static void frame_in(struct msg_conn *c, const uint8_t *p, size_t len)
{
	struct msg_node *n = c->node;
	struct msg_frame f;
	long rc = msg_frame_parse(p, len, &f);

	if (rc == -EPROTO) {
		/* An unknown command: the framing holds, the packet goes. */
		n->st.malformed++;
		return;
	}
	if (c->state == MSG_S_OPEN_WAIT) {
		if (f.len != 0 || f.cmd != MSG_CTL_OPEN) {
			refuse(c, -EPROTO, 0);	/* a packet before "open" */
			return;
		}
		conn_valid(c);
		return;
	}
	if (f.len == 0) {
		if (f.cmd == MSG_CTL_CLOSE)
			msg_conn_down(c, -ESHUTDOWN, f.arg);
		return;	/* OPEN again, KEEPALIVE: nothing to do */
	}
	n->st.received++;
	msg_node_packet(c, p, &f);
}

/*
 * The size of the unit that starts at p (have octets there): a hello, or
 * a packet once its header is in (MSG_HDR_LEN until then); negative when
 * the length field cannot be right.
 */
static long unit_size(const struct msg_conn *c, const uint8_t *p, size_t have)
{
	struct msg_frame f;
	long rc;

	if (c->state == MSG_S_HELLO)
		return MSG_HELLO_LEN;
	if (have < MSG_HDR_LEN)
		return MSG_HDR_LEN;
	rc = msg_frame_parse(p, MSG_HDR_LEN, &f);
	if (rc == -EMSGSIZE)
		return rc;
	return f.len ? MSG_HDR_LEN + (long)f.len : MSG_HDR_LEN + MSG_CTL_LEN;
}

static void unit_in(struct msg_conn *c, const uint8_t *p, size_t len)
{
	if (c->state == MSG_S_HELLO)
		hello_in(c, p, len);
	else if (c->state == MSG_S_OPEN_WAIT || c->state == MSG_S_VALID)
		frame_in(c, p, len);
}

/* A length over the limit: the next packet's start is lost, so is the
 * connection. */
static void input_error(struct msg_conn *c, long err)
{
	c->node->st.malformed++;
	msg_conn_down(c, (int)err, 0);
}

void msg_conn_input(struct msg_conn *c, const uint8_t *p, size_t len)
{
	struct msg_node *n = c->node;

	msg_node_enter(n);
	if (c->state == MSG_S_HELLO || c->state == MSG_S_OPEN_WAIT ||
	    c->state == MSG_S_VALID)
		c->last_rx = n->now;
	while (len && !c->dead && c->handle) {
		long size;
		size_t take;

		if (c->state != MSG_S_HELLO && c->state != MSG_S_OPEN_WAIT &&
		    c->state != MSG_S_VALID)
			break;	/* nothing is expected from it now */
		/* A whole unit in the input: handled where it lies. */
		if (c->rx_len == 0) {
			size = unit_size(c, p, len);
			if (size < 0) {
				input_error(c, size);
				break;
			}
			if ((size_t)size <= len) {
				unit_in(c, p, (size_t)size);
				p += size;
				len -= (size_t)size;
				continue;
			}
		}
		/* A piece: gathered until the unit is whole. */
		size = unit_size(c, c->rx, c->rx_len);
		if (size < 0) {
			input_error(c, size);
			break;
		}
		take = (size_t)size - c->rx_len;
		if (take > len)
			take = len;
		memcpy(c->rx + c->rx_len, p, take);
		c->rx_len += take;
		p += take;
		len -= take;
		if (c->rx_len < (size_t)size)
			continue;
		/* The header alone may just have come in: now the size is known. */
		size = unit_size(c, c->rx, c->rx_len);
		if (size < 0) {
			input_error(c, size);
			break;
		}
		if ((size_t)size > c->rx_len)
			continue;
		c->rx_len = 0;
		unit_in(c, c->rx, (size_t)size);
	}
	msg_node_leave(n);
}

void msg_conn_writable(struct msg_conn *c)
{
	msg_node_enter(c->node);
	msg_conn_drain(c);
	msg_node_leave(c->node);
}

void msg_conn_gone(struct msg_conn *c, int err)
{
	msg_node_enter(c->node);
	c->handle = NULL;	/* the host has let it go already */
	msg_conn_down(c, err, 0);
	msg_node_leave(c->node);
}

void msg_conn_tick(struct msg_conn *c)
{
	struct msg_node *n = c->node;
	uint8_t ka[MSG_HDR_LEN + MSG_CTL_LEN];

	switch (c->state) {
	case MSG_S_IDLE:
		break;
	case MSG_S_RETRY:
		if (n->now >= c->retry_at)
			msg_conn_start(c);
		break;
	case MSG_S_CONNECTING:
	case MSG_S_HELLO:
	case MSG_S_OPEN_WAIT:
		if (n->now - c->since >= n->cfg.handshake_ms)
			msg_conn_down(c, -ETIMEDOUT, 0);
		break;
	case MSG_S_VALID:
		if (n->now - c->last_rx >= n->cfg.dead_ms) {
			/* No FIN, no reset, no keepalive: the domain died
			 * with its machine, or the path did. */
			n->st.dead++;
			msg_conn_down(c, -ETIMEDOUT, n->cfg.dead_ms);
			break;
		}
		if (n->now - c->last_tx >= n->cfg.keepalive_ms && c->tx_len == 0) {
			msg_ctl_put(ka, &c->peer, MSG_CTL_KEEPALIVE, 0);
			msg_conn_queue(c, ka, sizeof(ka), NULL, 0);
		}
		break;
	}
}

uint64_t msg_conn_id(const struct msg_conn *c)
{
	return c->id;
}
