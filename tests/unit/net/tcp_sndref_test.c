/*
 * tcp_sndref_test.c: send bytes by reference (net/tcp_sndref.c,
 * tcp_send_ref) and the pktbuf fragment that carries them (net/pktbuf.c):
 * a segment's referenced bytes are the fragment itself (no copy), mixed
 * copied + referenced sends share a segment, retransmissions read the
 * reference again, a full reference array falls back to a copy, ACKs
 * drop references, and the fragment survives software checksums, IP
 * fragmentation and interfaces that cannot take it (linearized).
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
#include "stack_pair.h"
#include "tcp_priv.h"
#include "netstack_priv.h"
#include "checksum.h"
#include "byteorder.h"

/* The "static content": filled once, never written while referenced. */
static uint8_t body[300 * 1024];

static void fill_body(void)
{
	size_t i;

	for (i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 7 + (i >> 11));
}

static int setup_sg(void **state)
{
	fill_body();
	return tfx_setup_offload(state, NULL, NETIF_OFFLOAD_SG);
}

static int setup_plain(void **state)
{
	fill_body();
	return tfx_setup(state);
}

static const struct tcp_hdr mss1460 = {.has_mss = true, .mss = 1460};

/*
 * Frame p as one linear copy in buf (the buffer's bytes, then the
 * fragment's), its TCP checksum verified; returns the payload's length,
 * its offset in *data_off and the TCP header in *th.
 */
static size_t check_frame(const struct pktbuf *p, uint8_t *buf, size_t cap,
			  struct tcp_hdr *th, size_t *data_off)
{
	struct ip_hdr ip;
	enum net_stat why;
	size_t total = pktbuf_total(p), tl;

	assert_true(total <= cap);
	pktbuf_copy_out(p, 0, buf, total);
	assert_int_equal(ip_hdr_parse(buf + 14, total - 14, &ip, &why), 0);
	tl = ip.tot_len - ip.hdr_len;
	assert_int_equal(14 + ip.tot_len, total);
	assert_int_equal(tcp_hdr_parse(buf + 14 + ip.hdr_len, tl, th, &why), 0);
	/* RFC 9293 3.1: the checksum over both parts, done in software. */
	assert_int_equal(csum_fold(csum_partial(buf + 14 + ip.hdr_len, tl,
						csum_pseudo(ip.src, ip.dst,
							    IP_PROTO_TCP,
							    (uint16_t)tl))), 0);
	*data_off = 14 + ip.hdr_len + th->hdr_len;
	return tl - th->hdr_len;
}

/* The next frame, checked by check_frame(); kept in *pp (the caller frees it). */
static size_t pop_seg(struct tfx *t, struct pktbuf **pp, uint8_t *buf,
		      size_t cap, struct tcp_hdr *th, size_t *data_off)
{
	*pp = expect_tx(&t->fx, 0x0800);
	return check_frame(*pp, buf, cap, th, data_off);
}

/* A copied head and a referenced body leave in one segment whose
 * fragment is the body itself: its address, not a copy of it. */
static void test_mixed_send_one_segment_fragment_is_the_body(void **state)
{
	struct tfx *t = *state;
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 612\r\n\r\n";
	size_t hl = sizeof(head) - 1, off;
	uint8_t f[2048];
	struct pktbuf *p;
	struct tcp_hdr th;

	tfx_passive_open(t, &mss1460, 60000);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, head, hl, TCP_SEND_MORE), (long)hl);
	expect_nothing(t);	/* held for the body */
	assert_int_equal(tcp_send_ref(t->fx.ns, t->pcb, body, 612, 0), 612);
	assert_int_equal(pop_seg(t, &p, f, sizeof(f), &th, &off), hl + 612);
	assert_ptr_equal(p->frag, body);	/* no copy of the body */
	assert_int_equal(p->frag_len, 612);
	assert_memory_equal(f + off, head, hl);
	assert_memory_equal(f + off + hl, body, 612);
	assert_true(th.flags & TCP_PSH);
	pktbuf_free(p);
	assert_int_equal(tstat(t, NET_STAT_TCP_SEND_REF), 612);
	assert_int_equal(tstat(t, NET_STAT_TCP_SEG_REF_OUT), 1);
	tfx_done(t);
}

/* RFC 6298 5.4: after the RTO the segment is built again from the
 * reference (the fragment is the body again), and once the peer ACKs all
 * of it the reference is dropped; a partial ACK keeps it. */
static void test_rto_retransmit_rereads_reference_ack_drops_it(void **state)
{
	struct tfx *t = *state;
	uint8_t f[2048];
	struct pktbuf *p;
	struct tcp_hdr th;
	size_t off;

	tfx_passive_open(t, &mss1460, 60000);
	assert_int_equal(tcp_send_ref(t->fx.ns, t->pcb, body + 5, 2000, 0), 2000);
	assert_int_equal(t->pcb->nsref, 1);
	assert_int_equal(pop_seg(t, &p, f, sizeof(f), &th, &off), 1460);
	assert_ptr_equal(p->frag, body + 5);
	pktbuf_free(p);
	assert_int_equal(pop_seg(t, &p, f, sizeof(f), &th, &off), 540);
	assert_ptr_equal(p->frag, body + 5 + 1460);
	pktbuf_free(p);
	tick(t, 1000);	/* the initial RTO (RFC 6298 2.1) */
	assert_int_equal(pop_seg(t, &p, f, sizeof(f), &th, &off), 1460);
	assert_int_equal(th.seq, t->rcv);
	assert_ptr_equal(p->frag, body + 5);
	assert_memory_equal(f + off, body + 5, 1460);
	pktbuf_free(p);
	capture_purge(&t->fx.cap);
	seg_in(t, TCP_ACK, t->snd, t->rcv + 1460, 60000, NULL, 0);
	assert_int_equal(t->pcb->nsref, 1);	/* 540 bytes still unacked */
	seg_in(t, TCP_ACK, t->snd, t->rcv + 2000, 60000, NULL, 0);
	assert_int_equal(t->pcb->nsref, 0);
	tfx_done(t);
}

/* Contiguous references (a file sent in chunks) share one slot; past
 * TCP_SNDREF_MAX separate ones the bytes are copied, still in order. */
static void test_ref_array_full_falls_back_to_copy(void **state)
{
	struct tfx *t = *state;
	uint8_t f[2048], want[64 * (TCP_SNDREF_MAX + 2)];
	struct pktbuf *p;
	struct tcp_hdr th;
	size_t off, got = 0, n;
	unsigned i;

	tfx_passive_open(t, &mss1460, 60000);
	/* Held (TCP_SEND_MORE) so all of it goes in one segment at the end. */
	assert_int_equal(tcp_send_ref(t->fx.ns, t->pcb, body, 32, TCP_SEND_MORE), 32);
	assert_int_equal(tcp_send_ref(t->fx.ns, t->pcb, body + 32, 32, TCP_SEND_MORE), 32);
	assert_int_equal(t->pcb->nsref, 1);
	memcpy(want, body, 64);
	/* Gaps between them: each a slot of its own. */
	for (i = 1; i < TCP_SNDREF_MAX + 2; i++) {
		assert_int_equal(tcp_send_ref(t->fx.ns, t->pcb, body + 1000 * i,
					      64, i + 1 < TCP_SNDREF_MAX + 2 ?
					      TCP_SEND_MORE : 0), 64);
		memcpy(want + 64 * i, body + 1000 * i, 64);
	}
	assert_int_equal(t->pcb->nsref, TCP_SNDREF_MAX);
	assert_int_equal(tstat(t, NET_STAT_TCP_SEND_REF_COPIED), 128);
	assert_int_equal(tstat(t, NET_STAT_TCP_SEND_REF), sizeof(want) - 128);
	n = pop_seg(t, &p, f, sizeof(f), &th, &off);
	assert_int_equal(n, sizeof(want));
	/* The last bytes were copied into the ring: no fragment. */
	assert_null(p->frag);
	assert_memory_equal(f + off, want, sizeof(want));
	got += n;
	pktbuf_free(p);
	seg_in(t, TCP_ACK, t->snd, t->rcv + (uint32_t)got, 60000, NULL, 0);
	assert_int_equal(t->pcb->nsref, 0);
	tfx_done(t);
}

/* An interface without NETIF_OFFLOAD_SG never sees a fragment: the frame
 * is made linear (ip_output), with the same bytes. */
static void test_no_sg_interface_gets_linear_frame(void **state)
{
	struct tfx *t = *state;
	uint8_t f[2048];
	struct pktbuf *p;
	struct tcp_hdr th;
	size_t off;

	tfx_passive_open(t, &mss1460, 60000);
	assert_int_equal(tcp_send(t->fx.ns, t->pcb, "abc", 3, TCP_SEND_MORE), 3);
	assert_int_equal(tcp_send_ref(t->fx.ns, t->pcb, body + 1, 999, 0), 999);
	assert_int_equal(pop_seg(t, &p, f, sizeof(f), &th, &off), 1002);
	assert_null(p->frag);
	assert_int_equal(p->frag_len, 0);
	assert_memory_equal(f + off, "abc", 3);
	assert_memory_equal(f + off + 3, body + 1, 999);
	pktbuf_free(p);
	tfx_done(t);
}

/* RFC 1071 2 (B): a checksum over an odd-length buffer part and a
 * fragment equals the checksum of the same bytes in one piece. */
static void test_csum_finish_odd_split_matches_linear(void **state)
{
	struct tfx *t = *state;
	struct pktbuf *p = pktbuf_alloc(t->fx.ns, NET_HEADROOM, 21);
	uint8_t lin[21 + 333];
	uint16_t want;

	assert_non_null(p);
	memset(p->data, 0x5a, 21);
	put_be16(p->data + 16, 0x1234);	/* the "pseudo-header sum" */
	pktbuf_frag_set(p, body + 3, 333);
	memcpy(lin, p->data, 21);
	memcpy(lin + 21, body + 3, 333);
	want = csum_fold(csum_partial(lin, sizeof(lin), 0));
	pktbuf_csum_partial(p, 0, 16);
	pktbuf_csum_finish(p);
	assert_int_equal(get_be16(p->data + 16), want);
	pktbuf_free(p);
	tfx_done(t);
}

/* RFC 791 3.2: a datagram with a fragment, cut into IP fragments, carries
 * the buffer's bytes and then the fragment's, in order. */
static void test_ip_fragmentation_copies_both_parts(void **state)
{
	struct tfx *t = *state;
	struct pktbuf *p = pktbuf_alloc(t->fx.ns, NET_HEADROOM, 100), *q;
	uint8_t got[100 + 3000];
	struct ip_out o = {.src = IP_US, .dst = IP_PEER, .proto = 253};
	size_t n = 0;

	assert_non_null(p);
	memset(p->data, 0xee, 100);
	pktbuf_frag_set(p, body, 3000);
	assert_int_equal(ip_output(t->fx.ns, p, &o), 0);
	while ((q = capture_pop(&t->fx.cap))) {
		struct ip_hdr ip;
		enum net_stat why;

		assert_null(q->frag);
		assert_int_equal(ip_hdr_parse(q->data + 14, q->len - 14, &ip, &why), 0);
		assert_int_equal(ip.frag_off, n);
		memcpy(got + n, q->data + 14 + ip.hdr_len, ip.tot_len - ip.hdr_len);
		n += ip.tot_len - ip.hdr_len;
		pktbuf_free(q);
	}
	assert_int_equal(n, sizeof(got));
	assert_memory_equal(got, (uint8_t[100]){[0 ... 99] = 0xee}, 100);
	assert_memory_equal(got + 100, body, 3000);
	tfx_done(t);
}

static int setup_tso_sg(void **state)
{
	fill_body();
	return tfx_setup_offload(state, NULL, NETIF_OFFLOAD_TSO4 |
				 NETIF_OFFLOAD_TX_CSUM | NETIF_OFFLOAD_SG);
}

/* TSO (virtio 1.2 5.1.6.2 GSO_TCPV4) by reference: a segment of ten MSS
 * is a small buffer of headers whose fragment is the referenced bytes
 * (no large buffer, no copy); the checksum the device would finish,
 * finished here over both parts, is right. */
static void test_tso_segment_small_buffer_fragment(void **state)
{
	struct tfx *t = *state;
	static uint8_t f[NET_PKT_LARGE_CAP];
	struct pktbuf *p = NULL;
	struct tcp_hdr th;
	size_t off, n;

	tfx_passive_open(t, &mss1460, 60000);
	assert_int_equal(tcp_send_ref(t->fx.ns, t->pcb, body + 7, 16384, 0), 16384);
	p = expect_tx(&t->fx, 0x0800);
	assert_int_equal(p->gso_size, 1460);
	assert_int_equal(p->cap, NET_PKT_SMALL_CAP);
	assert_ptr_equal(p->frag, body + 7);
	assert_int_equal(p->frag_len, 14600);	/* the initial window, RFC 5681 3.1 */
	assert_int_equal(p->csum, PKTBUF_CSUM_PARTIAL);
	pktbuf_csum_finish(p);	/* what the device does, over both parts */
	n = check_frame(p, f, sizeof(f), &th, &off);
	assert_int_equal(n, 14600);
	assert_memory_equal(f + off, body + 7, 14600);
	pktbuf_free(p);
	tfx_done(t);
}

/* ---- over the simulated link ---- */

struct ref_flow {
	struct tcp_pcb *tx, *rx;
	uint64_t total, sent, got;
	bool bad;
};

static void ref_pump(struct stack_pair *pr, struct ref_flow *f)
{
	uint8_t buf[4096];
	long n;

	while (f->sent < f->total) {
		size_t k = 3000;	/* chunks of one file: one reference */

		if (k > f->total - f->sent)
			k = (size_t)(f->total - f->sent);
		n = tcp_send_ref(pr->a, f->tx, body + f->sent, k, 0);
		if (n <= 0)
			break;
		f->sent += (uint64_t)n;
	}
	while ((n = tcp_recv(pr->b, f->rx, buf, sizeof(buf), 0)) > 0) {
		if (memcmp(buf, body + f->got, (size_t)n))
			f->bad = true;
		f->got += (uint64_t)n;
	}
}

static void lossy_ref_transfer(uint32_t offload)
{
	struct netstack_params par;
	struct stack_pair *pr;
	struct tcp_pcb *lis, *ca, *sb;
	struct ref_flow fl;
	int i;

	test_params(&par);
	par.pkt_small = 256;
	par.arp_queue_max = 128;
	pr = stack_pair_new_offload(&par, 1000000000, offload);
	pr->link.drop_pct = 5;
	pr->link.dup_pct = 1;
	pr->link.reorder_pct = 3;
	pr->link.reorder_ns = 3000000;
	assert_int_equal(tcp_open(pr->b, NULL, NULL, &lis), 0);
	assert_int_equal(tcp_bind(pr->b, lis, 0, 9), 0);
	assert_int_equal(tcp_listen(pr->b, lis, 4), 0);
	assert_int_equal(tcp_open(pr->a, NULL, NULL, &ca), 0);
	assert_int_equal(tcp_connect(pr->a, ca, IP_B, 9), 0);
	for (i = 0; i < 20000 && tcp_accept(pr->b, lis, NULL, NULL, &sb); i++)
		stack_pair_step(pr, 1000000);
	assert_true(i < 20000);
	tcp_close(pr->b, lis);
	fl = (struct ref_flow){ca, sb, sizeof(body), 0, 0, false};
	for (i = 0; i < 600000 && fl.got < fl.total; i++) {
		ref_pump(pr, &fl);
		stack_pair_step(pr, 100000);
	}
	printf("    %llu bytes by reference; %llu retransmits, %llu frames "
	       "with a fragment, link dropped %llu\n",
	       (unsigned long long)fl.got,
	       (unsigned long long)net_stat_get(pr->a, NET_STAT_TCP_RETRANSMIT),
	       (unsigned long long)pr->link.frag_frames,
	       (unsigned long long)pr->link.dropped);
	assert_false(fl.bad);
	assert_int_equal(fl.got, fl.total);
	assert_true(net_stat_get(pr->a, NET_STAT_TCP_RETRANSMIT) > 0);
	assert_int_equal(net_stat_get(pr->a, NET_STAT_TCP_SEND_REF), fl.total);
	assert_int_equal(net_stat_get(pr->a, NET_STAT_TCP_SEND_REF_COPIED), 0);
	if (offload & NETIF_OFFLOAD_SG)
		assert_true(pr->link.frag_frames > 100);
	else
		assert_int_equal(pr->link.frag_frames, 0);
	/* Everything acknowledged: no reference left. */
	for (i = 0; i < 20000 && ca->nsref; i++)
		stack_pair_step(pr, 1000000);
	assert_int_equal(ca->nsref, 0);
	tcp_abort(pr->a, ca);
	tcp_abort(pr->b, sb);
	stack_pair_step(pr, 1000000);
	stack_pair_free(pr);
}

/* RFC 9293 3.8 / RFC 6298 / RFC 6675 over a lossy, reordering link: the
 * referenced bytes arrive byte-exact, retransmissions built from the
 * reference again, as fragments on a link that takes them ... */
static void test_lossy_link_ref_exact_sg(void **state)
{
	(void)state;
	fill_body();
	lossy_ref_transfer(NETIF_OFFLOAD_SG);
}

/* ... and linearized on one that does not. */
static void test_lossy_link_ref_exact_linear(void **state)
{
	(void)state;
	fill_body();
	lossy_ref_transfer(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mixed_send_one_segment_fragment_is_the_body,
						setup_sg, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_rto_retransmit_rereads_reference_ack_drops_it,
						setup_sg, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_ref_array_full_falls_back_to_copy,
						setup_sg, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_no_sg_interface_gets_linear_frame,
						setup_plain, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_csum_finish_odd_split_matches_linear,
						setup_plain, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_ip_fragmentation_copies_both_parts,
						setup_sg, tfx_teardown),
		cmocka_unit_test_setup_teardown(test_tso_segment_small_buffer_fragment,
						setup_tso_sg, tfx_teardown),
		cmocka_unit_test(test_lossy_link_ref_exact_sg),
		cmocka_unit_test(test_lossy_link_ref_exact_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
