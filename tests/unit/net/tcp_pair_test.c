/*
 * tcp_pair_test.c: whole connections between two stacks over the
 * simulated link (clean and lossy), and within one stack over loopback.
 * The big lossy transfers and interop live elsewhere (a-tcptests); these
 * check the engine end to end: handshake, byte-exact transfer both ways,
 * orderly close, everything freed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "stack_pair.h"
#include "../../../net/tcp.h"

static int pair_setup(void **state)
{
	struct netstack_params par;

	test_params(&par);
	par.pkt_small = 256;
	par.arp_queue_max = 128;
	*state = stack_pair_new(&par, 1000000000);
	return 0;
}

static int pair_teardown(void **state)
{
	stack_pair_free(*state);
	return 0;
}

static uint8_t pat(uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 9));
}

struct flow {
	struct netstack *tx_ns, *rx_ns;
	struct tcp_pcb *tx, *rx;
	uint64_t total, sent, got;
	bool bad;
	bool shut;
};

/* Push what the send ring takes; pull what arrived; check the bytes. */
static void pump(struct flow *f)
{
	uint8_t buf[4096];
	long n;

	while (f->sent < f->total) {
		size_t k = sizeof(buf), i;

		if (k > f->total - f->sent)
			k = (size_t)(f->total - f->sent);
		for (i = 0; i < k; i++)
			buf[i] = pat(f->sent + i);
		n = tcp_send(f->tx_ns, f->tx, buf, k, 0);
		if (n <= 0)
			break;
		f->sent += (uint64_t)n;
	}
	if (f->sent == f->total && !f->shut) {
		assert_int_equal(tcp_shutdown(f->tx_ns, f->tx, TCP_SHUT_WR), 0);
		f->shut = true;
	}
	while ((n = tcp_recv(f->rx_ns, f->rx, buf, sizeof(buf), 0)) > 0) {
		long i;

		for (i = 0; i < n; i++)
			if (buf[i] != pat(f->got + (uint64_t)i))
				f->bad = true;
		f->got += (uint64_t)n;
	}
}

static void connect_pair(struct stack_pair *pr, struct tcp_pcb **ca,
			 struct tcp_pcb **sb)
{
	struct tcp_pcb *lis;
	int i;

	assert_int_equal(tcp_open(pr->b, NULL, NULL, &lis), 0);
	assert_int_equal(tcp_bind(pr->b, lis, 0, 9), 0);
	assert_int_equal(tcp_listen(pr->b, lis, 4), 0);
	assert_int_equal(tcp_open(pr->a, NULL, NULL, ca), 0);
	assert_int_equal(tcp_connect(pr->a, *ca, IP_B, 9), 0);
	for (i = 0; i < 5000 && tcp_accept(pr->b, lis, NULL, NULL, sb); i++)
		stack_pair_step(pr, 1000000);
	assert_true(i < 5000);
	tcp_close(pr->b, lis);
	for (i = 0; i < 5000 && tcp_state(*ca) != TCP_ESTABLISHED; i++)
		stack_pair_step(pr, 1000000);
	assert_int_equal(tcp_state(*ca), TCP_ESTABLISHED);
}

static bool finished(struct tcp_pcb *p)
{
	return tcp_state(p) == TCP_TIME_WAIT || tcp_state(p) == TCP_CLOSED;
}

/* Both directions at once; returns the simulated ms it took. */
static uint64_t transfer(struct stack_pair *pr, uint64_t bytes, uint64_t limit_ms)
{
	struct tcp_pcb *ca, *sb;
	struct flow ab, ba;
	struct tcp_conn_info ci;
	uint64_t t0 = pr->now, ms = 0;

	connect_pair(pr, &ca, &sb);
	ab = (struct flow){pr->a, pr->b, ca, sb, bytes, 0, 0, false, false};
	ba = (struct flow){pr->b, pr->a, sb, ca, bytes, 0, 0, false, false};
	while ((ab.got < bytes || ba.got < bytes) && ms < limit_ms) {
		pump(&ab);
		pump(&ba);
		stack_pair_step(pr, 100000);	/* 0.1 ms */
		ms = (pr->now - t0) / 1000000;
	}
	printf("    data done at %llu ms; states %s %s\n", (unsigned long long)ms,
	       tcp_state_name(tcp_state(ca)), tcp_state_name(tcp_state(sb)));
	assert_false(ab.bad);
	assert_false(ba.bad);
	assert_int_equal(ab.got, bytes);
	assert_int_equal(ba.got, bytes);
	/* Both FINs arrive and are acknowledged. */
	while (ms < limit_ms + 10000 && (!finished(ca) || !finished(sb))) {
		stack_pair_step(pr, 1000000);
		ms = (pr->now - t0) / 1000000;
	}
	assert_true(finished(ca) && finished(sb));
	assert_int_equal(tcp_recv(pr->b, sb, (uint8_t[1]){0}, 1, 0), 0);
	assert_int_equal(tcp_recv(pr->a, ca, (uint8_t[1]){0}, 1, 0), 0);
	tcp_info(pr->a, ca, &ci);
	printf("    %llu bytes each way in %llu ms, %llu retransmits (a), "
	       "cwnd %u, srtt %u us\n", (unsigned long long)bytes,
	       (unsigned long long)ms, (unsigned long long)ci.retransmits,
	       ci.cwnd, ci.srtt_us);
	printf("    a: rto %llu fast %llu nobufs %llu ooo-full %llu; link dropped %llu\n",
	       (unsigned long long)net_stat_get(pr->a, NET_STAT_TCP_RTO),
	       (unsigned long long)net_stat_get(pr->a, NET_STAT_TCP_FAST_RETRANSMIT),
	       (unsigned long long)net_stat_get(pr->b, NET_STAT_DROP_NOBUFS),
	       (unsigned long long)net_stat_get(pr->b, NET_STAT_DROP_TCP_OOO_FULL),
	       (unsigned long long)pr->link.dropped);
	tcp_close(pr->a, ca);
	tcp_close(pr->b, sb);
	/* TIME-WAIT runs out; then everything is gone. */
	stack_pair_step(pr, 61ull * 1000000000);
	stack_pair_step(pr, 1000000);
	assert_int_equal(tcp_pcb_count(pr->a), 0);
	assert_int_equal(tcp_pcb_count(pr->b), 0);
	assert_int_equal(pr->link.in_flight, 0);
	return ms;
}

/* RFC 9293 end to end: 1 MB each way over a clean 1 ms link finishes
 * without stalls (windowed, not stop-and-wait). */
static void test_link_clean_megabyte_both_ways(void **state)
{
	struct stack_pair *pr = *state;
	uint64_t ms = transfer(pr, 1 << 20, 2000);

	assert_true(ms < 100);
	assert_int_equal(net_stat_get(pr->a, NET_STAT_TCP_RETRANSMIT), 0);
	assert_int_equal(net_stat_get(pr->b, NET_STAT_TCP_RETRANSMIT), 0);
}

/* RFC 6298 / RFC 5681 end to end: 3 % loss with reordering and
 * duplication: byte-exact, bounded time. */
static void test_link_lossy_transfer_exact(void **state)
{
	struct stack_pair *pr = *state;

	pr->link.drop_pct = 3;
	pr->link.dup_pct = 1;
	pr->link.reorder_pct = 2;
	pr->link.reorder_ns = 3000000;
	assert_true(transfer(pr, 256 * 1024, 60000) < 5000);
}

/* Loopback (RFC 1122 3.2.1.3(g)): the MSS is clamped to what one small
 * buffer holds, and a connection to ourselves moves data. */
static void test_loopback_mss_clamped_data_flows(void **state)
{
	struct stack_pair *pr = *state;
	struct tcp_pcb *lis, *c, *s;
	struct tcp_conn_info ci;
	struct flow f;
	int i;

	assert_int_equal(tcp_open(pr->a, NULL, NULL, &lis), 0);
	assert_int_equal(tcp_bind(pr->a, lis, IP4(127, 0, 0, 1), 7), 0);
	assert_int_equal(tcp_listen(pr->a, lis, 4), 0);
	assert_int_equal(tcp_open(pr->a, NULL, NULL, &c), 0);
	assert_int_equal(tcp_connect(pr->a, c, IP4(127, 0, 0, 1), 7), 0);
	for (i = 0; i < 100 && tcp_accept(pr->a, lis, NULL, NULL, &s); i++)
		stack_pair_step(pr, 1000);
	assert_true(i < 100);
	tcp_info(pr->a, c, &ci);
	assert_true(ci.mss <= 2048 - 128 - 60);
	assert_true(ci.mss > 1460);
	f = (struct flow){pr->a, pr->a, c, s, 300000, 0, 0, false, false};
	for (i = 0; i < 100000 && f.got < f.total; i++) {
		pump(&f);
		stack_pair_step(pr, 1000);
	}
	assert_false(f.bad);
	assert_int_equal(f.got, f.total);
	tcp_close(pr->a, lis);
	tcp_abort(pr->a, c);
	tcp_abort(pr->a, s);
	stack_pair_step(pr, 1000);
	assert_int_equal(tcp_pcb_count(pr->a), 0);
}

/* The 10,000 connections of the issue, in small: many opened and closed
 * in turn leave no pcb, timer or buffer behind. */
static void test_link_many_connections_all_freed(void **state)
{
	struct stack_pair *pr = *state;
	struct tcp_pcb *lis, *c, *s;
	int n, i;

	assert_int_equal(tcp_open(pr->b, NULL, NULL, &lis), 0);
	assert_int_equal(tcp_bind(pr->b, lis, 0, 9), 0);
	assert_int_equal(tcp_listen(pr->b, lis, 4), 0);
	for (n = 0; n < 200; n++) {
		assert_int_equal(tcp_open(pr->a, NULL, NULL, &c), 0);
		assert_int_equal(tcp_connect(pr->a, c, IP_B, 9), 0);
		for (i = 0; i < 100 && tcp_accept(pr->b, lis, NULL, NULL, &s);
		     i++)
			stack_pair_step(pr, 1000000);
		assert_true(i < 100);
		assert_int_equal(tcp_send(pr->a, c, "hi", 2, 0), 2);
		tcp_close(pr->a, c);
		for (i = 0; i < 100 && !(tcp_events(s) & TCP_EV_READABLE); i++)
			stack_pair_step(pr, 1000000);
		assert_int_equal(tcp_recv(pr->b, s, (uint8_t[4]){0}, 4, 0), 2);
		tcp_close(pr->b, s);
		stack_pair_step(pr, 5000000);
	}
	tcp_close(pr->b, lis);
	stack_pair_step(pr, 61ull * 1000000000);
	stack_pair_step(pr, 1000000);
	assert_int_equal(tcp_pcb_count(pr->a), 0);
	assert_int_equal(tcp_pcb_count(pr->b), 0);
	assert_int_equal(net_pkt_in_use(pr->a), 0);
	assert_int_equal(net_pkt_in_use(pr->b), 0);
	assert_true(net_next_deadline(pr->a) > pr->now + 10ull * 1000000000);
}

/*
 * RFC 7323 5.4 / 7.1 and RFC 6191 3: the TSval clock runs on across
 * incarnations of a connection between the same two hosts, so a server
 * that holds the 4-tuple in TIME-WAIT (it closed first) accepts the
 * client's new SYN from the same port by its newer timestamp, at once.
 * With a random offset per connection, about every other reconnect had
 * an older TSval: PAWS dropped the SYN and it came back only after the
 * 1 s SYN retransmission.
 */
static void test_time_wait_same_port_reconnect_accepted_at_once(void **state)
{
	struct stack_pair *pr = *state;
	struct tcp_pcb *lis, *ca, *sb;
	int k, i;

	assert_int_equal(tcp_open(pr->b, NULL, NULL, &lis), 0);
	assert_int_equal(tcp_bind(pr->b, lis, 0, 80), 0);
	assert_int_equal(tcp_listen(pr->b, lis, 4), 0);
	for (k = 0; k < 8; k++) {
		uint64_t t0 = pr->now;

		assert_int_equal(tcp_open(pr->a, NULL, NULL, &ca), 0);
		assert_int_equal(tcp_setopt(pr->a, ca, TCP_OPT_REUSEADDR, 1), 0);
		assert_int_equal(tcp_bind(pr->a, ca, 0, 5000), 0);
		assert_int_equal(tcp_connect(pr->a, ca, IP_B, 80), 0);
		for (i = 0; i < 3000 && tcp_state(ca) != TCP_ESTABLISHED; i++)
			stack_pair_step(pr, 1000000);
		assert_int_equal(tcp_state(ca), TCP_ESTABLISHED);
		/* A handshake over a 1 ms link, not a SYN retransmission. */
		assert_true(pr->now - t0 < 100ull * 1000000);
		for (i = 0; i < 100 && tcp_accept(pr->b, lis, NULL, NULL, &sb);
		     i++)
			stack_pair_step(pr, 1000000);
		assert_true(i < 100);
		/* The server closes first and keeps the TIME-WAIT. */
		tcp_close(pr->b, sb);
		for (i = 0; i < 100 && !(tcp_events(ca) & TCP_EV_READABLE); i++)
			stack_pair_step(pr, 1000000);
		assert_int_equal(tcp_recv(pr->a, ca, (uint8_t[1]){0}, 1, 0), 0);
		tcp_close(pr->a, ca);
		for (i = 0; i < 100 && tcp_pcb_count(pr->a); i++)
			stack_pair_step(pr, 1000000);
		assert_int_equal(tcp_pcb_count(pr->a), 0);
		/* The server's TIME-WAIT pcb and its listener. */
		assert_int_equal(tcp_pcb_count(pr->b), 2);
		stack_pair_step(pr, 1000000);
	}
	assert_int_equal(net_stat_get(pr->b, NET_STAT_TCP_TW_REUSE), 7);
	assert_int_equal(net_stat_get(pr->b, NET_STAT_DROP_TCP_PAWS), 0);
	tcp_close(pr->b, lis);
	stack_pair_step(pr, 61ull * 1000000000);
	assert_int_equal(tcp_pcb_count(pr->b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_clean_megabyte_both_ways, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_link_lossy_transfer_exact, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_loopback_mss_clamped_data_flows, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_link_many_connections_all_freed, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_same_port_reconnect_accepted_at_once, pair_setup, pair_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
