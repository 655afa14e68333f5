/*
 * tcp_timer_test.c: the TCP timers other than the basic RTO
 * (net/tcp_timer.c): retry limits, user timeout, keep-alive, orphaned
 * FIN-WAIT-2, FIN retransmission, and the per-interface and per-socket
 * limits that shape segments and windows.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_test_util.h"

static void few_retries(struct netstack_params *p)
{
	p->tcp_max_retries = 3;
	p->tcp_fin_wait2_ms = 5000;
	p->tcp_delack_ms = 200;
}

static int setup_few(void **state)
{
	return tfx_setup_with(state, few_retries);
}

/* RFC 9293 3.8.3 / RFC 1122 4.2.3.5 (R2): after tcp_max_retries expiries
 * without progress the connection fails with ETIMEDOUT. */
static void test_established_retries_exhausted_etimedout(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;
	int i;

	tfx_passive_open(t, NULL, 8000);
	tcp_close(ns, t->lis);
	t->lis = NULL;
	assert_int_equal(tcp_send(ns, t->pcb, "x", 1, 0), 1);
	expect_seg(t, &s);
	for (i = 0; i < 3; i++) {
		tick(t, 200u << i);
		expect_seg(t, &s);
	}
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	tick(t, 1600);
	expect_nothing(t);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSED);
	assert_true(t->ev_bits & TCP_EV_ERROR);
	assert_int_equal(tcp_send(ns, t->pcb, "x", 1, 0), -ETIMEDOUT);
	assert_int_equal(tstat(t, NET_STAT_TCP_TIMEOUT), 1);
	tcp_close(ns, t->pcb);
	assert_int_equal(tcp_pcb_count(ns), 0);
}

/* RFC 6298 5.5 (double the RTO) and 2.5 (a maximum): with a retry limit
 * configured high (here 70), the doubling stays capped at tcp_rto_max_ms
 * and never shifts past the width of the number; the connection still
 * ends with ETIMEDOUT after the limit. */
static void many_retries(struct netstack_params *p)
{
	p->tcp_max_retries = 70;
	p->tcp_rto_max_ms = 1000;
}

static int setup_many(void **state)
{
	return tfx_setup_with(state, many_retries);
}

static void test_established_many_retries_rto_capped(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;
	int i;

	tfx_active_open(t, NULL, 8000);
	assert_int_equal(tcp_send(ns, t->pcb, "x", 1, 0), 1);
	expect_seg(t, &s);
	for (i = 0; i < 70; i++) {
		fixture_learn_peer(&t->fx);	/* keep ARP fresh */
		capture_purge(&t->fx.cap);
		tick(t, 1000);
		expect_seg(t, &s);
		assert_int_equal(s.len, 1);
	}
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	fixture_learn_peer(&t->fx);
	capture_purge(&t->fx.cap);
	tick(t, 1000);
	expect_nothing(t);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSED);
	assert_int_equal(tcp_send(ns, t->pcb, "x", 1, 0), -ETIMEDOUT);
	tcp_close(ns, t->pcb);
}

/* RFC 5482 / RFC 9293 3.10.3: TCP_OPT_USER_TIMEOUT bounds how long data
 * may stay unacknowledged. */
static void test_established_user_timeout_etimedout(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	assert_int_equal(tcp_setopt(ns, t->pcb, TCP_OPT_USER_TIMEOUT, 500), 0);
	assert_int_equal(tcp_send(ns, t->pcb, "x", 1, 0), 1);
	expect_seg(t, &s);
	tick(t, 200);
	expect_seg(t, &s);		/* 200 ms: resent */
	tick(t, 400);			/* 600 ms: over 500, give up */
	expect_nothing(t);
	assert_int_equal(tcp_error(ns, t->pcb), -ETIMEDOUT);
	tcp_close(ns, t->pcb);
	tcp_close(ns, t->lis);
}

/* RFC 1122 4.2.3.6: after KEEPIDLE of silence a probe with SEQ = SND.UNA
 * - 1 goes every KEEPINTVL; an answer resets it; KEEPCNT unanswered
 * probes end the connection. */
static void test_established_keepalive_probes_then_timeout(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	assert_int_equal(tcp_setopt(ns, t->pcb, TCP_OPT_KEEPIDLE, 10), 0);
	assert_int_equal(tcp_setopt(ns, t->pcb, TCP_OPT_KEEPINTVL, 2), 0);
	assert_int_equal(tcp_setopt(ns, t->pcb, TCP_OPT_KEEPCNT, 2), 0);
	assert_int_equal(tcp_setopt(ns, t->pcb, TCP_OPT_KEEPALIVE, 1), 0);
	tick(t, 9999);
	expect_nothing(t);
	tick(t, 1);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.seq, t->rcv - 1);
	assert_int_equal(s.len, 0);
	/* Answered: idle starts over. */
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, NULL, 0);
	tick(t, 2000);
	expect_nothing(t);
	tick(t, 8000);
	expect_flags(t, &s, TCP_ACK);
	tick(t, 2000);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(tstat(t, NET_STAT_TCP_KEEPALIVE_PROBE), 3);
	tick(t, 2000);
	expect_nothing(t);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSED);
	assert_int_equal(tcp_error(ns, t->pcb), -ETIMEDOUT);
	tcp_close(ns, t->pcb);
	tcp_close(ns, t->lis);
}

/* An orphaned FIN-WAIT-2 (closed by the app, peer never sends FIN) is
 * freed after tcp_fin_wait2_ms instead of living forever. */
static void test_fin_wait_2_orphan_times_out(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	tcp_close(ns, t->lis);
	t->lis = NULL;
	tcp_close(ns, t->pcb);
	expect_flags(t, &s, TCP_FIN | TCP_ACK);
	seg_in(t, TCP_ACK, t->snd, t->rcv + 1, 8000, NULL, 0);
	assert_int_equal(tcp_pcb_count(ns), 1);
	tick(t, 4999);
	assert_int_equal(tcp_pcb_count(ns), 1);
	tick(t, 1);
	assert_int_equal(tcp_pcb_count(ns), 0);
}

/* RFC 9293 3.8.6.1 keeps probing a zero window while the app holds the
 * connection; an orphan stuck behind a zero window (a peer that never
 * reads) is reset after tcp_max_retries probes instead of living forever
 * (found by tcp_fuzz_test). Answers to probes are no duplicate ACKs:
 * nothing is fast-retransmitted into the closed window. */
static void test_fin_wait_1_orphan_zero_window_reset(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;
	int i;

	tfx_passive_open(t, NULL, 8000);
	tcp_close(ns, t->lis);
	t->lis = NULL;
	seg_in(t, TCP_ACK, t->snd, t->rcv, 0, NULL, 0);
	assert_int_equal(tcp_send(ns, t->pcb, "abc", 3, 0), 3);
	tcp_close(ns, t->pcb);
	assert_int_equal(tcp_state(t->pcb), TCP_FIN_WAIT_1);
	for (i = 0; i < 3; i++) {
		tick(t, 200u << i);
		expect_seg(t, &s);
		assert_int_equal(s.len, 1);
		seg_in(t, TCP_ACK, t->snd, t->rcv, 0, NULL, 0);
	}
	assert_int_equal(tcp_pcb_count(ns), 1);
	tick(t, 1600);
	expect_flags(t, &s, TCP_RST | TCP_ACK);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_TCP_FAST_RETRANSMIT), 0);
	assert_int_equal(tcp_pcb_count(ns), 0);
}

/*
 * RFC 9293 3.8.6.1 / 3.10.4: with only our FIN unacknowledged and a zero
 * send window, the probe that goes at SND.UNA is the FIN again, never a
 * byte read past the queued data (which would be stale memory, or a
 * division by zero when the send ring was never allocated); a peer that
 * took such a byte would ACK it as if it were our FIN. Once the peer
 * opens its window and ACKs the FIN we are in FIN-WAIT-2.
 */
static void fin_zero_window_probe(struct tfx *t, bool send_data)
{
	struct netstack *ns = t->fx.ns;
	struct tseg s;
	uint32_t fin_seq = t->rcv;
	int i, fins = 0;

	if (send_data) {
		assert_int_equal(tcp_send(ns, t->pcb, "0123456789", 10, 0), 10);
		expect_seg(t, &s);
		assert_int_equal(s.len, 10);
		seg_in(t, TCP_ACK, t->snd, t->rcv + 10, 8000, NULL, 0);
		fin_seq += 10;
	}
	tick(t, 300);
	while (tx_count(t))
		expect_seg(t, &s);
	assert_int_equal(tcp_close(ns, t->pcb), 0);
	expect_flags(t, &s, TCP_FIN | TCP_ACK);
	assert_int_equal(s.th.seq, fin_seq);
	/* The peer's buffer is full: it drops the FIN, window 0. */
	seg_in(t, TCP_ACK, t->snd, fin_seq, 0, NULL, 0);
	for (i = 0; i < 30; i++) {
		tick(t, 100);
		while (tx_count(t)) {
			expect_seg(t, &s);
			assert_int_equal(s.len, 0);
			assert_int_equal(s.th.seq, fin_seq);
			assert_true(s.th.flags & TCP_FIN);
			fins++;
		}
	}
	assert_true(fins >= 2);
	seg_in(t, TCP_ACK, t->snd, fin_seq + 1, 8000, NULL, 0);
	assert_int_equal(tcp_state(t->pcb), TCP_FIN_WAIT_2);
	tcp_abort(ns, t->pcb);
}

static void test_fin_wait_1_zero_window_probe_is_fin_after_data(void **state)
{
	struct tfx *t = *state;

	tfx_active_open(t, NULL, 8000);
	fin_zero_window_probe(t, true);
}

/* Same, on a connection that never sent: its send ring does not exist. */
static void test_fin_wait_1_zero_window_probe_is_fin_no_data(void **state)
{
	struct tfx *t = *state;

	tfx_active_open(t, NULL, 8000);
	fin_zero_window_probe(t, false);
}

/* RFC 9293 3.10.4 / RFC 6298: a FIN is retransmitted like data; in
 * LAST-ACK its ACK finally frees the pcb. */
static void test_last_ack_fin_retransmitted(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_FIN | TCP_ACK, t->snd, t->rcv, 8000, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	tcp_close(ns, t->pcb);
	expect_flags(t, &s, TCP_FIN | TCP_ACK);
	assert_int_equal(s.th.seq, t->rcv);
	tick(t, 200);
	expect_flags(t, &s, TCP_FIN | TCP_ACK);
	assert_int_equal(s.th.seq, t->rcv);
	seg_in(t, TCP_ACK, t->snd + 1, t->rcv + 1, 8000, NULL, 0);
	assert_int_equal(tcp_pcb_count(ns), 1);
	tcp_close(ns, t->lis);
}

/* RFC 1122 4.2.3.2: the delayed ACK waits at most tcp_delack_ms. */
static void test_established_delayed_ack_bounded_by_param(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, "z", 1);
	tick(t, 199);
	expect_nothing(t);
	tick(t, 1);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 1);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* netif_set_rcv_window_max: an interface whose ring holds few frames
 * caps the window of connections over it (ne2k). */
static void test_listen_interface_window_cap_honoured(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	uint8_t d[1460];
	struct tseg s;
	int i;

	assert_int_equal(netif_set_rcv_window_max(ns, t->fx.ifindex, 4000), 0);
	tfx_listen(t);
	seg_in(t, TCP_SYN, t->snd, 0, 8000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_int_equal(s.th.wnd, 4000);
	t->snd++;
	t->rcv = s.th.seq + 1;
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, NULL, 0);
	assert_int_equal(tcp_accept(ns, t->lis, NULL, NULL, &t->pcb), 0);
	memset(d, 1, sizeof(d));
	for (i = 0; i < 3; i++)
		seg_in(t, TCP_ACK, t->snd + (uint32_t)i * 1460, t->rcv, 8000,
		       d, 1460);
	/* The third is cut at the window's edge: 4000 bytes taken. */
	tick(t, 200);
	while (tx_count(t)) {
		expect_flags(t, &s, TCP_ACK);
		assert_true(s.th.wnd <= 4000);
	}
	assert_int_equal(s.th.ack, t->snd + 4000);
	assert_int_equal(s.th.wnd, 0);
	tcp_abort(ns, t->pcb);
	tcp_close(ns, t->lis);
}

/* TCP_OPT_MAXSEG clamps the MSS we announce and the one we send with. */
static void test_listen_maxseg_clamps_mss(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	uint8_t d[2000];
	struct tseg s;

	assert_int_equal(tcp_open(ns, ev_record, t, &t->lis), 0);
	assert_int_equal(tcp_setopt(ns, t->lis, TCP_OPT_MAXSEG, 500), 0);
	assert_int_equal(tcp_bind(ns, t->lis, 0, US_PORT), 0);
	assert_int_equal(tcp_listen(ns, t->lis, 4), 0);
	seg_in(t, TCP_SYN, t->snd, 0, 8000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_int_equal(s.th.mss, 500);
	t->snd++;
	t->rcv = s.th.seq + 1;
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, NULL, 0);
	assert_int_equal(tcp_accept(ns, t->lis, NULL, NULL, &t->pcb), 0);
	assert_int_equal(tcp_send(ns, t->pcb, d, sizeof(d), 0), 2000);
	expect_seg(t, &s);
	assert_int_equal(s.len, 500);
	tcp_abort(ns, t->pcb);
	tcp_close(ns, t->lis);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_established_retries_exhausted_etimedout, setup_few, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_many_retries_rto_capped, setup_many, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_user_timeout_etimedout, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_keepalive_probes_then_timeout, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_fin_wait_2_orphan_times_out, setup_few, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_fin_wait_1_orphan_zero_window_reset, setup_few, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_fin_wait_1_zero_window_probe_is_fin_after_data, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_fin_wait_1_zero_window_probe_is_fin_no_data, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_last_ack_fin_retransmitted, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_delayed_ack_bounded_by_param, setup_few, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_listen_interface_window_cap_honoured, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_listen_maxseg_clamps_mss, tfx_setup, tfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
