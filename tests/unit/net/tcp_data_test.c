/*
 * tcp_data_test.c: data transfer on one connection (net/tcp_out.c,
 * tcp_in.c, tcp_timer.c, tcp_cc.c): segmentation, windows and scaling,
 * delayed ACK, Nagle, out-of-order and SACK blocks, zero-window probing,
 * retransmission and congestion control, link back-pressure.
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
#include "tcp_priv.h"

static void done(struct tfx *t)
{
	tfx_done(t);
}

/* ---- receiving ---- */

/* RFC 1122 4.2.3.2 / RFC 5681 4.2: one segment's ACK waits for the
 * delayed-ACK timer (40 ms here), no longer. */
static void test_established_one_segment_ack_delayed(void **state)
{
	struct tfx *t = *state;
	struct tseg s;
	char b[16];

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_ACK | TCP_PSH, t->snd, t->rcv, 8000, "hello", 5);
	expect_nothing(t);
	assert_true(t->ev_bits & TCP_EV_READABLE);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, sizeof(b), 0), 5);
	assert_memory_equal(b, "hello", 5);
	tick(t, 39);
	expect_nothing(t);
	tick(t, 1);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 5);
	assert_int_equal(tstat(t, NET_STAT_TCP_DELAYED_ACK), 1);
	done(t);
}

/* RFC 5681 4.2: "an ACK SHOULD be generated for at least every second
 * full-sized segment". */
static void test_established_second_full_segment_acked_at_once(void **state)
{
	struct tfx *t = *state;
	uint8_t d[1460];
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	fill_pattern(d, sizeof(d), 0);
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, d, 1460);
	expect_nothing(t);
	seg_in(t, TCP_ACK, t->snd + 1460, t->rcv, 8000, d, 1460);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 2920);
	done(t);
}

/* RFC 5681 4.2 / RFC 2018 4: an out-of-order segment draws an immediate
 * duplicate ACK carrying a SACK block; filling the hole is ACKed at once
 * and delivers everything in order. */
static void test_established_out_of_order_sack_then_filled(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .sack_perm = true};
	uint8_t d[3000], b[3000];
	struct tseg s;

	tfx_passive_open(t, &o, 8000);
	fill_pattern(d, sizeof(d), 0);
	seg_in(t, TCP_ACK, t->snd + 1000, t->rcv, 8000, d + 1000, 1000);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd);
	assert_int_equal(s.th.nsack, 1);
	assert_int_equal(s.th.sack[0].start, t->snd + 1000);
	assert_int_equal(s.th.sack[0].end, t->snd + 2000);
	seg_in(t, TCP_ACK, t->snd + 2500, t->rcv, 8000, d + 2500, 500);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.nsack, 2);
	/* RFC 2018 4: the most recent block first. */
	assert_int_equal(s.th.sack[0].start, t->snd + 2500);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, sizeof(b), 0), -EAGAIN);
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, d, 1000);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 2000);
	assert_int_equal(s.th.nsack, 1);
	seg_in(t, TCP_ACK, t->snd + 2000, t->rcv, 8000, d + 2000, 500);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 3000);
	assert_int_equal(s.th.nsack, 0);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, sizeof(b), 0), 3000);
	assert_memory_equal(b, d, 3000);
	done(t);
}

/* RFC 2883 4: a duplicate segment is ACKed at once with a D-SACK block
 * naming it (first, below the ACK), reported once. */
static void test_established_duplicate_reported_by_dsack(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .sack_perm = true};
	uint8_t d[300];
	struct tseg s;

	tfx_passive_open(t, &o, 8000);
	fill_pattern(d, sizeof(d), 0);
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, d, 100);
	expect_nothing(t);
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, d, 100);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 100);
	assert_int_equal(s.th.nsack, 1);
	assert_int_equal(s.th.sack[0].start, t->snd);
	assert_int_equal(s.th.sack[0].end, t->snd + 100);
	/* Partly new: the old part is the D-SACK, the rest is taken. */
	seg_in(t, TCP_ACK, t->snd + 50, t->rcv, 8000, d + 50, 150);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 200);
	assert_int_equal(s.th.nsack, 1);
	assert_int_equal(s.th.sack[0].start, t->snd + 50);
	assert_int_equal(s.th.sack[0].end, t->snd + 100);
	seg_in(t, TCP_ACK, t->snd + 200, t->rcv, 8000, d + 200, 100);
	tick(t, 40);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.nsack, 0);
	done(t);
}

/* RFC 9293 3.8.6.2.2 and 3.10.7.4: the window never promises more than
 * the ring; data beyond it is cut; reading reopens it with an update. */
static void test_established_window_closes_and_reopens(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	uint8_t d[1460], b[16384];
	struct tseg s;
	uint32_t got = 0, seq = t->snd;
	int i;

	tfx_passive_open(t, NULL, 8000);
	seq = t->snd;
	fill_pattern(d, sizeof(d), 0);
	for (i = 0; i < 12; i++) {
		seg_in(t, TCP_ACK, seq, t->rcv, 8000, d, 1460);
		seq += 1460;
	}
	/* 16384 taken: 11 full segments and 324 bytes of the 12th. */
	capture_purge(&t->fx.cap);
	tick(t, 100);
	capture_purge(&t->fx.cap);
	seg_in(t, TCP_ACK, seq, t->rcv, 8000, d, 10);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 16384);
	assert_int_equal(s.th.wnd, 0);
	/* Read a little: less than an MSS, no update (SWS avoidance). */
	assert_int_equal(tcp_recv(ns, t->pcb, b, 100, 0), 100);
	expect_nothing(t);
	while (got < 16284) {
		long n = tcp_recv(ns, t->pcb, b, sizeof(b), 0);

		assert_true(n > 0);
		got += (uint32_t)n;
	}
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.wnd, 16384);
	done(t);
}

/* RFC 7323 2.2 / 2.3: with window scaling, windows are shifted both
 * ways: ours by the shift we offered, the peer's by its shift. */
static void big_rcvbuf(struct netstack_params *p)
{
	p->tcp_rcvbuf = 256 * 1024;
}

static int setup_big(void **state)
{
	return tfx_setup_with(state, big_rcvbuf);
}

static void test_established_window_scaling_both_ways(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .has_ws = true,
			    .ws = 3};
	struct tcp_conn_info ci;
	struct tseg s;

	tfx_listen(t);
	memset(&s, 0, sizeof(s));
	tfx_passive_open(t, &o, 1000);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	/* The ACK completing the handshake carried wnd 1000 << 3. */
	assert_int_equal(ci.snd_wnd, 8000);
	assert_int_equal(ci.rcv_wscale, 3);	/* 256 KiB needs 3 */
	assert_int_equal(ci.snd_wscale, 3);
	seg_in(t, TCP_ACK, t->snd, t->rcv, 1000, "x", 1);
	tick(t, 40);
	expect_flags(t, &s, TCP_ACK);
	/* The ring less the byte and an MSS of slack, rounded up to the
	 * next 8-byte unit (tcp_out.c rcv_wnd_field, RFC 7323 2.4). */
	assert_int_equal(s.th.wnd, (256 * 1024 - 1 - 1460 + 7) >> 3);
	done(t);
}

/* All the ACKs sent since the last call: the right edge each offers
 * (ACK + window << shift) never lies left of the one before, *edge; the
 * last ACK is left in *s. Returns the number of ACKs. */
static unsigned acks_edge_never_retracts(struct tfx *t, struct tseg *s,
					 uint8_t shift, uint32_t *edge)
{
	unsigned n = 0;

	while (tx_count(t)) {
		uint32_t e;

		expect_flags(t, s, TCP_ACK);
		e = s->th.ack + ((uint32_t)s->th.wnd << shift);
		assert_true(seq_geq(e, *edge));
		*edge = e;
		n++;
	}
	return n;
}

/*
 * RFC 7323 2.4: at window scale 3 the field counts 8-byte units. The
 * peer sends 1001-byte segments (not a multiple of 8) and the app does
 * not read: after each, the ACK's right edge stays where it was or moves
 * right, never left (RFC 9293 3.8.6.2.2: the window SHOULD NOT shrink),
 * so the field is rounded up; and the peer may fill the window exactly
 * to the last edge offered: every byte is acknowledged (2.4's receiver
 * rule 1), the window is then 0, and the app reads them all byte-exact.
 */
static void test_established_scaled_window_edge_never_retracts(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .has_ws = true,
			    .ws = 0, .sack_perm = true};
	static uint8_t d[256 * 1024], b[256 * 1024];
	struct tcp_conn_info ci;
	uint32_t edge, start, off = 0, len;
	struct tseg s;

	tfx_listen(t);
	tfx_passive_open(t, &o, 8000);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.rcv_wscale, 3);
	start = t->snd;
	edge = start;
	fill_pattern(d, sizeof(d), 0);
	for (;;) {
		len = edge - (start + off);
		if (edge != start && !len)
			break;
		if (edge == start || len > 1001)
			len = 1001;
		assert_true(off + len <= sizeof(d));
		seg_in(t, TCP_ACK, start + off, t->rcv, 8000, d + off, len);
		off += len;
		tick(t, 40);
		assert_int_equal(acks_edge_never_retracts(t, &s, 3, &edge), 1);
		assert_int_equal(s.th.ack, start + off);
	}
	assert_int_equal(s.th.wnd, 0);
	assert_true(off > 200 * 1024);
	assert_int_equal(tstat(t, NET_STAT_TCP_RCV_WND_RETRACT), 0);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, sizeof(b), 0),
			 (long)off);
	assert_memory_equal(b, d, off);
	done(t);
}

/* A 64 KiB receive ring that may grow to 256 KiB: the SYN offers the
 * window scale that covers the larger ring, 2 (65535 << 2). */
static void growing_rcvbuf(struct netstack_params *p)
{
	p->tcp_rcvbuf = 64 * 1024;
	p->tcp_rcvbuf_max = 256 * 1024;
}

static int setup_growing(void **state)
{
	return tfx_setup_with(state, growing_rcvbuf);
}

/* The default ring, 128 KiB, which grows to 512 KiB
 * (tcp_params_defaults). */
static void default_rcvbuf(struct netstack_params *p)
{
	p->tcp_rcvbuf = 128 * 1024;
	p->tcp_rcvbuf_max = 0;
}

static int setup_default_rcvbuf(void **state)
{
	return tfx_setup_with(state, default_rcvbuf);
}

/*
 * The first segment is lost and the peer fills the rest of the window we
 * offer, never past the right edge the last ACK showed (ACK + window <<
 * shift): out of order, each draws a duplicate ACK (RFC 5681 4.2). The
 * window is what holds the sender back, so the ring grows (tcp_in.c
 * rcv_grow) and the ACK to the segment that reached near the right edge
 * offers the larger window; the peer goes on into it, up to cap bytes.
 * Returns the bytes sent (from the first, lost, segment's start); the
 * last ACK is left in *s.
 */
static uint32_t fill_window_behind_hole(struct tfx *t, const uint8_t *d,
					uint32_t cap, uint8_t shift,
					struct tseg *s)
{
	uint32_t off = 1460, edge = t->snd + 1460 + 1460, len;

	while (off < cap && seq_lt(t->snd + off, edge)) {
		len = edge - (t->snd + off);
		if (len > 1460)
			len = 1460;
		if (len > cap - off)
			len = cap - off;
		seg_in(t, TCP_ACK, t->snd + off, t->rcv, 8000, d + off, len);
		off += len;
		expect_flags(t, s, TCP_ACK);
		assert_int_equal(s->th.ack, t->snd);
		edge = s->th.ack + ((uint32_t)s->th.wnd << shift);
	}
	return off;
}

/* The hole filled, every byte arrives in order, byte-exact. */
static void fill_hole_read_all(struct tfx *t, const uint8_t *d, uint8_t *b,
			       uint32_t n)
{
	struct tseg s;

	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, d, 1460);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + n);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, n, 0), (long)n);
	assert_memory_equal(b, d, n);
}

/*
 * The ring, at window scale shift, filled behind a hole grows twice, to
 * the most that shift reaches (65535 << shift), and the peer fills the
 * window that offers (less an MSS of slack, rounded up to a unit): every
 * byte is taken and read byte-exact; no edge retracted. d and b hold at
 * least that window.
 */
static void ring_grows_to_cap(struct tfx *t, uint8_t shift, uint8_t *d,
			      uint8_t *b, uint32_t size)
{
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .has_ws = true,
			    .ws = 0, .sack_perm = true};
	uint32_t unit = 1u << shift, n;
	uint32_t win = ((65535u << shift) - 1460 + unit - 1) & ~(unit - 1);
	struct tcp_conn_info ci;
	struct tseg s;

	tfx_listen(t);
	tfx_passive_open(t, &o, 8000);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.rcv_wscale, shift);
	fill_pattern(d, size, 0);
	n = fill_window_behind_hole(t, d, size, shift, &s);
	assert_int_equal(tstat(t, NET_STAT_TCP_RCV_GROW), 2);
	assert_int_equal((uint32_t)s.th.wnd << shift, win);
	assert_int_equal(n, win);
	fill_hole_read_all(t, d, b, n);
	assert_int_equal(tstat(t, NET_STAT_TCP_RCV_WND_RETRACT), 0);
	done(t);
}

/* 64 KiB to 128 KiB to 65535 << 2, all the scale 2 chosen for a 256 KiB
 * cap reaches. */
static void test_established_window_filled_behind_hole_ring_grows(void **state)
{
	static uint8_t d[256 * 1024], b[256 * 1024];

	ring_grows_to_cap(*state, 2, d, b, sizeof(d));
}

/* The default ring, 128 KiB at window scale 3, grows to 256 KiB and then
 * to the 512 KiB cap (65535 << 3, the most scale 3 reaches). */
static void test_established_default_ring_grows_to_512k(void **state)
{
	static uint8_t d[512 * 1024], b[512 * 1024];

	ring_grows_to_cap(*state, 3, d, b, sizeof(d));
}

/* A 1 KiB ring that may grow to 512 KiB: window scale 3, and the slack
 * kept for rounding (tcp_out.c rcv_slack) is at most a quarter of the
 * ring, not an MSS that would leave no window at all: data is taken. */
static void tiny_growing_rcvbuf(struct netstack_params *p)
{
	p->tcp_rcvbuf = 1024;
	p->tcp_rcvbuf_max = 512 * 1024;
}

static int setup_tiny_growing(void **state)
{
	return tfx_setup_with(state, tiny_growing_rcvbuf);
}

static void test_established_tiny_ring_large_scale_window_open(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .has_ws = true,
			    .ws = 0};
	struct tcp_conn_info ci;
	uint8_t d[512], b[512];
	struct tseg s;

	tfx_listen(t);
	tfx_passive_open(t, &o, 8000);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.rcv_wscale, 3);
	fill_pattern(d, sizeof(d), 0);
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, d, sizeof(d));
	tick(t, 40);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + sizeof(d));
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, b, sizeof(b), 0),
			 (long)sizeof(b));
	assert_memory_equal(b, d, sizeof(d));
	done(t);
}

/* An application that chose its ring (SO_RCVBUF) keeps it: the same
 * exchange leaves the window at 64 KiB. */
static void test_established_rcvbuf_set_ring_kept(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .has_ws = true,
			    .ws = 0, .sack_perm = true};
	static uint8_t d[128 * 1024];
	struct tseg s;

	tfx_listen(t);
	assert_int_equal(tcp_setopt(t->fx.ns, t->lis, TCP_OPT_RCVBUF,
				    64 * 1024), 0);
	tfx_passive_open(t, &o, 8000);
	fill_window_behind_hole(t, d, sizeof(d), 1, &s);
	assert_int_equal(tstat(t, NET_STAT_TCP_RCV_GROW), 0);
	assert_true((uint32_t)s.th.wnd << 1 <= 64 * 1024);
	done(t);
}

/* ---- sending ---- */

/* RFC 9293 3.7.1 / RFC 6691: segments carry at most the peer's MSS less
 * the options; the initial window (RFC 6928) limits the first flight. */
static void test_established_send_segmented_to_mss(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1000, .has_ts = true,
			    .tsval = 7};
	uint8_t d[12000];
	struct tseg s;
	uint32_t seq, i;

	tfx_passive_open(t, &o, 60000);
	fill_pattern(d, sizeof(d), 0);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0), 12000);
	seq = t->rcv;
	/* IW = min(10 * 988, max(2 * 988, 14600)) = 9880: ten segments. */
	for (i = 0; i < 10; i++) {
		expect_seg(t, &s);
		assert_int_equal(s.len, 988);
		assert_int_equal(s.th.seq, seq);
		assert_true(s.th.has_ts);
		assert_memory_equal(s.data, d + (seq - t->rcv), 988);
		seq += 988;
	}
	expect_nothing(t);
	/* An ACK for two segments: slow start adds one SMSS per ACK. */
	seg_in(t, TCP_ACK, t->snd, t->rcv + 1976, 60000, NULL, 0);
	expect_seg(t, &s);
	assert_int_equal(s.len, 988);
	expect_seg(t, &s);
	assert_int_equal(s.len, 988);
	expect_seg(t, &s);
	assert_int_equal(s.len, 12000 - 12 * 988);
	assert_true(s.th.flags & TCP_PSH);
	expect_nothing(t);
	done(t);
}

/* RFC 7661's premise: an application-limited sender (a little data per
 * round trip) does not grow cwnd from ACKs of a window it never used. */
static void test_established_app_limited_cwnd_not_grown(void **state)
{
	struct tfx *t = *state;
	struct tcp_conn_info ci;
	struct tseg s;
	uint32_t iw;
	int i;

	tfx_passive_open(t, NULL, 60000);
	tcp_setopt(t->fx.ns, t->pcb, TCP_OPT_NODELAY, 1);
	tcp_info(t->fx.ns, t->pcb, &ci);
	iw = ci.cwnd;
	for (i = 0; i < 20; i++) {
		assert_int_equal(tcp_send(t->fx.ns, t->pcb, "ping", 4, 0), 4);
		expect_seg(t, &s);
		seg_in(t, TCP_ACK, t->snd, s.th.seq + 4, 60000, NULL, 0);
	}
	tcp_info(t->fx.ns, t->pcb, &ci);
	assert_int_equal(ci.cwnd, iw);
	done(t);
}

/* RFC 5681 4.1: after more than an RTO without sending, cwnd restarts
 * from at most the initial window. */
static void test_established_idle_restarts_from_initial_window(void **state)
{
	struct tfx *t = *state;
	static uint8_t d[16384];
	struct tcp_conn_info ci;
	struct tseg s;
	uint32_t acked = 0, n = 0;

	tfx_passive_open(t, NULL, 60000);
	/* Fill and ACK a few flights so cwnd grows past IW. */
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0), 16384);
	while (acked < 16384) {
		while (tx_count(t)) {
			expect_seg(t, &s);
			acked = s.th.seq + s.len - t->rcv;
		}
		seg_in(t, TCP_ACK, t->snd, t->rcv + acked, 60000, NULL, 0);
	}
	tcp_info(t->fx.ns, t->pcb, &ci);
	assert_true(ci.cwnd > 14600);
	tick(t, 1000);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0), 16384);
	while (tx_count(t)) {
		expect_seg(t, &s);
		n++;
	}
	assert_int_equal(n, 10);	/* IW = 10 segments of 1460 */
	done(t);
}

/* RFC 1122 4.2.3.4 (Nagle, Minshall's variant): a second small segment
 * waits while a small one is unacknowledged; the ACK releases it. */
static void test_established_nagle_holds_small_behind_small(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	assert_int_equal(tcp_send(ns, t->pcb, "a", 1, 0), 1);
	expect_seg(t, &s);
	assert_int_equal(tcp_send(ns, t->pcb, "b", 1, 0), 1);
	assert_int_equal(tcp_send(ns, t->pcb, "c", 1, 0), 1);
	expect_nothing(t);
	seg_in(t, TCP_ACK, t->snd, t->rcv + 1, 8000, NULL, 0);
	expect_seg(t, &s);
	assert_int_equal(s.len, 2);
	assert_memory_equal(s.data, "bc", 2);
	done(t);
}

/* TCP_OPT_NODELAY: no Nagle hold. */
static void test_established_nodelay_sends_at_once(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	assert_int_equal(tcp_setopt(ns, t->pcb, TCP_OPT_NODELAY, 1), 0);
	assert_int_equal(tcp_send(ns, t->pcb, "a", 1, 0), 1);
	assert_int_equal(tcp_send(ns, t->pcb, "b", 1, 0), 1);
	expect_seg(t, &s);
	expect_seg(t, &s);
	assert_memory_equal(s.data, "b", 1);
	done(t);
}

/* Full segments followed by a tail are all sent: Nagle (Minshall) never
 * holds the tail of a reply against the peer's delayed ACK. */
static void test_established_reply_tail_not_held(void **state)
{
	struct tfx *t = *state;
	uint8_t d[3 * 1460 + 100];
	struct tseg s;
	int i;

	tfx_passive_open(t, NULL, 60000);
	fill_pattern(d, sizeof(d), 3);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0),
			 (long)sizeof(d));
	for (i = 0; i < 3; i++) {
		expect_seg(t, &s);
		assert_int_equal(s.len, 1460);
	}
	expect_seg(t, &s);
	assert_int_equal(s.len, 100);
	done(t);
}

/* TCP_SEND_MORE holds a partial segment until a send without it. */
static void test_established_send_more_holds_partial(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	assert_int_equal(tcp_setopt(ns, t->pcb, TCP_OPT_NODELAY, 1), 0);
	assert_int_equal(tcp_send(ns, t->pcb, "head", 4, TCP_SEND_MORE), 4);
	expect_nothing(t);
	assert_int_equal(tcp_send(ns, t->pcb, "body", 4, 0), 4);
	expect_seg(t, &s);
	assert_int_equal(s.len, 8);
	assert_memory_equal(s.data, "headbody", 8);
	done(t);
}

/* RFC 6298 5.5, 5.6: unacknowledged data is resent after the RTO, then
 * after twice that, and so on (here the handshake's sample put the RTO at
 * its 200 ms floor); Karn: the ACK of a retransmitted segment gives no RTT
 * sample. */
static void test_established_rto_backoff_and_karn(void **state)
{
	struct tfx *t = *state;
	struct tcp_conn_info ci;
	struct tseg s;
	uint32_t srtt;

	tfx_passive_open(t, NULL, 8000);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.rto_ms, 200);
	srtt = ci.srtt_us;
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, "data", 4, 0), 4);
	expect_seg(t, &s);
	tick(t, 199);
	expect_nothing(t);
	tick(t, 1);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, t->rcv);
	assert_int_equal(s.len, 4);
	tick(t, 399);
	expect_nothing(t);
	tick(t, 1);
	expect_seg(t, &s);
	tick(t, 799);
	expect_nothing(t);
	tick(t, 1);
	expect_seg(t, &s);
	assert_int_equal(tstat(t, NET_STAT_TCP_RTO), 3);
	tick(t, 300);
	seg_in(t, TCP_ACK, t->snd, t->rcv + 4, 8000, NULL, 0);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.srtt_us, srtt);	/* Karn: no sample */
	assert_int_equal(ci.retransmits, 3);
	assert_int_equal(ci.cwnd, 1460 + 4);	/* RFC 5681 (4): LW + acked */
	assert_int_equal(ci.ssthresh, 2 * 1460);
	tick(t, 10000);
	expect_nothing(t);			/* nothing left to send */
	done(t);
}

/* RFC 6298 2.2 / 2.3: the first sample (the handshake, 100 ms) sets SRTT
 * = R, RTTVAR = R / 2; the next one smooths; RTO = SRTT + 4 RTTVAR. */
static void test_established_rtt_samples_set_rto(void **state)
{
	struct tfx *t = *state;
	struct tcp_conn_info ci;
	struct tseg s;

	tfx_listen(t);
	seg_in(t, TCP_SYN, t->snd, 0, 8000, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	t->snd++;
	t->rcv = s.th.seq + 1;
	tick(t, 100);
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, NULL, 0);
	assert_int_equal(tcp_accept(t->fx.ns, t->lis, NULL, NULL, &t->pcb), 0);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.srtt_us, 100000);
	assert_int_equal(ci.rttvar_us, 50000);
	assert_int_equal(ci.rto_ms, 300);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, "data", 4, 0), 4);
	expect_seg(t, &s);
	tick(t, 100);
	seg_in(t, TCP_ACK, t->snd, t->rcv + 4, 8000, NULL, 0);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.srtt_us, 100000);
	assert_int_equal(ci.rttvar_us, 37500);
	assert_int_equal(ci.rto_ms, 250);
	done(t);
}

/* RFC 5681 3.2 / RFC 6582: three duplicate ACKs retransmit the lost
 * segment at once and enter recovery with ssthresh = flight / 2; a
 * partial ACK retransmits the next hole; the full ACK ends recovery. */
static void test_established_three_dupacks_fast_retransmit_newreno(void **state)
{
	struct tfx *t = *state;
	uint8_t d[8 * 1460];
	struct tcp_conn_info ci;
	struct tseg s;
	int i;

	tfx_passive_open(t, NULL, 60000);
	fill_pattern(d, sizeof(d), 0);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0),
			 (long)sizeof(d));
	for (i = 0; i < 8; i++)
		expect_seg(t, &s);
	/* Segments 0 and 2 lost; 1 and 3.. arrive: dupacks for 0. */
	seg_in(t, TCP_ACK, t->snd, t->rcv, 60000, NULL, 0);
	/* RFC 3042: the first two duplicates may send new data: none left. */
	seg_in(t, TCP_ACK, t->snd, t->rcv, 60000, NULL, 0);
	expect_nothing(t);
	seg_in(t, TCP_ACK, t->snd, t->rcv, 60000, NULL, 0);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, t->rcv);
	assert_int_equal(s.len, 1460);
	assert_int_equal(tstat(t, NET_STAT_TCP_FAST_RETRANSMIT), 1);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.ssthresh, 4 * 1460);
	assert_int_equal(ci.cwnd, 7 * 1460);
	/* Partial ACK up to the second hole: retransmit it at once. */
	seg_in(t, TCP_ACK, t->snd, t->rcv + 2 * 1460, 60000, NULL, 0);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, t->rcv + 2 * 1460);
	assert_int_equal(tstat(t, NET_STAT_TCP_PARTIAL_ACK), 1);
	/* Full ACK: recovery over, cwnd = min(ssthresh, max(FlightSize,
	 * SMSS) + SMSS) (RFC 6582 3.2 step 3 (1)): nothing is left in
	 * flight, and two segments, not one, may go. */
	seg_in(t, TCP_ACK, t->snd, t->rcv + 8 * 1460, 60000, NULL, 0);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.cwnd, 2 * 1460);
	assert_int_equal(ci.unacked, 0);
	expect_nothing(t);
	done(t);
}

static void sack_ack(struct tfx *t, uint32_t ack, int n, const uint32_t *b)
{
	struct tcp_hdr th;
	int i;

	memset(&th, 0, sizeof(th));
	th.flags = TCP_ACK;
	th.seq = t->snd;
	th.ack = ack;
	th.wnd = 60000;
	th.nsack = (uint8_t)n;
	for (i = 0; i < n; i++) {
		th.sack[i].start = b[2 * i];
		th.sack[i].end = b[2 * i + 1];
	}
	seg_in_hdr(t, &th, NULL, 0);
}

/* RFC 6675 5: with SACK, the third duplicate retransmits the first hole
 * at once with cwnd = ssthresh; a second hole is resent as soon as the
 * scoreboard shows it lost (IsLost), without waiting a round trip for a
 * partial ACK as NewReno must; SACKed data is never resent. */
static void test_established_sack_recovery_resends_only_holes(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .sack_perm = true};
	uint8_t d[10 * 1460];
	struct tcp_conn_info ci;
	uint32_t b[4], S[11];
	struct tseg s;
	int i;

	tfx_passive_open(t, &o, 60000);
	fill_pattern(d, sizeof(d), 0);
	for (i = 0; i <= 10; i++)
		S[i] = t->rcv + (uint32_t)i * 1460;
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0),
			 (long)sizeof(d));
	for (i = 0; i < 10; i++)
		expect_seg(t, &s);
	/* Segments 2 and 5 lost. */
	sack_ack(t, S[2], 0, NULL);
	b[0] = S[3]; b[1] = S[4];
	sack_ack(t, S[2], 1, b);
	b[1] = S[5];
	sack_ack(t, S[2], 1, b);
	expect_nothing(t);
	b[0] = S[6]; b[1] = S[7]; b[2] = S[3]; b[3] = S[5];
	sack_ack(t, S[2], 2, b);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, S[2]);
	assert_int_equal(s.len, 1460);
	expect_nothing(t);
	assert_int_equal(tstat(t, NET_STAT_TCP_SACK_RECOVERY), 1);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.ssthresh, 4 * 1460);
	assert_int_equal(ci.cwnd, 4 * 1460);
	/* 7 and 8 arrive: three segments SACKed above 5, so 5 is lost. */
	b[1] = S[8];
	sack_ack(t, S[2], 2, b);
	expect_nothing(t);
	b[1] = S[9];
	sack_ack(t, S[2], 2, b);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, S[5]);
	expect_nothing(t);
	/* The retransmission of 2 arrives: a partial ACK, nothing to add. */
	b[1] = S[10];
	sack_ack(t, S[5], 1, b);
	expect_nothing(t);
	/* The full ACK covers everything sent (a stretch ACK): recovery
	 * ends with cwnd at ssthresh (RFC 6675 5), not deflated to the
	 * empty flight plus one segment. */
	sack_ack(t, S[10], 0, NULL);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.unacked, 0);
	assert_int_equal(ci.retransmits, 2);
	assert_int_equal(ci.cwnd, 4 * 1460);
	expect_nothing(t);
	done(t);
}

/* The retransmission of the first hole is lost as well. Without a check,
 * only the RTO would resend it (cwnd back to one segment); once data sent
 * after the retransmission is SACKed beyond DupThresh (RFC 8985 6.2's
 * order-of-sending test), it is resent at once and cwnd halves again. */
static void big_sndbuf(struct netstack_params *p)
{
	p->tcp_sndbuf = 64 * 1024;
}

static int tfx_setup_sndbuf(void **state)
{
	return tfx_setup_with(state, big_sndbuf);
}

static void test_established_sack_lost_retransmission_resent(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .sack_perm = true};
	static uint8_t d[20 * 1460];
	struct tcp_conn_info ci;
	uint32_t b[2], S[21], next, mark, ssth;
	struct tseg s;
	int i;

	tfx_passive_open(t, &o, 60000);
	fill_pattern(d, sizeof(d), 0);
	for (i = 0; i <= 20; i++)
		S[i] = t->rcv + (uint32_t)i * 1460;
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0),
			 (long)sizeof(d));
	for (i = 0; i < 10; i++)	/* the initial window */
		expect_seg(t, &s);
	expect_nothing(t);
	/* Segment 0 lost: SACKs for 1..; the first two let new data out
	 * (RFC 3042), the third starts recovery and resends 0 first. */
	next = S[10];
	b[0] = S[1];
	for (i = 2; i <= 4; i++) {
		b[1] = S[i];
		sack_ack(t, S[0], 1, b);
		if (i == 4) {
			expect_seg(t, &s);
			assert_int_equal(s.th.seq, S[0]);
		}
		while (tx_count(t)) {
			expect_seg(t, &s);
			assert_int_equal(s.th.seq, next);
			next += s.len;
		}
	}
	assert_int_equal(tstat(t, NET_STAT_TCP_SACK_RECOVERY), 1);
	mark = next;
	/* 4.. arrive: the pipe lets new data out, three segments at least
	 * after the retransmission. */
	for (i = 5; i <= 12; i++) {
		b[1] = S[i];
		sack_ack(t, S[0], 1, b);
		while (tx_count(t)) {
			expect_seg(t, &s);
			assert_int_equal(s.th.seq, next);
			next += s.len;
		}
	}
	assert_true(seq_geq(next, mark + 3 * 1460));
	assert_int_equal(tstat(t, NET_STAT_TCP_LOST_RETRANSMIT), 0);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	ssth = ci.ssthresh;
	/* Three segments sent after the retransmission arrive but 0 does
	 * not: its second copy was lost too. */
	b[1] = mark + 3 * 1460;
	sack_ack(t, S[0], 1, b);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, S[0]);
	assert_int_equal(s.len, 1460);
	assert_int_equal(tstat(t, NET_STAT_TCP_LOST_RETRANSMIT), 1);
	assert_int_equal(tstat(t, NET_STAT_TCP_RTO), 0);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.ssthresh, ssth / 2);
	assert_int_equal(ci.cwnd, ssth / 2);
	assert_int_equal(ci.retransmits, 2);
	/* Its ACK ends the episode. */
	while (tx_count(t)) {
		expect_seg(t, &s);
		next = seq_max(next, s.th.seq + s.len);
	}
	sack_ack(t, next, 0, NULL);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, &ci), 0);
	assert_int_equal(ci.retransmits, 2);
	done(t);
}

/* RFC 2883 / RFC 3708: segment 0 was only late (reordered): the third
 * duplicate retransmits it, then the original arrives and the copy comes
 * back as a D-SACK: the episode is undone, cwnd and ssthresh restored. */
static void test_established_reordering_dsack_undoes_recovery(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .sack_perm = true};
	uint8_t d[8 * 1460];
	struct tcp_conn_info ci;
	uint32_t b[4], S[9], cwnd0, ssth0;
	struct tseg s;
	int i;

	tfx_passive_open(t, &o, 60000);
	for (i = 0; i <= 8; i++)
		S[i] = t->rcv + (uint32_t)i * 1460;
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0),
			 (long)sizeof(d));
	for (i = 0; i < 8; i++)
		expect_seg(t, &s);
	tcp_info(t->fx.ns, t->pcb, &ci);
	cwnd0 = ci.cwnd;
	ssth0 = ci.ssthresh;
	for (i = 2; i <= 4; i++) {
		b[0] = S[1];
		b[1] = S[i];
		sack_ack(t, S[0], 1, b);
	}
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, S[0]);
	tcp_info(t->fx.ns, t->pcb, &ci);
	assert_true(ci.cwnd < cwnd0);
	/* The original 0 arrives: everything is acknowledged... */
	sack_ack(t, S[8], 0, NULL);
	/* ...and the retransmitted copy is reported as a duplicate. */
	b[0] = S[0];
	b[1] = S[1];
	sack_ack(t, S[8], 1, b);
	assert_int_equal(tstat(t, NET_STAT_TCP_SPURIOUS_UNDO), 1);
	tcp_info(t->fx.ns, t->pcb, &ci);
	assert_true(ci.cwnd >= cwnd0);
	assert_int_equal(ci.ssthresh, ssth0);
	done(t);
}

/* A real loss is not undone: the retransmission is not D-SACKed. */
static void test_established_loss_without_dsack_not_undone(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .sack_perm = true};
	uint8_t d[8 * 1460];
	struct tcp_conn_info ci;
	uint32_t b[4], S[9];
	struct tseg s;
	int i;

	tfx_passive_open(t, &o, 60000);
	for (i = 0; i <= 8; i++)
		S[i] = t->rcv + (uint32_t)i * 1460;
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0),
			 (long)sizeof(d));
	for (i = 0; i < 8; i++)
		expect_seg(t, &s);
	for (i = 2; i <= 4; i++) {
		b[0] = S[1];
		b[1] = S[i];
		sack_ack(t, S[0], 1, b);
	}
	expect_seg(t, &s);
	sack_ack(t, S[8], 0, NULL);
	/* A D-SACK for something else (an old block) changes nothing. */
	b[0] = S[5];
	b[1] = S[6];
	sack_ack(t, S[8], 1, b);
	assert_int_equal(tstat(t, NET_STAT_TCP_SPURIOUS_UNDO), 0);
	tcp_info(t->fx.ns, t->pcb, &ci);
	assert_int_equal(ci.ssthresh, 4 * 1460);
	done(t);
}

/* RFC 6675 5.1: after a timeout the go-back retransmission still uses
 * the scoreboard: what the peer SACKed is not sent again. */
static void test_established_rto_go_back_skips_sacked(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .sack_perm = true};
	uint8_t d[6 * 1460];
	uint32_t b[2], S[7];
	struct tseg s;
	int i;

	tfx_passive_open(t, &o, 60000);
	for (i = 0; i <= 6; i++)
		S[i] = t->rcv + (uint32_t)i * 1460;
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0),
			 (long)sizeof(d));
	for (i = 0; i < 6; i++)
		expect_seg(t, &s);
	b[0] = S[2];
	b[1] = S[4];
	sack_ack(t, S[0], 1, b);	/* one duplicate: no recovery */
	expect_nothing(t);
	tick(t, 200);
	expect_seg(t, &s);		/* RTO: the first segment */
	assert_int_equal(s.th.seq, S[0]);
	expect_nothing(t);
	/* cwnd 2 SMSS now; SACKed bytes are not in flight. */
	sack_ack(t, S[1], 1, b);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, S[1]);
	assert_int_equal(s.len, 1460);
	expect_seg(t, &s);	/* S2 and S3 are SACKed: skipped */
	assert_int_equal(s.th.seq, S[4]);
	expect_nothing(t);
	sack_ack(t, S[2], 1, b);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, S[5]);
	expect_nothing(t);
	sack_ack(t, S[6], 0, NULL);
	assert_int_equal(tstat(t, NET_STAT_TCP_RETRANSMIT), 4);	/* not 6 */
	done(t);
}

/* RFC 6675 4 NextSeg (3): a hole near the end, with too little SACKed
 * above it to count as lost, is resent in recovery when nothing else may
 * go, instead of waiting for the RTO. */
static void test_established_sack_tail_hole_resent_without_rto(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .sack_perm = true};
	uint8_t d[10 * 1460];
	uint32_t b[4], S[11];
	bool got1 = false, got7 = false;
	struct tseg s;
	int i;

	tfx_passive_open(t, &o, 60000);
	for (i = 0; i <= 10; i++)
		S[i] = t->rcv + (uint32_t)i * 1460;
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0),
			 (long)sizeof(d));
	for (i = 0; i < 10; i++)
		expect_seg(t, &s);
	/* S1 and S7 lost; the rest arrives in order and is SACKed. */
	for (i = 3; i <= 10; i++) {
		if (i == 8)
			continue;
		if (i <= 7) {
			b[0] = S[2];
			b[1] = S[i];
			sack_ack(t, S[1], 1, b);
		} else {
			/* RFC 2018 4: the newest block first. */
			b[0] = S[8];
			b[1] = S[i];
			b[2] = S[2];
			b[3] = S[7];
			sack_ack(t, S[1], 2, b);
		}
		while (tx_count(t)) {
			expect_seg(t, &s);
			got1 |= s.th.seq == S[1];
			got7 |= s.th.seq == S[7];
		}
	}
	assert_true(got1);
	assert_true(got7);	/* S7 has one SACKed segment above: not lost */
	sack_ack(t, S[10], 0, NULL);
	assert_int_equal(tstat(t, NET_STAT_TCP_RTO), 0);
	assert_int_equal(tstat(t, NET_STAT_TCP_RETRANSMIT), 2);
	done(t);
}

/* RFC 8985 7: with SACK, when nothing comes back for the probe timeout
 * (2 SRTT, at least 10 ms) the last segment goes again once, long before
 * the RTO; its SACKed answer then starts recovery for the real hole. */
static void test_established_tail_loss_probe_before_rto(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .sack_perm = true};
	uint8_t d[3 * 1460];
	uint32_t b[2], S[4];
	struct tseg s;
	int i;

	tfx_passive_open(t, &o, 60000);
	for (i = 0; i <= 3; i++)
		S[i] = t->rcv + (uint32_t)i * 1460;
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0),
			 (long)sizeof(d));
	for (i = 0; i < 3; i++)
		expect_seg(t, &s);
	tick(t, 9);
	expect_nothing(t);
	tick(t, 1);
	expect_seg(t, &s);			/* the probe: the last segment */
	assert_int_equal(s.th.seq, S[2]);
	assert_int_equal(tstat(t, NET_STAT_TCP_TLP_PROBE), 1);
	tick(t, 50);
	expect_nothing(t);			/* one probe only */
	/* The probe's answer: S1, S2 SACKed: S0 is the hole. */
	b[0] = S[1];
	b[1] = S[3];
	sack_ack(t, S[0], 1, b);
	sack_ack(t, S[0], 1, b);
	sack_ack(t, S[0], 1, b);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, S[0]);
	sack_ack(t, S[3], 0, NULL);
	assert_int_equal(tstat(t, NET_STAT_TCP_RTO), 0);
	done(t);
}

/* RFC 2018 / RFC 5961 spirit: SACK blocks for data never sent are
 * ignored, so they cannot make the sender skip anything. */
static void test_established_sack_blocks_beyond_snd_nxt_ignored(void **state)
{
	struct tfx *t = *state;
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .sack_perm = true};
	uint8_t d[4 * 1460];
	uint32_t b[2];
	struct tseg s;
	int i;

	tfx_passive_open(t, &o, 60000);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0),
			 (long)sizeof(d));
	for (i = 0; i < 4; i++)
		expect_seg(t, &s);
	b[0] = t->rcv + 100000;
	b[1] = t->rcv + 200000;
	for (i = 0; i < 2; i++)
		sack_ack(t, t->rcv, 1, b);
	expect_nothing(t);	/* no recovery from bogus blocks */
	sack_ack(t, t->rcv, 1, b);
	/* The third duplicate still means fast retransmit, NewReno style
	 * since no valid block is known. */
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, t->rcv);
	assert_int_equal(tstat(t, NET_STAT_TCP_SACK_RECOVERY), 0);
	done(t);
}

/* Fill our 16 KiB receive ring from the peer (the app does not read)
 * and check we advertise window 0. */
static void fill_rcv_ring(struct tfx *t)
{
	static uint8_t big[16384];
	struct tseg s;

	for (uint32_t off = 0; off < sizeof(big); off += 1460) {
		uint32_t n = sizeof(big) - off < 1460 ? sizeof(big) - off : 1460;

		seg_in(t, TCP_ACK, t->snd + off, t->rcv, 60000, big + off, n);
	}
	t->snd += sizeof(big);
	while (tx_count(t))
		expect_seg(t, &s);
	tick(t, 300);
	while (tx_count(t))
		expect_seg(t, &s);
	assert_int_equal(s.th.ack, t->snd);
	assert_int_equal(s.th.wnd, 0);
}

/* RFC 9293 3.10.7.4 first: "If the RCV.WND is zero, no segments will be
 * acceptable, but special allowance should be made to accept valid ACKs,
 * URGs, and RSTs." The peer's zero-window probe (one byte at RCV.NXT)
 * acknowledges our data: SND.UNA moves, the byte is dropped, and our ACK
 * says window 0 again. */
static void test_established_zero_rcv_window_still_takes_ack(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_conn_info ci;
	uint8_t buf[100];
	struct tseg s;

	tfx_active_open(t, NULL, 60000);
	fill_rcv_ring(t);
	memset(buf, 'b', sizeof(buf));
	assert_int_equal(tcp_send(ns, t->pcb, buf, sizeof(buf), 0), 100);
	expect_seg(t, &s);
	seg_in(t, TCP_ACK, t->snd, t->rcv + 100, 60000, "z", 1);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd);	/* the byte was not taken */
	assert_int_equal(s.th.wnd, 0);
	expect_nothing(t);
	assert_int_equal(tcp_info(ns, t->pcb, &ci), 0);
	assert_int_equal(ci.unacked, 0);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_OUT_OF_WINDOW), 1);
	done(t);
}

/* RFC 9293 3.10.7.4 eighth / 3.10.4: a bare FIN at RCV.NXT needs no
 * buffer space, so a zero receive window does not refuse it (as Linux);
 * else two ends that both closed with unread data drop each other's FIN
 * until their apps read. */
static void test_established_zero_rcv_window_bare_fin_taken(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_active_open(t, NULL, 60000);
	fill_rcv_ring(t);
	seg_in(t, TCP_FIN | TCP_ACK, t->snd, t->rcv, 60000, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + 1);
	assert_int_equal(tcp_state(t->pcb), TCP_CLOSE_WAIT);
	done(t);
}

/* RFC 9293 3.10.7.4 first: with the window closed, a data segment with a
 * FIN is refused whole (the data does not fit, so the FIN is not next). */
static void test_established_zero_rcv_window_data_fin_refused(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_active_open(t, NULL, 60000);
	fill_rcv_ring(t);
	seg_in(t, TCP_FIN | TCP_ACK, t->snd, t->rcv, 60000, "z", 1);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd);
	assert_int_equal(s.th.wnd, 0);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	done(t);
}

/* RFC 9293 3.10.7.4 fifth: "If SND.UNA =< SEG.ACK =< SND.NXT, the send
 * window should be updated" -- only then. A segment with newer data but
 * an ACK older than SND.UNA (reordered, or injected within RFC 5961's
 * tolerance) must not set the window: its field is relative to the old
 * ACK, and a 0 there would put us into persist for nothing. */
static void test_established_old_ack_window_not_updated(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_conn_info ci;
	uint8_t buf[1000];
	struct tseg s;

	tfx_active_open(t, NULL, 8000);
	memset(buf, 'w', sizeof(buf));
	assert_int_equal(tcp_send(ns, t->pcb, buf, sizeof(buf), 0), 1000);
	expect_seg(t, &s);
	seg_in(t, TCP_ACK | TCP_PSH, t->snd, t->rcv + 1000, 8000, "c", 1);
	/* Newer data (SEG.SEQ > SND.WL1), old ACK, window 0. */
	seg_in(t, TCP_ACK | TCP_PSH, t->snd + 1, t->rcv + 500, 0, "d", 1);
	assert_int_equal(tcp_info(ns, t->pcb, &ci), 0);
	assert_int_equal(ci.snd_wnd, 8000);
	assert_int_equal(ci.unacked, 0);
	/* The data itself was taken. */
	assert_int_equal(tcp_recv(ns, t->pcb, buf, sizeof(buf), 0), 2);
	done(t);
}

/* RFC 6298 3 (Karn): "RTT samples MUST NOT be made using segments that
 * were retransmitted". A timed segment whose window closed is resent by
 * the zero-window probes; the ACK that finally covers it must not time
 * the whole persist period (20 s here) into SRTT and the RTO. */
static void test_established_persist_retransmit_not_timed(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	struct tcp_conn_info ci;
	uint8_t buf[100];
	struct tseg s;
	int i, probes = 0;

	tfx_active_open(t, NULL, 8000);
	assert_int_equal(tcp_info(ns, t->pcb, &ci), 0);
	assert_int_equal(ci.rto_ms, 200);
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(tcp_send(ns, t->pcb, buf, sizeof(buf), 0), 100);
	expect_seg(t, &s);		/* timed */
	assert_int_equal(s.len, 100);
	/* The peer's buffer filled before these bytes: window 0, no ACK. */
	seg_in(t, TCP_ACK, t->snd, t->rcv, 0, NULL, 0);
	for (i = 0; i < 200; i++) {	/* 20 s of probes */
		tick(t, 100);
		while (tx_count(t)) {
			expect_seg(t, &s);
			assert_int_equal(s.len, 1);
			assert_int_equal(s.th.seq, t->rcv);
			probes++;
		}
	}
	assert_true(probes >= 3);
	/* The peer reads: everything acknowledged, window open. */
	seg_in(t, TCP_ACK, t->snd, t->rcv + 100, 8000, NULL, 0);
	assert_int_equal(tcp_info(ns, t->pcb, &ci), 0);
	assert_true(ci.srtt_us < 1000000);
	assert_int_equal(ci.rto_ms, 200);
	done(t);
}

/* RFC 9293 3.8.6.1: a zero window is probed, with backoff; when the
 * window opens the data flows. */
static void test_established_zero_window_probed(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	seg_in(t, TCP_ACK, t->snd, t->rcv, 0, NULL, 0);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, "abcdef", 6, 0), 6);
	expect_nothing(t);
	tick(t, 199);
	expect_nothing(t);
	tick(t, 1);
	expect_seg(t, &s);
	assert_int_equal(s.len, 1);
	assert_int_equal(s.th.seq, t->rcv);
	/* Still closed: the probe byte is not taken. */
	seg_in(t, TCP_ACK, t->snd, t->rcv, 0, NULL, 0);
	tick(t, 399);
	expect_nothing(t);
	tick(t, 1);
	expect_seg(t, &s);
	assert_int_equal(s.len, 1);
	assert_int_equal(s.th.seq, t->rcv);
	assert_int_equal(tstat(t, NET_STAT_TCP_PERSIST_PROBE), 2);
	/* Opened: the rest goes. */
	seg_in(t, TCP_ACK, t->snd, t->rcv, 8000, NULL, 0);
	expect_seg(t, &s);
	assert_int_equal(s.th.seq, t->rcv);
	assert_int_equal(s.len, 6);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	done(t);
}

/* A full link (xmit says -ENOBUFS) is back-pressure: the data stays
 * queued and goes out once the link takes frames again. */
static void test_established_link_full_data_retried(void **state)
{
	struct tfx *t = *state;
	struct tseg s;

	tfx_passive_open(t, NULL, 8000);
	t->fx.cap.xmit_ret = -ENOBUFS;
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, "keep", 4, 0), 4);
	assert_true(tstat(t, NET_STAT_TCP_TX_BACKPRESSURE) >= 1);
	t->fx.cap.xmit_ret = 0;
	tick(t, 5);
	expect_seg(t, &s);
	assert_int_equal(s.len, 4);
	assert_memory_equal(s.data, "keep", 4);
	assert_int_equal(s.th.seq, t->rcv);
	done(t);
}

/* A connection holds no send ring until it sends: a receive-only one
 * (discard) costs one ring, and TCP_OPT_SNDBUF may still size it. */
static void test_established_send_ring_allocated_on_first_send(void **state)
{
	struct tfx *t = *state;
	struct netstack *ns = t->fx.ns;
	static uint8_t d[8192];
	size_t before;
	struct tseg s;

	tfx_passive_open(t, NULL, 60000);
	before = t->fx.fe.live_bytes;
	assert_true(tcp_events(t->pcb) & TCP_EV_WRITABLE);
	assert_int_equal(tcp_setopt(ns, t->pcb, TCP_OPT_SNDBUF, 4096), 0);
	assert_int_equal(tcp_send(ns, t->pcb, d, sizeof(d), 0), 4096);
	assert_int_equal(t->fx.fe.live_bytes, before + 4096);
	assert_int_equal(tcp_setopt(ns, t->pcb, TCP_OPT_SNDBUF, 8192), -EISCONN);
	expect_seg(t, &s);
	done(t);
}

/* The send ring bounds what tcp_send takes: -EAGAIN when full, WRITABLE
 * again when ACKs free room. */
static void test_established_send_ring_full_eagain(void **state)
{
	struct tfx *t = *state;
	static uint8_t d[20000];
	struct tseg s;

	tfx_passive_open(t, NULL, 0);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0), 16384);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, 10, 0), -EAGAIN);
	assert_false(tcp_events(t->pcb) & TCP_EV_WRITABLE);
	seg_in(t, TCP_ACK, t->snd, t->rcv, 60000, NULL, 0);
	expect_seg(t, &s);
	seg_in(t, TCP_ACK, t->snd, t->rcv + 1460, 60000, NULL, 0);
	assert_true(tcp_events(t->pcb) & TCP_EV_WRITABLE);
	assert_true(t->ev_bits & TCP_EV_WRITABLE);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d), 0), 1460);
	done(t);
}

/* ---- the byte ring (net/tcp_ring.c) ---- */

/* RFC 9293 3.8.6.1 (a segment carries only data the sender has): a ring
 * read never goes outside the queued bytes nor divides by an unallocated
 * ring's zero size; what it cannot fill is zeroed, and a write never runs
 * past the buffer. A logic slip elsewhere must not crash the kernel. */
static void test_ring_out_of_range_copies_clipped(void **state)
{
	struct tcp_ring none, r;
	uint8_t buf[8], out[8];

	(void)state;
	memset(&none, 0, sizeof(none));
	memset(out, 0xaa, sizeof(out));
	ring_read_at(&none, 0, out, 4);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[3], 0);
	assert_int_equal(out[4], 0xaa);
	ring_write_at(&none, 0, "abcd", 4);

	memset(&r, 0, sizeof(r));
	memset(buf, 'x', sizeof(buf));
	r.buf = buf;
	r.size = sizeof(buf);
	r.head = 6;
	ring_write_at(&r, 0, "abc", 3);	/* wraps: 6, 7, 0 */
	r.len = 3;
	memset(out, 0xaa, sizeof(out));
	ring_read_at(&r, 1, out, 4);	/* 2 queued bytes, then nothing */
	assert_memory_equal(out, "bc\0\0", 4);
	memset(out, 0xaa, sizeof(out));
	ring_read_at(&r, 3, out, 1);	/* past the queued data */
	assert_int_equal(out[0], 0);
	ring_write_at(&r, 6, "0123456789", 10);	/* only 2 fit */
	assert_int_equal(buf[4], '0');
	assert_int_equal(buf[5], '1');
	assert_int_equal(buf[6], 'a');
	assert_int_equal(buf[3], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_out_of_range_copies_clipped),
		cmocka_unit_test_setup_teardown(test_established_one_segment_ack_delayed, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_second_full_segment_acked_at_once, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_out_of_order_sack_then_filled, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_duplicate_reported_by_dsack, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_window_closes_and_reopens, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_window_scaling_both_ways, setup_big, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_scaled_window_edge_never_retracts, setup_big, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_window_filled_behind_hole_ring_grows, setup_growing, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_rcvbuf_set_ring_kept, setup_growing, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_default_ring_grows_to_512k, setup_default_rcvbuf, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_tiny_ring_large_scale_window_open, setup_tiny_growing, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_send_segmented_to_mss, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_app_limited_cwnd_not_grown, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_idle_restarts_from_initial_window, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_nagle_holds_small_behind_small, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_nodelay_sends_at_once, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_reply_tail_not_held, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_send_more_holds_partial, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_rto_backoff_and_karn, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_rtt_samples_set_rto, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_three_dupacks_fast_retransmit_newreno, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_sack_recovery_resends_only_holes, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_sack_lost_retransmission_resent, tfx_setup_sndbuf, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_sack_blocks_beyond_snd_nxt_ignored, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_reordering_dsack_undoes_recovery, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_rto_go_back_skips_sacked, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_sack_tail_hole_resent_without_rto, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_tail_loss_probe_before_rto, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_loss_without_dsack_not_undone, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_zero_window_probed, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_persist_retransmit_not_timed, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_old_ack_window_not_updated, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_zero_rcv_window_still_takes_ack, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_zero_rcv_window_bare_fin_taken, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_zero_rcv_window_data_fin_refused, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_link_full_data_retried, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_send_ring_full_eagain, tfx_setup, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_established_send_ring_allocated_on_first_send, tfx_setup, tfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
