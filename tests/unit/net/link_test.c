/*
 * link_test.c: two stacks over a simulated link that drops, duplicates,
 * delays and reorders frames: big pings, UDP and port unreachable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "stack_pair.h"
#include "../../../net/icmp.h"
#include "../../../net/udp.h"

static int pair_setup(void **state)
{
	struct netstack_params par;

	test_params(&par);
	par.pkt_small = 256;
	par.pkt_large = 4;
	par.arp_queue_max = 128;
	*state = stack_pair_new(&par, 0);
	return 0;
}

static int pair_teardown(void **state)
{
	stack_pair_free(*state);
	return 0;
}

/* Advance both stacks and the link by step, n times. */
static void run(struct stack_pair *pr, uint64_t step, int n)
{
	while (n-- > 0)
		stack_pair_step(pr, step);
}

struct replies {
	int n;
	struct icmp_echo_reply last;
	bool payload_ok;
	const uint8_t *expect;
	size_t expect_len;
};

static void on_reply(void *arg, const struct icmp_echo_reply *r)
{
	struct replies *rp = arg;

	rp->n++;
	rp->last = *r;
	rp->payload_ok = r->len == rp->expect_len &&
			 memcmp(r->data, rp->expect, r->len) == 0;
}

/* RFC 792 echo across a clean link, with TTL and RTT. */
static void test_ping_clean_link_replied(void **state)
{
	struct stack_pair *pr = *state;
	struct replies rp = {.expect = (const uint8_t *)"skiff", .expect_len = 5};

	icmp_echo_handler_set(pr->a, on_reply, &rp);
	assert_int_equal(icmp_echo_send(pr->a, IP_B, 1, 1, "skiff", 5), 0);
	run(pr, 1000000, 10);
	assert_int_equal(rp.n, 1);
	assert_true(rp.payload_ok);
	assert_int_equal(rp.last.from, IP_B);
	assert_int_equal(rp.last.ttl, 64);
	assert_true(rp.last.rtt_known);
	/* B's gratuitous ARP (sent at t=0) resolves A's pending entry at
	 * 1 ms (RFC 826 merge); echo there and back is 2 ms more, seen at
	 * the poll before delivery: stack time lags input by one poll. */
	assert_int_equal(rp.last.rtt_ns, 2000000);
}

/* RFC 791 3.2 + RFC 792: a 65,507-byte ping over a link that drops,
 * duplicates and reorders; retried until a reply arrives intact. */
static void test_ping_max_size_lossy_link_eventually_replied(void **state)
{
	struct stack_pair *pr = *state;
	static uint8_t payload[ICMP_ECHO_MAX_DATA];
	struct replies rp = {.expect = payload, .expect_len = sizeof(payload)};
	uint16_t seq;
	size_t i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i ^ (i >> 8));
	pr->link.drop_pct = 2;
	pr->link.dup_pct = 5;
	pr->link.reorder_pct = 20;
	pr->link.reorder_ns = 3000000;
	icmp_echo_handler_set(pr->a, on_reply, &rp);
	assert_int_equal(icmp_echo_send(pr->a, IP_B, 9, 0, payload,
					sizeof(payload) + 1), -EMSGSIZE);
	for (seq = 1; seq <= 40 && rp.n == 0; seq++) {
		assert_int_equal(icmp_echo_send(pr->a, IP_B, 9, seq, payload,
						sizeof(payload)), 0);
		run(pr, 1000000, 50);
	}
	assert_int_equal(rp.n, 1);
	assert_true(rp.payload_ok);
	assert_true(pr->link.dropped > 0);
	assert_true(pr->link.duplicated > 0);
	assert_true(pr->link.reordered > 0);
	assert_true(net_stat_get(pr->b, NET_STAT_IP_REASS_OK) >= 1);
	assert_true(net_stat_get(pr->b, NET_STAT_ICMP_ECHO_REPLIED) >= 1);
	/* Let every partial datagram time out; pools drain. */
	run(pr, 10 * SEC, 7);
	assert_int_equal(net_pkt_in_use(pr->a), 0);
	assert_int_equal(net_pkt_in_use(pr->b), 0);
}

struct udp_rx {
	int n;
	struct udp_meta m;
	char data[64];
	size_t len;
};

static void on_udp(void *arg, const struct udp_meta *m, const uint8_t *d,
		   size_t len)
{
	struct udp_rx *rx = arg;

	rx->n++;
	rx->m = *m;
	rx->len = len < sizeof(rx->data) ? len : sizeof(rx->data);
	memcpy(rx->data, d, rx->len);
}

/* RFC 768: a datagram arrives with ports, addresses and payload intact. */
static void test_udp_sendto_delivered(void **state)
{
	struct stack_pair *pr = *state;
	struct udp_pcb *pa, *pb;
	struct udp_rx rx = {0};

	assert_int_equal(udp_bind(pr->a, 5000, 0, on_udp, &rx, &pa), 0);
	assert_int_equal(udp_bind(pr->b, 7, 0, on_udp, &rx, &pb), 0);
	assert_int_equal(udp_bind(pr->b, 7, 0, on_udp, &rx, &pb), -EADDRINUSE);
	assert_int_equal(udp_sendto(pr->a, pa, IP_B, 7, "hello", 5), 0);
	run(pr, 1000000, 5);
	assert_int_equal(rx.n, 1);
	assert_int_equal(rx.m.src, IP_A);
	assert_int_equal(rx.m.dst, IP_B);
	assert_int_equal(rx.m.sport, 5000);
	assert_int_equal(rx.m.dport, 7);
	assert_int_equal(rx.len, 5);
	assert_memory_equal(rx.data, "hello", 5);
	udp_unbind(pr->a, pa);
	udp_unbind(pr->b, pb);
}

/* RFC 1122 4.1.3.1 / 3.2.2.1: no listener means port unreachable, which
 * is rate-limited by the token bucket. */
static void test_udp_no_listener_port_unreachable_rate_limited(void **state)
{
	struct stack_pair *pr = *state;
	struct udp_pcb *pa;
	struct udp_rx rx = {0};
	int i;

	assert_int_equal(udp_bind(pr->a, 5000, 0, on_udp, &rx, &pa), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(udp_sendto(pr->a, pa, IP_B, 9999, "x", 1), 0);
	run(pr, 1000000, 5);
	assert_int_equal(net_stat_get(pr->b, NET_STAT_DROP_UDP_NO_PORT), 8);
	/* test_params: burst 5, so 5 errors and 3 suppressed. */
	assert_int_equal(net_stat_get(pr->b, NET_STAT_ICMP_ERROR_OUT), 5);
	assert_int_equal(net_stat_get(pr->b, NET_STAT_DROP_ICMP_RATELIMIT), 3);
	/* A second later the bucket has refilled (10/s). */
	run(pr, SEC, 1);
	assert_int_equal(udp_sendto(pr->a, pa, IP_B, 9999, "x", 1), 0);
	run(pr, 1000000, 5);
	assert_int_equal(net_stat_get(pr->b, NET_STAT_ICMP_ERROR_OUT), 6);
	assert_int_equal(rx.n, 0);
	udp_unbind(pr->a, pa);
}

/* RFC 768: a corrupted checksum drops; zero means none and is accepted. */
static void test_udp_checksum_checked_zero_accepted(void **state)
{
	struct fixture *fx = *state;
	struct udp_pcb *pcb;
	struct udp_rx rx = {0};
	uint8_t u[64], f[128];
	size_t ul, n;

	assert_int_equal(udp_bind(fx->ns, 53, 0, on_udp, &rx, &pcb), 0);
	ul = tb_udp(u, IP_PEER, IP_US, 1111, 53, (const uint8_t *)"q", 1, true);
	u[8] ^= 1;
	n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_UDP, 1, 0, u, ul);
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_UDP_CHECKSUM), 1);
	ul = tb_udp(u, IP_PEER, IP_US, 1111, 53, (const uint8_t *)"q", 1, false);
	n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_UDP, 2, 0, u, ul);
	inject(fx, f, n);
	assert_int_equal(rx.n, 1);
	/* Length field beyond the datagram, and shorter than a header. */
	ul = tb_udp(u, IP_PEER, IP_US, 1111, 53, (const uint8_t *)"q", 1, false);
	u[5] = 40;
	n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_UDP, 3, 0, u, ul);
	inject(fx, f, n);
	u[5] = 7;
	n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_UDP, 4, 0, u, ul);
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_UDP_BAD_LEN), 2);
	n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_UDP, 5, 0, u, 7);
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_UDP_SHORT), 1);
	assert_int_equal(rx.n, 1);
	udp_unbind(fx->ns, pcb);
}

/* RFC 792 / RFC 1122 3.2.2: bad ICMP dropped, broadcast echo ignored. */
static void test_icmp_malformed_and_broadcast_echo_dropped(void **state)
{
	struct fixture *fx = *state;
	uint8_t ic[16], f[128];
	size_t il = tb_icmp_echo(ic, ICMP_ECHO_REQUEST, 1, 1, NULL, 0), n;

	ic[5] ^= 1;	/* corrupt */
	n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_ICMP, 1, 0, ic, il);
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_ICMP_CHECKSUM), 1);
	n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_ICMP, 2, 0, ic, 7);
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_ICMP_SHORT), 1);
	il = tb_icmp_echo(ic, ICMP_ECHO_REQUEST, 1, 1, NULL, 0);
	n = tb_frame_ip(f, IP_PEER, IP4(10, 0, 0, 255), IP_PROTO_ICMP, 3, 0, ic, il);
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_ICMP_BCAST_ECHO), 1);
	il = tb_icmp_echo(ic, 42, 1, 1, NULL, 0);
	n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_ICMP, 4, 0, ic, il);
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_ICMP_TYPE), 1);
	expect_no_tx(fx);
}

int main(void)
{
#define P(fn) cmocka_unit_test_setup_teardown(fn, pair_setup, pair_teardown)
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		P(test_ping_clean_link_replied),
		P(test_ping_max_size_lossy_link_eventually_replied),
		P(test_udp_sendto_delivered),
		P(test_udp_no_listener_port_unreachable_rate_limited),
		T(test_udp_checksum_checked_zero_accepted),
		T(test_icmp_malformed_and_broadcast_echo_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
