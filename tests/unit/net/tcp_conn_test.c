/*
 * tcp_conn_test.c: the TCP state machine (net/tcp_in.c, tcp_usr.c,
 * tcp_pcb.c): opening, closing, resets and the RFC 5961 / RFC 7323
 * hardening, grouped by state, one RFC rule per test.
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

static void params_small_retries(struct netstack_params *p)
{
	p->tcp_syn_retries = 2;
	p->tcp_msl_ms = 1000;
}

static int setup_retries(void **state)
{
	return tfx_setup_with(state, params_small_retries);
}

/* ---- CLOSED ---- */

/* RFC 9293 3.10.7.1: a SYN to a closed port gets <SEQ=0><ACK=SEG.SEQ+
 * SEG.LEN><CTL=RST,ACK>, not ICMP. */
static void test_closed_syn_answered_rst_ack(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	seg_in(t, TCP_SYN, 777, 0, 1000, NULL, 0);
	expect_flags(t, &s, TCP_RST | TCP_ACK);
	assert_int_equal(s.th.seq, 0);
	assert_int_equal(s.th.ack, 778);
	assert_int_equal(s.th.sport, US_PORT);
	assert_int_equal(s.th.dport, PEER_PORT);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_NO_PCB), 1);
	assert_int_equal(tstat(t, NET_STAT_TCP_RST_OUT), 1);
	assert_int_equal(tstat(t, NET_STAT_ICMP_ERROR_OUT), 0);
}

/* RFC 9293 3.10.7.1: with ACK set the reset is <SEQ=SEG.ACK><CTL=RST>. */
static void test_closed_ack_answered_rst_seq_ack(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	seg_in(t, TCP_ACK, 5, 4242, 1000, "x", 1);
	expect_flags(t, &s, TCP_RST);
	assert_int_equal(s.th.seq, 4242);
}

/* RFC 9293 3.10.7.1: "An incoming segment containing a RST is
 * discarded." */
static void test_closed_rst_not_answered(void **state)
{
	struct tfx *t = *state;

	seg_in(t, TCP_RST | TCP_ACK, 5, 6, 0, NULL, 0);
	expect_nothing(t);
}

/* RFC 9293 3.1: a bad checksum is dropped and counted, not answered. */
static void test_closed_bad_checksum_dropped(void **state)
{
	struct tfx *t = *state;
	uint8_t f[128];
	size_t n = tb_eth(f, MAC_US, MAC_PEER, 0x0800);

	n += tb_ipv4(f + n, IP_PEER, IP_US, IP_PROTO_TCP, 1, 0, 64, 20);
	memset(f + n, 0, 20);
	f[n + 12] = 5 << 4;
	f[n + 13] = TCP_SYN;
	f[n + 16] = 0x12;	/* wrong checksum */
	inject(&t->fx, f, n + 20);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_CHECKSUM), 1);
}

/* ---- LISTEN ---- */

/* RFC 9293 3.10.7.2, RFC 7323 1.3, RFC 2018 2: the SYN-ACK answers the
 * options offered, with an unscaled window. */
static void test_listen_syn_synack_mirrors_options(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr th;
	struct tseg s;

	tfx_listen(t);
	memset(&th, 0, sizeof(th));
	th.flags = TCP_SYN;
	th.seq = 100;
	th.wnd = 29200;
	th.has_mss = true;
	th.mss = 1400;
	th.has_ws = true;
	th.ws = 7;
	th.sack_perm = true;
	th.has_ts = true;
	th.tsval = 99;
	seg_in_hdr(t, &th, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_int_equal(s.th.ack, 101);
	assert_true(s.th.has_mss);
	assert_int_equal(s.th.mss, 1460);
	assert_true(s.th.has_ws);
	assert_true(s.th.sack_perm);
	assert_true(s.th.has_ts);
	assert_int_equal(s.th.tsecr, 99);
	assert_int_equal(s.th.wnd, 16384);	/* the ring, unscaled */
	assert_int_equal(tcp_pcb_count(t->fx.ns), 2);
	/* Without options offered, none come back. */
	memset(&th, 0, sizeof(th));
	th.flags = TCP_SYN;
	th.sport = PEER_PORT + 1;
	th.seq = 100;
	th.wnd = 1000;
	seg_in_hdr(t, &th, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_true(s.th.has_mss);
	assert_false(s.th.has_ws || s.th.sack_perm || s.th.has_ts);
	tcp_close(t->fx.ns, t->lis);
	assert_int_equal(tcp_pcb_count(t->fx.ns), 0);
}

/* RFC 9293 3.10.7.2: an ACK to a listener is answered <SEQ=SEG.ACK>
 * <CTL=RST>; a RST is ignored. */
static void test_listen_ack_answered_rst(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_listen(t);
	seg_in(t, TCP_ACK, 10, 555, 1000, NULL, 0);
	expect_flags(t, &s, TCP_RST);
	assert_int_equal(s.th.seq, 555);
	seg_in(t, TCP_RST, 10, 0, 0, NULL, 0);
	expect_nothing(t);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 9293 3.10.7.2: every segment a listener gets is accounted for: a
 * RST is ignored but counted, a SYN that makes a SYN-RECEIVED child is
 * counted, so forged floods show up in the stack's counters. */
static void test_listen_rst_and_syn_counted(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_listen(t);
	seg_in(t, TCP_RST, 10, 0, 0, NULL, 0);
	seg_in(t, TCP_RST | TCP_ACK, 10, 5, 1000, NULL, 0);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_LISTEN_RST), 2);
	assert_int_equal(tstat(t, NET_STAT_TCP_SYN_RECEIVED), 0);
	seg_in(t, TCP_SYN, 10, 0, 1000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_int_equal(tstat(t, NET_STAT_TCP_SYN_RECEIVED), 1);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 9293 3.10.7.2 does not require taking a SYN with FIN to a listener
 * (it would open and half-close at once); no stack sends one, scanners do
 * (it slips past filters that match a bare SYN). Deviation, as Linux (and
 * FreeBSD's drop_synfin): dropped and counted, nothing sent, no child; a
 * plain SYN still opens. */
static void test_listen_syn_fin_dropped_counted(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_listen(t);
	seg_in(t, TCP_SYN | TCP_FIN, 100, 0, 1000, NULL, 0);
	seg_in(t, TCP_SYN | TCP_FIN | TCP_PSH | TCP_URG, 200, 0, 1000, "x", 1);
	expect_nothing(t);
	assert_int_equal(tcp_pcb_count(t->fx.ns), 1);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_SYN_FIN), 2);
	assert_int_equal(tstat(t, NET_STAT_TCP_SYN_RECEIVED), 0);
	seg_in(t, TCP_SYN, 300, 0, 1000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_int_equal(s.th.ack, 301);
	assert_int_equal(tstat(t, NET_STAT_TCP_SYN_RECEIVED), 1);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 9293 3.10.7.4 / 3.3.2: the third segment completes a passive open;
 * the listener reports ACCEPT and the connection ESTABLISHED. */
static void test_listen_handshake_accepted(void **state)
{
	struct tfx *t = *state;
	struct tcp_conn_info ci;

	tfx_passive_open(t, NULL, 8192);
	assert_int_equal(net_stat_get(t->fx.ns, NET_STAT_TCP_PASSIVE_OPEN), 1);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.mss, 1460);
	assert_int_equal(ci.snd_wnd, 8192);
	assert_int_equal(ci.remote_port, PEER_PORT);
	assert_int_equal(ci.remote_addr, IP_PEER);
	assert_int_equal(tcp_accept(t->fx.ns, t->lis, NULL, NULL, &t->pcb),
			 -EAGAIN);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 4987 3.6: SYNs beyond the SYN backlog are answered with a SYN
 * cookie and no state; the ACK carrying the cookie makes a connection
 * (MSS from the cookie's table, no window scaling), a forged one a RST. */
static void listen_small_backlog(struct netstack_params *p)
{
	p->tcp_syn_backlog = 2;
}

static int setup_small_backlog(void **state)
{
	return tfx_setup_with(state, listen_small_backlog);
}

static void test_listen_syn_queue_full_cookie_completes(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_hdr th;
	struct tcp_conn_info ci;
	struct tcp_pcb *c;
	struct tseg s;
	uint32_t cookie;
	char b[8];
	int i;

	tfx_listen(t);
	for (i = 0; i < 3; i++) {
		memset(&th, 0, sizeof(th));
		th.flags = TCP_SYN;
		th.sport = (uint16_t)(PEER_PORT + i);
		th.seq = 100;
		th.wnd = 1000;
		th.has_mss = true;
		th.mss = 1400;
		th.has_ws = true;
		th.ws = 5;
		seg_in_hdr(t, &th, NULL, 0);
	}
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_true(s.th.has_mss);
	assert_false(s.th.has_ws);	/* a cookie remembers no scaling */
	cookie = s.th.seq;
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_TCP_SYN_COOKIE_SENT), 1);
	assert_int_equal(tcp_pcb_count(ns), 3);	/* no state for it */
	/* A forged cookie: reset, nothing created. */
	seg_in_hdr(t, &(struct tcp_hdr){.sport = PEER_PORT + 2,
			.flags = TCP_ACK, .seq = 101, .ack = cookie + 2,
			.wnd = 1000}, NULL, 0);
	expect_flags(t, &s, TCP_RST);
	assert_int_equal(tcp_pcb_count(ns), 3);
	/* The real one, with data. */
	seg_in_hdr(t, &(struct tcp_hdr){.sport = PEER_PORT + 2,
			.flags = TCP_ACK | TCP_PSH, .seq = 101,
			.ack = cookie + 1, .wnd = 1000}, "hey", 3);
	assert_int_equal(tstat(t, NET_STAT_TCP_SYN_COOKIE_OK), 1);
	assert_int_equal(tcp_accept(ns, t->lis, NULL, NULL, &c), 0);
	assert_int_equal(tcp_state(c), TCP_ESTABLISHED);
	assert_int_equal(tcp_recv(ns, c, b, sizeof(b), 0), 3);
	assert_int_equal(tcp_info(ns, c, &ci), 0);
	assert_int_equal(ci.mss, 1400);
	assert_int_equal(ci.remote_port, PEER_PORT + 2);
	assert_int_equal(ci.snd_wnd, 1000);
	tcp_abort(ns, c);
	tcp_close(ns, t->lis);
	assert_int_equal(tcp_pcb_count(ns), 0);
}

/* The SYN+FIN drop (above) comes before the SYN queue: with it full, a
 * SYN+FIN gets no cookie either. */
static void test_listen_syn_queue_full_syn_fin_no_cookie(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_listen(t);
	seg_in_hdr(t, &(struct tcp_hdr){.sport = PEER_PORT, .flags = TCP_SYN,
			.seq = 100, .wnd = 1000}, NULL, 0);
	seg_in_hdr(t, &(struct tcp_hdr){.sport = PEER_PORT + 1,
			.flags = TCP_SYN, .seq = 100, .wnd = 1000}, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	seg_in_hdr(t, &(struct tcp_hdr){.sport = PEER_PORT + 2,
			.flags = TCP_SYN | TCP_FIN, .seq = 100, .wnd = 1000},
		   NULL, 0);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_SYN_FIN), 1);
	assert_int_equal(tstat(t, NET_STAT_TCP_SYN_COOKIE_SENT), 0);
	assert_int_equal(tcp_pcb_count(t->fx.ns), 3);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 4987 3.6 with the accept queue full: the ACK bearing a valid cookie
 * is dropped and counted, not answered with a RST (as a SYN-RECEIVED
 * child's ACK is ignored then, and as Linux does): the peer thinks it is
 * connected, and its retransmission (here with its request) makes the
 * connection once the application has accepted. */
static uint32_t syn_from(struct tfx *t, uint16_t sport, uint32_t seq);

static void test_listen_cookie_ack_accept_queue_full_dropped_then_taken(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_pcb *c;
	struct tseg s;
	uint32_t iss, cookie;
	char b[8];

	tfx_listen(t);
	assert_int_equal(tcp_listen(ns, t->lis, 1), 0);
	iss = syn_from(t, 41001, 100);
	syn_from(t, 41002, 100);
	cookie = syn_from(t, 41003, 700);	/* the SYN queue (2) is full */
	assert_int_equal(tstat(t, NET_STAT_TCP_SYN_COOKIE_SENT), 1);
	/* 41001 completes: the accept queue (1) is full. */
	seg_in_hdr(t, &(struct tcp_hdr){.sport = 41001, .flags = TCP_ACK, .seq = 101, .ack = iss + 1,
			.wnd = 1000}, NULL, 0);
	expect_nothing(t);
	seg_in_hdr(t, &(struct tcp_hdr){.sport = 41003, .flags = TCP_ACK | TCP_PSH, .seq = 701,
			.ack = cookie + 1, .wnd = 1000}, "hey", 3);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_LISTEN_OVERFLOW), 2);	/* the SYN, the ACK */
	assert_int_equal(tstat(t, NET_STAT_TCP_SYN_COOKIE_OK), 0);
	assert_int_equal(tcp_pcb_count(ns), 3);	/* the listener, 41001, 41002 */
	assert_int_equal(tcp_accept(ns, t->lis, NULL, NULL, &c), 0);
	tcp_abort(ns, c);
	expect_flags(t, &s, TCP_RST | TCP_ACK);
	seg_in_hdr(t, &(struct tcp_hdr){.sport = 41003, .flags = TCP_ACK | TCP_PSH, .seq = 701,
			.ack = cookie + 1, .wnd = 1000}, "hey", 3);
	assert_int_equal(tstat(t, NET_STAT_TCP_SYN_COOKIE_OK), 1);
	assert_int_equal(tcp_accept(ns, t->lis, NULL, NULL, &c), 0);
	assert_int_equal(tcp_recv(ns, c, b, sizeof(b), 0), 3);
	tcp_abort(ns, c);
	tcp_close(ns, t->lis);
	assert_int_equal(tcp_pcb_count(ns), 0);
}

/* Cookies off (tcp_syncookies = 2): SYNs beyond the queue are dropped. */
static void no_cookies(struct netstack_params *p)
{
	p->tcp_syn_backlog = 1;
	p->tcp_syncookies = 2;
}

static int setup_no_cookies(void **state)
{
	return tfx_setup_with(state, no_cookies);
}

static void test_listen_syn_queue_full_no_cookies_dropped(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_listen(t);
	seg_in(t, TCP_SYN, 100, 0, 1000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	seg_in_hdr(t, &(struct tcp_hdr){.sport = PEER_PORT + 1,
			.flags = TCP_SYN, .seq = 5, .wnd = 1000}, NULL, 0);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_LISTEN_OVERFLOW), 1);
	tcp_close(t->fx.ns, t->lis);
}

/* A SYN from the peer at sport, answered by a SYN-ACK; returns our ISN. */
static uint32_t syn_from(struct tfx *t, uint16_t sport, uint32_t seq)
{
	struct tcp_hdr th;
	struct tseg s;

	memset(&th, 0, sizeof(th));
	th.sport = sport;
	th.flags = TCP_SYN;
	th.seq = seq;
	th.wnd = 8000;
	th.has_mss = true;
	th.mss = 1460;
	seg_in_hdr(t, &th, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	return s.th.seq;
}

/* RFC 9293 3.10.7.4 (a failed passive child returns to LISTEN) / RFC
 * 4987 3: a child that dies in SYN-RECEIVED (here: no memory for its
 * rings at the handshake's ACK) gives its SYN-queue slot back, else the
 * listener, backlog 1 and no cookies, would be deaf for good. */
static void test_syn_received_nomem_frees_syn_queue_slot(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr th;
	struct tseg s;
	uint32_t iss;

	tfx_listen(t);
	iss = syn_from(t, 40001, 5000);
	t->fx.fe.fail_after = 1;	/* the next allocation: the rcv ring */
	memset(&th, 0, sizeof(th));
	th.sport = 40001;
	th.flags = TCP_ACK;
	th.seq = 5001;
	th.ack = iss + 1;
	th.wnd = 8000;
	seg_in_hdr(t, &th, NULL, 0);
	t->fx.fe.fail_after = 0;
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_NOMEM), 1);
	expect_flags(t, &s, TCP_RST | TCP_ACK);
	expect_nothing(t);
	assert_int_equal(tcp_pcb_count(t->fx.ns), 1);	/* the listener */
	/* The slot is free again: a new SYN makes a child. */
	syn_from(t, 40002, 9000);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_LISTEN_OVERFLOW), 0);
	assert_int_equal(tcp_pcb_count(t->fx.ns), 2);
	tcp_close(t->fx.ns, t->lis);
}

/* ---- SYN-RECEIVED ---- */

/* RFC 9293 3.10.7.4 / RFC 5961 3.2: a RST at RCV.NXT in SYN-RECEIVED from
 * a passive open returns to LISTEN: the child vanishes. */
static void test_syn_received_rst_back_to_listen(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_listen(t);
	seg_in(t, TCP_SYN, 100, 0, 1000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_int_equal(tcp_pcb_count(t->fx.ns), 2);
	seg_in(t, TCP_RST, 101, 0, 0, NULL, 0);
	expect_nothing(t);
	assert_int_equal(tcp_pcb_count(t->fx.ns), 1);
	assert_false(tcp_events(t->lis) & TCP_EV_ACCEPT);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 9293 3.10.7.4: in SYN-RECEIVED an ACK that does not acknowledge
 * our SYN draws <SEQ=SEG.ACK><CTL=RST>. */
static void test_syn_received_bad_ack_reset(void **state)
{
	struct tfx *t = *state;
	struct tseg s;
	uint32_t iss;

	tfx_listen(t);
	seg_in(t, TCP_SYN, 100, 0, 1000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	iss = s.th.seq;
	seg_in(t, TCP_ACK, 101, iss, 1000, NULL, 0);
	expect_flags(t, &s, TCP_RST);
	assert_int_equal(s.th.seq, iss);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 9293 3.10.7.4: the peer's retransmitted SYN (our SYN-ACK was
 * lost) draws the SYN-ACK again at once, same ISN. */
static void test_syn_received_dup_syn_synack_again(void **state)
{
	struct tfx *t = *state;
	struct tseg s;
	uint32_t iss;

	tfx_listen(t);
	seg_in(t, TCP_SYN, 100, 0, 1000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	iss = s.th.seq;
	seg_in(t, TCP_SYN, 100, 0, 1000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_int_equal(s.th.seq, iss);
	assert_int_equal(s.th.ack, 101);
	assert_int_equal(tcp_pcb_count(t->fx.ns), 2);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 9293 3.8.1 / RFC 6298 5.5: the SYN-ACK is retransmitted with
 * backoff; after the retries the half-open child is dropped. */
static void test_syn_received_synack_retransmitted_then_dropped(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_listen(t);
	seg_in(t, TCP_SYN, 100, 0, 1000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	tick(t, 999);
	expect_nothing(t);
	tick(t, 1);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	tick(t, 1999);
	expect_nothing(t);
	tick(t, 1);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	tick(t, 4000);
	expect_nothing(t);
	assert_int_equal(tcp_pcb_count(t->fx.ns), 1);
	tcp_close(t->fx.ns, t->lis);
}

/* ---- SYN-SENT ---- */

/* RFC 9293 3.10.7.3: SYN-ACK acknowledging our SYN: ESTABLISHED and an
 * ACK; RFC 6056: an unbound connect gets an ephemeral port. */
static void test_syn_sent_synack_established(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_pcb *pcb;
	struct tseg s;
	uint16_t port;

	assert_int_equal(tcp_open(ns, ev_record, t, &pcb), 0);
	assert_int_equal(tcp_connect(ns, pcb, IP_PEER, 80), 0);
	assert_int_equal(tcp_state(pcb), TCP_SYN_SENT);
	expect_flags(t, &s, TCP_SYN);
	assert_true(s.th.has_mss && s.th.has_ws && s.th.sack_perm &&
		    s.th.has_ts);
	assert_int_equal(s.th.mss, 1460);
	assert_int_equal(tcp_local(ns, pcb, NULL, &port), 0);
	assert_true(port >= 49152);
	assert_int_equal(s.th.sport, port);
	tcp_abort(ns, pcb);
	expect_nothing(t);	/* no RST from SYN-SENT */
	tfx_active_open(t, NULL, 5000);
	assert_int_equal(net_stat_get(ns, NET_STAT_TCP_ACTIVE_OPEN), 2);
	tcp_abort(ns, t->pcb);
	expect_flags(t, &s, TCP_RST | TCP_ACK);
}

/* RFC 9293 3.10.7.3 / RFC 5961 3.2: in SYN-SENT a RST whose ACK does not
 * acknowledge our SYN is dropped; the attempt goes on. */
static void test_syn_sent_rst_bad_ack_dropped(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	assert_int_equal(tcp_open(ns, ev_record, t, &t->pcb), 0);
	assert_int_equal(tcp_bind(ns, t->pcb, 0, US_PORT), 0);
	assert_int_equal(tcp_connect(ns, t->pcb, IP_PEER, PEER_PORT), 0);
	expect_flags(t, &s, TCP_SYN);
	seg_in(t, TCP_RST | TCP_ACK, 0, s.th.seq + 5, 0, NULL, 0);
	expect_nothing(t);
	seg_in(t, TCP_RST, 0, 0, 0, NULL, 0);
	expect_nothing(t);
	assert_int_equal(tcp_state(t->pcb), TCP_SYN_SENT);
	/* The right one refuses the connection. */
	seg_in(t, TCP_RST | TCP_ACK, 0, s.th.seq + 1, 0, NULL, 0);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSED);
	assert_true(t->ev_bits & TCP_EV_ERROR);
	assert_int_equal(tcp_error(ns, t->pcb), -ECONNREFUSED);
	/* One attempt per pcb. */
	assert_int_equal(tcp_connect(ns, t->pcb, IP_PEER, PEER_PORT), -EINVAL);
	tcp_close(ns, t->pcb);
	assert_int_equal(tcp_pcb_count(ns), 0);
}

/* RFC 9293 3.10.7.3: an ACK outside ISS < SEG.ACK <= SND.NXT draws
 * <SEQ=SEG.ACK><CTL=RST>. */
static void test_syn_sent_bad_ack_answered_rst(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	assert_int_equal(tcp_open(ns, ev_record, t, &t->pcb), 0);
	assert_int_equal(tcp_connect(ns, t->pcb, IP_PEER, PEER_PORT), 0);
	expect_flags(t, &s, TCP_SYN);
	seg_in_hdr(t, &(struct tcp_hdr){.dport = s.th.sport,
			.flags = TCP_SYN | TCP_ACK, .seq = 9,
			.ack = s.th.seq + 2, .wnd = 100}, NULL, 0);
	expect_flags(t, &s, TCP_RST);
	assert_int_equal(tcp_state(t->pcb), TCP_SYN_SENT);
	tcp_close(ns, t->pcb);
}

/* RFC 9293 3.10.7.3 fifth: in SYN-SENT a SYN without ACK moves to
 * SYN-RECEIVED and is answered at once with SYN,ACK; RFC 9293 3.5 figure
 * 8 line 6: the peer's SYN,ACK (its SYN again, acknowledging ours) then
 * moves to ESTABLISHED with nothing more to send. A Linux peer goes
 * ESTABLISHED on our SYN,ACK and sends nothing else, so answering its
 * SYN,ACK with a challenge ACK left us in SYN-RECEIVED until our RTO. */
static void test_syn_sent_syn_simultaneous_open(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;
	uint32_t iss;

	assert_int_equal(tcp_open(ns, ev_record, t, &t->pcb), 0);
	assert_int_equal(tcp_bind(ns, t->pcb, 0, US_PORT), 0);
	assert_int_equal(tcp_connect(ns, t->pcb, IP_PEER, PEER_PORT), 0);
	expect_flags(t, &s, TCP_SYN);
	iss = s.th.seq;
	seg_in(t, TCP_SYN, 300, 0, 4000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_int_equal(s.th.seq, iss);
	assert_int_equal(s.th.ack, 301);
	assert_int_equal(tcp_state(t->pcb), TCP_SYN_RECEIVED);
	seg_in(t, TCP_SYN | TCP_ACK, 300, iss + 1, 4000, NULL, 0);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	assert_true(t->ev_bits & TCP_EV_CONNECTED);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_TCP_CHALLENGE_ACK), 0);
	/* Data flows both ways from the right sequence numbers. */
	seg_in(t, TCP_ACK | TCP_PSH, 301, iss + 1, 4000, "hi", 2);
	tick(t, 500);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, 303);
	assert_int_equal(tcp_send(ns, t->pcb, "yo", 2, 0), 2);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, iss + 1);
	assert_int_equal(s.len, 2);
	tcp_abort(ns, t->pcb);
}

/* RFC 6298 5.7: "If the timer expires awaiting the ACK of a SYN segment
 * and the TCP implementation is using an RTO less than 3 seconds, the RTO
 * MUST be re-initialized to 3 seconds when data transmission begins". */
static void test_syn_sent_syn_lost_rto_3s_after_handshake(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_conn_info ci;
	struct tcp_hdr th;
	struct tseg s;

	assert_int_equal(tcp_open(ns, ev_record, t, &t->pcb), 0);
	assert_int_equal(tcp_bind(ns, t->pcb, 0, US_PORT), 0);
	assert_int_equal(tcp_connect(ns, t->pcb, IP_PEER, PEER_PORT), 0);
	expect_flags(t, &s, TCP_SYN);
	tick(t, 1000);
	expect_flags(t, &s, TCP_SYN);	/* the first was lost */
	memset(&th, 0, sizeof(th));
	th.flags = TCP_SYN | TCP_ACK;
	th.seq = t->peer_iss;
	th.ack = s.th.seq + 1;
	th.wnd = 8000;
	th.has_mss = true;
	th.mss = 1460;
	seg_in_hdr(t, &th, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	assert_int_equal(tcp_info(ns, t->pcb, &ci), 0);
	assert_int_equal(ci.rto_ms, 3000);
	/* The first data segment is retransmitted after 3 s, not 1 s. */
	assert_int_equal(tcp_send(ns, t->pcb, "x", 1, 0), 1);
	expect_seg(t, &s);
	tick(t, 2999);
	expect_nothing(t);
	tick(t, 1);
	expect_seg(t, &s);
	assert_int_equal(s.len, 1);
	tcp_abort(ns, t->pcb);
}

/* RFC 6298 5.7, passive side: our SYN-ACK timed out once. */
static void test_syn_received_synack_lost_rto_3s_after_handshake(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_conn_info ci;
	struct tcp_pcb *c;
	struct tseg s;
	uint32_t iss;

	tfx_listen(t);
	seg_in(t, TCP_SYN, 100, 0, 8000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	iss = s.th.seq;
	tick(t, 1000);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	seg_in(t, TCP_ACK, 101, iss + 1, 8000, NULL, 0);
	assert_int_equal(tcp_accept(ns, t->lis, NULL, NULL, &c), 0);
	assert_int_equal(tcp_info(ns, c, &ci), 0);
	assert_int_equal(ci.rto_ms, 3000);
	tcp_abort(ns, c);
	tcp_close(ns, t->lis);
}

/* RFC 6298 5.5 / RFC 9293 3.8.1: SYN retransmitted at 1 s, 2 s...; then
 * ETIMEDOUT. */
static void test_syn_sent_no_answer_backoff_then_etimedout(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	assert_int_equal(tcp_open(ns, ev_record, t, &t->pcb), 0);
	assert_int_equal(tcp_connect(ns, t->pcb, IP_PEER, PEER_PORT), 0);
	expect_flags(t, &s, TCP_SYN);
	tick(t, 1000);
	expect_flags(t, &s, TCP_SYN);
	tick(t, 1999);
	expect_nothing(t);
	tick(t, 1);
	expect_flags(t, &s, TCP_SYN);
	tick(t, 4000);
	expect_nothing(t);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSED);
	assert_int_equal(tcp_error(ns, t->pcb), -ETIMEDOUT);
	tcp_close(ns, t->pcb);
}

/* ---- ESTABLISHED: resets and RFC 5961 ---- */

/* RFC 5961 3.2: a RST exactly at RCV.NXT resets the connection. */
static void test_established_rst_exact_seq_resets(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	char b[4];

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_RST, t->snd, 0, 0, NULL, 0);
	expect_nothing(t);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSED);
	assert_true(t->ev_bits & TCP_EV_CLOSED);
	/* A peek reports the error without taking it. */
	assert_int_equal(tcp_recv(ns, t->pcb, b, 4, TCP_RECV_PEEK),
			 -ECONNRESET);
	assert_int_equal(tcp_recv(ns, t->pcb, b, 4, 0), -ECONNRESET);
	assert_int_equal(tcp_recv(ns, t->pcb, b, 4, 0), 0);
	assert_int_equal(tcp_send(ns, t->pcb, b, 4, 0), -EPIPE);
	assert_int_equal(tstat(t, NET_STAT_TCP_RST_IN), 1);
	tcp_close(ns, t->pcb);
	tcp_close(ns, t->lis);
}

/* RFC 5961 3.2: a RST inside the window but not at RCV.NXT draws a
 * challenge ACK and changes nothing. */
static void test_established_rst_in_window_challenge_ack(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_RST, t->snd + 100, 0, 0, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd);
	assert_int_equal(s.th.seq, t->rcv);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	assert_int_equal(tstat(t, NET_STAT_TCP_CHALLENGE_ACK), 1);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 5961 3.2 / RFC 9293 3.10.7.4: a RST outside the window is dropped
 * silently. */
static void test_established_rst_out_of_window_dropped(void **state)
{
	struct tfx *t = *state;

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_RST, t->snd + 100000, 0, 0, NULL, 0);
	seg_in(t, TCP_RST, t->snd - 1, 0, 0, NULL, 0);
	expect_nothing(t);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_OUT_OF_WINDOW), 2);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 5961 4.2: a SYN on an established connection, in window or not,
 * draws a challenge ACK; the connection stays. */
static void test_established_syn_challenge_ack(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_SYN, t->snd + 10, 0, 1000, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	assert_int_equal(tstat(t, NET_STAT_TCP_CHALLENGE_ACK), 1);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 5961 4.2 (RFC 9293 3.10.7.4 fourth): "irrespective of the sequence
 * number": a SYN beyond the window or far behind it draws the same
 * challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT>, counted (and limited, below),
 * not a plain out-of-window ACK; the connection stays and works. */
static void test_established_syn_out_of_window_challenge_ack(void **state)
{
	struct tfx *t = *state;
	struct tseg s;
	char b[8];

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_SYN, t->snd + 100000, 0, 1000, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.seq, t->rcv);
	assert_int_equal(s.th.ack, t->snd);
	seg_in(t, TCP_SYN | TCP_ACK, t->snd - 0x20000000u, t->rcv, 1000,
	       NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.seq, t->rcv);
	assert_int_equal(s.th.ack, t->snd);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_TCP_CHALLENGE_ACK), 2);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_OUT_OF_WINDOW), 2);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	seg_in(t, TCP_ACK | TCP_PSH, t->snd, t->rcv, 8000, "ok", 2);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, sizeof(b), 0), 2);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 5961 4.2 over RFC 7323 5.3: a SYN with an old timestamp is still a
 * SYN on a synchronized connection: the challenge ACK (counted, limited),
 * as Linux's tcp_validate_incoming() does, not PAWS's plain ACK. */
static void test_established_syn_old_timestamp_challenge_ack(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .has_ts = true,
			    .tsval = 1000};
	struct tseg s;

	tfx_passive_open(t, &o, 8000);
	t->peer_tsval = 999;
	seg_in(t, TCP_SYN, t->snd, 0, 8000, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_PAWS), 1);
	assert_int_equal(tstat(t, NET_STAT_TCP_CHALLENGE_ACK), 1);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 5961 5.2: an ACK for data never sent is dropped with a challenge
 * ACK; its data is not taken. */
static void test_established_ack_beyond_snd_nxt_dropped(void **state)
{
	struct tfx *t = *state;
	struct tseg s;
	char b[8];

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_ACK, t->snd, t->rcv + 1000, 8000, "data", 4);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, 8, 0), -EAGAIN);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_BAD_ACK), 1);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 5961 7: challenge ACKs are rate-limited per stack, around N a
 * second but not exactly N (an exact shared limit lets an off-path
 * sender count them, CVE-2016-5696). */
static void chal_limit(struct netstack_params *p)
{
	p->tcp_challenge_acks_per_s = 4;
}

static int setup_chal_limit(void **state)
{
	return tfx_setup_with(state, chal_limit);
}

static void test_established_challenge_acks_rate_limited(void **state)
{
	struct tfx *t = *state;
	uint32_t n, first = 0, total = 0;
	bool varied = false;
	int i, sec;

	tfx_passive_open(t, NULL, 8000);
	for (sec = 0; sec < 12; sec++) {
		for (i = 0; i < 10; i++)
			seg_in(t, TCP_RST, t->snd + 1 + (uint32_t)i, 0, 0,
			       NULL, 0);
		n = tx_count(t);
		assert_true(n >= 2 && n <= 6);
		if (sec == 0)
			first = n;
		else if (n != first)
			varied = true;
		total += n;
		capture_purge(&t->fx.cap);
		tick(t, 1000);
	}
	assert_true(varied);
	assert_int_equal(tstat(t, NET_STAT_TCP_CHALLENGE_ACK), total);
	assert_int_equal(tstat(t, NET_STAT_TCP_CHALLENGE_ACK_LIMITED),
			 12 * 10 - total);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 5961 4.2 and 7: SYN challenge ACKs, in the window or out of it,
 * draw on the one per-second budget of the RST ones: a blind sender
 * cannot get more ACKs out of us by switching to out-of-window SYNs. */
static void test_established_syn_challenge_acks_share_rst_limit(void **state)
{
	struct tfx *t = *state;
	uint32_t n, total = 0;
	int i, sec;

	tfx_passive_open(t, NULL, 8000);
	for (sec = 0; sec < 4; sec++) {
		for (i = 0; i < 10; i++) {
			seg_in(t, TCP_RST, t->snd + 1 + (uint32_t)i, 0, 0,
			       NULL, 0);
			seg_in(t, TCP_SYN, t->snd + 10 + (uint32_t)i, 0, 1000,
			       NULL, 0);
			seg_in(t, TCP_SYN, t->snd + 100000 + (uint32_t)i, 0,
			       1000, NULL, 0);
			seg_in(t, TCP_SYN, t->snd - 100000 - (uint32_t)i, 0,
			       1000, NULL, 0);
		}
		n = tx_count(t);
		assert_true(n >= 2 && n <= 6);
		total += n;
		capture_purge(&t->fx.cap);
		tick(t, 1000);
	}
	assert_int_equal(tstat(t, NET_STAT_TCP_CHALLENGE_ACK), total);
	assert_int_equal(tstat(t, NET_STAT_TCP_CHALLENGE_ACK_LIMITED),
			 4 * 40 - total);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 7323 5.3: a segment whose timestamp is older than TS.Recent is
 * dropped (and ACKed); newer ones go through. */
static void test_established_old_timestamp_paws_dropped(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .has_ts = true,
			    .tsval = 1000};
	struct tseg s;
	char b[8];

	tfx_passive_open(t, &o, 8000);
	t->peer_tsval = 999;
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, "old", 3);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_PAWS), 1);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, 8, 0), -EAGAIN);
	t->peer_tsval = 1001;
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, "new", 3);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, 8, 0), 3);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 7323 5.5: after 24 days idle TS.Recent is merely invalid; 4.3: it
 * is updated only from an acceptable segment. A forged out-of-window
 * segment with a far-ahead TSval must not become TS.Recent, or PAWS would
 * then drop every real segment. */
static void test_established_idle_24_days_forged_tsval_not_recent(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .has_ts = true,
			    .tsval = 1000};
	uint32_t legit = 1000u + 25u * 86400u * 1000u;
	struct tseg s;
	char b[8];

	tfx_passive_open(t, &o, 8000);
	tick(t, 25ull * 86400 * 1000);
	capture_purge(&t->fx.cap);
	fixture_learn_peer(&t->fx);	/* the ARP entry aged out */
	capture_purge(&t->fx.cap);
	t->peer_tsval = legit + 0x01000000u;
	seg_in(t, TCP_ACK, t->snd + 100000, t->rcv, 8000, "bad", 3);
	expect_flags(t, &s, TCP_ACK);	/* out of window */
	t->peer_tsval = legit;
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, "new", 3);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_PAWS), 0);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, 8, 0), 3);
	assert_memory_equal(b, "new", 3);
	/* The real clock is TS.Recent now: its next segment goes through. */
	t->peer_tsval = legit + 1;
	seg_in(t, TCP_ACK, t->snd + 3, t->rcv, 8000, "more", 4);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, 8, 0), 4);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* RFC 9293 3.10.7.4 first: an unacceptable segment is answered with an
 * ACK and dropped. */
static void test_established_old_duplicate_acked_dropped(void **state)
{
	struct tfx *t = *state;
	struct tseg s;
	char b[8];

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_ACK, t->snd - 10, t->rcv, 8000, "old", 3);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, 8, 0), -EAGAIN);
	tcp_abort(t->fx.ns, t->pcb);
	tcp_close(t->fx.ns, t->lis);
}

/* ---- closing ---- */

/* RFC 9293 3.6 figure 12 (active side): FIN-WAIT-1, FIN-WAIT-2,
 * TIME-WAIT for 2 MSL, then freed. */
static void test_established_close_time_wait_then_freed(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	tcp_close(ns, t->lis);
	t->lis = NULL;
	assert_int_equal(tcp_send(ns, t->pcb, "bye", 3, 0), 3);
	expect_seg(t, &s);
	assert_int_equal(tcp_shutdown(ns, t->pcb, TCP_SHUT_WR), 0);
	expect_flags(t, &s, TCP_FIN | TCP_ACK);
	assert_int_equal(s.th.seq, t->rcv + 3);
	assert_int_equal(tcp_state(t->pcb), TCP_FIN_WAIT_1);
	assert_int_equal(tcp_send(ns, t->pcb, "x", 1, 0), -EPIPE);
	seg_in(t, TCP_ACK, t->snd, t->rcv + 4, 8000, NULL, 0);
	assert_int_equal(tcp_state(t->pcb), TCP_FIN_WAIT_2);
	seg_in(t, TCP_FIN | TCP_ACK, t->snd, t->rcv + 4, 8000, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 1);
	assert_int_equal(tcp_state(t->pcb), TCP_TIME_WAIT);
	tcp_close(ns, t->pcb);
	assert_int_equal(tcp_pcb_count(ns), 1);
	/* RFC 9293 3.10.7.4: a retransmitted FIN is ACKed again. */
	seg_in(t, TCP_FIN | TCP_ACK, t->snd, t->rcv + 4, 8000, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	tick(t, 59999);
	assert_int_equal(tcp_pcb_count(ns), 1);
	tick(t, 1);
	assert_int_equal(tcp_pcb_count(ns), 0);
	/* Gone: now the port is closed (the ARP entry aged meanwhile). */
	capture_purge(&t->fx.cap);
	fixture_learn_peer(&t->fx);
	seg_in(t, TCP_ACK, t->snd + 1, t->rcv + 4, 8000, NULL, 0);
	expect_flags(t, &s, TCP_RST);
}

/* Memory of a closed connection: once the app has closed, nothing will
 * read the receive ring (data is answered with RST, RFC 9293 3.10.7.4 /
 * Linux's abort on data), so it goes at once; once our FIN is
 * acknowledged nothing is left to send, so the send ring goes too. An
 * orphan in FIN-WAIT-2 (a client that never closes its side) then holds
 * only its control block, and 10,000 of them fit in memory. */
static void test_close_frees_rings_before_time_wait(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;
	size_t with_rings, after_close;

	tfx_passive_open(t, NULL, 8000);
	tcp_close(ns, t->lis);
	t->lis = NULL;
	assert_int_equal(tcp_send(ns, t->pcb, "bye", 3, 0), 3);
	expect_seg(t, &s);
	with_rings = t->fx.fe.live_bytes;
	tcp_close(ns, t->pcb);
	expect_flags(t, &s, TCP_FIN | TCP_ACK);
	after_close = t->fx.fe.live_bytes;
	assert_true(with_rings - after_close >= t->par.tcp_rcvbuf);
	seg_in(t, TCP_ACK, t->snd, t->rcv + 4, 8000, NULL, 0);
	assert_true(after_close - t->fx.fe.live_bytes >= t->par.tcp_sndbuf);
	/* Data for the orphan: a RST, as before (no ring needed for it). */
	seg_in(t, TCP_ACK | TCP_PSH, t->snd, t->rcv + 4, 8000, "late", 4);
	expect_seg(t, &s);
	assert_true(s.th.flags & TCP_RST);
	assert_int_equal(tcp_pcb_count(ns), 0);
}

/* RFC 9293 3.6 (passive side): FIN in, CLOSE-WAIT, recv gives 0, close
 * sends FIN, LAST-ACK, the ACK frees it. */
static void test_close_wait_close_last_ack_freed(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;
	char b[8];

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_FIN | TCP_ACK, t->snd, t->rcv, 8000, "ab", 2);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 3);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSE_WAIT);
	assert_true(t->ev_bits & TCP_EV_READABLE);
	assert_int_equal(tcp_recv(ns, t->pcb, b, 8, 0), 2);
	assert_int_equal(tcp_recv(ns, t->pcb, b, 8, 0), 0);
	/* Half-close: we may still send. */
	assert_int_equal(tcp_send(ns, t->pcb, "zz", 2, 0), 2);
	expect_seg(t, &s);
	assert_int_equal(s.len, 2);
	tcp_close(ns, t->pcb);
	expect_flags(t, &s, TCP_FIN | TCP_ACK);
	seg_in(t, TCP_ACK, t->snd + 3, t->rcv + 3, 8000, NULL, 0);
	expect_nothing(t);
	assert_int_equal(tcp_pcb_count(ns), 1);	/* the listener */
	tcp_close(ns, t->lis);
}

/* RFC 9293 3.6 figure 13: simultaneous close goes through CLOSING to
 * TIME-WAIT. */
static void test_fin_wait_1_fin_closing_time_wait(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	tcp_shutdown(ns, t->pcb, TCP_SHUT_WR);
	expect_flags(t, &s, TCP_FIN | TCP_ACK);
	seg_in(t, TCP_FIN | TCP_ACK, t->snd, t->rcv, 8000, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSING);
	seg_in(t, TCP_ACK, t->snd + 1, t->rcv + 1, 8000, NULL, 0);
	assert_int_equal(tcp_state(t->pcb), TCP_TIME_WAIT);
	assert_true(t->ev_bits & TCP_EV_CLOSED);
	tcp_close(ns, t->pcb);
	tcp_close(ns, t->lis);
}

/* RFC 9293 3.6: after our FIN the peer may go on sending (half-close). */
static void test_fin_wait_2_data_still_received(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;
	char b[8];

	tfx_passive_open(t, NULL, 8000);
	tcp_shutdown(ns, t->pcb, TCP_SHUT_WR);
	expect_flags(t, &s, TCP_FIN | TCP_ACK);
	seg_in(t, TCP_ACK, t->snd, t->rcv + 1, 8000, "more", 4);
	assert_int_equal(tcp_state(t->pcb), TCP_FIN_WAIT_2);
	assert_int_equal(tcp_recv(ns, t->pcb, b, 8, 0), 4);
	assert_memory_equal(b, "more", 4);
	tcp_abort(ns, t->pcb);
	tcp_close(ns, t->lis);
}

/* RFC 9293 3.10.4 / RFC 2525 2.17: closing with unread data resets. */
static void test_established_close_unread_data_sends_rst(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_ACK | TCP_PSH, t->snd, t->rcv, 8000, "unread", 6);
	tcp_close(ns, t->pcb);
	expect_flags(t, &s, TCP_RST | TCP_ACK);
	assert_int_equal(tcp_pcb_count(ns), 1);
	tcp_close(ns, t->lis);
}

/* RFC 6191 / RFC 1122 4.2.2.13: a SYN with a higher sequence number
 * reopens a TIME-WAIT pair; an old one only draws a challenge ACK. */
static void test_time_wait_syn_higher_seq_reopens(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	tcp_close(ns, t->pcb);
	expect_flags(t, &s, TCP_FIN | TCP_ACK);
	seg_in(t, TCP_FIN | TCP_ACK, t->snd, t->rcv + 1, 8000, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(tcp_pcb_count(ns), 2);	/* listener + TIME-WAIT */
	seg_in(t, TCP_SYN, t->snd - 5, 0, 8000, NULL, 0);
	expect_flags(t, &s, TCP_ACK);	/* old: just the ACK */
	/* RFC 5961 4.2: TIME-WAIT is synchronized: a challenge ACK. */
	assert_int_equal(tstat(t, NET_STAT_TCP_CHALLENGE_ACK), 1);
	seg_in(t, TCP_SYN, t->snd + 100000, 0, 8000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 100001);
	assert_int_equal(tstat(t, NET_STAT_TCP_TW_REUSE), 1);
	assert_int_equal(tcp_pcb_count(ns), 2);	/* listener + new child */
	tcp_close(ns, t->lis);
	assert_int_equal(tcp_pcb_count(ns), 0);
}

/* Out of pcbs, the oldest orphaned TIME-WAIT is recycled for a new
 * connection instead of refusing it. */
static void two_pcbs(struct netstack_params *p)
{
	p->tcp_max_pcbs = 2;
}

static int setup_two_pcbs(void **state)
{
	return tfx_setup_with(state, two_pcbs);
}

static void test_time_wait_recycled_when_pcbs_run_out(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	tcp_close(ns, t->pcb);
	expect_flags(t, &s, TCP_FIN | TCP_ACK);
	seg_in(t, TCP_FIN | TCP_ACK, t->snd, t->rcv + 1, 8000, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(tcp_pcb_count(ns), 2);
	t->pport = PEER_PORT + 1;
	seg_in(t, TCP_SYN, 5000, 0, 8000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_int_equal(s.th.dport, PEER_PORT + 1);
	assert_int_equal(tstat(t, NET_STAT_TCP_TW_RECYCLED), 1);
	assert_int_equal(tcp_pcb_count(ns), 2);
	/* No orphan left to recycle: the next SYN is refused. */
	t->pport = PEER_PORT + 2;
	seg_in(t, TCP_SYN, 5000, 0, 8000, NULL, 0);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_NOMEM), 1);
	tcp_close(ns, t->lis);
}

/* RFC 6528: the ISN is a keyed hash of the 4-tuple plus a 4 us clock:
 * different per 4-tuple, and the next one is not the previous plus a
 * constant. */
static void test_isn_differs_per_tuple_unpredictable(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	uint32_t isn[4];
	struct tcp_pcb *p;
	struct tseg s;
	int i;

	for (i = 0; i < 4; i++) {
		assert_int_equal(tcp_open(ns, NULL, NULL, &p), 0);
		assert_int_equal(tcp_connect(ns, p, IP_PEER,
					     (uint16_t)(1000 + i)), 0);
		expect_flags(t, &s, TCP_SYN);
		isn[i] = s.th.seq;
		tcp_abort(ns, p);
	}
	for (i = 1; i < 4; i++)
		assert_true(isn[i] != isn[i - 1]);
	assert_true(isn[2] - isn[1] != isn[1] - isn[0] ||
		    isn[3] - isn[2] != isn[2] - isn[1]);
	/* Same 4-tuple later: the clock moved it by 250 per ms. */
	assert_int_equal(tcp_open(ns, NULL, NULL, &p), 0);
	assert_int_equal(tcp_bind(ns, p, 0, 5555), 0);
	assert_int_equal(tcp_connect(ns, p, IP_PEER, 7), 0);
	expect_flags(t, &s, TCP_SYN);
	isn[0] = s.th.seq;
	tcp_abort(ns, p);
	tick(t, 4);
	assert_int_equal(tcp_open(ns, NULL, NULL, &p), 0);
	assert_int_equal(tcp_bind(ns, p, 0, 5555), 0);
	assert_int_equal(tcp_connect(ns, p, IP_PEER, 7), 0);
	expect_flags(t, &s, TCP_SYN);
	assert_int_equal(s.th.seq - isn[0], 1000);
	tcp_abort(ns, p);
}

/* RFC 6056 3.3.3 / RFC 6335 6: ephemeral ports come from 49152-65535,
 * never repeat among live connections to one peer, and start at a
 * keyed-hash offset that differs from one peer to another. */
static void test_ephemeral_ports_in_range_distinct(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_pcb *p[64], *q;
	uint16_t port[64], first_other;
	int i, j;

	for (i = 0; i < 64; i++) {
		assert_int_equal(tcp_open(ns, NULL, NULL, &p[i]), 0);
		assert_int_equal(tcp_connect(ns, p[i], IP_PEER, 80), 0);
		assert_int_equal(tcp_local(ns, p[i], NULL, &port[i]), 0);
		assert_true(port[i] >= 49152);
		for (j = 0; j < i; j++)
			assert_true(port[i] != port[j]);
		capture_purge(&t->fx.cap);
	}
	/* Another peer: its own offset, not just the next counter value. */
	assert_int_equal(tcp_open(ns, NULL, NULL, &q), 0);
	assert_int_equal(tcp_connect(ns, q, IP4(10, 0, 0, 3), 80), 0);
	assert_int_equal(tcp_local(ns, q, NULL, &first_other), 0);
	assert_true(first_other != (uint16_t)(port[63] + 1) &&
		    first_other != (uint16_t)(port[63] + 2));
	tcp_abort(ns, q);
	for (i = 0; i < 64; i++)
		tcp_abort(ns, p[i]);
	capture_purge(&t->fx.cap);
	assert_int_equal(tcp_pcb_count(ns), 0);
}

/* RFC 6056 3.3.3: a port is suitable for a connect when the 4-tuple is
 * unused. With every ephemeral port taken by connections to one peer (as
 * 16,384 TIME-WAITs would after a burst), a connect to another peer still
 * gets a port, shared by 4-tuple; the first peer gets -EADDRNOTAVAIL. */
static void test_closed_connect_all_ports_used_other_peer_shares(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_pcb **p = calloc(16384, sizeof(*p)), *q, *r;
	uint16_t port;
	int i;

	assert_non_null(p);
	for (i = 0; i < 16384; i++) {
		assert_int_equal(tcp_open(ns, NULL, NULL, &p[i]), 0);
		assert_int_equal(tcp_connect(ns, p[i], IP_PEER, 80), 0);
		capture_purge(&t->fx.cap);
	}
	assert_int_equal(tcp_open(ns, NULL, NULL, &q), 0);
	assert_int_equal(tcp_connect(ns, q, IP_PEER, 80), -EADDRNOTAVAIL);
	assert_int_equal(tcp_open(ns, NULL, NULL, &r), 0);
	assert_int_equal(tcp_connect(ns, r, IP4(10, 0, 0, 3), 80), 0);
	assert_int_equal(tcp_local(ns, r, NULL, &port), 0);
	assert_true(port >= 49152);
	capture_purge(&t->fx.cap);
	tcp_abort(ns, q);
	tcp_abort(ns, r);
	for (i = 0; i < 16384; i++)
		tcp_abort(ns, p[i]);
	capture_purge(&t->fx.cap);
	assert_int_equal(tcp_pcb_count(ns), 0);
	free(p);
}

static void many_pcbs(struct netstack_params *par)
{
	par->tcp_max_pcbs = 20000;
}

static int tfx_setup_many(void **state)
{
	return tfx_setup_with(state, many_pcbs);
}

/* Binding: a taken port is refused; REUSEADDR on both passes unless the
 * other is listening. */
static void test_bind_conflicts(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_pcb *a, *b;

	assert_int_equal(tcp_open(ns, NULL, NULL, &a), 0);
	assert_int_equal(tcp_open(ns, NULL, NULL, &b), 0);
	assert_int_equal(tcp_bind(ns, a, 0, 8080), 0);
	assert_int_equal(tcp_bind(ns, b, 0, 8080), -EADDRINUSE);
	assert_int_equal(tcp_bind(ns, b, IP4(10, 9, 9, 9), 8081),
			 -EADDRNOTAVAIL);
	assert_int_equal(tcp_bind(ns, a, 0, 8082), -EINVAL);
	tcp_setopt(ns, a, TCP_OPT_REUSEADDR, 1);
	tcp_setopt(ns, b, TCP_OPT_REUSEADDR, 1);
	assert_int_equal(tcp_bind(ns, b, 0, 8080), 0);
	tcp_close(ns, b);
	assert_int_equal(tcp_listen(ns, a, 4), 0);
	assert_int_equal(tcp_open(ns, NULL, NULL, &b), 0);
	tcp_setopt(ns, b, TCP_OPT_REUSEADDR, 1);
	assert_int_equal(tcp_bind(ns, b, 0, 8080), -EADDRINUSE);
	tcp_close(ns, b);
	tcp_close(ns, a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_closed_syn_answered_rst_ack, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_closed_ack_answered_rst_seq_ack, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_closed_rst_not_answered, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_closed_bad_checksum_dropped, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_listen_syn_synack_mirrors_options, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_listen_ack_answered_rst, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_listen_rst_and_syn_counted, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_listen_syn_fin_dropped_counted, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_listen_handshake_accepted, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_listen_syn_queue_full_cookie_completes, setup_small_backlog, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_listen_syn_queue_full_syn_fin_no_cookie, setup_small_backlog, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_listen_cookie_ack_accept_queue_full_dropped_then_taken, setup_small_backlog, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_listen_syn_queue_full_no_cookies_dropped, setup_no_cookies, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_received_nomem_frees_syn_queue_slot, setup_no_cookies, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_received_rst_back_to_listen, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_received_bad_ack_reset, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_received_dup_syn_synack_again, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_received_synack_retransmitted_then_dropped, setup_retries, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_sent_synack_established, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_sent_rst_bad_ack_dropped, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_sent_bad_ack_answered_rst, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_sent_syn_simultaneous_open, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_sent_no_answer_backoff_then_etimedout, setup_retries, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_sent_syn_lost_rto_3s_after_handshake, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_received_synack_lost_rto_3s_after_handshake, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_rst_exact_seq_resets, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_rst_in_window_challenge_ack, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_rst_out_of_window_dropped, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_syn_challenge_ack, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_syn_out_of_window_challenge_ack, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_syn_old_timestamp_challenge_ack, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_ack_beyond_snd_nxt_dropped, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_challenge_acks_rate_limited, setup_chal_limit, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_syn_challenge_acks_share_rst_limit, setup_chal_limit, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_old_timestamp_paws_dropped, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_idle_24_days_forged_tsval_not_recent, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_old_duplicate_acked_dropped, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_close_time_wait_then_freed, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_close_frees_rings_before_time_wait, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_close_wait_close_last_ack_freed, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_fin_wait_1_fin_closing_time_wait, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_fin_wait_2_data_still_received, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_close_unread_data_sends_rst, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_syn_higher_seq_reopens, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_recycled_when_pcbs_run_out, setup_two_pcbs, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_isn_differs_per_tuple_unpredictable, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_ephemeral_ports_in_range_distinct, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_closed_connect_all_ports_used_other_peer_shares, tfx_setup_many, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_bind_conflicts, tfx_setup, tfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
