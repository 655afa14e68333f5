/*
 * offload_test.c: the stack's side of NIC offloads (net/netif.h
 * NETIF_OFFLOAD_*): TCP segments past the MSS only to a TSO interface,
 * checksums left partial (csum_start/csum_offset) only to one that
 * completes them, and on receive a checksum skipped only when the NIC
 * vouched for it (virtio 1.2 5.1.6; RFC 9293 3.1 for the checksum).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_test_util.h"
#include "../../../net/byteorder.h"
#include "../../../net/checksum.h"
#include "../../../net/netstack_priv.h"

#define BIG (64 * 1024)

static void big_bufs(struct netstack_params *p)
{
	p->tcp_sndbuf = 256 * 1024;
	p->tcp_rcvbuf = 64 * 1024;
	p->pkt_large = 8;
}

static int setup_plain(void **state)
{
	return tfx_setup_offload(state, big_bufs, 0);
}

static int setup_csum(void **state)
{
	return tfx_setup_offload(state, big_bufs,
				 NETIF_OFFLOAD_TX_CSUM | NETIF_OFFLOAD_RX_CSUM);
}

static int setup_tso(void **state)
{
	return tfx_setup_offload(state, big_bufs,
				 NETIF_OFFLOAD_TSO4 | NETIF_OFFLOAD_RX_CSUM);
}

/* A captured TCP frame as sent: its buffer (the caller frees it) and views. */
struct txf {
	struct pktbuf *p;
	struct ip_hdr ip;
	struct tcp_hdr th;
	uint8_t *tcp;		/* the TCP header in p */
	size_t tl;		/* TCP header + data */
	size_t dlen;		/* data */
};

static void pop_tcp(struct tfx *t, struct txf *f)
{
	enum net_stat why;

	f->p = expect_tx(&t->fx, 0x0800);
	assert_int_equal(ip_hdr_parse(f->p->data + 14, f->p->len - 14, &f->ip,
				      &why), 0);
	assert_int_equal(f->ip.proto, IP_PROTO_TCP);
	f->tcp = f->p->data + 14 + f->ip.hdr_len;
	f->tl = f->ip.tot_len - f->ip.hdr_len;
	assert_int_equal(tcp_hdr_parse(f->tcp, f->tl, &f->th, &why), 0);
	f->dlen = f->tl - f->th.hdr_len;
}

static bool csum_ok(const struct txf *f)
{
	return csum_fold(csum_partial(f->tcp, f->tl,
				      csum_pseudo(f->ip.src, f->ip.dst,
						  IP_PROTO_TCP,
						  (uint16_t)f->tl))) == 0;
}

/* The connection with a peer window of 1 MiB (scale 4) and MSS 1460. */
static void open_wide(struct tfx *t)
{
	struct tcp_hdr o = {.has_mss = true, .mss = 1460, .has_ws = true,
			    .ws = 4};

	tfx_passive_open(t, &o, 65535);
}

/* Sends len bytes of pattern and takes every frame it produced into out. */
static unsigned send_and_collect(struct tfx *t, size_t len, struct txf *out,
				 unsigned max)
{
	static uint8_t d[BIG * 2];
	unsigned n = 0;

	assert_true(len <= sizeof(d));
	fill_pattern(d, len, 0);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, len, 0), (long)len);
	while (capture_count(&t->fx.cap) && n < max)
		pop_tcp(t, &out[n++]);
	return n;
}

static void free_all(struct txf *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pktbuf_free(f[i].p);
}

/* Without offloads every segment fits the MSS and carries a complete checksum. */
static void test_plain_netif_segments_at_mss_checksums_complete(void **state)
{
	struct tfx *t = *state;
	struct txf f[64];
	unsigned n;

	open_wide(t);
	n = send_and_collect(t, 10000, f, 64);
	assert_true(n >= 7);
	for (unsigned i = 0; i < n; i++) {
		assert_true(f[i].dlen <= 1460);
		assert_int_equal(f[i].p->gso_size, 0);
		assert_int_equal(f[i].p->csum, PKTBUF_CSUM_NONE);
		assert_true(csum_ok(&f[i]));
	}
	assert_int_equal(tstat(t, NET_STAT_TCP_TSO_SEG_OUT), 0);
	free_all(f, n);
}

/*
 * TX_CSUM: the checksum field holds the pseudo-header sum (RFC 9293 3.1's
 * pseudo-header, folded, not complemented), csum_start is the TCP header
 * and csum_offset its checksum field (virtio 1.2 5.1.6.2); completing it
 * over csum_start .. end gives the right checksum.
 */
static void test_tx_csum_netif_gets_partial_checksum(void **state)
{
	struct tfx *t = *state;
	struct txf f[8];
	unsigned n;
	uint16_t pseudo;

	open_wide(t);
	n = send_and_collect(t, 100, f, 8);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].p->csum, PKTBUF_CSUM_PARTIAL);
	assert_ptr_equal(f[0].p->head + f[0].p->csum_start, f[0].tcp);
	assert_int_equal(f[0].p->csum_offset, 16);
	assert_int_equal(f[0].p->gso_size, 0);
	pseudo = (uint16_t)~csum_fold(csum_pseudo(f[0].ip.src, f[0].ip.dst,
						  IP_PROTO_TCP,
						  (uint16_t)f[0].tl));
	assert_int_equal(get_be16(f[0].tcp + 16), pseudo);
	assert_false(csum_ok(&f[0]));
	pktbuf_csum_finish(f[0].p);
	assert_int_equal(f[0].p->csum, PKTBUF_CSUM_NONE);
	assert_true(csum_ok(&f[0]));
	free_all(f, n);
}

/*
 * TSO4: a segment of several MSS leaves as one datagram past the MTU with
 * gso_size = the data one wire segment carries (MSS less options) and a
 * partial checksum; its bytes are the stream's.
 */
static void test_tso_netif_sends_segment_past_mss(void **state)
{
	struct tfx *t = *state;
	struct txf f[64];
	unsigned n;
	uint8_t want[40000];
	size_t at = 0;

	open_wide(t);
	n = send_and_collect(t, 40000, f, 64);
	fill_pattern(want, sizeof(want), 0);
	assert_true(n >= 1);
	assert_true(f[0].dlen > 1460);
	assert_true(f[0].ip.tot_len > 1500);
	assert_true(f[0].ip.df);
	assert_int_equal(f[0].p->gso_size, 1460);
	assert_int_equal(f[0].dlen % 1460, 0);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(f[i].p->csum, PKTBUF_CSUM_PARTIAL);
		assert_int_equal(f[i].th.seq, t->rcv + at);
		assert_memory_equal(f[i].tcp + f[i].th.hdr_len, want + at,
				    f[i].dlen);
		at += f[i].dlen;
		pktbuf_csum_finish(f[i].p);
		assert_true(csum_ok(&f[i]));
	}
	/* The initial window (RFC 5681 3.1: 10 segments here) bounds it. */
	assert_true(at >= 10 * 1460);
	assert_true(tstat(t, NET_STAT_TCP_TSO_SEG_OUT) >= 1);
	free_all(f, n);
}

/*
 * Sends 60000 bytes as the window allows and ACKs all that left at once,
 * as a receiver that coalesces segments does; the cwnd before and after.
 */
static void one_stretch_ack(struct tfx *t, struct tcp_conn_info *before,
			    struct tcp_conn_info *after)
{
	struct txf f[64];
	size_t sent = 0;
	unsigned n;

	open_wide(t);
	n = send_and_collect(t, 60000, f, 64);
	for (unsigned i = 0; i < n; i++)
		sent += f[i].dlen;
	free_all(f, n);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, before), 0);
	assert_int_equal(before->unacked, sent);
	seg_in(t, TCP_ACK, t->snd, t->rcv + (uint32_t)sent, 65535, NULL, 0);
	assert_int_equal(tcp_info(t->fx.ns, t->pcb, after), 0);
	capture_purge(&t->fx.cap);
}

/*
 * RFC 5681 3.1 (2) with RFC 3465's L: a receiver that coalesces our TSO
 * segment ACKs it once; slow start counts the whole of it, or it would
 * grow by one SMSS per TSO segment (linear instead of exponential).
 */
static void test_tso_slow_start_counts_stretch_ack(void **state)
{
	struct tcp_conn_info before, after;

	one_stretch_ack(*state, &before, &after);
	assert_int_equal(after.cwnd, before.cwnd + before.unacked);
}

/* Without TSO a stretch ACK still grows slow start by one SMSS only (RFC 5681 3.1). */
static void test_plain_slow_start_one_smss_per_ack(void **state)
{
	struct tcp_conn_info before, after;

	one_stretch_ack(*state, &before, &after);
	assert_int_equal(after.cwnd, before.cwnd + 1460);
}

/*
 * TCP_SEND_MORE on a TSO netif: with data in flight, pieces written with
 * the flag wait, whole segments included, and leave as one TSO segment at
 * the send without it; with nothing in flight the first goes at once.
 */
static void test_tso_send_more_holds_until_pushed(void **state)
{
	struct tfx *t = *state;
	static uint8_t d[6840 * 3];
	struct txf f[8];
	unsigned n = 0;

	open_wide(t);
	fill_pattern(d, sizeof(d), 0);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, 2000, TCP_SEND_MORE),
			 2000);
	pop_tcp(t, &f[0]);
	assert_int_equal(f[0].dlen, 2000);
	free_all(f, 1);
	for (int i = 0; i < 2; i++)
		assert_int_equal(tcp_send(t->fx.ns, t->pcb, d + 2000 + i * 5000,
					  5000, TCP_SEND_MORE), 5000);
	expect_nothing(t);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, NULL, 0, 0), 0);
	while (capture_count(&t->fx.cap) && n < 8)
		pop_tcp(t, &f[n++]);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].dlen, 10000);
	assert_int_equal(f[0].p->gso_size, 1460);
	assert_memory_equal(f[0].tcp + f[0].th.hdr_len, d + 2000, 10000);
	free_all(f, n);
}

/* Without TSO the flag holds only the partial tail (RFC 1122 4.2.3.4). */
static void test_plain_send_more_sends_full_segments(void **state)
{
	struct tfx *t = *state;
	static uint8_t d[6840];
	struct txf f[8];
	unsigned n = 0;

	open_wide(t);
	fill_pattern(d, sizeof(d), 0);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, d, sizeof(d),
				  TCP_SEND_MORE), (long)sizeof(d));
	while (capture_count(&t->fx.cap) && n < 8)
		pop_tcp(t, &f[n++]);
	assert_int_equal(n, 4);		/* 4 x 1460; 1000 held */
	free_all(f, n);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, NULL, 0, 0), 0);
	pop_tcp(t, &f[0]);
	assert_int_equal(f[0].dlen, 6840 - 4 * 1460);
	free_all(f, 1);
}

/* A TSO segment needs a large buffer; with none free it goes MSS-sized, not held back. */
static void test_tso_without_large_buffer_sends_mss_segments(void **state)
{
	struct tfx *t = *state;
	struct pktbuf *hold[16];
	struct txf f[64];
	unsigned k = 0, n;

	open_wide(t);
	while (k < 16 && (hold[k] = pktbuf_alloc_large_try(t->fx.ns, 0, 100)))
		k++;
	assert_true(k > 0 && k < 16);
	n = send_and_collect(t, 10000, f, 64);
	assert_true(n >= 7);
	for (unsigned i = 0; i < n; i++) {
		assert_true(f[i].dlen <= 1460);
		assert_int_equal(f[i].p->gso_size, 0);
	}
	assert_int_equal(tstat(t, NET_STAT_TCP_TX_BACKPRESSURE), 0);
	free_all(f, n);
	while (k)
		pktbuf_free(hold[--k]);
}

/* A TCP segment from the peer with its checksum broken, marked as the driver marks it. */
static void seg_in_bad_csum(struct tfx *t, const void *data, size_t len,
			    uint8_t csum_state)
{
	uint8_t f[2048], *tcp;
	struct tcp_hdr th;
	struct pktbuf *p;
	size_t n, hl;

	memset(&th, 0, sizeof(th));
	th.sport = t->pport;
	th.dport = US_PORT;
	th.flags = TCP_ACK | TCP_PSH;
	th.seq = t->snd;
	th.ack = t->rcv;
	th.wnd = 65535;
	n = tb_eth(f, MAC_US, MAC_PEER, 0x0800);
	tcp = f + n + 20;
	th.csum = 0x1234;	/* wrong for any segment here */
	hl = tcp_hdr_emit(&th, tcp);
	memcpy(tcp + hl, data, len);
	tb_ipv4(f + n, IP_PEER, IP_US, IP_PROTO_TCP, 1, 0x4000, 64, hl + len);
	n += 20 + hl + len;
	p = pktbuf_alloc(t->fx.ns, 64, n);
	assert_non_null(p);
	memcpy(p->data, f, n);
	p->csum = csum_state;
	netif_input(netif_get(t->fx.ns, t->fx.ifindex), p);
}

/* RX_CSUM: a frame the NIC vouched for is taken without the check (and counted so). */
static void test_rx_valid_frame_accepted_without_verify(void **state)
{
	struct tfx *t = *state;
	char buf[16];

	open_wide(t);
	seg_in_bad_csum(t, "hello", 5, PKTBUF_CSUM_VALID);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_CHECKSUM), 0);
	assert_int_equal(tstat(t, NET_STAT_CSUM_RX_TRUSTED), 1);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
	capture_purge(&t->fx.cap);
}

/* RFC 9293 3.1: without the NIC's word a bad checksum is still dropped, offloads or not. */
static void test_rx_bad_checksum_dropped_when_not_vouched(void **state)
{
	struct tfx *t = *state;
	char buf[16];

	open_wide(t);
	seg_in_bad_csum(t, "hello", 5, PKTBUF_CSUM_NONE);
	assert_int_equal(tstat(t, NET_STAT_DROP_TCP_CHECKSUM), 1);
	assert_int_equal(tstat(t, NET_STAT_CSUM_RX_TRUSTED), 0);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, buf, sizeof(buf), 0),
			 -EAGAIN);
	expect_nothing(t);
}

/* A coalesced receive (GUEST_TSO4) past the MSS is taken whole, ACKed at once. */
static void test_rx_segment_past_mss_accepted(void **state)
{
	struct tfx *t = *state;
	static uint8_t d[20000], got[20000];
	uint8_t f[21000], *tcp;
	struct tcp_hdr th;
	struct pktbuf *p;
	struct tseg s;
	size_t n, hl;

	open_wide(t);
	fill_pattern(d, sizeof(d), 3);
	memset(&th, 0, sizeof(th));
	th.sport = t->pport;
	th.dport = US_PORT;
	th.flags = TCP_ACK;
	th.seq = t->snd;
	th.ack = t->rcv;
	th.wnd = 65535;
	n = tb_eth(f, MAC_US, MAC_PEER, 0x0800);
	tcp = f + n + 20;
	th.csum = 0;
	hl = tcp_hdr_emit(&th, tcp);
	memcpy(tcp + hl, d, sizeof(d));
	put_be16(tcp + 16, csum_fold(csum_partial(tcp, hl + sizeof(d),
			 csum_pseudo(IP_PEER, IP_US, IP_PROTO_TCP,
				     (uint16_t)(hl + sizeof(d))))));
	tb_ipv4(f + n, IP_PEER, IP_US, IP_PROTO_TCP, 1, 0x4000, 64,
		hl + sizeof(d));
	n += 20 + hl + sizeof(d);
	p = pktbuf_alloc(t->fx.ns, 64, n);
	assert_non_null(p);
	assert_true(p->cap > NET_PKT_SMALL_CAP);
	memcpy(p->data, f, n);
	netif_input(netif_get(t->fx.ns, t->fx.ifindex), p);
	assert_int_equal(tcp_recv(t->fx.ns, t->pcb, got, sizeof(got), 0),
			 (long)sizeof(got));
	assert_memory_equal(got, d, sizeof(d));
	/* RFC 5681 4.2: more than two full segments: ACK now. */
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->snd + sizeof(d));
}

/*
 * RFC 791 3.2: a fragment does not hold the whole transport checksum, so
 * a partial one is completed before fragmenting even when the interface
 * offloads checksums (it would complete each fragment's bytes alone).
 */
static void test_partial_checksum_completed_before_fragmenting(void **state)
{
	struct tfx *t = *state;
	static uint8_t dgram[3000];
	struct pktbuf *p = pktbuf_alloc(t->fx.ns, NET_HEADROOM, 8 + 3000);
	struct ip_out o = {.src = IP_US, .dst = IP_PEER, .proto = IP_PROTO_UDP};
	uint8_t whole[8 + 3000];
	size_t at = 0;

	assert_non_null(p);
	fill_pattern(dgram, sizeof(dgram), 9);
	put_be16(p->data, 7);
	put_be16(p->data + 2, 7);
	put_be16(p->data + 4, (uint16_t)p->len);
	put_be16(p->data + 6, (uint16_t)~csum_fold(csum_pseudo(IP_US, IP_PEER,
			IP_PROTO_UDP, (uint16_t)p->len)));
	memcpy(p->data + 8, dgram, sizeof(dgram));
	pktbuf_csum_partial(p, 0, 6);
	assert_int_equal(ip_output(t->fx.ns, p, &o), 0);
	assert_true(capture_count(&t->fx.cap) >= 3);
	while (capture_count(&t->fx.cap)) {
		struct pktbuf *f = expect_tx(&t->fx, 0x0800);
		struct ip_hdr h;
		enum net_stat why;

		assert_int_equal(ip_hdr_parse(f->data + 14, f->len - 14, &h, &why), 0);
		assert_int_equal(f->csum, PKTBUF_CSUM_NONE);
		assert_int_equal((size_t)h.frag_off, at);
		memcpy(whole + at, f->data + 14 + h.hdr_len, h.tot_len - h.hdr_len);
		at += h.tot_len - h.hdr_len;
		pktbuf_free(f);
	}
	assert_int_equal(at, sizeof(whole));
	assert_int_equal(csum_fold(csum_partial(whole, sizeof(whole),
			 csum_pseudo(IP_US, IP_PEER, IP_PROTO_UDP,
				     (uint16_t)sizeof(whole)))), 0);
}

/* The large pool grows on demand, up to its cap, and gives everything back. */
static void test_large_pool_grows_to_cap(void **state)
{
	struct tfx *t = *state;
	struct pktpool_stats st;
	int got;

	pktpool_get_stats(t->fx.ns, &st);
	got = pktpool_grow_large(t->fx.ns, 4);
	assert_int_equal(got, 4);
	pktpool_get_stats(t->fx.ns, &st);
	assert_int_equal(st.large_total, 8 + 4);
	assert_int_equal(pktpool_grow_large(t->fx.ns, PKTPOOL_LARGE_MAX),
			 -ENOSPC);
	pktpool_get_stats(t->fx.ns, &st);
	assert_int_equal(st.large_total, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_plain_netif_segments_at_mss_checksums_complete,
			setup_plain, tfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_tx_csum_netif_gets_partial_checksum,
			setup_csum, tfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_tso_netif_sends_segment_past_mss,
			setup_tso, tfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_tso_slow_start_counts_stretch_ack,
			setup_tso, tfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_plain_slow_start_one_smss_per_ack,
			setup_plain, tfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_tso_send_more_holds_until_pushed,
			setup_tso, tfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_plain_send_more_sends_full_segments,
			setup_plain, tfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_tso_without_large_buffer_sends_mss_segments,
			setup_tso, tfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_rx_valid_frame_accepted_without_verify,
			setup_csum, tfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_rx_bad_checksum_dropped_when_not_vouched,
			setup_csum, tfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_rx_segment_past_mss_accepted,
			setup_tso, tfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_partial_checksum_completed_before_fragmenting,
			setup_csum, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_large_pool_grows_to_cap,
						setup_plain, tfx_teardown),
	};

	return cmocka_run_group_tests_name("offload", tests, NULL, NULL);
}
