/*
 * tests/fuzz/fuzz_util.c: see fuzz_util.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "fuzz_util.h"
#include "net_test_util.h"
#include "../../net/byteorder.h"
#include "../../net/checksum.h"
#include "../../net/dhcp.h"
#include "../../net/ip.h"
#include "../../net/netif.h"
#include "../../net/route.h"
#include "../../net/tcp_hdr.h"

const uint8_t MAC_ETH1[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x57};

uint8_t fin_u8(struct fin *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = in->p[0];
		in->p++;
		in->n--;
	}
	return v;
}

uint16_t fin_u16(struct fin *in)
{
	uint16_t hi = fin_u8(in);

	return (uint16_t)(hi << 8 | fin_u8(in));
}

uint32_t fin_u32(struct fin *in)
{
	uint32_t hi = fin_u16(in);

	return hi << 16 | fin_u16(in);
}

const uint8_t *fin_take(struct fin *in, size_t want, size_t *got)
{
	const uint8_t *p = in->p;

	*got = want < in->n ? want : in->n;
	in->p += *got;
	in->n -= *got;
	return p;
}

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz: finding: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

uint64_t fuzz_delay_ns(uint8_t b)
{
	/* At most 2^36 ms (795 days): 64 of them stay far from a 64-bit
	 * nanosecond clock's wrap, which no real clock reaches. */
	b %= 38;
	return b ? (1ull << (b - 1)) * FUZZ_MS : 0;
}

void fuzz_fix_csums(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14, *l4;
	size_t avail, ihl, tot, l4len, ulen;
	uint32_t src, dst;
	uint16_t sum;

	if (len < 14 + 20 || get_be16(f + 12) != 0x0800)
		return;
	avail = len - 14;
	ihl = (size_t)(ip[0] & 15) * 4;
	if (ip[0] >> 4 != 4 || ihl < 20 || ihl > avail)
		return;
	put_be16(ip + 10, 0);
	put_be16(ip + 10, inet_csum(ip, ihl));
	tot = get_be16(ip + 2);
	if (tot < ihl || tot > avail || (get_be16(ip + 6) & 0x3fff))
		return;
	l4 = ip + ihl;
	l4len = tot - ihl;
	src = get_be32(ip + 12);
	dst = get_be32(ip + 16);
	switch (ip[9]) {
	case 1:
		if (l4len < 4)
			return;
		put_be16(l4 + 2, 0);
		put_be16(l4 + 2, inet_csum(l4, l4len));
		break;
	case 6:
		if (l4len < 20)
			return;
		put_be16(l4 + 16, 0);
		put_be16(l4 + 16, csum_fold(csum_partial(l4, l4len,
				csum_pseudo(src, dst, 6, (uint16_t)l4len))));
		break;
	case 17:
		if (l4len < 8)
			return;
		ulen = get_be16(l4 + 4);
		if (ulen < 8 || ulen > l4len)
			return;
		put_be16(l4 + 6, 0);
		sum = csum_fold(csum_partial(l4, ulen,
				csum_pseudo(src, dst, 17, (uint16_t)ulen)));
		put_be16(l4 + 6, sum ? sum : 0xffff);
		break;
	default:
		break;
	}
}

void fuzz_check_tx(const struct pktbuf *p, const uint8_t mac[6], uint16_t mtu)
{
	const uint8_t *d = p->data, *l4;
	struct ip_hdr ih;
	struct tcp_hdr th;
	enum net_stat why;
	size_t l4len;

	if (p->len < 14 || p->len > 14u + mtu)
		fuzz_fail("sent a frame of %zu bytes (mtu %u)", p->len, mtu);
	if (memcmp(d + 6, mac, 6))
		fuzz_fail("sent a frame from another MAC");
	if (get_be16(d + 12) == 0x0806) {
		if (p->len < 14 + 28 || get_be16(d + 14) != 1 || get_be16(d + 16) != 0x0800 ||
		    d[18] != 6 || d[19] != 4 || (get_be16(d + 20) != 1 && get_be16(d + 20) != 2) ||
		    memcmp(d + 22, mac, 6))
			fuzz_fail("sent a malformed ARP packet");
		return;
	}
	if (get_be16(d + 12) != 0x0800)
		fuzz_fail("sent ethertype 0x%04x", get_be16(d + 12));
	if (ip_hdr_parse(d + 14, p->len - 14, &ih, &why))
		fuzz_fail("sent an IPv4 header that does not parse (%s)", net_stat_name(why));
	if (ih.mf || ih.frag_off)
		return;	/* a fragment: its transport checksum covers the whole */
	l4 = d + 14 + ih.hdr_len;
	l4len = (size_t)(ih.tot_len - ih.hdr_len);
	switch (ih.proto) {
	case IP_PROTO_TCP:
		if (tcp_hdr_parse(l4, l4len, &th, &why) || th.opt_err)
			fuzz_fail("sent a TCP header that does not parse");
		if (csum_fold(csum_partial(l4, l4len, csum_pseudo(ih.src, ih.dst, IP_PROTO_TCP,
								   (uint16_t)l4len))))
			fuzz_fail("sent a TCP segment with a bad checksum");
		break;
	case IP_PROTO_UDP:
		if (l4len < 8 || get_be16(l4 + 4) != l4len)
			fuzz_fail("sent a UDP datagram whose length disagrees with IP's");
		if (get_be16(l4 + 6) &&
		    csum_fold(csum_partial(l4, l4len, csum_pseudo(ih.src, ih.dst, IP_PROTO_UDP,
								  (uint16_t)l4len))))
			fuzz_fail("sent a UDP datagram with a bad checksum");
		break;
	case IP_PROTO_ICMP:
		if (l4len < 8 || inet_csum(l4, l4len))
			fuzz_fail("sent an ICMP message that is short or has a bad checksum");
		break;
	default:
		fuzz_fail("sent IP protocol %u", ih.proto);
	}
}

bool fuzz_tcp_view(const struct pktbuf *p, struct ip_hdr *ih, struct tcp_hdr *th,
		   size_t *payload_len)
{
	enum net_stat why;

	if (p->len < 14 || get_be16(p->data + 12) != 0x0800 ||
	    ip_hdr_parse(p->data + 14, p->len - 14, ih, &why) || ih->proto != IP_PROTO_TCP ||
	    tcp_hdr_parse(p->data + 14 + ih->hdr_len, ih->tot_len - ih->hdr_len, th, &why))
		return false;
	*payload_len = (size_t)(ih->tot_len - ih->hdr_len - th->hdr_len);
	return true;
}

#define BIG_BLOCK	32768u
#define BIG_KEEP	8

static struct {
	void *p;
	size_t size;
} big_kept[BIG_KEEP];
static void *(*big_alloc_next)(void *ctx, size_t size);
static void (*big_free_next)(void *ctx, void *p, size_t size);

static void *big_alloc(void *ctx, size_t size)
{
	struct fake_env *fe = ctx;
	int i;

	if (size >= BIG_BLOCK)
		for (i = 0; i < BIG_KEEP; i++)
			if (big_kept[i].p && big_kept[i].size == size) {
				void *p = big_kept[i].p;

				big_kept[i].p = NULL;
				ASAN_UNPOISON_MEMORY_REGION(p, size);
				fe->live_allocs++;
				fe->live_bytes += size;
				return p;
			}
	return big_alloc_next(ctx, size);
}

static void big_free(void *ctx, void *p, size_t size)
{
	struct fake_env *fe = ctx;
	int i;

	if (p && size >= BIG_BLOCK)
		for (i = 0; i < BIG_KEEP; i++)
			if (!big_kept[i].p) {
				big_kept[i].p = p;
				big_kept[i].size = size;
				ASAN_POISON_MEMORY_REGION(p, size);
				fe->live_allocs--;
				fe->live_bytes -= size;
				return;
			}
	big_free_next(ctx, p, size);
}

void fuzz_env_reuse_big(struct fake_env *fe)
{
	big_alloc_next = fe->env.alloc;
	big_free_next = fe->env.free;
	fe->env.alloc = big_alloc;
	fe->env.free = big_free;
}

void fuzz_syn_options(struct tcp_hdr *th)
{
	th->has_mss = true;
	th->mss = 1460;
	th->has_ws = true;
	th->ws = 7;
	th->sack_perm = true;
}

static void nop_ev(void *arg, struct tcp_pcb *pcb, unsigned events)
{
	(void)arg;
	(void)pcb;
	(void)events;
}

static void echo_recv(void *arg, const struct udp_meta *m, const uint8_t *data, size_t len)
{
	struct fstack *s = arg;

	udp_sendto(s->ns, s->echo, m->src, m->sport, data, len);
}

void fstack_check(struct fstack *s)
{
	if (s->fe.lock_depth != 0)
		fuzz_fail("stack lock depth %d after a call", s->fe.lock_depth);
}

static void must(int rc, const char *what)
{
	if (rc < 0)
		fuzz_fail("setup: %s: %d", what, rc);
}

void fstack_aim_est(struct fstack *s, uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14, *tcp;
	size_t ihl;

	if (len < 14 + 20 || get_be16(f + 12) != 0x0800 || ip[9] != IP_PROTO_TCP)
		return;
	ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || len < 14 + ihl + 20)
		return;
	memcpy(f, MAC_US, 6);
	put_be32(ip + 12, FUZZ_IP_PEER);
	put_be32(ip + 16, FUZZ_IP_US);
	tcp = ip + ihl;
	put_be16(tcp, 5000);
	put_be16(tcp + 2, s->est_port);
	put_be32(tcp + 4, get_be32(tcp + 4) + s->est_irs + 1);
	put_be32(tcp + 8, get_be32(tcp + 8) + s->est_iss + 1);
}

void fstack_input(struct fstack *s, int iface, const uint8_t *frame, size_t len)
{
	struct capture_netif *c = iface == 1 && s->has_eth1 ? &s->eth1 : &s->eth0;

	if (len > NET_PKT_SMALL_CAP - 64)
		len = NET_PKT_SMALL_CAP - 64;
	capture_inject(c, frame, len);	/* no buffer: dropped, as a NIC would */
	fstack_check(s);
}

void fstack_app_add(struct fstack *s, struct tcp_pcb *c)
{
	int i;

	for (i = 0; i < FSTACK_APPS; i++)
		if (!s->app[i]) {
			s->app[i] = c;
			return;
		}
	tcp_abort(s->ns, c);
}

void fstack_app_forget(struct fstack *s, struct tcp_pcb *c)
{
	int i;

	for (i = 0; i < FSTACK_APPS; i++)
		if (s->app[i] == c)
			s->app[i] = NULL;
}

void fstack_apps_run(struct fstack *s)
{
	static uint8_t buf[4096];
	struct tcp_pcb *c;
	int i;

	while (s->lis && tcp_accept(s->ns, s->lis, nop_ev, s, &c) == 0)
		fstack_app_add(s, c);
	for (i = 0; i < FSTACK_APPS; i++) {
		long n;

		if (!s->app[i])
			continue;
		n = tcp_recv(s->ns, s->app[i], buf, sizeof(buf), 0);
		if (n > 0) {
			tcp_send(s->ns, s->app[i], buf, (size_t)n, 0);
		} else if (n != -EAGAIN && n != -ENOTCONN) {
			/* EOF or an error: the app is done with it. */
			tcp_close(s->ns, s->app[i]);
			s->app[i] = NULL;
		}
	}
	fstack_check(s);
}

void fstack_purge(struct fstack *s)
{
	struct pktbuf *p;

	while ((p = capture_pop(&s->eth0))) {
		fuzz_check_tx(p, MAC_US, 1500);
		pktbuf_free(p);
	}
	if (!s->has_eth1)
		return;
	while ((p = capture_pop(&s->eth1))) {
		const uint8_t *ip = p->data + 14;

		fuzz_check_tx(p, MAC_ETH1, 1500);

		/* Ethernet, 20-byte IPv4, UDP to port 67, the fixed header. */
		if (p->len >= 14 + 20 + 8 + 240 && get_be16(p->data + 12) == 0x0800 &&
		    ip[0] == 0x45 && ip[9] == 17 && get_be16(ip + 22) == 67)
			s->dhcp_xid = get_be32(ip + 28 + 4);
		pktbuf_free(p);
	}
}

void fstack_tick(struct fstack *s, uint64_t ns)
{
	uint64_t next;

	s->now += ns;
	net_poll(s->ns, s->now);
	fstack_check(s);
	/* net_poll ran everything due: a deadline not in the future would
	 * wake the network thread again at once, forever (nothing here sends
	 * through loopback, the one queue that may legitimately be due). */
	next = net_next_deadline(s->ns);
	if (next <= s->now)
		fuzz_fail("after net_poll at %llu ns the next deadline is %llu ns: a busy loop",
			  (unsigned long long)s->now, (unsigned long long)next);
}

void fstack_step(struct fstack *s, uint64_t ns)
{
	fstack_tick(s, ns);
	fstack_apps_run(s);
	fstack_purge(s);
}

/* The peer 10.0.0.2 tells us its MAC (an ARP request for us). */
static void learn_peer(struct fstack *s)
{
	uint8_t f[64];
	size_t n = tb_eth(f, MAC_BCAST, MAC_PEER, 0x0806);

	n += tb_arp(f + n, 1, MAC_PEER, FUZZ_IP_PEER, (const uint8_t[6]){0}, FUZZ_IP_US);
	fstack_input(s, 0, f, n);
	fstack_purge(s);
}

/* An active open to 10.0.0.2:5000, answered: ESTABLISHED with the usual
 * options (MSS, window scale, SACK, timestamps). */
static void open_established(struct fstack *s)
{
	struct tcp_hdr th, syn;
	struct ip_hdr ih;
	struct pktbuf *p;
	uint8_t f[128], *tcp;
	size_t plen, n, hl;

	must(tcp_open(s->ns, nop_ev, s, &s->est), "tcp_open");
	must(tcp_connect(s->ns, s->est, FUZZ_IP_PEER, 5000), "tcp_connect");
	p = capture_pop(&s->eth0);
	if (!p || !fuzz_tcp_view(p, &ih, &syn, &plen) || syn.flags != TCP_SYN)
		fuzz_fail("setup: no SYN");
	pktbuf_free(p);
	s->est_iss = syn.seq;
	s->est_port = syn.sport;
	s->est_irs = 0x10000000u;
	memset(&th, 0, sizeof(th));
	th.sport = 5000;
	th.dport = syn.sport;
	th.seq = s->est_irs;
	th.ack = s->est_iss + 1;
	th.flags = TCP_SYN | TCP_ACK;
	th.wnd = 65535;
	fuzz_syn_options(&th);
	th.has_ts = syn.has_ts;
	th.tsval = 1000;
	th.tsecr = syn.tsval;
	n = tb_eth(f, MAC_US, MAC_PEER, 0x0800);
	tcp = f + n + 20;
	hl = tcp_hdr_emit(&th, tcp);
	tb_ipv4(f + n, FUZZ_IP_PEER, FUZZ_IP_US, IP_PROTO_TCP, 1, 0x4000, 64, hl);
	fuzz_fix_csums(f, n + 20 + hl);
	fstack_input(s, 0, f, n + 20 + hl);
	if (tcp_state(s->est) != TCP_ESTABLISHED)
		fuzz_fail("setup: connection not established");
	p = capture_pop(&s->eth0);
	if (!p || !fuzz_tcp_view(p, &ih, &th, &plen) || th.flags != TCP_ACK)
		fuzz_fail("setup: no ACK of the SYN-ACK");
	s->est_tsval = th.tsval;
	pktbuf_free(p);
	fstack_app_add(s, s->est);
	fstack_purge(s);
}

void fstack_init(struct fstack *s, unsigned flags)
{
	struct netstack_params par;
	struct tcp_pcb *pend;

	memset(s, 0, sizeof(*s));
	fake_env_init(&s->fe, 12345);
	fuzz_env_reuse_big(&s->fe);
	test_params(&par);
	par.tcp_sndbuf = 8192;
	par.tcp_rcvbuf = 8192;
	par.tcp_max_pcbs = 16;
	s->ns = netstack_create(&s->fe.env, &par);
	if (!s->ns)
		fuzz_fail("setup: netstack_create");
	s->now = 1000 * FUZZ_MS;
	net_poll(s->ns, s->now);
	if (capture_netif_add(&s->eth0, s->ns, MAC_US, 1500, "eth0") <= 0)
		fuzz_fail("setup: eth0");
	must(netif_set_up(s->ns, s->eth0.ifindex, true), "eth0 up");
	must(netif_addr_add(s->ns, s->eth0.ifindex, FUZZ_IP_US, 24), "eth0 addr");
	must(route_add(s->ns, 0, 0, FUZZ_IP_GW, 0, 0), "default route");
	if (flags & FSTACK_DHCP) {
		if (capture_netif_add(&s->eth1, s->ns, MAC_ETH1, 1500, "eth1") <= 0)
			fuzz_fail("setup: eth1");
		s->has_eth1 = true;
		must(netif_set_up(s->ns, s->eth1.ifindex, true), "eth1 up");
		must(dhcp_start(s->ns, s->eth1.ifindex), "dhcp_start");
	}
	fstack_purge(s);
	learn_peer(s);
	must(udp_bind(s->ns, 7, 0, echo_recv, s, &s->echo), "udp_bind");
	must(tcp_open(s->ns, nop_ev, s, &s->lis), "tcp_open");
	must(tcp_bind(s->ns, s->lis, 0, 80), "tcp_bind");
	must(tcp_listen(s->ns, s->lis, 4), "tcp_listen");
	open_established(s);
	must(tcp_open(s->ns, nop_ev, s, &pend), "tcp_open");
	must(tcp_connect(s->ns, pend, FUZZ_IP_OTHER, 5001), "tcp_connect");
	fstack_app_add(s, pend);
	fstack_purge(s);
	fstack_check(s);
}

/* The stack's non-zero counters, to tell what a leaking input did. */
static void dump_stats(struct fstack *s)
{
	int i;

	for (i = 0; i < NET_STAT_COUNT; i++)
		if (net_stat_get(s->ns, (enum net_stat)i))
			fprintf(stderr, "  %s %llu\n", net_stat_name((enum net_stat)i),
				(unsigned long long)net_stat_get(s->ns, (enum net_stat)i));
}

void fstack_fini(struct fstack *s)
{
	int i;

	for (i = 0; i < FSTACK_APPS; i++)
		if (s->app[i])
			tcp_abort(s->ns, s->app[i]);
	tcp_close(s->ns, s->lis);
	udp_unbind(s->ns, s->echo);
	/* Nothing may send any more: a DHCP retransmission waiting for ARP
	 * would hold a buffer as rightly as a leak would. */
	if (s->has_eth1)
		dhcp_stop(s->ns, s->eth1.ifindex);
	fstack_check(s);
	/* Let every timer run out: TIME-WAIT, FIN-WAIT-2, reassembly, ARP. */
	for (i = 0; i < 30; i++) {
		fstack_tick(s, 60 * FUZZ_SEC);
		fstack_purge(s);
	}
	if (tcp_pcb_count(s->ns) || net_pkt_in_use(s->ns) || getenv("FUZZ_STATS"))
		dump_stats(s);
	if (tcp_pcb_count(s->ns))
		fuzz_fail("%u TCP pcbs left after close and 30 idle minutes",
			  tcp_pcb_count(s->ns));
	if (net_pkt_in_use(s->ns))
		fuzz_fail("%u packet buffers held after 30 idle minutes", net_pkt_in_use(s->ns));
	netstack_destroy(s->ns);
	if (s->fe.live_allocs || s->fe.live_bytes || s->fe.err_logs)
		fuzz_fail("after destroy: %zu allocations (%zu bytes) live, %u error logs",
			  s->fe.live_allocs, s->fe.live_bytes, s->fe.err_logs);
}
