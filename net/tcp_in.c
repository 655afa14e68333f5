/*
 * tcp_in.c: SEGMENT ARRIVES, RFC 9293 3.10.7, one function per state
 * group: tcp_in_closed(), tcp_in_listen(), tcp_in_syn_sent(), and
 * tcp_in_sync() for SYN-RECEIVED and everything after, in the RFC's order
 * (sequence check, RST, SYN, ACK, text, FIN).
 *
 * Promises: every segment is checked (header view, checksum) and either
 * processed or dropped and counted by reason. Hardening: RFC 5961 (an
 * in-window RST or any SYN on a synchronized connection, in the window or
 * not, gets a challenge ACK instead of acting; ACKs outside [SND.UNA -
 * MAX.SND.WND, SND.NXT] are dropped with a challenge ACK; challenge ACKs
 * are rate-limited per stack),
 * PAWS (RFC 7323 5). A SYN to a port nobody listens on is answered with RST
 * (RFC 9293 3.10.7.1). A SYN with a newer timestamp (or a higher sequence
 * without timestamps) may reopen a TIME-WAIT 4-tuple (RFC 6191, RFC 1122
 * 4.2.2.13). Data lands in the receive ring at its sequence offset, in
 * order or not; the FIN is taken when everything before it has arrived.
 * Data that arrives twice is reported with a D-SACK block (RFC 2883). With
 * the SYN queue full a listener answers with SYN cookies (RFC 4987 3.6,
 * tcp_cookie.c) and rebuilds the connection from the cookie's ACK.
 * Deviations: the URG pointer is ignored (RFC 6093: data is delivered
 * inline); data in a SYN is dropped (the peer sends it again after the
 * handshake); a non-RST segment without a timestamp on a connection that
 * negotiated them is accepted (as Linux does), not dropped (RFC 7323 3.2);
 * a SYN with FIN to a listener is dropped and counted, not opened (a
 * scan signature no stack sends; Linux drops it too).
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "tcp_priv.h"
#include "byteorder.h"
#include "checksum.h"

#define PAWS_IDLE_NS (24ull * 24 * 3600 * 1000 * MS)	/* RFC 7323 5.5 */

struct tcp_seg {
	struct tcp_hdr th;
	const uint8_t *data;
	uint32_t len;		/* data bytes */
	uint32_t src, dst;	/* host order, from the IP header */
	struct netif *nif;
	uint8_t rx_queue;	/* pktbuf.rx_queue: the NIC queue it came on, for accept steering */
};

static void tcp_in_sync(struct tcp_pcb *pcb, struct tcp_seg *s);

static uint32_t seg_space(const struct tcp_seg *s)
{
	return s->len + ((s->th.flags & TCP_SYN) ? 1 : 0) +
	       ((s->th.flags & TCP_FIN) ? 1 : 0);
}

static void drop(struct netstack *ns, struct tcp_seg *s, enum net_stat why)
{
	net_drop(ns, s->nif, why);
}

/* RFC 9293 3.10.7.1 CLOSED: everything but a RST is answered by RST. */
static void tcp_in_closed(struct netstack *ns, struct tcp_seg *s)
{
	drop(ns, s, NET_STAT_DROP_TCP_NO_PCB);
	tcp_send_reset(ns, s->dst, s->src, &s->th, seg_space(s));
}

/* RFC 9293 3.7.1, RFC 7323 1.3, RFC 2018 2: what the peer's SYN offers. */
static void syn_options(struct tcp_pcb *pcb, const struct tcp_hdr *th)
{
	uint32_t mss = th->has_mss ? th->mss : TCP_DEFAULT_MSS;

	if (mss > pcb->path_mss)
		mss = pcb->path_mss;
	if (pcb->maxseg && mss > pcb->maxseg)
		mss = pcb->maxseg;
	if (mss < 64)
		mss = 64;	/* a tiny MSS is an attack, not a path */
	pcb->mss = (uint16_t)mss;
	pcb->ws_ok = th->has_ws;
	pcb->snd_ws = th->ws > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : th->ws;
	if (!pcb->ws_ok) {
		pcb->snd_ws = 0;
		pcb->rcv_ws = 0;
	}
	pcb->sack_ok = th->sack_perm;
	pcb->ts_ok = th->has_ts;
	if (pcb->ts_ok) {
		pcb->ts_recent = th->tsval;
		pcb->ts_recent_at = pcb->ns->now;
	}
}

static void notify_listener(struct tcp_pcb *lis)
{
	tcp_notify(lis, TCP_EV_ACCEPT);
}

/* A child of lis for the peer of s, in SYN-RECEIVED, hashed; its ISN
 * and options are the caller's to set. */
static struct tcp_pcb *listen_child(struct netstack *ns, struct tcp_pcb *lis,
				    struct tcp_seg *s)
{
	struct route_result rr;
	struct tcp_pcb *c = tcp_pcb_new(ns);

	if (!c) {
		drop(ns, s, NET_STAT_DROP_TCP_NOMEM);
		return NULL;
	}
	c->nodelay = lis->nodelay;
	c->keepalive = lis->keepalive;
	c->keepidle_s = lis->keepidle_s;
	c->keepintvl_s = lis->keepintvl_s;
	c->keepcnt = lis->keepcnt;
	c->sndbuf = lis->sndbuf;
	c->rcvbuf = lis->rcvbuf;
	c->rcvbuf_max = lis->rcvbuf_max;
	c->maxseg = lis->maxseg;
	c->user_timeout_ms = lis->user_timeout_ms;
	c->laddr = s->dst;
	c->lport = s->th.dport;
	c->raddr = s->src;
	c->rport = s->th.sport;
	c->parent = lis;
	c->rx_queue = s->rx_queue;
	c->in_synq = true;
	lis->syn_len++;
	tcp_route_setup(c, route_lookup(ns, s->src, &rr) == 0 ?
			   netif_lookup(ns, rr.ifindex) : s->nif);
	tcp_hash_conn(c);
	tcp_set_state(c, TCP_SYN_RECEIVED);
	c->last_rx = ns->now;
	return c;
}

static void child_seq(struct tcp_pcb *c, uint32_t irs, uint32_t iss)
{
	c->irs = irs;
	c->rcv_nxt = irs + 1;
	c->iss = iss;
	c->ts_off = tcp_ts_offset(c->ns, c->laddr, c->raddr);
	c->snd_una = iss;
	c->snd_nxt = iss;
	c->snd_max = iss;
	c->snd_base = iss + 1;
}

/* RFC 4987 3.6: the SYN queue is full: answer with a cookie. */
static void listen_cookie(struct netstack *ns, struct tcp_pcb *lis,
			  struct tcp_seg *s)
{
	struct route_result rr;
	struct tcp_pcb tmp;
	uint32_t cookie;

	memset(&tmp, 0, sizeof(tmp));
	tmp.rcvbuf = lis->rcvbuf;
	tmp.rcvbuf_max = lis->rcvbuf_max;
	tmp.maxseg = lis->maxseg;
	tcp_route_setup(&tmp, route_lookup(ns, s->src, &rr) == 0 ?
			      netif_lookup(ns, rr.ifindex) : s->nif);
	cookie = tcp_cookie_make(ns, s->dst, s->th.dport, s->src, s->th.sport,
				 s->th.seq, s->th.has_mss ? s->th.mss :
							    TCP_DEFAULT_MSS);
	tcp_send_cookie_synack(ns, s->dst, s->src, &s->th, cookie,
			       tmp.rcv_mss, (uint16_t)(tmp.rcv_wnd_max > 0xffff ?
						       0xffff : tmp.rcv_wnd_max));
}

/* RFC 4987 3.6: an ACK to a listener may carry a cookie; if so, build
 * the connection it stands for and let the ACK complete it. With the
 * accept queue full a valid cookie's ACK is dropped, not reset: the peer
 * believes it is connected and retransmits (its request, or the ACK),
 * and the cookie still holds then; a child in SYN-RECEIVED is treated the
 * same way (in_ack), as Linux does. false: no valid cookie. */
static bool listen_cookie_ack(struct netstack *ns, struct tcp_pcb *lis,
			      struct tcp_seg *s)
{
	struct tcp_pcb *c;
	uint16_t mss;

	if (ns->par.tcp_syncookies == 2 ||
	    (s->th.flags & (TCP_SYN | TCP_RST | TCP_FIN)))
		return false;
	if (!tcp_cookie_check(ns, s->dst, s->th.dport, s->src, s->th.sport,
			      s->th.seq - 1, s->th.ack - 1, &mss))
		return false;
	if (lis->aq_len >= lis->backlog) {
		drop(ns, s, NET_STAT_DROP_TCP_LISTEN_OVERFLOW);
		return true;
	}
	c = listen_child(ns, lis, s);
	if (!c)
		return true;
	net_count(ns, NET_STAT_TCP_SYN_COOKIE_OK);
	child_seq(c, s->th.seq - 1, s->th.ack - 1);
	c->mss = mss < c->path_mss ? mss : c->path_mss;
	c->rcv_ws = 0;
	c->snd_max = c->iss + 1;
	c->snd_nxt = c->iss + 1;
	c->rcv_adv = c->rcv_nxt + (c->rcv_wnd_max > 0xffff ? 0xffff :
				   c->rcv_wnd_max);
	c->last_ack_sent = c->rcv_nxt;
	c->snd_wl1 = s->th.seq;
	c->snd_wl2 = c->iss;
	c->rtt_at = ns->now;
	c->backoff = 1;		/* no RTT sample from a cookie */
	tcp_cc_init(c);
	c->segs_in++;
	tcp_in_sync(c, s);
	return true;
}

/* RFC 9293 3.10.7.2 LISTEN. */
static void tcp_in_listen(struct netstack *ns, struct tcp_pcb *lis,
			  struct tcp_seg *s)
{
	struct tcp_pcb *c;

	if (s->th.flags & TCP_RST) {
		/* "An incoming RST should be ignored": counted, so that every
		 * segment a listener gets is accounted for. */
		drop(ns, s, NET_STAT_DROP_TCP_LISTEN_RST);
		return;
	}
	if (s->th.flags & TCP_ACK) {
		if (listen_cookie_ack(ns, lis, s))
			return;
		drop(ns, s, NET_STAT_DROP_TCP_BAD_ACK);
		tcp_send_reset(ns, s->dst, s->src, &s->th, seg_space(s));
		return;
	}
	if (!(s->th.flags & TCP_SYN)) {
		drop(ns, s, NET_STAT_DROP_TCP_BAD_FLAGS);
		return;
	}
	/* Deviation: 3.10.7.2 does not require taking a SYN with FIN (it
	 * would open, and take the FIN once synchronized). No stack sends
	 * one; scanners and fingerprinters do, as it slips past filters
	 * matching a bare SYN. Dropped before the SYN queue and cookies, so
	 * it costs no state and draws no SYN-ACK, as Linux always does
	 * (tcp_rcv_state_process) and FreeBSD with net.inet.tcp.drop_synfin. */
	if (s->th.flags & TCP_FIN) {
		drop(ns, s, NET_STAT_DROP_TCP_SYN_FIN);
		return;
	}
	if (lis->aq_len >= lis->backlog) {
		drop(ns, s, NET_STAT_DROP_TCP_LISTEN_OVERFLOW);
		return;
	}
	if (lis->syn_len >= ns->par.tcp_syn_backlog) {
		drop(ns, s, NET_STAT_DROP_TCP_LISTEN_OVERFLOW);
		if (ns->par.tcp_syncookies != 2)
			listen_cookie(ns, lis, s);
		return;
	}
	c = listen_child(ns, lis, s);
	if (!c)
		return;
	net_count(ns, NET_STAT_TCP_SYN_RECEIVED);
	syn_options(c, &s->th);
	child_seq(c, s->th.seq, tcp_isn(ns, c->laddr, c->lport, c->raddr,
					c->rport));
	/* RFC 7323 2.2: a SYN's window is never scaled. */
	c->snd_wnd = s->th.wnd;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->th.seq;
	c->snd_wl2 = c->iss;
	tcp_cc_init(c);
	tcp_send_syn(c);
}

/* Rings and the accept queue: the handshake is complete. */
static bool established(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;
	struct tcp_pcb *lis = pcb->parent;

	if (tcp_rings_alloc(pcb) < 0) {
		net_count(ns, NET_STAT_DROP_TCP_NOMEM);
		tcp_send_rst_pcb(pcb);
		tcp_finish(pcb, -ENOMEM);
		return false;
	}
	tcp_timer_clear(pcb, TCP_T_RTO);
	/* RFC 6298 5.7: our SYN (or SYN-ACK) timed out, so no sample was
	 * taken (Karn): data starts with an RTO of 3 s, not the initial 1 s.
	 * retransmits, not backoff: a cookie's child has backoff 1 only to
	 * skip the sample, and none of its segments timed out. */
	if (pcb->retransmits && !pcb->srtt_us && pcb->rto_ms < 3000) {
		pcb->rto_ms = 3000;
		if (pcb->rto_ms > ns->par.tcp_rto_max_ms)
			pcb->rto_ms = ns->par.tcp_rto_max_ms;
	}
	pcb->backoff = 0;
	if (lis) {
		lis->syn_len--;
		pcb->in_synq = false;
		tcp_aq_add(lis, pcb, pcb->rx_queue);
		net_count(ns, NET_STAT_TCP_PASSIVE_OPEN);
	}
	tcp_set_state(pcb, TCP_ESTABLISHED);
	tcp_keep_reset(pcb);
	if (pcb->fin_queued)
		tcp_set_state(pcb, TCP_FIN_WAIT_1);
	if (lis)
		notify_listener(lis);
	else
		tcp_notify(pcb, TCP_EV_CONNECTED | TCP_EV_WRITABLE);
	return true;
}

/* RFC 9293 3.10.7.3 SYN-SENT. */
static void tcp_in_syn_sent(struct tcp_pcb *pcb, struct tcp_seg *s)
{
	struct netstack *ns = pcb->ns;
	const struct tcp_hdr *th = &s->th;
	bool ack = th->flags & TCP_ACK;

	if (ack && (seq_leq(th->ack, pcb->iss) ||
		    seq_gt(th->ack, pcb->snd_max))) {
		drop(ns, s, NET_STAT_DROP_TCP_BAD_ACK);
		tcp_send_reset(ns, s->dst, s->src, th, seg_space(s));
		return;
	}
	if (th->flags & TCP_RST) {
		/* RFC 5961 3.2: only a RST acknowledging our SYN counts. */
		if (!ack) {
			drop(ns, s, NET_STAT_DROP_TCP_SYN_SENT);
			return;
		}
		net_count(ns, NET_STAT_TCP_RST_IN);
		tcp_finish(pcb, -ECONNREFUSED);
		return;
	}
	if (!(th->flags & TCP_SYN)) {
		drop(ns, s, NET_STAT_DROP_TCP_SYN_SENT);
		return;
	}
	syn_options(pcb, th);
	pcb->irs = th->seq;
	pcb->rcv_nxt = th->seq + 1;
	pcb->rcv_adv = pcb->rcv_nxt;
	pcb->snd_wnd = th->wnd;
	pcb->max_snd_wnd = th->wnd;
	pcb->snd_wl1 = th->seq;
	pcb->snd_wl2 = th->ack;
	pcb->last_rx = ns->now;
	tcp_cc_init(pcb);
	if (!ack) {
		/* RFC 9293 3.10.7.3 fifth: simultaneous open. */
		tcp_set_state(pcb, TCP_SYN_RECEIVED);
		tcp_timer_clear(pcb, TCP_T_RTO);
		pcb->backoff = 0;
		tcp_send_syn(pcb);
		return;
	}
	pcb->snd_una = th->ack;
	if (pcb->backoff == 0)	/* Karn: the SYN went once */
		tcp_rtt_sample(pcb, ns->now - pcb->rtt_at);
	pcb->rtt_on = false;
	if (!established(pcb))
		return;
	pcb->ack_now = true;
	tcp_output(pcb);
}

/* RFC 9293 3.10.7.4 first: is any of the segment in the window? */
static bool seq_acceptable(struct tcp_pcb *pcb, const struct tcp_seg *s)
{
	uint32_t wnd = tcp_rcv_window(pcb), len = seg_space(s);
	uint32_t seq = s->th.seq;

	if (!len)
		return wnd ? seq_in(seq, pcb->rcv_nxt, pcb->rcv_nxt + wnd) :
			     seq == pcb->rcv_nxt;
	if (!wnd)
		return false;
	return seq_in(seq, pcb->rcv_nxt, pcb->rcv_nxt + wnd) ||
	       seq_in(seq + len - 1, pcb->rcv_nxt, pcb->rcv_nxt + wnd);
}

/* Our window is closed and the segment starts at RCV.NXT: a peer's
 * zero-window probe, or a FIN, whose ACK is still news. */
static bool zero_window_at_nxt(struct tcp_pcb *pcb, const struct tcp_seg *s)
{
	return !tcp_rcv_window(pcb) && s->th.seq == pcb->rcv_nxt;
}

/* RFC 7323 5.3 R1: a timestamp older than TS.Recent is an old duplicate. */
static bool paws_reject(struct tcp_pcb *pcb, const struct tcp_seg *s)
{
	if (!pcb->ts_ok || !s->th.has_ts || (s->th.flags & TCP_RST))
		return false;
	if (!seq_lt(s->th.tsval, pcb->ts_recent))
		return false;
	/* RFC 7323 5.5: after 24 days idle TS.Recent is invalid: do not
	 * reject by it, but do not take this TSval either before the
	 * sequence check (4.3): a forged out-of-window segment would set
	 * TS.Recent far ahead and PAWS would then drop every real one. */
	return pcb->ns->now - pcb->ts_recent_at <= PAWS_IDLE_NS;
}

/* RFC 2883 4: data we already had (all or its head below RCV.NXT) is
 * reported in a D-SACK block, so the sender can tell a spurious
 * retransmission from a loss. */
static void note_dsack(struct tcp_pcb *pcb, const struct tcp_seg *s)
{
	uint32_t end;

	if (!pcb->sack_ok || !s->len || (s->th.flags & (TCP_SYN | TCP_RST)) ||
	    !seq_lt(s->th.seq, pcb->rcv_nxt))
		return;
	end = seq_min(s->th.seq + s->len, pcb->rcv_nxt);
	/* Only what falls in a window's reach of RCV.NXT: older is noise. */
	if (pcb->rcv_nxt - s->th.seq > pcb->rcv_wnd_max)
		return;
	pcb->dsack = true;
	pcb->dsack_blk.start = s->th.seq;
	pcb->dsack_blk.end = end;
	pcb->ack_now = true;
}

/* Cut the segment to the window (RFC 9293 3.10.7.4 "trimmed"). */
static void trim(struct tcp_pcb *pcb, struct tcp_seg *s)
{
	uint32_t wnd = tcp_rcv_window(pcb), edge = pcb->rcv_nxt + wnd;

	if (seq_lt(s->th.seq, pcb->rcv_nxt)) {
		uint32_t skip = pcb->rcv_nxt - s->th.seq;

		if (s->th.flags & TCP_SYN) {
			s->th.flags &= (uint8_t)~TCP_SYN;
			s->th.seq++;
			skip--;
		}
		if (skip > s->len) {
			/* Only a FIN we already have is left. */
			skip = s->len;
			s->th.flags &= (uint8_t)~TCP_FIN;
		}
		s->data += skip;
		s->len -= skip;
		s->th.seq += skip;
	}
	if (seq_gt(s->th.seq + s->len, edge)) {
		s->len = seq_gt(edge, s->th.seq) ? edge - s->th.seq : 0;
		s->th.flags &= (uint8_t)~TCP_FIN;
	}
}

/* RFC 5961 3.2: RST in the window. */
static bool in_rst(struct tcp_pcb *pcb, struct tcp_seg *s)
{
	struct netstack *ns = pcb->ns;

	if (s->th.seq != pcb->rcv_nxt) {
		tcp_send_challenge_ack(pcb);
		return true;
	}
	net_count(ns, NET_STAT_TCP_RST_IN);
	switch (pcb->state) {
	case TCP_SYN_RECEIVED:
		/* RFC 9293 3.10.7.4: from a passive open, back to LISTEN
		 * (the listener never saw this child); else refused. */
		if (pcb->parent) {
			tcp_pcb_destroy(pcb);
			return true;
		}
		pcb->rcv.len = 0;
		tcp_finish(pcb, -ECONNREFUSED);
		return true;
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		net_count(ns, NET_STAT_TCP_ESTAB_RESET);
		/* "All segment queues should be flushed." */
		pcb->rcv.len = 0;
		tcp_finish(pcb, -ECONNRESET);
		return true;
	default:
		/* CLOSING, LAST-ACK, TIME-WAIT: the end anyway. */
		tcp_finish(pcb, 0);
		return true;
	}
}

/* ACK of new data: ring, RTT, congestion control, timers. */
static void ack_new(struct tcp_pcb *pcb, uint32_t ack)
{
	struct netstack *ns = pcb->ns;
	uint32_t acked = ack - pcb->snd_una;

	if (seq_gt(ack, pcb->snd_base)) {
		uint32_t n = ack - pcb->snd_base;

		if (n > pcb->snd.len)
			n = pcb->snd.len;
		ring_consume(&pcb->snd, n);
		pcb->snd_base += n;
		sndref_ack(pcb);
		pcb->bytes_acked += n;
	}
	pcb->snd_una = ack;
	pcb->una_rxt_on = false;
	if (seq_lt(pcb->snd_nxt, ack))
		pcb->snd_nxt = ack;
	tcp_sack_prune(pcb);
	/* RFC 6298 3 / Karn: time only what was sent once. */
	if (pcb->rtt_on && seq_gt(ack, pcb->rtt_seq)) {
		tcp_rtt_sample(pcb, ns->now - pcb->rtt_at);
		pcb->rtt_on = false;
	}
	pcb->backoff = 0;
	pcb->soft_error = 0;
	pcb->rexmit_since = ns->now;
	tcp_cc_ack(pcb, acked);
	/* RFC 6298 5.2 / 5.3: stop or restart the retransmission timer. */
	if (tcp_flight(pcb) == 0)
		tcp_timer_clear(pcb, TCP_T_RTO);
	else
		tcp_rto_restart(pcb);
	/* RFC 8985 7.2: an ACK of new data re-arms the probe. */
	pcb->tlp_out = false;
	tcp_tlp_arm(pcb);
	tcp_notify(pcb, TCP_EV_WRITABLE);
}

/* RFC 9293 3.10.7.4 fifth, "check the ACK field"; false: drop. */
static bool in_ack(struct tcp_pcb *pcb, struct tcp_seg *s)
{
	struct netstack *ns = pcb->ns;
	const struct tcp_hdr *th = &s->th;
	uint32_t wnd;

	/* RFC 5961 5.2: acceptable is SND.UNA - MAX.SND.WND <= SEG.ACK <=
	 * SND.NXT; anything else draws a (challenge) ACK and is dropped. */
	if (seq_gt(th->ack, pcb->snd_max) ||
	    seq_lt(th->ack, pcb->snd_una - pcb->max_snd_wnd)) {
		drop(ns, s, NET_STAT_DROP_TCP_BAD_ACK);
		tcp_send_challenge_ack(pcb);
		return false;
	}
	/* RFC 6675 5: the scoreboard first, so this ACK's blocks count. */
	if (pcb->sack_ok && th->nsack && pcb->state != TCP_SYN_RECEIVED) {
		tcp_cc_dsack(pcb, th);
		tcp_sack_update(pcb, th);
	}
	if (pcb->state == TCP_SYN_RECEIVED) {
		if (!seq_gt(th->ack, pcb->snd_una)) {
			drop(ns, s, NET_STAT_DROP_TCP_BAD_ACK);
			tcp_send_reset(ns, s->dst, s->src, th, seg_space(s));
			return false;
		}
		if (pcb->parent && pcb->parent->aq_len >= pcb->parent->backlog) {
			/* Accept queue full: as Linux, ignore the ACK; the
			 * SYN-ACK is retransmitted and the peer retries. */
			drop(ns, s, NET_STAT_DROP_TCP_LISTEN_OVERFLOW);
			return false;
		}
		if (pcb->backoff == 0)
			tcp_rtt_sample(pcb, ns->now - pcb->rtt_at);
		pcb->snd_una = th->ack;
		pcb->snd_wnd = (uint32_t)th->wnd << pcb->snd_ws;
		if (pcb->snd_wnd > pcb->max_snd_wnd)
			pcb->max_snd_wnd = pcb->snd_wnd;
		pcb->snd_wl1 = th->seq;
		pcb->snd_wl2 = th->ack;
		if (!established(pcb))
			return false;
	} else if (seq_gt(th->ack, pcb->snd_una)) {
		ack_new(pcb, th->ack);
	} else if (th->ack == pcb->snd_una && !s->len &&
		   !(th->flags & (TCP_SYN | TCP_FIN)) && tcp_flight(pcb) &&
		   ((uint32_t)th->wnd << pcb->snd_ws) == pcb->snd_wnd &&
		   pcb->snd_wnd) {
		/* RFC 5681 2 "DUPLICATE ACKNOWLEDGMENT"; answers to
		 * zero-window probes are not news of a loss. */
		net_count(ns, NET_STAT_TCP_DUP_ACK_IN);
		tcp_cc_dupack(pcb);
	}
	if (th->ack == pcb->snd_una && th->nsack && pcb->sack_recovery)
		tcp_cc_lost_rxt(pcb);
	/* RFC 9293 3.10.7.4: "If SND.UNA =< SEG.ACK =< SND.NXT, the send
	 * window should be updated", from newer segments; an older ACK's
	 * window field is relative to that old ACK. */
	if (seq_leq(pcb->snd_una, th->ack) &&
	    (seq_lt(pcb->snd_wl1, th->seq) ||
	     (pcb->snd_wl1 == th->seq && seq_leq(pcb->snd_wl2, th->ack)))) {
		wnd = (uint32_t)th->wnd << (pcb->ws_ok ? pcb->snd_ws : 0);
		pcb->snd_wnd = wnd;
		if (wnd > pcb->max_snd_wnd)
			pcb->max_snd_wnd = wnd;
		pcb->snd_wl1 = th->seq;
		pcb->snd_wl2 = th->ack;
		if (wnd && pcb->t_at[TCP_T_PERSIST]) {
			tcp_timer_clear(pcb, TCP_T_PERSIST);
			pcb->backoff = 0;
			/* Probe bytes beyond the window go again normally. */
			pcb->snd_nxt = pcb->snd_una;
		}
	}
	return true;
}

/* After the ACK: the states a FIN of ours being acknowledged moves. */
static bool fin_ack_states(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;

	if (!tcp_fin_acked(pcb))
		return true;
	switch (pcb->state) {
	case TCP_FIN_WAIT_1:
		tcp_set_state(pcb, TCP_FIN_WAIT_2);
		if (!pcb->app) {
			tcp_timer_set(pcb, TCP_T_2MSL, ns->now +
				      (uint64_t)ns->par.tcp_fin_wait2_ms * MS);
			tcp_orphan_trim(pcb);	/* all acknowledged */
		}
		return true;
	case TCP_CLOSING:
		tcp_enter_time_wait(pcb);
		return true;
	case TCP_LAST_ACK:
		tcp_finish(pcb, 0);
		return false;
	default:
		return true;
	}
}

/*
 * Receive-buffer growth (as Linux's receive autotuning, which RFC 7323 7.3
 * leaves to the implementation): a sender that fills the whole window we
 * offer is held back by it, not by its congestion window, and with loss
 * that costs most: the hole pins the window's left edge for a round trip
 * while the flight behind it waits, so the sender sees more, shorter
 * recovery episodes. Through a 1 % lossy link (bench/lossy.sh) the host's
 * sender went into SACK recovery 80 times in 20 MB with 128 KiB, 65 with
 * 256 KiB and 50 with 512 KiB, the Linux guest's count. So when a segment
 * reaches within an MSS of the right edge, the ring doubles, up to
 * rcvbuf_max (capped at the SYN to what the window scale chosen there
 * reaches, RFC 7323 2.3: tcp_route_setup), and the larger window is announced at once (the right edge only moves
 * right, RFC 9293 3.8.6.2.2). Only while the application has nothing
 * unread (unread_before == 0): no span it may hold from tcp_recv_peek
 * points into the old buffer then. A failed allocation keeps the ring.
 */
static void rcv_grow(struct tcp_pcb *pcb, uint32_t seg_end,
		     uint32_t unread_before)
{
	struct netstack *ns = pcb->ns;
	uint32_t size = pcb->rcv.size, nsize;
	uint8_t *old = pcb->rcv.buf, *nbuf;

	if (unread_before || !pcb->ws_ok || pcb->rcv_grow_failed ||
	    size >= pcb->rcvbuf_max || pcb->rcv_wnd_max != size ||
	    seq_lt(seg_end + pcb->rcv_mss, pcb->rcv_adv))
		return;
	nsize = size > pcb->rcvbuf_max / 2 ? pcb->rcvbuf_max : 2 * size;
	nbuf = net_alloc_raw(ns, nsize);
	if (!nbuf) {
		pcb->rcv_grow_failed = true;
		return;
	}
	ring_move(&pcb->rcv, nbuf, nsize);
	net_free(ns, old, size);
	pcb->rcv_wnd_max = nsize;
	pcb->ack_now = true;
	net_count(ns, NET_STAT_TCP_RCV_GROW);
}

/* RFC 9293 3.10.7.4 seventh, "process the segment text". */
static void in_data(struct tcp_pcb *pcb, struct tcp_seg *s)
{
	struct netstack *ns = pcb->ns;
	uint32_t seq = s->th.seq, off, unread = pcb->rcv.len;

	if (seq == pcb->rcv_nxt) {
		uint32_t more;

		ring_write_at(&pcb->rcv, pcb->rcv.len, s->data, s->len);
		pcb->rcv.len += s->len;
		pcb->rcv_nxt += s->len;
		more = ooo_take(pcb);
		pcb->rcv.len += more;
		pcb->rcv_nxt += more;
		pcb->bytes_received += s->len + more;
		/* RFC 5681 4.2: ACK at once when a hole is filled. */
		if (more || pcb->nooo)
			pcb->ack_now = true;
		if (pcb->shut_rd)
			ring_consume(&pcb->rcv, pcb->rcv.len);
		rcv_grow(pcb, seq + s->len, unread);
		tcp_notify(pcb, TCP_EV_READABLE);
		return;
	}
	/* Out of order: into the ring at its offset, remembered as a range.
	 * trim() kept it inside the window, which the ring can hold. */
	off = pcb->rcv.len + (seq - pcb->rcv_nxt);
	if (!ooo_add(pcb, seq, seq + s->len)) {
		drop(ns, s, NET_STAT_DROP_TCP_OOO_FULL);
		pcb->ack_now = true;
		return;
	}
	ring_write_at(&pcb->rcv, off, s->data, s->len);
	pcb->ack_now = true;	/* RFC 5681 4.2: a duplicate ACK at once */
	rcv_grow(pcb, seq + s->len, unread);
}

/* RFC 9293 3.10.7.4 eighth, "check the FIN bit" (in order only). */
static void in_fin(struct tcp_pcb *pcb)
{
	pcb->rcv_nxt++;
	pcb->fin_rcvd = true;
	pcb->ooo_fin = false;
	pcb->ack_now = true;
	switch (pcb->state) {
	case TCP_ESTABLISHED:
		tcp_set_state(pcb, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		if (tcp_fin_acked(pcb))
			tcp_enter_time_wait(pcb);
		else
			tcp_set_state(pcb, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT_2:
		tcp_enter_time_wait(pcb);
		break;
	default:
		break;
	}
	tcp_keep_reset(pcb);
	tcp_notify(pcb, TCP_EV_READABLE);
}

/* RFC 6191 / RFC 1122 4.2.2.13: may this SYN reopen a TIME-WAIT pair? */
static bool tw_reusable(const struct tcp_pcb *pcb, const struct tcp_seg *s)
{
	if ((s->th.flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return false;
	if (pcb->ts_ok && s->th.has_ts)
		return seq_gt(s->th.tsval, pcb->ts_recent);
	return seq_gt(s->th.seq, pcb->rcv_nxt);
}

static void delack(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;

	uint32_t full = pcb->rcv_mss < pcb->mss ? pcb->rcv_mss : pcb->mss;

	/* RFC 5681 4.2: an ACK at least every second full-sized segment
	 * (counted in bytes: a full segment is the MSS less timestamps),
	 * otherwise within the delayed-ACK time. */
	if (pcb->ts_ok)
		full -= 12;
	if (pcb->rcv_nxt - pcb->last_ack_sent >= 2 * full)
		pcb->ack_now = true;
	if (!pcb->ack_now && pcb->rcv_nxt != pcb->last_ack_sent &&
	    !pcb->t_at[TCP_T_DELACK])
		tcp_timer_set(pcb, TCP_T_DELACK, ns->now +
			      (uint64_t)ns->par.tcp_delack_ms * MS);
}

/* RFC 5961 4.2 (RFC 9293 3.10.7.4 fourth): a SYN here, "irrespective of
 * the sequence number" (so also before the window and PAWS checks have
 * their say), is dropped by reason why and answered with a challenge ACK,
 * limited with the RST ones (RFC 5961 7): a plain ACK to an out-of-window
 * SYN would be an unlimited answer a blind sender could ask for. */
static void in_syn(struct tcp_pcb *pcb, struct tcp_seg *s, enum net_stat why)
{
	drop(pcb->ns, s, why);
	tcp_send_challenge_ack(pcb);
}

/* RFC 9293 3.10.7.4: SYN-RECEIVED and all synchronized states. */
static void tcp_in_sync(struct tcp_pcb *pcb, struct tcp_seg *s)
{
	struct netstack *ns = pcb->ns;
	const struct tcp_hdr *th = &s->th;

	/* The peer did not get our SYN-ACK and sent its SYN again: answer
	 * with the SYN-ACK at once rather than an ACK it cannot use (it
	 * would wait for our retransmission timer). */
	if (pcb->state == TCP_SYN_RECEIVED &&
	    (th->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
	    th->seq == pcb->irs) {
		tcp_send_syn(pcb);
		return;
	}
	/* RFC 9293 3.5 figure 8 line 6, simultaneous open: the peer's
	 * SYN,ACK (its SYN again, SEG.SEQ = IRS, now acknowledging our SYN)
	 * completes SYN-RECEIVED. Its SYN is already counted in RCV.NXT, so
	 * the segment goes on as if it began at IRS + 1 and its ACK moves us
	 * to ESTABLISHED (as Linux's tcp_validate_incoming lets it), instead
	 * of a challenge ACK and a wait for our RTO. Data in it is dropped
	 * like data in any SYN. */
	if (pcb->state == TCP_SYN_RECEIVED && !pcb->parent &&
	    (th->flags & (TCP_SYN | TCP_ACK | TCP_RST)) ==
	    (TCP_SYN | TCP_ACK) && th->seq == pcb->irs &&
	    th->ack == pcb->iss + 1) {
		s->th.flags &= (uint8_t)~TCP_SYN;
		s->th.seq++;
		if (s->len) {
			s->len = 0;
			s->th.flags &= (uint8_t)~TCP_FIN;
		}
	}
	if (paws_reject(pcb, s)) {
		if (th->flags & TCP_SYN) {
			in_syn(pcb, s, NET_STAT_DROP_TCP_PAWS);
			return;
		}
		drop(ns, s, NET_STAT_DROP_TCP_PAWS);
		tcp_send_ack_now(pcb);
		return;
	}
	note_dsack(pcb, s);
	if (!seq_acceptable(pcb, s) && zero_window_at_nxt(pcb, s)) {
		/* RFC 9293 3.10.7.4 first: "If the RCV.WND is zero, no
		 * segments will be acceptable, but special allowance should
		 * be made to accept valid ACKs, URGs, and RSTs": RST, SYN and
		 * ACK are processed below; trim() drops the text (and a FIN
		 * behind it). A bare FIN needs no buffer and is taken, as
		 * Linux does. The ACK we owe says the window is still 0. */
		if (s->len) {
			drop(ns, s, NET_STAT_DROP_TCP_OUT_OF_WINDOW);
			pcb->ack_now = true;
		}
	} else if (!seq_acceptable(pcb, s)) {
		if ((th->flags & (TCP_SYN | TCP_RST)) == TCP_SYN) {
			in_syn(pcb, s, NET_STAT_DROP_TCP_OUT_OF_WINDOW);
			return;
		}
		drop(ns, s, NET_STAT_DROP_TCP_OUT_OF_WINDOW);
		if (!(th->flags & TCP_RST)) {
			if (pcb->state == TCP_TIME_WAIT && (th->flags & TCP_FIN))
				tcp_enter_time_wait(pcb);
			tcp_send_ack_now(pcb);
		}
		return;
	}
	if (th->flags & TCP_RST) {
		in_rst(pcb, s);
		return;
	}
	if (th->flags & TCP_SYN) {
		in_syn(pcb, s, NET_STAT_DROP_TCP_BAD_FLAGS);
		return;
	}
	if (!(th->flags & TCP_ACK)) {
		drop(ns, s, NET_STAT_DROP_TCP_NO_ACK);
		return;
	}
	/* RFC 7323 4.3: remember the timestamp of the segment that holds
	 * the next byte we expect. */
	if (pcb->ts_ok && th->has_ts &&
	    seq_leq(th->seq, pcb->last_ack_sent) &&
	    (seq_geq(th->tsval, pcb->ts_recent) ||
	     ns->now - pcb->ts_recent_at > PAWS_IDLE_NS)) {
		pcb->ts_recent = th->tsval;
		pcb->ts_recent_at = ns->now;
	}
	trim(pcb, s);
	pcb->last_rx = ns->now;
	pcb->keep_probes = 0;
	if (!in_ack(pcb, s))
		return;
	if (!fin_ack_states(pcb))
		return;
	if (s->len) {
		switch (pcb->state) {
		case TCP_ESTABLISHED:
		case TCP_FIN_WAIT_1:
		case TCP_FIN_WAIT_2:
			if (!pcb->app && !pcb->parent) {
				/* Orphaned: nobody will read it (Linux's
				 * "abort on data"). */
				tcp_send_rst_pcb(pcb);
				tcp_finish(pcb, -ECONNRESET);
				return;
			}
			in_data(pcb, s);
			break;
		default:
			break;	/* after the peer's FIN: nothing valid */
		}
	}
	if ((th->flags & TCP_FIN) && !pcb->fin_rcvd) {
		uint32_t fseq = th->seq + s->len;

		if (fseq == pcb->rcv_nxt) {
			in_fin(pcb);
		} else {
			pcb->ooo_fin = true;
			pcb->ooo_fin_seq = fseq;
			pcb->ack_now = true;
		}
	}
	if (pcb->ooo_fin && pcb->ooo_fin_seq == pcb->rcv_nxt && !pcb->fin_rcvd)
		in_fin(pcb);
	if (pcb->state == TCP_CLOSED)
		return;
	tcp_keep_reset(pcb);
	delack(pcb);
	tcp_output(pcb);
	tcp_timer_rearm(pcb);
}

static bool seg_parse(struct netstack *ns, struct netif *nif,
		      struct pktbuf *p, const struct ip_hdr *h,
		      struct tcp_seg *s)
{
	enum net_stat why;

	if (tcp_hdr_parse(p->data, p->len, &s->th, &why)) {
		net_drop(ns, nif, why);
		return false;
	}
	/* The NIC vouched for it (RX_CSUM; the field may even be partial,
	 * virtio 1.2 5.1.6.4): checking again would only cost. */
	if (p->csum == PKTBUF_CSUM_VALID) {
		net_count(ns, NET_STAT_CSUM_RX_TRUSTED);
	} else if (csum_fold(csum_partial(p->data, p->len,
					  csum_pseudo(h->src, h->dst,
						      IP_PROTO_TCP,
						      (uint16_t)p->len))) != 0) {
		net_drop(ns, nif, NET_STAT_DROP_TCP_CHECKSUM);
		return false;
	}
	if (s->th.opt_err)
		net_count(ns, NET_STAT_TCP_BAD_OPTION);
	s->data = p->data + s->th.hdr_len;
	s->len = (uint32_t)(p->len - s->th.hdr_len);
	s->src = h->src;
	s->dst = h->dst;
	s->nif = nif;
	return true;
}

void tcp_input(struct netstack *ns, struct netif *nif, struct pktbuf *p,
	       const struct ip_hdr *h)
{
	struct tcp_pcb *pcb, *lis;
	struct tcp_seg s;

	tcp_enter(ns);
	if (!seg_parse(ns, nif, p, h, &s))
		goto out;
	s.rx_queue = p->rx_queue;
	net_count(ns, NET_STAT_TCP_SEG_IN);
	/* RFC 9293 3.9.1 / RFC 1122 4.2.3.10: TCP is unicast only. */
	if (netif_is_bcast(nif, h->dst) || ip4_is_multicast(h->dst) ||
	    h->dst == IP4_BROADCAST) {
		drop(ns, &s, NET_STAT_DROP_TCP_BCAST);
		goto out;
	}
	pcb = tcp_lookup_conn(ns, h->dst, s.th.dport, h->src, s.th.sport);
	if (pcb && pcb->state == TCP_TIME_WAIT && tw_reusable(pcb, &s) &&
	    tcp_lookup_listener(ns, h->dst, s.th.dport)) {
		net_count(ns, NET_STAT_TCP_TW_REUSE);
		tcp_finish(pcb, 0);	/* may free it */
		pcb = NULL;
	}
	if (pcb) {
		pcb->segs_in++;
		if (pcb->state == TCP_SYN_SENT)
			tcp_in_syn_sent(pcb, &s);
		else
			tcp_in_sync(pcb, &s);
		goto out;
	}
	lis = tcp_lookup_listener(ns, h->dst, s.th.dport);
	if (lis)
		tcp_in_listen(ns, lis, &s);
	else
		tcp_in_closed(ns, &s);
out:
	pktbuf_free(p);
	tcp_leave(ns);
}
