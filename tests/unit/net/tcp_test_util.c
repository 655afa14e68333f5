/*
 * tcp_test_util.c: see tcp_test_util.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_test_util.h"
#include "../../../net/byteorder.h"
#include "../../../net/checksum.h"

int tfx_setup_offload(void **state, void (*fn)(struct netstack_params *p),
		      uint32_t offload)
{
	struct tfx *t = calloc(1, sizeof(*t));
	struct fixture *fx;

	assert_non_null(t);
	fx = &t->fx;
	fake_env_init(&fx->fe, 12345);
	test_params(&t->par);
	t->par.tcp_sndbuf = 16384;
	t->par.tcp_rcvbuf = 16384;
	if (fn)
		fn(&t->par);
	fx->ns = netstack_create(&fx->fe.env, &t->par);
	assert_non_null(fx->ns);
	fx->ifindex = capture_netif_add_offload(&fx->cap, fx->ns, MAC_US, 1500,
					       NULL, offload);
	assert_true(fx->ifindex > 0);
	assert_int_equal(netif_set_up(fx->ns, fx->ifindex, true), 0);
	assert_int_equal(netif_addr_add(fx->ns, fx->ifindex, IP_US, 24), 0);
	capture_purge(&fx->cap);
	fixture_learn_peer(fx);
	t->now = 1000 * MS_NS;
	net_poll(fx->ns, t->now);
	t->peer_iss = 1000000;
	t->snd = t->peer_iss;
	t->peer_tsval = 5000;
	t->pport = PEER_PORT;
	*state = t;
	return 0;
}

int tfx_setup_with(void **state, void (*fn)(struct netstack_params *p))
{
	return tfx_setup_offload(state, fn, 0);
}

int tfx_setup(void **state)
{
	return tfx_setup_with(state, NULL);
}

/* A test's end: its connections gone, every pcb and buffer freed. */
void tfx_done(struct tfx *t)
{
	if (t->pcb)
		tcp_abort(t->fx.ns, t->pcb);
	if (t->lis)
		tcp_close(t->fx.ns, t->lis);
	capture_purge(&t->fx.cap);
	assert_int_equal(tcp_pcb_count(t->fx.ns), 0);
	assert_int_equal(net_pkt_in_use(t->fx.ns), 0);
}

int tfx_teardown(void **state)
{
	struct tfx *t = *state;
	struct fixture *fx = &t->fx;

	capture_purge(&fx->cap);
	assert_int_equal(fx->fe.lock_depth, 0);
	netstack_destroy(fx->ns);
	assert_int_equal(fx->fe.live_allocs, 0);
	assert_int_equal(fx->fe.live_bytes, 0);
	assert_int_equal(fx->fe.err_logs, 0);
	free(t);
	return 0;
}

void ev_record(void *arg, struct tcp_pcb *pcb, unsigned events)
{
	struct tfx *t = arg;

	(void)pcb;
	t->ev_bits |= events;
	t->ev_calls++;
}

void tick(struct tfx *t, uint64_t ms)
{
	t->now += ms * MS_NS;
	net_poll(t->fx.ns, t->now);
}

void seg_in_hdr(struct tfx *t, struct tcp_hdr *th, const void *data,
		size_t len)
{
	uint8_t f[2048], *tcp;
	size_t n, hl;
	uint16_t sum;

	if (!th->sport)
		th->sport = t->pport;
	if (!th->dport)
		th->dport = US_PORT;
	n = tb_eth(f, MAC_US, MAC_PEER, 0x0800);
	tcp = f + n + 20;
	th->csum = 0;
	hl = tcp_hdr_emit(th, tcp);
	assert_true(n + 20 + hl + len <= sizeof(f));
	if (len)
		memcpy(tcp + hl, data, len);
	sum = csum_fold(csum_partial(tcp, hl + len,
				     csum_pseudo(IP_PEER, IP_US, IP_PROTO_TCP,
						 (uint16_t)(hl + len))));
	put_be16(tcp + 16, sum);
	tb_ipv4(f + n, IP_PEER, IP_US, IP_PROTO_TCP, 1, 0x4000, 64, hl + len);
	inject(&t->fx, f, n + 20 + hl + len);
}

void seg_in(struct tfx *t, uint8_t flags, uint32_t seq, uint32_t ack,
	    uint16_t wnd, const void *data, size_t len)
{
	struct tcp_hdr th;

	memset(&th, 0, sizeof(th));
	th.flags = flags;
	th.seq = seq;
	th.ack = ack;
	th.wnd = wnd;
	if (t->peer_ts) {
		th.has_ts = true;
		th.tsval = t->peer_tsval;
		th.tsecr = t->our_tsval;
	}
	seg_in_hdr(t, &th, data, len);
}

void expect_seg(struct tfx *t, struct tseg *s)
{
	struct pktbuf *p = expect_tx(&t->fx, 0x0800);
	enum net_stat why;
	size_t tl;

	memset(s, 0, sizeof(*s));
	/* On an eth0 with TX_CSUM the NIC would complete it; a plain one
	 * never gets a partial checksum (ip_output completes it). */
	pktbuf_csum_finish(p);
	assert_int_equal(ip_hdr_parse(p->data + 14, p->len - 14, &s->ip,
				      &why), 0);
	assert_int_equal(s->ip.proto, IP_PROTO_TCP);
	/* RFC 1191: every TCP segment goes with DF. */
	assert_true(s->ip.df);
	tl = s->ip.tot_len - s->ip.hdr_len;
	assert_int_equal(tcp_hdr_parse(p->data + 14 + s->ip.hdr_len, tl,
				       &s->th, &why), 0);
	assert_int_equal(csum_fold(csum_partial(p->data + 14 + s->ip.hdr_len,
						tl,
						csum_pseudo(s->ip.src,
							    s->ip.dst,
							    IP_PROTO_TCP,
							    (uint16_t)tl))),
			 0);
	s->len = (uint32_t)(tl - s->th.hdr_len);
	assert_true(s->len <= sizeof(s->data));
	memcpy(s->data, p->data + 14 + s->ip.hdr_len + s->th.hdr_len, s->len);
	if (s->th.has_ts)
		t->our_tsval = s->th.tsval;
	pktbuf_free(p);
}

void expect_flags(struct tfx *t, struct tseg *s, uint8_t flags)
{
	expect_seg(t, s);
	assert_int_equal(s->th.flags & (uint8_t)~TCP_PSH, flags);
}

void expect_nothing(struct tfx *t)
{
	expect_no_tx(&t->fx);
}

uint32_t tx_count(struct tfx *t)
{
	return capture_count(&t->fx.cap);
}

void tfx_listen(struct tfx *t)
{
	struct netstack *ns = t->fx.ns;

	assert_int_equal(tcp_open(ns, ev_record, t, &t->lis), 0);
	assert_int_equal(tcp_bind(ns, t->lis, 0, US_PORT), 0);
	assert_int_equal(tcp_listen(ns, t->lis, 8), 0);
}

static void syn_opts(struct tcp_hdr *th, const struct tcp_hdr *o)
{
	if (!o) {
		th->has_mss = true;
		th->mss = 1460;
		return;
	}
	th->has_mss = o->has_mss;
	th->mss = o->mss;
	th->has_ws = o->has_ws;
	th->ws = o->ws;
	th->sack_perm = o->sack_perm;
	th->has_ts = o->has_ts;
	th->tsval = o->tsval;
}

void tfx_passive_open(struct tfx *t, const struct tcp_hdr *synopts,
		      uint16_t wnd)
{
	struct netstack *ns = t->fx.ns;
	struct tcp_hdr th;
	struct tseg s;

	if (!t->lis)
		tfx_listen(t);
	memset(&th, 0, sizeof(th));
	th.flags = TCP_SYN;
	th.seq = t->peer_iss;
	th.wnd = wnd;
	syn_opts(&th, synopts);
	t->peer_ts = th.has_ts;
	if (th.has_ts)
		t->peer_tsval = th.tsval;
	seg_in_hdr(t, &th, NULL, 0);
	expect_flags(t, &s, TCP_SYN | TCP_ACK);
	assert_int_equal(s.th.ack, t->peer_iss + 1);
	t->iss = s.th.seq;
	t->snd = t->peer_iss + 1;
	t->rcv = t->iss + 1;
	seg_in(t, TCP_ACK, t->snd, t->rcv, wnd, NULL, 0);
	expect_nothing(t);
	assert_int_equal(tcp_accept(ns, t->lis, ev_record, t, &t->pcb), 0);
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	t->ev_bits = 0;
}

void tfx_active_open(struct tfx *t, const struct tcp_hdr *synopts,
		     uint16_t wnd)
{
	struct netstack *ns = t->fx.ns;
	struct tcp_hdr th;
	struct tseg s;

	assert_int_equal(tcp_open(ns, ev_record, t, &t->pcb), 0);
	assert_int_equal(tcp_bind(ns, t->pcb, 0, US_PORT), 0);
	assert_int_equal(tcp_connect(ns, t->pcb, IP_PEER, PEER_PORT), 0);
	expect_flags(t, &s, TCP_SYN);
	t->iss = s.th.seq;
	memset(&th, 0, sizeof(th));
	th.flags = TCP_SYN | TCP_ACK;
	th.seq = t->peer_iss;
	th.ack = t->iss + 1;
	th.wnd = wnd;
	syn_opts(&th, synopts);
	t->peer_ts = th.has_ts;
	if (th.has_ts) {
		t->peer_tsval = th.tsval;
		th.tsecr = s.th.tsval;
	}
	seg_in_hdr(t, &th, NULL, 0);
	expect_flags(t, &s, TCP_ACK);
	assert_int_equal(s.th.ack, t->peer_iss + 1);
	t->snd = t->peer_iss + 1;
	t->rcv = t->iss + 1;
	assert_int_equal(tcp_state(t->pcb), TCP_ESTABLISHED);
	assert_true(t->ev_bits & TCP_EV_CONNECTED);
	t->ev_bits = 0;
}

uint64_t tstat(struct tfx *t, enum net_stat s)
{
	return net_stat_get(t->fx.ns, s);
}

void fill_pattern(uint8_t *buf, size_t len, uint32_t start)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)((start + i) * 7 + ((start + i) >> 8));
}
