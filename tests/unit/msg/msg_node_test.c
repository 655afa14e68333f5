/*
 * tests/unit/msg/msg_node_test.c: SchemeStation domains and a router
 * (msg/msg_node.c, msg/msg_conn.c) in one process, over a fake network:
 * every node's transport is a pair of in-memory byte queues that the
 * test's pump() moves in small pieces (7 octets by default), so each
 * packet and hello arrives cut at arbitrary places. Time is a number the
 * test advances. A "raw" end lets a test speak the wire format by hand
 * (wrong magic, a packet before "open", a length over the limit).
 *
 * Each test's teardown frees every node and checks that every allocation
 * the library made was given back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "include/skiff/msg.h"

#define NODES		6
#define FCONNS		32
#define FBUF		(1u << 20)
#define GOT_MAX		4096

struct fnode {
	struct msg_node *node;
	uint32_t ip;
	bool listening;
	unsigned got;			/* packets delivered */
	char last[128];			/* the last one's text */
	uint32_t next_seq[NODES];	/* per sender: the next expected */
	unsigned out_of_order;
	unsigned ready_calls;
	unsigned events_removed, events_added;
};

struct fconn {
	bool used;
	struct fnode *owner;		/* NULL: a raw end, driven by the test */
	struct msg_conn *mc;
	struct fconn *peer;
	bool connect_pending;		/* client: report connected at the next pump */
	bool refused;			/* nobody listens: report the failure */
	bool closed;			/* its owner let it go */
	bool cut;			/* a dead link: octets vanish both ways */
	bool gone_told;			/* the owner heard it ended */
	bool want_writable;
	uint32_t ip;			/* the peer's, as the owner sees it */
	uint8_t *out;			/* written, not yet moved */
	size_t out_len, window;
	uint8_t raw_in[4096];		/* raw ends: what arrived */
	size_t raw_in_len;
};

static struct fnode nodes[NODES];
static struct fconn fconns[FCONNS];
static size_t chunk = 7;
static long allocs;
static uint64_t now;

/* ---- the fake transport ---- */

static struct fconn *fconn_new(struct fnode *owner)
{
	int i;

	for (i = 0; i < FCONNS; i++) {
		if (!fconns[i].used) {
			uint8_t *out = fconns[i].out;

			memset(&fconns[i], 0, sizeof(fconns[i]));
			fconns[i].used = true;
			fconns[i].owner = owner;
			fconns[i].out = out ? out : malloc(FBUF);
			fconns[i].window = FBUF;
			return &fconns[i];
		}
	}
	fail_msg("out of fake connections");
	return NULL;
}

static struct fnode *listener_at(uint32_t ip)
{
	int i;

	for (i = 0; i < NODES; i++)
		if (nodes[i].listening && nodes[i].ip == ip && nodes[i].node)
			return &nodes[i];
	return NULL;
}

/* Opens a fake connection from owner (NULL: raw) to the node at ip. */
static struct fconn *fake_connect(struct fnode *owner, uint32_t ip, struct msg_conn *c)
{
	struct fnode *srv = listener_at(ip);
	struct fconn *a = fconn_new(owner), *b;

	a->mc = c;
	a->ip = ip;
	if (!srv) {
		a->refused = true;
		return a;
	}
	b = fconn_new(srv);
	a->peer = b;
	b->peer = a;
	b->ip = owner ? owner->ip : 0x0a0000feu;
	a->connect_pending = true;
	return a;
}

static void *io_connect(void *ctx, uint32_t ip, uint16_t port, struct msg_conn *c)
{
	assert_int_equal(port, MSG_PORT);
	return fake_connect(ctx, ip, c);
}

static long io_write(void *ctx, void *handle, const uint8_t *p, size_t len)
{
	struct fconn *f = handle;
	size_t room = f->window > f->out_len ? f->window - f->out_len : 0;

	(void)ctx;
	assert_false(f->closed);
	if (len > room) {
		len = room;
		f->want_writable = true;
	}
	memcpy(f->out + f->out_len, p, len);
	f->out_len += len;
	return (long)len;
}

static void io_close(void *ctx, void *handle, bool drain)
{
	struct fconn *f = handle;

	(void)ctx;
	f->closed = true;
	f->mc = NULL;
	if (!drain)
		f->out_len = 0;
}

static void *io_alloc(size_t n, size_t size)
{
	allocs++;
	return calloc(n, size);
}

static void io_free(void *p)
{
	if (p)
		allocs--;
	free(p);
}

/* Payloads are "seq FROM N" (FROM a node index) or free text. */
static void io_deliver(void *ctx, const struct msg_addr *dst, const uint8_t *data, size_t len)
{
	struct fnode *n = ctx;
	unsigned from, seq;
	char text[128];

	(void)dst;
	n->got++;
	snprintf(text, sizeof(text), "%.*s", (int)len, (const char *)data);
	snprintf(n->last, sizeof(n->last), "%s", text);
	if (sscanf(text, "seq %u %u", &from, &seq) == 2) {
		assert_true(from < NODES);
		if (seq != n->next_seq[from])
			n->out_of_order++;
		n->next_seq[from] = seq + 1;
	}
}

static void io_event(void *ctx, const struct msg_event *ev)
{
	struct fnode *n = ctx;

	if (ev->type == MSG_EV_REMOVED)
		n->events_removed++;
	if (ev->type == MSG_EV_ADDED)
		n->events_added++;
}

static void io_ready(void *ctx)
{
	((struct fnode *)ctx)->ready_calls++;
}

/* One step for f: connect, move a piece of its output, tell an end. */
static bool fconn_step(struct fconn *f)
{
	struct fconn *p = f->peer;
	size_t n;

	if (f->refused && !f->gone_told) {
		f->gone_told = true;
		f->used = false;
		if (f->mc)
			msg_conn_gone(f->mc, -ECONNREFUSED);
		return true;
	}
	if (f->connect_pending) {
		f->connect_pending = false;
		if (p->owner) {
			p->mc = msg_node_accepted(p->owner->node, p, p->ip, 40000);
			assert_non_null(p->mc);
		}
		if (f->mc)
			msg_conn_connected(f->mc);
		return true;
	}
	if (f->out_len && p) {
		n = f->out_len < chunk ? f->out_len : chunk;
		if (f->cut || p->closed) {
			/* vanishes */
		} else if (!p->owner) {
			assert_true(p->raw_in_len + n <= sizeof(p->raw_in));
			memcpy(p->raw_in + p->raw_in_len, f->out, n);
			p->raw_in_len += n;
		} else if (p->mc) {
			uint8_t piece[4096];

			memcpy(piece, f->out, n);
			memmove(f->out, f->out + n, f->out_len - n);
			f->out_len -= n;
			msg_conn_input(p->mc, piece, n);
			goto moved;
		}
		memmove(f->out, f->out + n, f->out_len - n);
		f->out_len -= n;
moved:
		if (f->want_writable && f->mc && !f->closed && f->out_len <= f->window / 2) {
			f->want_writable = false;
			msg_conn_writable(f->mc);
		}
		return true;
	}
	if (f->closed && !f->out_len) {
		/* Its FIN reaches the peer, which is told, unless the link is cut. */
		if (p && !f->cut && !p->gone_told) {
			p->gone_told = true;
			if (p->mc) {
				struct msg_conn *mc = p->mc;

				p->mc = NULL;
				msg_conn_gone(mc, 0);
			}
		}
		if (p)
			p->peer = NULL;
		f->used = false;
		return true;
	}
	return false;
}

/* Moves everything that can move. */
static void pump(void)
{
	bool moved;
	int i, rounds = 0;

	do {
		moved = false;
		for (i = 0; i < FCONNS; i++)
			if (fconns[i].used && fconn_step(&fconns[i]))
				moved = true;
		assert_true(++rounds < 10000000);
	} while (moved);
}

/* Advances the clock by ms in steps of 100, ticking every node. */
static void advance(uint64_t ms)
{
	uint64_t end = now + ms;
	int i;

	while (now < end) {
		now += 100;
		for (i = 0; i < NODES; i++)
			if (nodes[i].node)
				msg_node_tick(nodes[i].node, now);
		pump();
	}
}

static struct msg_addr addr_n(unsigned v)
{
	struct msg_addr a;

	memset(&a, 0, sizeof(a));
	a.b[15] = (uint8_t)v;
	return a;
}

static const struct msg_io io_tmpl = {
	.connect = io_connect, .write = io_write, .close = io_close,
	.alloc = io_alloc, .free = io_free, .deliver = io_deliver,
	.event = io_event, .ready = io_ready,
};

#define IP(i)	(0x0a000001u + (uint32_t)(i))

/* Node i: address i+1 ("1" is the router by custom), at IP(i). */
static struct msg_node *start(int i, enum msg_role role, int router, const struct msg_peer *peers,
			      unsigned npeers)
{
	struct msg_config cfg;
	struct msg_io io = io_tmpl;

	memset(&cfg, 0, sizeof(cfg));
	cfg.role = role;
	cfg.addr = addr_n((unsigned)i + 1);
	if (router >= 0)
		cfg.router_ip = IP(router);
	cfg.peers = peers;
	cfg.npeers = npeers;
	cfg.queue_max = 4 * MSG_FRAME_MAX;
	io.ctx = &nodes[i];
	nodes[i].ip = IP(i);
	nodes[i].listening = true;
	assert_int_equal(msg_node_new(&cfg, &io, now, &nodes[i].node), 0);
	return nodes[i].node;
}

static void stats(int i, struct msg_stats *st)
{
	msg_node_stats(nodes[i].node, st);
}

static int send_seq(int from, int to, unsigned seq)
{
	char text[64];
	struct msg_addr dst = addr_n((unsigned)to + 1);
	int n = snprintf(text, sizeof(text), "seq %d %u", from, seq);

	return msg_node_send(nodes[from].node, &dst, text, (size_t)n);
}

static int setup(void **state)
{
	(void)state;
	memset(nodes, 0, sizeof(nodes));
	for (int i = 0; i < FCONNS; i++) {
		uint8_t *out = fconns[i].out;

		memset(&fconns[i], 0, sizeof(fconns[i]));
		fconns[i].out = out;
	}
	chunk = 7;
	now = 1000;
	allocs = 0;
	return 0;
}

static int teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < NODES; i++)
		if (nodes[i].node)
			msg_node_free(nodes[i].node);
	assert_int_equal(allocs, 0);
	return 0;
}

/* Node i's links go dead: what either end writes vanishes, no FIN. */
static void cut_links(int i)
{
	int k;

	for (k = 0; k < FCONNS; k++)
		if (fconns[k].used && (fconns[k].owner == &nodes[i] ||
				       (fconns[k].peer && fconns[k].peer->owner == &nodes[i])))
			fconns[k].cut = true;
}

/* Router 0 and domains 1, 2, 3 on it, all up. */
static void star(void)
{
	struct msg_stats st;

	start(0, MSG_ROUTER, -1, NULL, 0);
	start(1, MSG_DOMAIN, 0, NULL, 0);
	start(2, MSG_DOMAIN, 0, NULL, 0);
	start(3, MSG_DOMAIN, 0, NULL, 0);
	pump();
	stats(0, &st);
	assert_int_equal(st.domains, 3);
	assert_int_equal(st.conns, 3);
}

/* Seed 003, 3: domains send through the router, which forwards by address. */
static void test_router_forwards_between_domains_in_order(void **state)
{
	struct msg_stats st;
	unsigned k;

	(void)state;
	star();
	for (k = 0; k < 300; k++) {
		assert_int_equal(send_seq(1, 2, k), 0);
		assert_int_equal(send_seq(3, 2, k), 0);
		assert_int_equal(send_seq(2, 1, k), 0);
		if (k % 50 == 0)
			pump();
	}
	pump();
	assert_int_equal(nodes[2].got, 600);
	assert_int_equal(nodes[1].got, 300);
	assert_int_equal(nodes[2].out_of_order, 0);
	assert_int_equal(nodes[1].out_of_order, 0);
	stats(0, &st);
	assert_int_equal(st.forwarded, 900);
	assert_int_equal(st.unknown, 0);
	assert_int_equal(nodes[0].got, 0);
}

static void test_router_delivers_its_own_packets(void **state)
{
	struct msg_addr r = addr_n(1);

	(void)state;
	star();
	assert_int_equal(msg_node_send(nodes[3].node, &r, "hi router", 9), 0);
	pump();
	assert_int_equal(nodes[0].got, 1);
	assert_string_equal(nodes[0].last, "hi router");
}

/* "drops (and counts) packets for unknown domains" */
static void test_router_drops_and_counts_unknown_destination(void **state)
{
	struct msg_addr nobody = addr_n(0x77);
	struct msg_stats st;

	(void)state;
	star();
	assert_int_equal(msg_node_send(nodes[1].node, &nobody, "lost", 4), 0);
	pump();
	stats(0, &st);
	assert_int_equal(st.unknown, 1);
	assert_int_equal(st.forwarded, 0);
	assert_int_equal(nodes[2].got + nodes[3].got + nodes[0].got, 0);
}

/* "a domain that closes ... is removed from its table at once" */
static void test_closed_domain_removed_at_once(void **state)
{
	struct msg_stats st;

	(void)state;
	star();
	msg_node_free(nodes[2].node);
	nodes[2].node = NULL;
	pump();		/* no time passes */
	stats(0, &st);
	assert_int_equal(st.domains, 2);
	assert_int_equal(nodes[0].events_removed, 1);
	assert_int_equal(send_seq(1, 2, 0), 0);
	pump();
	stats(0, &st);
	assert_int_equal(st.unknown, 1);
}

/* "... or dies": no FIN, no reset; the keepalive silence finds it. */
static void test_dead_domain_removed_after_silence_others_stay(void **state)
{
	struct msg_stats st;

	(void)state;
	star();
	cut_links(2);
	msg_node_free(nodes[2].node);	/* says goodbye into the cut link */
	nodes[2].node = NULL;
	pump();
	stats(0, &st);
	assert_int_equal(st.domains, 3);	/* nothing told the router yet */
	/* dead_ms is 4 keepalive periods of 2 s by default. */
	advance(7000);
	stats(0, &st);
	assert_int_equal(st.domains, 3);	/* 7 s of silence: not dead yet */
	advance(2000);
	stats(0, &st);
	assert_int_equal(st.domains, 2);
	assert_int_equal(st.dead, 1);
	/* The living stayed: keepalives kept them. */
	assert_int_equal(send_seq(1, 3, 0), 0);
	pump();
	assert_int_equal(nodes[3].got, 1);
}

/* Seed 003: a direct connection to a destination whose address is known
 * is used; the router sees none of its packets. */
static void test_direct_peer_bypasses_router(void **state)
{
	struct msg_peer p = { .addr = addr_n(3), .ip = IP(2), .port = MSG_PORT };
	struct msg_stats st;
	unsigned k;

	(void)state;
	start(0, MSG_ROUTER, -1, NULL, 0);
	start(2, MSG_DOMAIN, 0, NULL, 0);
	start(1, MSG_DOMAIN, 0, &p, 1);
	pump();
	for (k = 0; k < 200; k++)
		assert_int_equal(send_seq(1, 2, k), 0);
	pump();
	/* Node 2 answers over the connection node 1 opened. */
	for (k = 0; k < 200; k++)
		assert_int_equal(send_seq(2, 1, k), 0);
	pump();
	assert_int_equal(nodes[2].got, 200);
	assert_int_equal(nodes[1].got, 200);
	assert_int_equal(nodes[1].out_of_order + nodes[2].out_of_order, 0);
	stats(0, &st);
	assert_int_equal(st.forwarded, 0);
	assert_int_equal(st.received, 0);
}

/* A peer that is not up yet: packets wait in its queue, the connection is
 * retried, and they arrive once it is. */
static void test_peer_retried_packets_kept_until_up(void **state)
{
	struct msg_peer p = { .addr = addr_n(3), .ip = IP(2), .port = MSG_PORT };
	unsigned k;

	(void)state;
	start(1, MSG_DOMAIN, -1, &p, 1);
	for (k = 0; k < 10; k++)
		assert_int_equal(send_seq(1, 2, k), 0);
	pump();		/* refused: nobody at IP(2) */
	start(2, MSG_DOMAIN, -1, NULL, 0);
	advance(1000);
	assert_int_equal(nodes[2].got, 10);
	assert_int_equal(nodes[2].out_of_order, 0);
}

static void test_no_router_no_peer_is_unreachable(void **state)
{
	struct msg_addr d = addr_n(9);
	struct msg_stats st;

	(void)state;
	start(1, MSG_DOMAIN, -1, NULL, 0);
	assert_int_equal(msg_node_send(nodes[1].node, &d, "x", 1), -EHOSTUNREACH);
	assert_int_equal(msg_node_send(nodes[1].node, &d, "", 0), -EINVAL);
	assert_int_equal(msg_node_send(nodes[1].node, &d, "x", MSG_MAX_DATA + 1), -EMSGSIZE);
	stats(1, &st);
	assert_int_equal(st.no_route, 1);
}

/* Send queues drain as the transport allows; a full one refuses whole
 * packets, and ready says when to go on. Nothing is lost or reordered. */
static void test_full_queue_refuses_then_ready_and_nothing_lost(void **state)
{
	static char big[4000];
	struct msg_addr to = addr_n(3);
	unsigned sent = 0, refused = 0;
	int i;

	(void)state;
	star();
	for (i = 0; i < FCONNS; i++)
		if (fconns[i].used && fconns[i].owner == &nodes[1])
			fconns[i].window = 1000;	/* a slow socket */
	while (refused < 3) {
		int n = snprintf(big, sizeof(big), "seq 1 %u", sent);

		memset(big + n, ' ', sizeof(big) - (size_t)n);
		if (msg_node_send(nodes[1].node, &to, big, sizeof(big)) == -ENOBUFS) {
			refused++;
			assert_int_equal(nodes[1].ready_calls, refused - 1);
			pump();
			assert_int_equal(nodes[1].ready_calls, refused);
			continue;
		}
		sent++;
	}
	pump();
	assert_true(sent > 3 * (4 * MSG_FRAME_MAX) / sizeof(big) / 2);
	assert_int_equal(nodes[2].got, sent);
	assert_int_equal(nodes[2].out_of_order, 0);
}

/* A domain that comes back while its old connection is not known dead
 * yet: the newer connection takes its address. */
static void test_returning_domain_replaces_old_connection(void **state)
{
	struct msg_stats st;

	(void)state;
	star();
	cut_links(2);
	msg_node_free(nodes[2].node);
	nodes[2].node = NULL;
	pump();
	nodes[2].got = 0;
	start(2, MSG_DOMAIN, 0, NULL, 0);
	pump();
	stats(0, &st);
	assert_int_equal(st.domains, 3);
	assert_int_equal(send_seq(1, 2, 0), 0);
	pump();
	assert_int_equal(nodes[2].got, 1);
}

/* ---- the handshake from the wire: a raw client against the router ---- */

static struct fconn *raw_to_router(void)
{
	struct fconn *f;

	start(0, MSG_ROUTER, -1, NULL, 0);
	f = fake_connect(NULL, IP(0), NULL);
	pump();
	return f;
}

static void raw_send(struct fconn *f, const uint8_t *p, size_t len)
{
	memcpy(f->out + f->out_len, p, len);
	f->out_len += len;
	pump();
}

static void raw_hello(struct fconn *f, uint32_t magic, uint16_t version)
{
	uint8_t h[MSG_HELLO_LEN];
	struct msg_addr me = addr_n(0x42);

	msg_hello_put(h, magic, &me);
	h[4] = (uint8_t)(version >> 8);
	h[5] = (uint8_t)version;
	raw_send(f, h, sizeof(h));
}

/* The server's hello: its magic, the version, its address. */
static void expect_server_hello(struct fconn *f)
{
	struct msg_hello h;

	assert_int_equal(f->raw_in_len, MSG_HELLO_LEN);
	assert_int_equal(msg_hello_parse(f->raw_in, f->raw_in_len, MSG_MAGIC_SERVER, &h),
			 MSG_HELLO_LEN);
	assert_true(msg_addr_eq(&h.addr, msg_node_addr(nodes[0].node)));
}

static bool raw_closed(struct fconn *f)
{
	return f->peer == NULL;		/* the router's end went away */
}

static void test_wrong_magic_refused_and_closed(void **state)
{
	struct fconn *f;
	struct msg_stats st;

	(void)state;
	f = raw_to_router();
	raw_hello(f, 0x12345678u, MSG_VERSION);
	assert_true(raw_closed(f));
	assert_int_equal(f->raw_in_len, 0);	/* no answer */
	stats(0, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.conns, 0);
}

static void test_wrong_version_refused_and_closed(void **state)
{
	struct fconn *f;
	struct msg_stats st;

	(void)state;
	f = raw_to_router();
	raw_hello(f, MSG_MAGIC_CLIENT, MSG_VERSION + 1);
	assert_true(raw_closed(f));
	stats(0, &st);
	assert_int_equal(st.refused, 1);
}

/* "only then is the connection valid": a packet before "open" is refused. */
static void test_packet_before_open_refused(void **state)
{
	uint8_t pkt[MSG_HDR_LEN + 2];
	struct msg_addr r = addr_n(1);
	struct fconn *f;
	struct msg_stats st;

	(void)state;
	f = raw_to_router();
	raw_hello(f, MSG_MAGIC_CLIENT, MSG_VERSION);
	expect_server_hello(f);
	assert_false(raw_closed(f));
	msg_hdr_put(pkt, &r, 2);
	memcpy(pkt + MSG_HDR_LEN, "hi", 2);
	raw_send(f, pkt, sizeof(pkt));
	assert_true(raw_closed(f));
	stats(0, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(nodes[0].got, 0);
	assert_int_equal(st.domains, 0);
}

/* A valid raw domain: hello, the server's hello, "open". */
static struct fconn *raw_valid(void)
{
	uint8_t open[MSG_HDR_LEN + MSG_CTL_LEN];
	struct msg_addr r = addr_n(1);
	struct fconn *f = raw_to_router();
	struct msg_stats st;

	raw_hello(f, MSG_MAGIC_CLIENT, MSG_VERSION);
	expect_server_hello(f);
	msg_ctl_put(open, &r, MSG_CTL_OPEN, 0);
	raw_send(f, open, sizeof(open));
	stats(0, &st);
	assert_int_equal(st.domains, 1);
	return f;
}

static void test_open_makes_connection_valid(void **state)
{
	uint8_t pkt[MSG_HDR_LEN + 2];
	struct msg_addr r = addr_n(1);
	struct fconn *f;

	(void)state;
	f = raw_valid();
	msg_hdr_put(pkt, &r, 2);
	memcpy(pkt + MSG_HDR_LEN, "hi", 2);
	raw_send(f, pkt, sizeof(pkt));
	assert_int_equal(nodes[0].got, 1);
	assert_string_equal(nodes[0].last, "hi");
}

/* A length over the limit cannot be skipped: the connection goes. */
static void test_oversized_length_closes_connection(void **state)
{
	uint8_t hdr[MSG_HDR_LEN];
	struct msg_addr r = addr_n(1);
	struct fconn *f;
	struct msg_stats st;

	(void)state;
	f = raw_valid();
	msg_hdr_put(hdr, &r, MSG_MAX_DATA + 1);
	raw_send(f, hdr, sizeof(hdr));
	assert_true(raw_closed(f));
	stats(0, &st);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(st.domains, 0);
}

/* An unknown command keeps the framing: dropped, counted, the rest flows. */
static void test_unknown_command_dropped_connection_kept(void **state)
{
	uint8_t ctl[MSG_HDR_LEN + MSG_CTL_LEN], pkt[MSG_HDR_LEN + 2];
	struct msg_addr r = addr_n(1);
	struct fconn *f;
	struct msg_stats st;

	(void)state;
	f = raw_valid();
	msg_ctl_put(ctl, &r, 9, 0);
	raw_send(f, ctl, sizeof(ctl));
	msg_hdr_put(pkt, &r, 2);
	memcpy(pkt + MSG_HDR_LEN, "ok", 2);
	raw_send(f, pkt, sizeof(pkt));
	assert_false(raw_closed(f));
	stats(0, &st);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(nodes[0].got, 1);
}

/* A handshake that stalls is ended after handshake_ms (5 s). */
static void test_stalled_handshake_times_out(void **state)
{
	struct fconn *f;
	struct msg_stats st;

	(void)state;
	f = raw_to_router();
	raw_send(f, (const uint8_t *)"SSN", 3);
	advance(4000);
	assert_false(raw_closed(f));
	advance(1500);
	assert_true(raw_closed(f));
	stats(0, &st);
	assert_int_equal(st.conns, 0);
}

/* Whole packets in one piece are handled too (the in-place path). */
static void test_large_chunks_same_result(void **state)
{
	unsigned k;

	(void)state;
	chunk = 4096;
	star();
	for (k = 0; k < 500; k++)
		assert_int_equal(send_seq(1, 2, k), 0);
	pump();
	assert_int_equal(nodes[2].got, 500);
	assert_int_equal(nodes[2].out_of_order, 0);
}

int main(void)
{
#define T_(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_router_forwards_between_domains_in_order),
		T_(test_router_delivers_its_own_packets),
		T_(test_router_drops_and_counts_unknown_destination),
		T_(test_closed_domain_removed_at_once),
		T_(test_dead_domain_removed_after_silence_others_stay),
		T_(test_direct_peer_bypasses_router),
		T_(test_peer_retried_packets_kept_until_up),
		T_(test_no_router_no_peer_is_unreachable),
		T_(test_full_queue_refuses_then_ready_and_nothing_lost),
		T_(test_returning_domain_replaces_old_connection),
		T_(test_wrong_magic_refused_and_closed),
		T_(test_wrong_version_refused_and_closed),
		T_(test_packet_before_open_refused),
		T_(test_open_makes_connection_valid),
		T_(test_oversized_length_closes_connection),
		T_(test_unknown_command_dropped_connection_kept),
		T_(test_stalled_handshake_times_out),
		T_(test_large_chunks_same_result),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	for (int i = 0; i < FCONNS; i++)
		free(fconns[i].out);
	return rc;
}
