/*
 * tcp_icmp_test.c: ICMP errors about TCP segments (net/tcp_icmp.c):
 * RFC 5927 validation, RFC 1122 4.2.3.9 hard/soft errors, RFC 1191 path
 * MTU discovery. The errors are handed to tcp_icmp_error() as icmp.c
 * would, quoting a segment the stack really sent.
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
#include "../../../net/netstack_priv.h"
#include "../../../net/tcp_priv.h"
#include "../../../net/byteorder.h"

struct quoted {
	uint8_t b[128];
	size_t len;
};

/* Pop the next frame and keep its IP datagram (as an ICMP error quotes
 * it: header plus at least 8 bytes). */
static void grab(struct tfx *t, struct quoted *q)
{
	struct pktbuf *p = expect_tx(&t->fx, 0x0800);

	q->len = p->len - 14 < sizeof(q->b) ? p->len - 14 : sizeof(q->b);
	memcpy(q->b, p->data + 14, q->len);
	pktbuf_free(p);
}

static void icmp_err(struct tfx *t, uint8_t type, uint8_t code,
		     uint16_t mtu, const struct quoted *q)
{
	tcp_icmp_error(t->fx.ns, type, code, mtu, q->b, q->len);
}

/* RFC 1122 4.2.3.9 / RFC 5927: port unreachable for our SYN refuses the
 * connect at once. */
static void test_syn_sent_icmp_port_unreachable_refused(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct quoted q;

	assert_int_equal(tcp_open(ns, ev_record, t, &t->pcb), 0);
	assert_int_equal(tcp_connect(ns, t->pcb, IP_PEER, PEER_PORT), 0);
	grab(t, &q);
	icmp_err(t, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, &q);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSED);
	assert_true(t->ev_bits & TCP_EV_ERROR);
	assert_int_equal(tcp_error(ns, t->pcb), -ECONNREFUSED);
	tcp_close(ns, t->pcb);
}

/* RFC 5927 4.1: an error quoting a sequence number outside SND.UNA ..
 * SND.MAX, or a connection we do not have, is ignored. */
static void test_syn_sent_icmp_wrong_seq_ignored(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct quoted q;
	uint32_t seq;

	assert_int_equal(tcp_open(ns, ev_record, t, &t->pcb), 0);
	assert_int_equal(tcp_connect(ns, t->pcb, IP_PEER, PEER_PORT), 0);
	grab(t, &q);
	seq = get_be32(q.b + 20 + 4);
	put_be32(q.b + 20 + 4, seq + 12345);
	icmp_err(t, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, &q);
	put_be32(q.b + 20 + 4, seq);
	put_be16(q.b + 20 + 2, PEER_PORT + 1);	/* another 4-tuple */
	icmp_err(t, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, &q);
	assert_int_equal(tcp_state(t->pcb), TCP_SYN_SENT);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_ICMP_INVALID), 2);
	tcp_close(ns, t->pcb);
}

/* RFC 1191 6.3 / 6.5: fragmentation needed lowers the MSS to the
 * next-hop MTU less 40 and the data goes again at once in smaller
 * segments, congestion window untouched. */
static void test_established_frag_needed_lowers_mss_resends(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_conn_info ci;
	uint8_t d[2000];
	struct quoted q;
	struct tseg s;
	uint32_t cwnd;

	tfx_passive_open(t, NULL, 60000);
	fill_pattern(d, sizeof(d), 0);
	assert_int_equal(tcp_send(ns, t->pcb, d, sizeof(d), 0), 2000);
	grab(t, &q);
	expect_seg(t, &s);
	tcp_info(ns, t->pcb, &ci);
	cwnd = ci.cwnd;
	icmp_err(t, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, 1000, &q);
	tcp_info(ns, t->pcb, &ci);
	assert_int_equal(ci.mss, 960);
	assert_int_equal(ci.cwnd, cwnd);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, t->rcv);
	assert_int_equal(s.len, 960);
	assert_true(s.ip.tot_len <= 1000);
	expect_seg(t, &s);
	assert_int_equal(s.len, 960);
	expect_seg(t, &s);
	assert_int_equal(s.len, 80);
	assert_int_equal(tstat(t, NET_STAT_TCP_PMTU_REDUCED), 1);
	/* RFC 5927 7.2: an absurdly small MTU is not believed below 512. */
	icmp_err(t, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, 100, &q);
	tcp_info(ns, t->pcb, &ci);
	assert_int_equal(ci.mss, 512);
	capture_purge(&t->fx.cap);
	tcp_abort(ns, t->pcb);
	tcp_close(ns, t->lis);
}

/* RFC 1191 7: without a next-hop MTU, the next plateau below the
 * datagram's length. */
static void test_established_frag_needed_no_mtu_uses_plateau(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_conn_info ci;
	uint8_t d[1460];
	struct quoted q;

	tfx_passive_open(t, NULL, 60000);
	assert_int_equal(tcp_send(ns, t->pcb, d, sizeof(d), 0), 1460);
	grab(t, &q);
	icmp_err(t, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, 0, &q);
	tcp_info(ns, t->pcb, &ci);
	assert_int_equal(ci.mss, 1492 - 40);
	capture_purge(&t->fx.cap);
	tcp_abort(ns, t->pcb);
	tcp_close(ns, t->lis);
}

/* RFC 1122 4.2.3.9 / RFC 5927 4.2: on a synchronized connection host
 * unreachable is soft: nothing changes, but a later timeout reports it. */
static void few(struct netstack_params *p)
{
	p->tcp_max_retries = 2;
}

static int setup_few(void **state)
{
	return tfx_setup_with(state, few);
}

static void test_established_host_unreachable_soft_reported_on_timeout(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct quoted q;

	tfx_passive_open(t, NULL, 8000);
	assert_int_equal(tcp_send(ns, t->pcb, "x", 1, 0), 1);
	grab(t, &q);
	icmp_err(t, ICMP_DEST_UNREACH, ICMP_UNREACH_HOST, 0, &q);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	assert_false(tcp_events(t->pcb) & TCP_EV_ERROR);
	tick(t, 200);
	tick(t, 400);
	tick(t, 800);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSED);
	assert_int_equal(tcp_error(ns, t->pcb), -EHOSTUNREACH);
	capture_purge(&t->fx.cap);
	tcp_close(ns, t->pcb);
	tcp_close(ns, t->lis);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syn_sent_icmp_port_unreachable_refused, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_sent_icmp_wrong_seq_ignored, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_frag_needed_lowers_mss_resends, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_frag_needed_no_mtu_uses_plateau, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_host_unreachable_soft_reported_on_timeout, setup_few, tfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
