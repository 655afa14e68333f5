/*
 * tests/fuzz/fuzz_tcp.c: libFuzzer target: TCP segments (and ICMP errors,
 * app calls, time) against one connection in each state of RFC 9293
 * 3.3.2: LISTEN, SYN-SENT, SYN-RECEIVED, ESTABLISHED, CLOSE-WAIT,
 * FIN-WAIT-1, CLOSING, LAST-ACK, FIN-WAIT-2, TIME-WAIT. The connection is
 * driven there by a well-behaved peer (10.0.0.2) on the configured stack
 * of fuzz_util.h; then the fuzz input plays the peer.
 *
 * Segments are described, not raw (the frame targets do raw bytes): the
 * harness fills in addresses, ports and checksums, and places seq and ack
 * relative to what the stack last said it expects (its ACK) and has sent
 * (its seq + length), so the fuzzer reaches the in-window cases instead
 * of guessing 32-bit numbers; raw options and any flags are its own.
 *
 * Input: the state (modulo 10, in enum tcp_state order from LISTEN), then
 * up to 48 operations, each an opcode byte and its operands:
 *   0-4 segment: flags, mode (bits 0-1 seq: expected, +d, -d, +d<<16;
 *       bits 2-3 ack likewise against our next; bit 4 no timestamp;
 *       bit 5 raw options; bit 6 SACK blocks), d_seq, d_ack (16 bits),
 *       window (16), options (raw: length byte and bytes; SACK: count
 *       and 16-bit offsets below our next), payload length (16) and bytes
 *   5   time: a delay byte (fuzz_delay_ns)
 *   6   app: a byte choosing send (16-bit length), recv, shutdown(WR),
 *       shutdown(RD), close, abort, accept
 *   7   ICMP error quoting the connection: type, code, 16-bit next-hop MTU,
 *       16-bit offset of the quoted seq below our next
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "net_test_util.h"
#include "../../net/byteorder.h"
#include "../../net/checksum.h"
#include "../../net/ip.h"
#include "../../net/tcp_hdr.h"
#include "../../net/tcp_seq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct conn {
	struct fstack *s;
	struct tcp_pcb *pcb;	/* the app's handle, NULL once released */
	uint16_t lport, rport;	/* ours, the peer's */
	uint32_t peer_nxt;	/* what the stack acked last: its RCV.NXT */
	uint32_t our_nxt;	/* the end of what it sent: its SND.NXT */
	uint32_t tsval;		/* the peer's clock */
	uint32_t our_tsval;	/* the last TSval the stack sent */
	bool seen;		/* the stack has sent on this connection */
};

static void nop_ev(void *arg, struct tcp_pcb *pcb, unsigned events)
{
	(void)arg;
	(void)pcb;
	(void)events;
}

/* Read what the stack sent on the connection; forget the rest. */
static void drain(struct conn *c)
{
	struct pktbuf *p;

	while ((p = capture_pop(&c->s->eth0))) {
		struct ip_hdr ih;
		struct tcp_hdr th;
		size_t plen;

		fuzz_check_tx(p, MAC_US, 1500);
		if (fuzz_tcp_view(p, &ih, &th, &plen) && th.sport == c->lport &&
		    th.dport == c->rport) {
			uint32_t end = th.seq + (uint32_t)plen +
				       ((th.flags & TCP_SYN) ? 1 : 0) + ((th.flags & TCP_FIN) ? 1 : 0);

			if (!c->seen || seq_gt(end, c->our_nxt))
				c->our_nxt = end;
			if (th.flags & TCP_ACK)
				c->peer_nxt = th.ack;
			if (th.has_ts)
				c->our_tsval = th.tsval;
			c->seen = true;
		}
		pktbuf_free(p);
	}
}

static uint32_t place(uint32_t base, unsigned mode, uint16_t d)
{
	switch (mode & 3) {
	case 0:
		return base;
	case 1:
		return base + d;
	case 2:
		return base - d;
	default:
		return base + ((uint32_t)d << 16);
	}
}

/* A frame from the peer with the TCP header tcp[0..hl) and payload. */
static void send_tcp(struct conn *c, const uint8_t *tcp, size_t hl, const uint8_t *pay,
		     size_t plen)
{
	static uint8_t f[14 + 20 + TCP_HDR_MAX + 1500];
	size_t n = tb_eth(f, MAC_US, MAC_PEER, 0x0800);

	tb_ipv4(f + n, FUZZ_IP_PEER, FUZZ_IP_US, IP_PROTO_TCP, 1, 0x4000, 64, hl + plen);
	memcpy(f + n + 20, tcp, hl);
	if (plen)
		memcpy(f + n + 20 + hl, pay, plen);
	fuzz_fix_csums(f, n + 20 + hl + plen);
	fstack_input(c->s, 0, f, n + 20 + hl + plen);
	drain(c);
}

/* The well-behaved peer's segments during setup: timestamps as agreed. */
static void peer_seg(struct conn *c, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct tcp_hdr th;
	uint8_t t[TCP_HDR_MAX];

	memset(&th, 0, sizeof(th));
	th.sport = c->rport;
	th.dport = c->lport;
	th.seq = seq;
	th.ack = ack;
	th.flags = flags;
	th.wnd = 65535;
	th.has_ts = true;
	th.tsval = ++c->tsval;
	th.tsecr = c->our_tsval;
	if (flags & TCP_SYN)
		fuzz_syn_options(&th);
	send_tcp(c, t, tcp_hdr_emit(&th, t), NULL, 0);
}

static void op_segment(struct conn *c, struct fin *in)
{
	static uint8_t pay[1500];
	uint8_t flags = fin_u8(in), mode = fin_u8(in), t[TCP_HDR_MAX];
	const uint8_t *o;
	uint16_t dseq = fin_u16(in), dack = fin_u16(in), wnd = fin_u16(in);
	size_t hl, plen, got;
	struct tcp_hdr th;

	memset(&th, 0, sizeof(th));
	th.sport = c->rport;
	th.dport = c->lport;
	th.seq = place(c->peer_nxt, mode, dseq);
	th.ack = place(c->our_nxt, mode >> 2, dack);
	th.flags = flags;
	th.wnd = wnd;
	th.has_ts = !(mode & 0x10);
	th.tsval = c->tsval += 1 + (dseq & 3);
	th.tsecr = c->our_tsval;
	if (mode & 0x40) {
		uint8_t i, nsack = fin_u8(in) % (TCP_MAX_SACK + 1);

		for (i = 0; i < nsack; i++) {
			uint32_t start = c->our_nxt - fin_u16(in);

			th.sack[i].start = start;
			th.sack[i].end = start + fin_u16(in);
		}
		th.nsack = nsack;
	}
	hl = tcp_hdr_emit(&th, t);
	if (mode & 0x20) {
		/* Raw options, padded to the data offset's 4-byte unit. */
		size_t olen = fin_u8(in) % (TCP_OPT_SPACE + 1);

		o = fin_take(in, olen, &got);

		memset(t + TCP_HDR_LEN, 0, TCP_OPT_SPACE);
		memcpy(t + TCP_HDR_LEN, o, got);
		hl = TCP_HDR_LEN + (got + 3) / 4 * 4;
		t[12] = (uint8_t)(hl / 4 << 4);
	}
	plen = fin_u16(in) % sizeof(pay);
	memset(pay, 'x', plen);
	o = fin_take(in, plen, &got);	/* got is set by the call: not one statement */
	memcpy(pay, o, got);
	send_tcp(c, t, hl, pay, plen);
}

static void op_app(struct conn *c, struct fin *in)
{
	static uint8_t buf[20000];
	struct netstack *ns = c->s->ns;
	uint8_t what = fin_u8(in) % 7;
	struct tcp_pcb *child;
	size_t n;

	if (what == 6) {
		/* The listener's side: take what completed, and own it. */
		if (c->s->lis && tcp_accept(ns, c->s->lis, nop_ev, NULL, &child) == 0) {
			fstack_app_add(c->s, child);
			if (!c->pcb)
				c->pcb = child;
		}
		return;
	}
	if (!c->pcb) {
		fin_u16(in);
		return;
	}
	switch (what) {
	case 0:
		n = fin_u16(in) % sizeof(buf);
		memset(buf, 'a', n);
		tcp_send(ns, c->pcb, buf, n, 0);
		break;
	case 1:
		tcp_recv(ns, c->pcb, buf, sizeof(buf), 0);
		break;
	case 2:
		tcp_shutdown(ns, c->pcb, TCP_SHUT_WR);
		break;
	case 3:
		tcp_shutdown(ns, c->pcb, TCP_SHUT_RD);
		break;
	case 4:
		fstack_app_forget(c->s, c->pcb);
		tcp_close(ns, c->pcb);
		c->pcb = NULL;
		break;
	default:
		fstack_app_forget(c->s, c->pcb);
		tcp_abort(ns, c->pcb);
		c->pcb = NULL;
		break;
	}
	drain(c);
}

/* RFC 792 / RFC 1191: an error about our segment, from the router. */
static void op_icmp(struct conn *c, struct fin *in)
{
	uint8_t f[14 + 20 + 8 + 20 + 8], *icmp, *q;
	uint8_t type = fin_u8(in), code = fin_u8(in);
	uint16_t mtu = fin_u16(in), back = fin_u16(in);
	size_t n = tb_eth(f, MAC_US, MAC_PEER, 0x0800);

	n += tb_ipv4(f + n, FUZZ_IP_GW, FUZZ_IP_US, IP_PROTO_ICMP, 2, 0, 64, 8 + 20 + 8);
	icmp = f + n;
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	put_be16(icmp + 6, mtu);
	q = icmp + 8;
	tb_ipv4(q, FUZZ_IP_US, FUZZ_IP_PEER, IP_PROTO_TCP, 3, 0x4000, 64, 1400);
	put_be16(q + 20, c->lport);
	put_be16(q + 22, c->rport);
	put_be32(q + 24, c->our_nxt - back);
	fuzz_fix_csums(f, sizeof(f));
	fstack_input(c->s, 0, f, sizeof(f));
	drain(c);
}

static void expect_state(struct conn *c, enum tcp_state want)
{
	if (!c->pcb || tcp_state(c->pcb) != want)
		fuzz_fail("setup: connection in %s, not %s",
			  c->pcb ? tcp_state_name(tcp_state(c->pcb)) : "(none)", tcp_state_name(want));
}

/* From ESTABLISHED (the fstack's active open) on to the state asked. */
static void reach_from_established(struct conn *c, enum tcp_state want)
{
	struct netstack *ns = c->s->ns;

	c->pcb = c->s->est;
	c->lport = c->s->est_port;
	c->rport = 5000;
	c->our_nxt = c->s->est_iss + 1;
	c->peer_nxt = c->s->est_irs + 1;
	c->tsval = 1000;
	c->our_tsval = c->s->est_tsval;
	c->seen = true;
	switch (want) {
	case TCP_CLOSE_WAIT:
	case TCP_LAST_ACK:
		peer_seg(c, TCP_FIN | TCP_ACK, c->peer_nxt, c->our_nxt);
		expect_state(c, TCP_CLOSE_WAIT);
		if (want == TCP_LAST_ACK)
			tcp_shutdown(ns, c->pcb, TCP_SHUT_WR);
		break;
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_FIN_WAIT_2:
	case TCP_TIME_WAIT:
		tcp_shutdown(ns, c->pcb, TCP_SHUT_WR);
		drain(c);	/* our FIN: our_nxt covers it */
		if (want == TCP_CLOSING)
			peer_seg(c, TCP_FIN | TCP_ACK, c->peer_nxt, c->our_nxt - 1);
		if (want == TCP_FIN_WAIT_2 || want == TCP_TIME_WAIT)
			peer_seg(c, TCP_ACK, c->peer_nxt, c->our_nxt);
		if (want == TCP_TIME_WAIT)
			peer_seg(c, TCP_FIN | TCP_ACK, c->peer_nxt, c->our_nxt);
		break;
	default:
		break;
	}
	drain(c);
	expect_state(c, want);
}

static void reach(struct conn *c, enum tcp_state want)
{
	struct netstack *ns = c->s->ns;

	c->tsval = 5000;
	switch (want) {
	case TCP_LISTEN:
		c->pcb = c->s->lis;	/* the fstack's; fstack_fini closes it */
		c->lport = 80;
		c->rport = 40000;
		c->peer_nxt = 0x20000000u;
		expect_state(c, TCP_LISTEN);
		c->pcb = NULL;		/* op_app acts on accepted children */
		return;
	case TCP_SYN_SENT:
		if (tcp_open(ns, nop_ev, NULL, &c->pcb) || tcp_bind(ns, c->pcb, 0, 40100) ||
		    tcp_connect(ns, c->pcb, FUZZ_IP_PEER, 5002))
			fuzz_fail("setup: active open");
		fstack_app_add(c->s, c->pcb);
		c->lport = 40100;
		c->rport = 5002;
		c->peer_nxt = 0x30000000u;
		drain(c);
		expect_state(c, TCP_SYN_SENT);
		return;
	case TCP_SYN_RECEIVED:
		c->lport = 80;
		c->rport = 40001;
		peer_seg(c, TCP_SYN, 0x40000000u, 0);
		if (!c->seen)
			fuzz_fail("setup: no SYN-ACK");
		return;	/* the pcb is the listener's until accepted */
	default:
		reach_from_established(c, want);
		return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fstack s;
	struct fin in = {data, size};
	enum tcp_state want = (enum tcp_state)(TCP_LISTEN + fin_u8(&in) % 10);
	struct conn c;
	int i;

	fstack_init(&s, 0);
	memset(&c, 0, sizeof(c));
	c.s = &s;
	reach(&c, want);
	for (i = 0; i < 48 && in.n; i++) {
		switch (fin_u8(&in) % 8) {
		case 5:
			fstack_tick(&s, fuzz_delay_ns(fin_u8(&in)));
			drain(&c);
			break;
		case 6:
			op_app(&c, &in);
			break;
		case 7:
			op_icmp(&c, &in);
			break;
		default:
			op_segment(&c, &in);
			break;
		}
		fstack_check(&s);
	}
	fstack_fini(&s);
	return 0;
}
