/*
 * tcp_fuzz_test.c: random segments and random API calls against one
 * stack (deterministic seeds). Nothing may crash (ASan/UBSan watch), the
 * lock stays balanced, and after everything is closed and 2*MSL passed
 * every pcb, timer and buffer is gone (the teardown checks the heap).
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

#include "tcp_test_util.h"

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static uint32_t near(uint32_t *s, uint32_t base)
{
	switch (rnd(s) % 4) {
	case 0:
		return base;
	case 1:
		return base + rnd(s) % 20000;
	case 2:
		return base - rnd(s) % 20000;
	default:
		return rnd(s);
	}
}

/* Read what the stack sent: the peer learns how far our data goes. */
static void drain(struct tfx *t, uint32_t *hi)
{
	while (tx_count(t)) {
		struct pktbuf *p = capture_pop(&t->fx.cap);
		struct ip_hdr ih;
		struct tcp_hdr th;
		enum net_stat why;

		if (p->len > 14 && p->data[12] == 0x08 && p->data[13] == 0 &&
		    !ip_hdr_parse(p->data + 14, p->len - 14, &ih, &why) &&
		    ih.proto == IP_PROTO_TCP &&
		    !tcp_hdr_parse(p->data + 14 + ih.hdr_len,
				   ih.tot_len - ih.hdr_len, &th, &why) &&
		    th.dport == t->pport) {
			uint32_t end = th.seq + (ih.tot_len - ih.hdr_len -
						 th.hdr_len) +
				       ((th.flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);

			if (seq_gt(end, *hi))
				*hi = end;
		}
		pktbuf_free(p);
	}
}

/* A plausible segment from the peer: in or near the window, ACKing
 * some of what we sent; now and then a FIN, a RST or garbage. */
static void random_segment(struct tfx *t, uint32_t *s, uint32_t hi)
{
	uint8_t d[1400];
	struct tcp_hdr th;
	uint32_t len = rnd(s) % 3 ? rnd(s) % 1400 : 0, r = rnd(s) % 100;

	memset(&th, 0, sizeof(th));
	th.flags = TCP_ACK;
	th.seq = t->snd + (rnd(s) % 4 ? 0 : rnd(s) % 8000);
	th.ack = t->rcv + (seq_gt(hi, t->rcv) ? rnd(s) % (hi - t->rcv + 1) : 0);
	th.wnd = (uint16_t)(rnd(s) % 10 ? 4000 + rnd(s) % 60000 : 0);
	if (t->peer_ts) {
		th.has_ts = true;
		t->peer_tsval += rnd(s) % 3;
		th.tsval = t->peer_tsval - (rnd(s) % 20 ? 0 : 100);
		th.tsecr = t->our_tsval;
	}
	if (rnd(s) % 4 == 0) {
		th.nsack = (uint8_t)(1 + rnd(s) % 3);
		th.sack[0].start = t->rcv + rnd(s) % 20000;
		th.sack[0].end = th.sack[0].start + rnd(s) % 6000;
		th.sack[1].start = near(s, t->rcv);
		th.sack[1].end = th.sack[1].start + rnd(s) % 3000;
		th.sack[2].start = rnd(s);
		th.sack[2].end = rnd(s);
	}
	if (r < 3)
		th.flags |= TCP_FIN;
	else if (r < 4)
		th.flags = TCP_RST | (rnd(s) % 2 ? TCP_ACK : 0);
	else if (r < 6)
		th.flags = TCP_SYN | (rnd(s) % 2 ? TCP_ACK : 0);
	else if (r < 10) {
		th.flags = (uint8_t)rnd(s);
		th.seq = near(s, t->snd);
		th.ack = near(s, t->rcv);
		th.dport = (uint16_t)(rnd(s) % 2 ? US_PORT : rnd(s));
	}
	if (th.flags & TCP_RST && rnd(s) % 4)
		th.seq += 1 + rnd(s) % 100;	/* mostly challenge ACKs */
	if (len + TCP_HDR_LEN + tcp_hdr_opt_len(&th) > 1480)
		len = 1480 - TCP_HDR_LEN - (uint32_t)tcp_hdr_opt_len(&th);
	fill_pattern(d, len, rnd(s));
	seg_in_hdr(t, &th, d, len);
	if (th.seq == t->snd && (th.flags & (TCP_SYN | TCP_RST)) == 0 &&
	    (th.flags & TCP_ACK))
		t->snd += len + ((th.flags & TCP_FIN) ? 1 : 0);
	if ((th.flags & TCP_ACK) && !(th.flags & (TCP_RST | TCP_SYN)) &&
	    seq_gt(th.ack, t->rcv) && seq_leq(th.ack, hi))
		t->rcv = th.ack;
}

static void random_call(struct tfx *t, uint32_t *s, struct tcp_pcb **pcb)
{
	struct netstack *ns = t->fx.ns;
	uint8_t b[5000];

	switch (rnd(s) % 12) {
	case 0:
	case 1:
	case 2:
		tcp_send(ns, *pcb, b, rnd(s) % sizeof(b),
			 rnd(s) % 4 ? 0 : TCP_SEND_MORE);
		break;
	case 3:
	case 4:
	case 5:
		tcp_recv(ns, *pcb, b, rnd(s) % sizeof(b),
			 rnd(s) % 5 ? 0 : TCP_RECV_PEEK);
		break;
	case 6:
		if (rnd(s) % 10 == 0)
			tcp_shutdown(ns, *pcb, 1 + rnd(s) % 3);
		break;
	case 7:
		tcp_setopt(ns, *pcb, TCP_OPT_NODELAY, (int)(rnd(s) % 2));
		break;
	case 8:
		tcp_error(ns, *pcb);
		break;
	case 9:
		if (rnd(s) % 30 == 0) {
			tcp_close(ns, *pcb);
			*pcb = NULL;
		}
		break;
	case 10:
		if (rnd(s) % 60 == 0) {
			tcp_abort(ns, *pcb);
			*pcb = NULL;
		}
		break;
	default: {
		struct tcp_span sp[2];
		size_t n = tcp_recv_peek(ns, *pcb, sp);

		if (n)
			assert_int_equal(tcp_recv_ack(ns, *pcb, rnd(s) % (n + 1)), 0);
		break;
	}
	}
}

static void show(void *arg, const struct tcp_conn_info *ci)
{
	(void)arg;
	printf("left: %s port %u unacked %u sndq %u rcvq %u wnd %u\n",
	       tcp_state_name(ci->state), ci->remote_port, ci->unacked,
	       ci->sndq, ci->rcvq, ci->snd_wnd);
}

static void fuzz_one(struct tfx *t, uint32_t seed)
{
	struct netstack *ns = t->fx.ns;
	struct tcp_pcb *pcb = NULL;
	uint32_t s = seed, hi = 0;
	unsigned conns = 0;
	int i;

	for (i = 0; i < 6000; i++) {
		if (!pcb || tcp_state(pcb) == TCP_CLOSED) {
			if (pcb)
				tcp_close(ns, pcb);
			t->pport = (uint16_t)(PEER_PORT + conns++);
			t->peer_iss = rnd(&s);
			struct tcp_hdr o = {.has_mss = true,
					    .mss = (uint16_t)(500 + rnd(&s) % 1000),
					    .has_ws = rnd(&s) % 2, .ws = (uint8_t)(rnd(&s) % 8),
					    .sack_perm = rnd(&s) % 2,
					    .has_ts = rnd(&s) % 2, .tsval = rnd(&s)};
			tfx_passive_open(t, &o, 30000);
			pcb = t->pcb;
			t->pcb = NULL;
			hi = t->rcv;
		}
		random_segment(t, &s, hi);
		drain(t, &hi);
		if (pcb)
			random_call(t, &s, &pcb);
		drain(t, &hi);
		if (rnd(&s) % 8 == 0) {
			tick(t, rnd(&s) % 300);
			drain(t, &hi);
		}
		if (rnd(&s) % 200 == 0)
			fixture_learn_peer(&t->fx);
		assert_int_equal(t->fx.fe.lock_depth, 0);
	}
	if (pcb)
		tcp_close(ns, pcb);
	tcp_close(ns, t->lis);
	t->lis = NULL;
	/* Orphans finish: FIN-WAIT-2 timeout, TIME-WAIT, retries. */
	for (i = 0; i < 400; i++) {
		tick(t, 1000);
		capture_purge(&t->fx.cap);
	}
	assert_true(conns >= 2);
	if (tcp_pcb_count(ns))
		tcp_foreach(ns, show, NULL);	/* say what leaked */
	assert_int_equal(tcp_pcb_count(ns), 0);
	assert_int_equal(net_pkt_in_use(ns), 0);
}

static void test_fuzz_random_segments_and_calls(void **state)
{
	fuzz_one(*state, 0x1234567u);
}

static void test_fuzz_random_segments_and_calls_seed2(void **state)
{
	fuzz_one(*state, 0xdeadbeefu);
}

static void test_fuzz_random_segments_and_calls_seed3(void **state)
{
	fuzz_one(*state, 42u);
}

static void short_timers(struct netstack_params *p)
{
	p->tcp_max_retries = 4;
	p->tcp_fin_wait2_ms = 10000;
	p->tcp_msl_ms = 5000;
	p->tcp_syn_backlog = 4;
}

static int setup_short(void **state)
{
	return tfx_setup_with(state, short_timers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fuzz_random_segments_and_calls, setup_short, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_fuzz_random_segments_and_calls_seed2, setup_short, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_fuzz_random_segments_and_calls_seed3, setup_short, tfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
