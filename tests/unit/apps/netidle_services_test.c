/*
 * netidle_services_test.c: apps/netidle's small services (services.c) on a
 * host stack, driven by a client stack over the simulated link with the
 * fake clock: RFC 862 echo (also to a client that stops reading, and to
 * 300 clients at once), RFC 863 discard, RFC 864 chargen, UDP echo, the
 * reset beyond the connection table, and every pcb released after the
 * clients close. tests/net/tcp_linux.sh does the same against Linux; this
 * covers what is hard to provoke there and runs in a second.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "sim_link.h"
#include "net/tcp.h"
#include "net/udp.h"

/* The unit under test, with its static state (svc) in reach. */
#include "../../../apps/netidle/services.c"

#define IP_C IP4(192, 168, 9, 1)	/* the client stack */
#define IP_S IP4(192, 168, 9, 2)	/* the services */
#define MS 1000000ull

static const uint8_t mac_c[6] = {0x02, 0, 0, 0, 9, 1};
static const uint8_t mac_s[6] = {0x02, 0, 0, 0, 9, 2};

static struct netstack *server_ns;
static int lock_depth;

struct netstack *netdev_stack(void)
{
	return server_ns;
}

void netdev_lock(void)
{
	lock_depth++;
}

void netdev_unlock(void)
{
	lock_depth--;
	assert_true(lock_depth >= 0);
}

struct bed {
	struct fake_env fec, fes;
	struct netstack *c, *s;
	struct sim_link link;
	uint64_t now;
};

static int bed_setup(void **state)
{
	struct bed *b = calloc(1, sizeof(*b));
	struct netstack_params par;
	int ic, is;

	assert_non_null(b);
	test_params(&par);
	par.pkt_small = 512;
	par.arp_queue_max = 256;
	par.tcp_max_pcbs = 4096;
	/* Small rings keep 1,000 connections cheap; the logic is the same. */
	par.tcp_sndbuf = 8192;
	par.tcp_rcvbuf = 8192;
	fake_env_init(&b->fec, 7);
	fake_env_init(&b->fes, 8);
	b->c = netstack_create(&b->fec.env, &par);
	b->s = netstack_create(&b->fes.env, &par);
	assert_non_null(b->c);
	assert_non_null(b->s);
	sim_link_init(&b->link, 42);
	b->link.delay_ns = 1 * MS;
	ic = sim_link_attach(&b->link, 0, b->c, mac_c, 1500);
	is = sim_link_attach(&b->link, 1, b->s, mac_s, 1500);
	assert_int_equal(netif_set_up(b->c, ic, true), 0);
	assert_int_equal(netif_set_up(b->s, is, true), 0);
	assert_int_equal(netif_addr_add(b->c, ic, IP_C, 24), 0);
	assert_int_equal(netif_addr_add(b->s, is, IP_S, 24), 0);
	server_ns = b->s;
	memset(&svc, 0, sizeof(svc));
	assert_int_equal(services_start(b->s, false), 0);
	assert_int_equal(lock_depth, 0);
	*state = b;
	return 0;
}

/* One step of the event-driven clock (as in tcp_link_test.c). */
static bool step(struct bed *b, uint64_t limit)
{
	uint64_t t = sim_link_next_due(&b->link);
	uint64_t dc = net_next_deadline(b->c), ds = net_next_deadline(b->s);

	if (dc < t)
		t = dc;
	if (ds < t)
		t = ds;
	if (t == UINT64_MAX)
		return false;
	if (t > limit)
		t = limit;
	if (t > b->now)
		b->now = t;
	sim_link_set_now(&b->link, b->now);
	net_poll(b->c, b->now);
	net_poll(b->s, b->now);
	sim_link_run(&b->link, b->now);
	return true;
}

static bool run_until(struct bed *b, bool (*done)(void *), void *arg,
		      uint64_t span)
{
	uint64_t limit = b->now + span;

	while (!done(arg)) {
		if (b->now >= limit || !step(b, limit))
			return done(arg);
	}
	return true;
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

/* Let the clock run span with nothing to wait for. */
static void idle(struct bed *b, uint64_t span)
{
	run_until(b, never, NULL, span);
}

static int bed_teardown(void **state)
{
	struct bed *b = *state;
	unsigned k;

	/* Listeners go; every connection pcb must already be gone. */
	for (k = 0; k < SVC_KINDS; k++)
		if (svc.lis[k])
			tcp_close(b->s, svc.lis[k]);
	udp_unbind(b->s, svc.udp_echo);
	idle(b, 200 * 1000 * MS);	/* past every TIME-WAIT */
	assert_int_equal(tcp_pcb_count(b->c), 0);
	assert_int_equal(tcp_pcb_count(b->s), 0);
	sim_link_destroy(&b->link);
	netstack_destroy(b->c);
	netstack_destroy(b->s);
	assert_int_equal(b->fec.live_allocs, 0);
	assert_int_equal(b->fes.live_allocs, 0);
	assert_int_equal(lock_depth, 0);
	free(b);
	return 0;
}

/* ---- a client connection on the client stack */

struct cli {
	struct netstack *ns;
	struct tcp_pcb *pcb;
	const uint8_t *data;		/* what to send */
	size_t len, sent;
	uint8_t *got;			/* what came back */
	size_t cap, rcvd;
	bool reading;			/* false: leave data in the ring */
	bool shut, eof;
	int error;
};

static void cli_pump(struct cli *c)
{
	long n;

	while (c->sent < c->len) {
		n = tcp_send(c->ns, c->pcb, c->data + c->sent, c->len - c->sent, 0);
		if (n <= 0)
			break;
		c->sent += (size_t)n;
	}
	if (c->sent == c->len && c->len && !c->shut) {
		c->shut = true;
		assert_int_equal(tcp_shutdown(c->ns, c->pcb, TCP_SHUT_WR), 0);
	}
	while (c->reading && !c->eof) {
		size_t room = c->cap - c->rcvd;
		uint8_t sink[4096];

		n = tcp_recv(c->ns, c->pcb, room ? c->got + c->rcvd : sink,
			     room ? room : sizeof(sink), 0);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			c->error = (int)n;
			break;
		}
		if (n == 0) {
			c->eof = true;
			break;
		}
		if (room)
			c->rcvd += (size_t)n;
	}
}

static void cli_event(void *arg, struct tcp_pcb *pcb, unsigned events)
{
	struct cli *c = arg;

	(void)pcb;
	if ((events & TCP_EV_ERROR) && !c->error)
		c->error = tcp_error(c->ns, c->pcb);
	cli_pump(c);
}

static void cli_open(struct bed *b, struct cli *c, uint16_t port)
{
	assert_int_equal(tcp_open(b->c, cli_event, c, &c->pcb), 0);
	c->ns = b->c;
	assert_int_equal(tcp_connect(b->c, c->pcb, IP_S, port), 0);
}

static bool cli_done(void *arg)
{
	struct cli *c = arg;

	return c->eof || c->error;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* RFC 862: what goes in comes back, then FIN after the client's FIN. */
static void test_echo_data_back_then_fin(void **state)
{
	struct bed *b = *state;
	static uint8_t out[100000], in[100000];
	struct cli c = {.data = out, .len = sizeof(out), .got = in,
			.cap = sizeof(in), .reading = true};

	fill(out, sizeof(out), 1);
	cli_open(b, &c, 7);
	assert_true(run_until(b, cli_done, &c, 60 * 1000 * MS));
	assert_int_equal(c.error, 0);
	assert_int_equal(c.rcvd, sizeof(out));
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(svc.bytes[SVC_ECHO], sizeof(out));
	assert_int_equal(svc.active, 0);	/* released at the FIN */
	assert_int_equal(tcp_close(b->c, c.pcb), 0);
}

/* RFC 862 with a client that reads nothing at first: both rings on the
 * server fill (8 KiB each here), the windows close, and no byte is lost
 * once the client reads. */
static void test_echo_client_not_reading_nothing_lost(void **state)
{
	struct bed *b = *state;
	static uint8_t out[200000], in[200000];
	struct cli c = {.data = out, .len = sizeof(out), .got = in,
			.cap = sizeof(in), .reading = false};

	fill(out, sizeof(out), 2);
	cli_open(b, &c, 7);
	idle(b, 5000 * MS);
	/* Stuck: the client sent only what the path holds. */
	assert_true(c.sent < sizeof(out));
	assert_true(c.sent > 16384);
	assert_int_equal(svc.active, 1);
	c.reading = true;
	cli_pump(&c);
	assert_true(run_until(b, cli_done, &c, 600 * 1000 * MS));
	assert_int_equal(c.error, 0);
	assert_int_equal(c.rcvd, sizeof(out));
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(tcp_close(b->c, c.pcb), 0);
}

#define MANY 300

static bool all_done(void *arg)
{
	struct cli *c = arg;
	int i;

	for (i = 0; i < MANY; i++)
		if (!cli_done(&c[i]))
			return false;
	return true;
}

/* 300 echo clients at once, each with its own bytes. */
static void test_echo_300_clients_each_exact(void **state)
{
	struct bed *b = *state;
	static struct cli c[MANY];
	static uint8_t out[MANY][3000], in[MANY][3000];
	int i;

	for (i = 0; i < MANY; i++) {
		fill(out[i], sizeof(out[i]), 100 + (uint32_t)i);
		c[i] = (struct cli){.data = out[i], .len = sizeof(out[i]),
				    .got = in[i], .cap = sizeof(in[i]),
				    .reading = true};
		cli_open(b, &c[i], 7);
	}
	assert_true(run_until(b, all_done, c, 120 * 1000 * MS));
	for (i = 0; i < MANY; i++) {
		assert_int_equal(c[i].error, 0);
		assert_int_equal(c[i].rcvd, sizeof(out[i]));
		assert_memory_equal(in[i], out[i], sizeof(out[i]));
		assert_int_equal(tcp_close(b->c, c[i].pcb), 0);
	}
	assert_int_equal(svc.accepted[SVC_ECHO], MANY);
	assert_int_equal(svc.active, 0);
	assert_int_equal(svc.refused, 0);
}

/* RFC 863: everything is read and dropped; the FIN is answered. */
static void test_discard_reads_all_closes_on_fin(void **state)
{
	struct bed *b = *state;
	static uint8_t out[150000];
	struct cli c = {.data = out, .len = sizeof(out), .reading = true};

	fill(out, sizeof(out), 3);
	cli_open(b, &c, 9);
	assert_true(run_until(b, cli_done, &c, 60 * 1000 * MS));
	assert_int_equal(c.error, 0);
	assert_int_equal(c.rcvd, 0);
	assert_int_equal(svc.bytes[SVC_DISCARD], sizeof(out));
	assert_int_equal(svc.active, 0);
	assert_int_equal(tcp_close(b->c, c.pcb), 0);
}

static bool got_enough(void *arg)
{
	struct cli *c = arg;

	return c->rcvd == c->cap || c->error;
}

/* RFC 864: lines of 72 printable characters, each starting one further
 * along the 95 printable ASCII characters, CR LF; from the first line. */
static void test_chargen_rfc864_pattern(void **state)
{
	struct bed *b = *state;
	static uint8_t in[3 * 95 * 74 + 100];
	struct cli c = {.got = in, .cap = sizeof(in), .reading = true};
	size_t i;

	cli_open(b, &c, 19);
	assert_true(run_until(b, got_enough, &c, 60 * 1000 * MS));
	assert_int_equal(c.error, 0);
	for (i = 0; i < sizeof(in); i++) {
		size_t line = i / 74, col = i % 74;
		uint8_t want = col == 72 ? '\r' : col == 73 ? '\n' :
			       (uint8_t)(' ' + (line + col) % 95);

		if (in[i] != want)
			fail_msg("byte %zu is %#x, want %#x", i, in[i], want);
	}
	/* The client closes with unread data: a RST (RFC 9293 3.10.4), and
	 * the service lets its pcb go. */
	assert_int_equal(tcp_close(b->c, c.pcb), 0);
	idle(b, 1000 * MS);
	assert_int_equal(svc.active, 0);
}

/* Beyond the table (SVC_CONNS) a connection is taken and reset at once,
 * so the client learns instead of waiting. */
static void test_connection_beyond_table_reset(void **state)
{
	struct bed *b = *state;
	static struct cli c[SVC_CONNS + 1];
	int i, reset = 0, open = 0;

	for (i = 0; i <= SVC_CONNS; i++) {
		c[i] = (struct cli){.reading = true};
		cli_open(b, &c[i], 9);
		if (i % 100 == 99)
			idle(b, 50 * MS);	/* within the accept backlog */
	}
	idle(b, 2000 * MS);
	for (i = 0; i <= SVC_CONNS; i++) {
		if (c[i].error == -ECONNRESET)
			reset++;
		else if (!c[i].error && tcp_state(c[i].pcb) == TCP_ESTABLISHED)
			open++;
	}
	assert_int_equal(svc.active, SVC_CONNS);
	assert_int_equal(svc.refused, 1);
	assert_int_equal(reset, 1);
	assert_int_equal(open, SVC_CONNS);
	for (i = 0; i <= SVC_CONNS; i++)
		tcp_abort(b->c, c[i].pcb);
	idle(b, 1000 * MS);
	assert_int_equal(svc.active, 0);
}

struct udp_rx {
	int n;
	uint8_t data[64];
	size_t len;
};

static void on_udp(void *arg, const struct udp_meta *m, const uint8_t *d,
		   size_t len)
{
	struct udp_rx *rx = arg;

	(void)m;
	rx->n++;
	rx->len = len < sizeof(rx->data) ? len : sizeof(rx->data);
	memcpy(rx->data, d, rx->len);
}

/* RFC 862 over UDP; never back to a small-service port (no echo loops). */
static void test_udp_echo_not_to_service_ports(void **state)
{
	struct bed *b = *state;
	struct udp_pcb *p, *q;
	struct udp_rx rx = {0}, rx19 = {0};

	assert_int_equal(udp_bind(b->c, 5555, 0, on_udp, &rx, &p), 0);
	assert_int_equal(udp_bind(b->c, 19, 0, on_udp, &rx19, &q), 0);
	assert_int_equal(udp_sendto(b->c, p, IP_S, 7, "skiff", 5), 0);
	assert_int_equal(udp_sendto(b->c, q, IP_S, 7, "loop?", 5), 0);
	idle(b, 100 * MS);
	assert_int_equal(rx.n, 1);
	assert_int_equal(rx.len, 5);
	assert_memory_equal(rx.data, "skiff", 5);
	assert_int_equal(rx19.n, 0);
	udp_unbind(b->c, p);
	udp_unbind(b->c, q);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, bed_setup, bed_teardown)
	const struct CMUnitTest tests[] = {
		T(test_echo_data_back_then_fin),
		T(test_echo_client_not_reading_nothing_lost),
		T(test_echo_300_clients_each_exact),
		T(test_discard_reads_all_closes_on_fin),
		T(test_chargen_rfc864_pattern),
		T(test_connection_beyond_table_reset),
		T(test_udp_echo_not_to_service_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
