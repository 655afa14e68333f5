/*
 * tcp_aq_test.c: the listener's accept queue with multiqueue steering
 * (net/tcp_aq.c): a connection whose SYN came on NIC queue q goes to an
 * accept on CPU q first; another CPU takes it only when no acceptor ever
 * ran on q, or once it has waited the steal time, when the listener is
 * woken again; single-queue connections go to anyone, oldest first; and
 * readiness (tcp_accept_ready) agrees with what accept would do.
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

/* A handshake from peer port port, its frames on NIC queue q (-1: a single-queue link); not accepted. */
static void handshake(struct tfx *t, uint16_t port, int q)
{
	struct tcp_hdr th;
	struct tseg s;

	if (!t->lis)
		tfx_listen(t);
	t->fx.cap.rx_queue = q < 0 ? 0 : (uint8_t)(q + 1);
	memset(&th, 0, sizeof(th));
	th.flags = TCP_SYN;
	th.seq = 1000;
	th.wnd = 65535;
	th.has_mss = true;
	th.mss = 1460;
	th.sport = port;
	seg_in_hdr(t, &th, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	memset(&th, 0, sizeof(th));
	th.flags = TCP_ACK;
	th.seq = 1001;
	th.ack = s.th.seq + 1;
	th.wnd = 65535;
	th.sport = port;
	seg_in_hdr(t, &th, NULL, 0);
	expect_nothing(t);
}

/* The peer port of what an accept on cpu got, or 0 for -EAGAIN. */
static uint16_t accept_port(struct tfx *t, int cpu)
{
	struct tcp_pcb *c;
	uint32_t addr;
	uint16_t port;

	if (tcp_accept_on(t->fx.ns, t->lis, cpu, ev_record, t, &c) == -EAGAIN)
		return 0;
	assert_int_equal(tcp_remote(t->fx.ns, c, &addr, &port), 0);
	tcp_close(t->fx.ns, c);
	return port;
}

/* The CPU of the connection's queue takes it before an older one of another queue. */
static void test_accept_own_queue_first_counted_steered(void **state)
{
	struct tfx *t = *state;

	handshake(t, 40001, 0);
	handshake(t, 40002, 1);
	assert_int_equal(accept_port(t, 1), 40002);
	assert_int_equal(tstat(t, NET_STAT_TCP_ACCEPT_STEERED), 1);
	assert_int_equal(accept_port(t, 0), 40001);
	assert_int_equal(tstat(t, NET_STAT_TCP_ACCEPT_STEERED), 2);
	assert_int_equal(tstat(t, NET_STAT_TCP_ACCEPT_STOLEN), 0);
}

/* No acceptor has run on queue 1's CPU: CPU 0 takes its connection at once, counted stolen. */
static void test_accept_no_acceptor_there_taken_by_other(void **state)
{
	struct tfx *t = *state;

	handshake(t, 40001, 1);
	assert_true(tcp_accept_ready(t->lis, 0));
	assert_int_equal(accept_port(t, 0), 40001);
	assert_int_equal(tstat(t, NET_STAT_TCP_ACCEPT_STOLEN), 1);
}

/*
 * An acceptor runs on CPU 1: its connection is not ready for CPU 0 until
 * it has waited the steal time (20 ms); then the listener is woken and
 * CPU 0 may take it, so nothing waits for good on a CPU that stopped
 * accepting.
 */
static void test_accept_other_cpu_waits_steal_time_then_woken(void **state)
{
	struct tfx *t = *state;

	tfx_listen(t);
	assert_int_equal(accept_port(t, 1), 0);	/* CPU 1 is an acceptor now */
	handshake(t, 40001, 1);
	assert_true(tcp_accept_ready(t->lis, 1));
	assert_false(tcp_accept_ready(t->lis, 0));
	assert_int_equal(accept_port(t, 0), 0);
	tick(t, 10);
	assert_false(tcp_accept_ready(t->lis, 0));
	t->ev_calls = 0;
	tick(t, 15);
	assert_true(t->ev_calls > 0);
	assert_true(t->ev_bits & TCP_EV_ACCEPT);
	assert_true(tcp_accept_ready(t->lis, 0));
	assert_int_equal(accept_port(t, 0), 40001);
	assert_int_equal(tstat(t, NET_STAT_TCP_ACCEPT_STOLEN), 1);
	assert_false(tcp_accept_ready(t->lis, 1));
}

/* A single-queue link's connections are anyone's, oldest first, and neither steered nor stolen. */
static void test_accept_single_queue_any_cpu_fifo(void **state)
{
	struct tfx *t = *state;

	handshake(t, 40001, -1);
	handshake(t, 40002, -1);
	assert_true(tcp_accept_ready(t->lis, 3));
	assert_int_equal(accept_port(t, 3), 40001);
	assert_int_equal(accept_port(t, 0), 40002);
	assert_int_equal(accept_port(t, 0), 0);
	assert_false(tcp_accept_ready(t->lis, 0));
	assert_int_equal(tstat(t, NET_STAT_TCP_ACCEPT_STEERED), 0);
	assert_int_equal(tstat(t, NET_STAT_TCP_ACCEPT_STOLEN), 0);
}

/* tcp_accept() (no CPU) takes the oldest across every list, acceptor or not. */
static void test_accept_anywhere_oldest_across_lists(void **state)
{
	struct tfx *t = *state;
	struct tcp_pcb *c;

	tfx_listen(t);
	assert_int_equal(accept_port(t, 2), 0);
	handshake(t, 40001, 2);
	handshake(t, 40002, -1);
	handshake(t, 40003, 0);
	assert_true(tcp_accept_ready(t->lis, -1));
	assert_int_equal(accept_port(t, -1), 40001);
	assert_int_equal(tcp_accept(t->fx.ns, t->lis, ev_record, t, &c), 0);
	tcp_close(t->fx.ns, c);
	assert_int_equal(accept_port(t, -1), 40003);
	assert_int_equal(tstat(t, NET_STAT_TCP_ACCEPT_STOLEN), 0);
}

/* A connection reset while queued leaves its list, and readiness with it. */
static void test_accept_reset_in_queue_leaves_list(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr th;

	tfx_listen(t);
	assert_int_equal(accept_port(t, 1), 0);
	handshake(t, 40001, 1);
	assert_true(tcp_accept_ready(t->lis, 1));
	memset(&th, 0, sizeof(th));
	th.flags = TCP_RST;
	th.seq = 1001;
	th.sport = 40001;
	seg_in_hdr(t, &th, NULL, 0);
	assert_false(tcp_accept_ready(t->lis, 1));
	assert_int_equal(accept_port(t, 1), 0);
	tick(t, 30);	/* the steal timer finds nothing: no wake-up to spin on */
	assert_false(tcp_accept_ready(t->lis, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accept_own_queue_first_counted_steered, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_accept_no_acceptor_there_taken_by_other, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_accept_other_cpu_waits_steal_time_then_woken, tfx_setup,
						tfx_teardown),
		cmocka_unit_test_setup_teardown(test_accept_single_queue_any_cpu_fifo, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_accept_anywhere_oldest_across_lists, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_accept_reset_in_queue_leaves_list, tfx_setup, tfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
