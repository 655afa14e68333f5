/*
 * tcp_icmp_test.c: ICMP errors about our TCP segments (RFC 1122 4.2.3.9,
 * RFC 5927) and path MTU discovery (RFC 1191), net/tcp_icmp.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "tcp_test_util.h"
#include "../../../net/byteorder.h"
#include "../../../net/checksum.h"
#include "../../../net/icmp.h"

#define IP_ROUTER IP4(10, 0, 0, 254)

/*
 * An ICMP error from a router about the segment s we sent: our IP header
 * and the first 8 bytes of TCP, as RFC 792 quotes them. quote_src lets a
 * test forge a datagram we never sent.
 */
static void icmp_err_in(struct tfx *t, const struct tseg *s, uint8_t type,
			uint8_t code, uint16_t mtu, uint32_t quote_src,
			uint32_t quote_seq)
{
	uint8_t msg[8 + 20 + 8], f[128];
	struct ip_hdr qh = s->ip;
	size_t n;

	memset(msg, 0, sizeof(msg));
	msg[0] = type;
	msg[1] = code;
	put_be16(msg + 6, mtu);
	qh.src = quote_src;
	ip_hdr_emit(&qh, msg + 8);
	put_be16(msg + 28, s->th.sport);
	put_be16(msg + 30, s->th.dport);
	put_be32(msg + 32, quote_seq);
	put_be16(msg + 2, inet_csum(msg, sizeof(msg)));
	n = tb_frame_ip(f, IP_ROUTER, IP_US, IP_PROTO_ICMP, 77, 0, msg,
			sizeof(msg));
	inject(&t->fx, f, n);
}

static void send_bytes(struct tfx *t, size_t len)
{
	static uint8_t buf[8192];

	fill_pattern(buf, len, 0);
	assert_int_equal(tcp_setopt(t->fx.ns, t->pcb, TCP_OPT_NODELAY, 1), 0);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, buf, len, 0), (long)len);
}

/* RFC 1191 6.2: a needfrag about an in-flight segment lowers the MSS to
 * the next-hop MTU less 40 and resends at once at the new size. */
static void test_established_needfrag_in_flight_mss_reduced_resent(void **state)
{
	struct tfx *t = *state;
	struct tcp_conn_info ci;
	struct tseg s, r;

	tfx_passive_open(t, NULL, 65535);
	send_bytes(t, 3000);
	expect_seg(t, &s);
	assert_int_equal(s.len, 1460);
	while (tx_count(t))
		expect_seg(t, &r);
	icmp_err_in(t, &s, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, 1000,
		    IP_US, s.th.seq);
	assert_int_equal(tstat(t, NET_STAT_TCP_PMTU_REDUCED), 1);
	expect_seg(t, &r);
	assert_int_equal(r.th.seq, s.th.seq);
	assert_int_equal(r.len, 960);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.mss, 960);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
}

/* RFC 5927 4.1: an error quoting a sequence number not in flight (a blind
 * guess, or long acknowledged) is ignored. */
static void test_established_needfrag_seq_not_in_flight_ignored(void **state)
{
	struct tfx *t = *state;
	struct tcp_conn_info ci;
	struct tseg s;

	tfx_passive_open(t, NULL, 65535);
	send_bytes(t, 1000);
	expect_seg(t, &s);
	icmp_err_in(t, &s, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, 600,
		    IP_US, s.th.seq + 5000);
	icmp_err_in(t, &s, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, 600,
		    IP_US, s.th.seq - 1);
	assert_int_equal(tstat(t, NET_STAT_DROP_ICMP_TCP_SEQ), 2);
	assert_int_equal(tstat(t, NET_STAT_TCP_PMTU_REDUCED), 0);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.mss, 1460);
	expect_nothing(t);
}

/* RFC 5927 7.2: a forged tiny MTU is floored at 576, and a router that
 * reports no MTU gets the RFC 1191 7 plateau below the datagram. */
static void test_established_needfrag_tiny_or_zero_mtu_bounded(void **state)
{
	struct tfx *t = *state;
	struct tcp_conn_info ci;
	struct tseg s, r;

	tfx_passive_open(t, NULL, 65535);
	send_bytes(t, 1460);
	expect_seg(t, &s);
	/* No MTU reported: 1500-byte datagram -> plateau 1492 -> MSS 1452. */
	icmp_err_in(t, &s, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, 0, IP_US,
		    s.th.seq);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.mss, 1452);
	expect_seg(t, &r);
	assert_int_equal(r.len, 1452);
	icmp_err_in(t, &s, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, 68, IP_US,
		    s.th.seq);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.mss, 536);
}

/* RFC 1122 4.2.3.9: port unreachable in SYN-SENT aborts the open with
 * ECONNREFUSED at once, instead of retrying for a minute. */
static void test_syn_sent_port_unreachable_aborts_refused(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	assert_int_equal(tcp_open(ns, ev_record, t, &t->pcb), 0);
	assert_int_equal(tcp_connect(ns, t->pcb, IP_PEER, PEER_PORT), 0);
	expect_flags(t, &s, TCP_SYN);
	icmp_err_in(t, &s, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, IP_US,
		    s.th.seq);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSED);
	assert_true(t->ev_bits & TCP_EV_ERROR);
	assert_int_equal(tcp_error(ns, t->pcb), -ECONNREFUSED);
	assert_int_equal(tstat(t, NET_STAT_TCP_ICMP_ABORT), 1);
	expect_nothing(t);
}

/* RFC 5927 5.2: in a synchronized state even a "hard" error is soft: the
 * connection lives on; if it then times out, the ICMP reason is reported
 * instead of ETIMEDOUT (RFC 1122 4.2.3.9). */
static void test_established_port_unreachable_soft_reported_at_timeout(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;
	int i;

	tfx_passive_open(t, NULL, 65535);
	assert_int_equal(tcp_setopt(ns, t->pcb, TCP_OPT_USER_TIMEOUT, 3000), 0);
	send_bytes(t, 100);
	expect_seg(t, &s);
	icmp_err_in(t, &s, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, IP_US,
		    s.th.seq);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	assert_int_equal(tstat(t, NET_STAT_TCP_ICMP_SOFT), 1);
	for (i = 0; i < 200 && tcp_state(t->pcb) != TCP_CLOSED; i++) {
		tick(t, 100);
		while (tx_count(t))
			expect_seg(t, &s);
	}
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSED);
	assert_int_equal(tcp_error(ns, t->pcb), -ECONNREFUSED);
}

/* RFC 5927 4.1: the quoted datagram must be one we sent (source is ours);
 * a quote too short to hold the TCP ports and sequence is dropped too. */
static void test_icmp_error_quote_not_ours_dropped(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_passive_open(t, NULL, 65535);
	send_bytes(t, 100);
	expect_seg(t, &s);
	icmp_err_in(t, &s, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, 600,
		    IP4(10, 0, 0, 9), s.th.seq);
	assert_int_equal(tstat(t, NET_STAT_DROP_ICMP_BAD_QUOTE), 1);
	assert_int_equal(tstat(t, NET_STAT_TCP_PMTU_REDUCED), 0);
	assert_int_equal(tstat(t, NET_STAT_ICMP_ERROR_IN), 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tfx_setup, tfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_established_needfrag_in_flight_mss_reduced_resent),
		T(test_established_needfrag_seq_not_in_flight_ignored),
		T(test_established_needfrag_tiny_or_zero_mtu_bounded),
		T(test_syn_sent_port_unreachable_aborts_refused),
		T(test_established_port_unreachable_soft_reported_at_timeout),
		T(test_icmp_error_quote_not_ours_dropped),
	};
#undef T
	return cmocka_run_group_tests_name("tcp_icmp", tests, NULL, NULL);
}
