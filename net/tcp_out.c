/*
 * tcp_out.c: building and sending segments, RFC 9293 3.7 and 3.8.6.
 *
 * Promises: tcp_output() sends what the send ring, the peer's window and
 * the congestion window allow, in segments of at most the send MSS less
 * the options carried (RFC 6691), every one with DF set (RFC 1191) and,
 * once negotiated, a timestamp (RFC 7323 3) and SACK blocks (RFC 2018).
 * Data is read from the send ring (or, for bytes queued by reference, from
 * the caller's memory: tcp_sndref.c) each time a segment is built, so a
 * retransmission needs no copy kept. Nagle (RFC 1122 4.2.3.4) in Minshall's
 * form holds a partial segment only while an earlier partial segment is
 * unacknowledged, so a reply of several full segments plus a tail is never
 * held against the peer's delayed ACK; TCP_OPT_NODELAY turns it off and
 * TCP_SEND_MORE holds a partial segment until the app's next send without
 * it (on a TSO connection any segment short of the largest, tso_hold). The advertised window follows receiver SWS avoidance (RFC 9293
 * 3.8.6.2.2), never shrinks and never promises more than the receive ring
 * holds. When the link refuses a frame (-ENOBUFS: its ring is full) the
 * data stays queued, snd_nxt does not move and a short timer retries.
 * In SACK recovery sack_output() follows RFC 6675 5 (C) instead: holes
 * first, then new data, while cwnd - pipe >= 1 SMSS; after an RTO the
 * go-back skips what the peer SACKed (RFC 6675 5.1).
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "tcp_priv.h"
#include "byteorder.h"
#include "checksum.h"

#define TXRETRY_NS (2 * MS)

uint32_t tcp_ts_now(struct tcp_pcb *pcb)
{
	return (uint32_t)(pcb->ns->now / MS) + pcb->ts_off;
}

/* Data bytes in a full-sized segment: the MSS less the timestamp option. */
uint32_t tcp_smss(const struct tcp_pcb *pcb)
{
	return pcb->mss - (pcb->ts_ok ? 12u : 0u);
}

uint32_t tcp_fin_seq(const struct tcp_pcb *pcb)
{
	return pcb->snd_base + pcb->snd.len;
}

bool tcp_fin_sent(const struct tcp_pcb *pcb)
{
	return pcb->fin_queued && seq_gt(pcb->snd_max, tcp_fin_seq(pcb));
}

bool tcp_fin_acked(const struct tcp_pcb *pcb)
{
	return pcb->fin_queued && seq_gt(pcb->snd_una, tcp_fin_seq(pcb));
}

/* Bytes the ring could still take at rcv_nxt's end: the most any window
 * may offer. */
static uint32_t rcv_hard(const struct tcp_pcb *pcb)
{
	uint32_t used = pcb->rcv.len;

	return used < pcb->rcv_wnd_max ? pcb->rcv_wnd_max - used : 0;
}

/*
 * With a window scale, the part of the ring a window opens to leaves
 * unoffered: what rounding the field up (rcv_wnd_field) may spend later.
 * A unit, or an MSS if larger: a run of segments whose lengths are not
 * multiples of the unit spends up to a unit less a byte on each, and an
 * MSS of slack covers a few hundred of them (8 at scale 3, 1 byte each
 * for 1001-byte segments) before the app's next read reopens the window.
 * Never more than a quarter of a small ring (one that may grow, or
 * capped by its interface, under a large scale), so its window opens.
 */
static uint32_t rcv_slack(const struct tcp_pcb *pcb)
{
	uint32_t unit = 1u << pcb->rcv_ws, slack;

	if (!pcb->rcv_ws)
		return 0;
	slack = pcb->rcv_mss > unit ? pcb->rcv_mss : unit;
	return slack < pcb->rcv_wnd_max / 4 ? slack : pcb->rcv_wnd_max / 4;
}

/* What a window may open to: the ring's room less the slack. */
static uint32_t rcv_room(const struct tcp_pcb *pcb)
{
	uint32_t hard = rcv_hard(pcb), slack = rcv_slack(pcb);

	return hard > slack ? hard - slack : 0;
}

static uint32_t adv_now(const struct tcp_pcb *pcb)
{
	return seq_gt(pcb->rcv_adv, pcb->rcv_nxt) ?
	       pcb->rcv_adv - pcb->rcv_nxt : 0;
}

static uint32_t sws_step(const struct tcp_pcb *pcb)
{
	uint32_t half = pcb->rcv_wnd_max / 2;

	return half < pcb->rcv_mss ? half : pcb->rcv_mss;
}

/*
 * RFC 9293 3.8.6.2.2: move the right edge only by at least
 * min(RCV.BUFF / 2, Eff.snd.MSS); never move it left. Returns the window
 * field (scaled down) and records the edge advertised.
 *
 * RFC 7323 2.4: with a scale the field counts units of 2^Rcv.Wind.Shift
 * bytes, so an edge kept while RCV.NXT moved by a length that is not a
 * multiple of the unit lies between two fields: the TCP either offers a
 * window beyond the one it advertised ("and perhaps beyond the buffer")
 * or a smaller one, and the edge the sender sees retracts. The field is
 * rounded up, within the ring: a window opens only to rcv_room(), short
 * of the ring by rcv_slack(), and rounding may spend that slack. Should
 * a long run of odd-sized segments with no read between spend it all,
 * the field is rounded down instead, the other branch 2.4 allows
 * (counted): nothing is ever offered that the ring cannot hold, and
 * 2.4's receiver rule 1 holds as trim() accepts up to rcv_adv, the
 * largest edge ever sent. A bulk flow of MSS-sized segments (1448
 * bytes, 181 units of 8) needs no rounding at all.
 */
static uint16_t rcv_wnd_field(struct tcp_pcb *pcb)
{
	uint32_t room = rcv_room(pcb), cur = adv_now(pcb), f;
	uint8_t ws = pcb->ws_ok ? pcb->rcv_ws : 0;

	if (room > cur && room - cur >= sws_step(pcb))
		cur = room;
	f = (uint32_t)(((uint64_t)cur + (1u << ws) - 1) >> ws);
	if ((uint64_t)f << ws > rcv_hard(pcb)) {
		f = cur >> ws;
		net_count(pcb->ns, NET_STAT_TCP_RCV_WND_RETRACT);
	}
	if (f > 0xffff)
		f = 0xffff;
	if (seq_gt(pcb->rcv_nxt + (f << ws), pcb->rcv_adv))
		pcb->rcv_adv = pcb->rcv_nxt + (f << ws);
	return (uint16_t)f;
}

uint32_t tcp_rcv_window(struct tcp_pcb *pcb)
{
	return adv_now(pcb);
}

/* After the app read: is the window worth announcing? */
void tcp_window_update_check(struct tcp_pcb *pcb)
{
	uint32_t room = rcv_room(pcb), cur = adv_now(pcb);

	if (pcb->state < TCP_ESTABLISHED || pcb->state == TCP_TIME_WAIT)
		return;
	if (room > cur && room - cur >= sws_step(pcb) &&
	    (cur < pcb->rcv_mss || room - cur >= pcb->rcv_wnd_max / 2)) {
		pcb->ack_now = true;
		tcp_output(pcb);
	}
}

/* The link (or the pool) is full: keep the data, try again shortly. */
static void backpressure(struct tcp_pcb *pcb)
{
	net_count(pcb->ns, NET_STAT_TCP_TX_BACKPRESSURE);
	tcp_timer_set(pcb, TCP_T_TXRETRY, pcb->ns->now + TXRETRY_NS);
}

static void fill_ts(struct tcp_pcb *pcb, struct tcp_hdr *th)
{
	if (!pcb->ts_ok)
		return;
	th->has_ts = true;
	th->tsval = tcp_ts_now(pcb);
	th->tsecr = pcb->ts_recent;
}

/*
 * Checksum, IP header with DF, out. Consumes nothing of the caller's. The
 * checksum is left partial (the pseudo-header sum in the field, RFC 9293
 * 3.1): ip_output() completes it unless the interface offloads it. With
 * gso_size the segment is a TSO one (len > gso_size): it needs a large
 * buffer, and is not sent (-EAGAIN, nothing counted) when none is free.
 * Data comes from pcb's send queue at seq; when its last bytes are held by
 * reference (tcp_sndref.c) they become the buffer's fragment instead of a
 * copy, so the buffer holds only the headers and any bytes before them
 * (a TSO segment of referenced bytes then fits a small buffer).
 */
static int emit(struct netstack *ns, uint32_t src, uint32_t dst,
		struct tcp_hdr *th, const struct tcp_pcb *pcb, uint32_t seq,
		uint32_t len, uint16_t gso_size)
{
	size_t hl = TCP_HDR_LEN + tcp_hdr_opt_len(th);
	const uint8_t *ref = NULL;
	uint32_t lin = len;
	struct pktbuf *p;
	struct ip_out o;

	if (len && pcb->nsref)
		ref = sndref_tail(pcb, seq, len, &lin);
	if (gso_size && NET_HEADROOM + hl + lin > NET_PKT_SMALL_CAP) {
		p = pktbuf_alloc_large_try(ns, NET_HEADROOM, hl + lin);
		if (!p)
			return -EAGAIN;
	} else {
		p = pktbuf_alloc(ns, NET_HEADROOM, hl + lin);
		if (!p)
			return -ENOBUFS;
	}
	if (gso_size) {
		p->gso_size = gso_size;
		net_count(ns, NET_STAT_TCP_TSO_SEG_OUT);
	}
	th->csum = (uint16_t)~csum_fold(csum_pseudo(src, dst, IP_PROTO_TCP,
						    (uint16_t)(hl + len)));
	tcp_hdr_emit(th, p->data);
	if (lin)
		sndq_read(pcb, seq, p->data + hl, lin);
	if (ref) {
		pktbuf_frag_set(p, ref, len - lin);
		net_count(ns, NET_STAT_TCP_SEG_REF_OUT);
	}
	pktbuf_csum_partial(p, 0, 16);
	memset(&o, 0, sizeof(o));
	o.src = src;
	o.dst = dst;
	o.proto = IP_PROTO_TCP;
	o.df = true;		/* RFC 1191: path MTU discovery */
	net_count(ns, NET_STAT_TCP_SEG_OUT);
	return ip_output(ns, p, &o);
}

static void base_hdr(struct tcp_pcb *pcb, struct tcp_hdr *th, uint32_t seq,
		     uint8_t flags)
{
	memset(th, 0, sizeof(*th));
	th->sport = pcb->lport;
	th->dport = pcb->rport;
	th->seq = seq;
	th->flags = flags;
	if (pcb->state != TCP_SYN_SENT || (flags & TCP_ACK)) {
		th->flags |= TCP_ACK;
		th->ack = pcb->rcv_nxt;
	}
}

static void sent_ack(struct tcp_pcb *pcb, struct tcp_hdr *th)
{
	pcb->dsack = false;	/* told once (RFC 2883 4) */
	if (th->flags & TCP_ACK) {
		pcb->last_ack_sent = th->ack;
		pcb->ack_now = false;
		if (pcb->t_at[TCP_T_DELACK])
			tcp_timer_clear(pcb, TCP_T_DELACK);
	}
	pcb->segs_out++;
}

/*
 * The most data one segment may carry when a segment on the wire carries
 * room bytes: room, or on a TSO interface (pcb->tso_max) a whole number of
 * such segments in one 64 KiB datagram, which the device cuts at room.
 */
static uint32_t tso_len(const struct tcp_pcb *pcb, uint32_t room)
{
	if (!pcb->tso_max || pcb->tso_max < 2 * room)
		return room;
	return pcb->tso_max / room * room;
}

/* The most data tcp_output() hands one segment: see tso_len(). */
uint32_t tcp_seg_max(const struct tcp_pcb *pcb)
{
	return tso_len(pcb, tcp_smss(pcb));
}

/*
 * One segment of up to len ring bytes from seq (plus FIN if asked and all
 * of len fits). Returns the data bytes sent, or a negative errno when the
 * segment could not leave.
 */
int tcp_send_data(struct tcp_pcb *pcb, uint32_t seq, uint32_t len,
		  uint8_t flags)
{
	struct tcp_hdr th;
	uint32_t room, max, off = seq - pcb->snd_base, avail;
	int ret;

	/* Only bytes the send ring holds, and a FIN only in its own place
	 * (RFC 9293 3.10.4): a slip in a caller must not put stale memory
	 * or a misplaced FIN on the wire. */
	avail = off < pcb->snd.len ? pcb->snd.len - off : 0;
	if (len > avail)
		len = avail;
	if ((flags & TCP_FIN) &&
	    (!pcb->fin_queued || seq + len != tcp_fin_seq(pcb)))
		flags &= (uint8_t)~TCP_FIN;
	base_hdr(pcb, &th, seq, flags);
	fill_ts(pcb, &th);
	if (pcb->sack_ok && pcb->dsack) {
		/* RFC 2883 4: the duplicate goes first, then the usual. */
		th.sack[0] = pcb->dsack_blk;
		th.nsack = (uint8_t)(1 + ooo_sack_blocks(pcb, th.sack + 1,
							 TCP_MAX_SACK - 1));
	} else if (pcb->sack_ok && pcb->nooo) {
		th.nsack = (uint8_t)ooo_sack_blocks(pcb, th.sack,
						    TCP_MAX_SACK);
	}
	/* RFC 6691: the MSS counts data only; options come out of it. */
	room = pcb->mss - (uint32_t)tcp_hdr_opt_len(&th);
	max = tso_len(pcb, room);
	if (len > max) {
		len = max;
		th.flags &= (uint8_t)~TCP_FIN;
	}
	if (len && len == pcb->snd_base + pcb->snd.len - seq)
		th.flags |= TCP_PSH;
	th.wnd = rcv_wnd_field(pcb);
	ret = emit(pcb->ns, pcb->laddr, pcb->raddr, &th, pcb, seq, len,
		   len > room ? (uint16_t)room : 0);
	if (ret == -EMSGSIZE && len > room)
		/* The route moved to an interface without TSO. */
		pcb->tso_max = 0;
	if ((ret == -EAGAIN || ret == -EMSGSIZE) && len > room) {
		/* No large buffer (or no TSO): one MSS-sized segment now,
		 * which ends before the data does: no FIN, no PSH. */
		len = room;
		th.flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
		ret = emit(pcb->ns, pcb->laddr, pcb->raddr, &th, pcb, seq,
			   len, 0);
	}
	if (ret == -ENOBUFS) {
		backpressure(pcb);
		return ret;
	}
	/* Gone to ARP or beyond: as good as sent, the RTO covers loss. */
	sent_ack(pcb, &th);
	if (len)
		pcb->last_tx = pcb->ns->now;
	return (int)len;
}

int tcp_send_ctl(struct tcp_pcb *pcb, uint32_t seq, uint8_t flags)
{
	return tcp_send_data(pcb, seq, 0, flags);
}

/*
 * A pure ACK must pass the peer's acceptability test (RFC 9293 3.10.7.4),
 * or it is dropped before its ACK and window fields are read:
 * - not SND.NXT: after an RTO pulls snd_nxt back to snd_una, it lies below
 *   the peer's RCV.NXT, and both ends retransmit until they time out;
 * - SND.MAX, which the peer's RCV.NXT never passes (4.4BSD's choice) ...
 * - ... but no further than the right edge of the peer's window: after our
 *   1-byte zero-window probe SND.MAX is one past a zero-window peer's
 *   RCV.NXT, which accepts only SEG.SEQ = RCV.NXT, so the window update
 *   that would end the standoff is itself refused (an ACK war; Linux's
 *   tcp_acceptable_seq() takes the same minimum).
 */
void tcp_send_ack_now(struct tcp_pcb *pcb)
{
	uint32_t seq = pcb->snd_max;
	uint32_t edge = pcb->snd_una + pcb->snd_wnd;

	if (pcb->state >= TCP_ESTABLISHED && seq_gt(seq, edge))
		seq = edge;
	tcp_send_ctl(pcb, seq, 0);
}

/* RFC 5961 3.2, 4.2, 5.2 challenge ACK, about N a second (RFC 5961 7). */
void tcp_send_challenge_ack(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;
	struct tcp_stack *ts = ns->tcp;

	if (ns->now - ts->chal_at >= 1000 * MS || !ts->chal_limit) {
		uint32_t n = ns->par.tcp_challenge_acks_per_s;

		ts->chal_at = ns->now;
		ts->chal_n = 0;
		/* An exact, shared limit is a side channel: an off-path
		 * sender counts our challenge ACKs to learn whether its
		 * guess hit a connection (CVE-2016-5696). Vary it per
		 * second, between N/2 and 3N/2. */
		ts->chal_limit = n / 2 + net_random(ns) % (n + 1);
		if (!ts->chal_limit)
			ts->chal_limit = 1;
	}
	if (ts->chal_n >= ts->chal_limit) {
		net_count(ns, NET_STAT_TCP_CHALLENGE_ACK_LIMITED);
		return;
	}
	ts->chal_n++;
	net_count(ns, NET_STAT_TCP_CHALLENGE_ACK);
	tcp_send_ack_now(pcb);
}

/* RFC 9293 3.10.7.1: the reset for a segment no connection wants. */
void tcp_send_reset(struct netstack *ns, uint32_t src, uint32_t dst,
		    const struct tcp_hdr *in, uint32_t seg_len)
{
	struct tcp_hdr th;

	if (in->flags & TCP_RST)
		return;
	memset(&th, 0, sizeof(th));
	th.sport = in->dport;
	th.dport = in->sport;
	if (in->flags & TCP_ACK) {
		th.seq = in->ack;
		th.flags = TCP_RST;
	} else {
		th.seq = 0;
		th.ack = in->seq + seg_len;
		th.flags = TCP_RST | TCP_ACK;
	}
	net_count(ns, NET_STAT_TCP_RST_OUT);
	emit(ns, src, dst, &th, NULL, 0, 0, 0);
}

int tcp_send_rst_pcb(struct tcp_pcb *pcb)
{
	struct tcp_hdr th;

	base_hdr(pcb, &th, pcb->snd_max, TCP_RST);
	fill_ts(pcb, &th);
	th.wnd = 0;
	net_count(pcb->ns, NET_STAT_TCP_RST_OUT);
	pcb->segs_out++;
	return emit(pcb->ns, pcb->laddr, pcb->raddr, &th, NULL, 0, 0, 0);
}

/* RFC 9293 3.10.7.2/3: SYN or SYN-ACK with our options (RFC 7323 1.3:
 * in a SYN-ACK only those the peer offered). */
void tcp_send_syn(struct tcp_pcb *pcb)
{
	bool active = pcb->state == TCP_SYN_SENT;
	struct tcp_hdr th;
	uint32_t w = rcv_room(pcb);

	base_hdr(pcb, &th, pcb->iss, TCP_SYN);
	th.has_mss = true;
	th.mss = pcb->rcv_mss;
	if (active || pcb->ws_ok) {
		th.has_ws = true;
		th.ws = pcb->rcv_ws;
	}
	th.sack_perm = active || pcb->sack_ok;
	if (active || pcb->ts_ok) {
		th.has_ts = true;
		th.tsval = tcp_ts_now(pcb);
		th.tsecr = active ? 0 : pcb->ts_recent;
	}
	/* RFC 7323 2.2: the window of a SYN is never scaled. */
	th.wnd = (uint16_t)(w > 0xffff ? 0xffff : w);
	if (!active)
		pcb->rcv_adv = pcb->rcv_nxt + th.wnd;
	if (seq_leq(pcb->snd_max, pcb->iss))
		pcb->snd_max = pcb->iss + 1;
	pcb->snd_nxt = pcb->iss + 1;
	if (pcb->backoff == 0)
		pcb->rtt_at = pcb->ns->now;
	if (!pcb->t_at[TCP_T_RTO])
		tcp_rto_restart(pcb);
	if (emit(pcb->ns, pcb->laddr, pcb->raddr, &th, NULL, 0, 0, 0) >= 0 &&
	    !active)
		sent_ack(pcb, &th);
	pcb->segs_out++;
}

/* RFC 4987 3.6: a SYN-ACK that keeps no state; only an MSS option. */
void tcp_send_cookie_synack(struct netstack *ns, uint32_t src, uint32_t dst,
			    const struct tcp_hdr *syn, uint32_t cookie,
			    uint16_t mss, uint16_t wnd)
{
	struct tcp_hdr th;

	memset(&th, 0, sizeof(th));
	th.sport = syn->dport;
	th.dport = syn->sport;
	th.seq = cookie;
	th.ack = syn->seq + 1;
	th.flags = TCP_SYN | TCP_ACK;
	th.wnd = wnd;
	th.has_mss = true;
	th.mss = mss;
	net_count(ns, NET_STAT_TCP_SYN_COOKIE_SENT);
	emit(ns, src, dst, &th, NULL, 0, 0, 0);
}

/* Time this segment if none is being timed and it is new (Karn). */
static void rtt_start(struct tcp_pcb *pcb, uint32_t seq)
{
	if (pcb->rtt_on || seq_lt(seq, pcb->snd_max))
		return;
	pcb->rtt_on = true;
	pcb->rtt_seq = seq;
	pcb->rtt_at = pcb->ns->now;
}


/*
 * TCP_SEND_MORE on a TSO connection: a segment that would take all the
 * queued data and still be short of the largest waits for the app's next
 * send (or a send without the flag), so that an app writing in pieces
 * sends 64 KiB segments, not one per piece; never with a full send ring,
 * which the app cannot add to, nor with nothing in flight (as Linux's
 * autocork: no ACK is coming to make the wait short).
 */
static bool tso_hold(const struct tcp_pcb *pcb, uint32_t len, uint32_t avail)
{
	return pcb->more && pcb->tso_max && len == avail &&
	       len < tcp_seg_max(pcb) && pcb->snd.len < pcb->snd.size &&
	       tcp_flight(pcb) > 0;
}

/*
 * RFC 9293 3.8.6.2.1 and RFC 1122 4.2.3.4: may a segment of len bytes
 * (avail in the ring from here) leave now?
 */
static bool may_send(const struct tcp_pcb *pcb, uint32_t len, uint32_t avail,
		     bool fin)
{
	if (fin)
		return true;
	/* Retransmissions go as they went the first time. */
	if (seq_lt(pcb->snd_nxt, pcb->snd_max))
		return true;
	if (len >= tcp_smss(pcb))
		return !tso_hold(pcb, len, avail);
	if (len < avail)
		/* Window-limited: a half-window worth (SWS, rule c), or
		 * anything when no ACK is coming to open more (rule d). */
		return tcp_flight(pcb) == 0 ||
		       (pcb->max_snd_wnd && len >= pcb->max_snd_wnd / 2);
	if (pcb->more)
		return false;
	if (pcb->nodelay)
		return true;
	/* Minshall: hold only behind an unacknowledged partial segment. */
	return !seq_gt(pcb->snd_sml, pcb->snd_una);
}

/* One segment for sack_output(); false when it could not leave. */
static bool sack_send(struct tcp_pcb *pcb, uint32_t seq, uint32_t len,
		      bool rexmit)
{
	int sent;

	if (!rexmit)
		rtt_start(pcb, seq);
	sent = tcp_send_data(pcb, seq, len, 0);
	if (sent <= 0)
		return false;
	if (rexmit) {
		/* Karn: an ACK after a retransmission times nothing. */
		pcb->rtt_on = false;
		pcb->hi_rxt = seq + (uint32_t)sent;
		if (seq == pcb->snd_una) {
			pcb->una_rxt_on = true;
			pcb->una_rxt_mark = pcb->snd_max;
		}
		if (pcb->undo_on) {
			pcb->undo_retrans++;
			pcb->undo_hi = seq_max(pcb->undo_hi, pcb->hi_rxt);
		}
		pcb->retransmits++;
		net_count(pcb->ns, NET_STAT_TCP_RETRANSMIT);
		return true;
	}
	pcb->snd_nxt = seq + (uint32_t)sent;
	pcb->snd_max = pcb->snd_nxt;
	return true;
}

/* Bytes of new data (never sent) that may go at SND.MAX now: what the
 * ring holds beyond it, within the peer's window, at most one smss. */
uint32_t tcp_new_data_len(const struct tcp_pcb *pcb, uint32_t smss)
{
	uint32_t off = pcb->snd_max - pcb->snd_base;
	uint32_t avail = off < pcb->snd.len ? pcb->snd.len - off : 0;
	uint32_t usable = 0, len;

	if (seq_lt(pcb->snd_max, pcb->snd_una + pcb->snd_wnd))
		usable = pcb->snd_una + pcb->snd_wnd - pcb->snd_max;
	len = avail < usable ? avail : usable;
	return len < smss ? len : smss;
}

/*
 * RFC 6675 5 (C): in SACK recovery, while cwnd - pipe >= 1 SMSS send
 * NextSeg: the next lost hole, else new data the peer's window allows.
 */
static void sack_output(struct tcp_pcb *pcb)
{
	uint32_t smss = tcp_smss(pcb), seq, len;
	int budget = 64;	/* bounds one call; ACKs bring the next */

	pcb->snd_nxt = pcb->snd_max;
	while (budget-- > 0 && tcp_sack_pipe(pcb) + smss <= pcb->cwnd) {
		if (tcp_sack_next_hole(pcb, &seq, &len)) {
			if (!sack_send(pcb, seq, len, true))
				break;
			continue;
		}
		len = tcp_new_data_len(pcb, smss);
		if (len) {
			if (!sack_send(pcb, pcb->snd_max, len, false))
				break;
			continue;
		}
		/* NextSeg (3): nothing new may go: resend the next unSACKed
		 * bytes even if not yet deemed lost. */
		if (!tcp_sack_next_unsacked(pcb, &seq, &len) ||
		    !sack_send(pcb, seq, len, true))
			break;
	}
	if (!pcb->t_at[TCP_T_RTO])
		tcp_rto_restart(pcb);
	if (pcb->ack_now)
		tcp_send_ack_now(pcb);
}

/* Send what may be sent; then a bare ACK if one is owed. */
void tcp_output(struct tcp_pcb *pcb)
{
	uint32_t smss = tcp_smss(pcb), seg_max = tcp_seg_max(pcb);
	bool sent_any = false;

	if (pcb->state < TCP_ESTABLISHED) {
		if (pcb->ack_now && pcb->state == TCP_SYN_RECEIVED)
			tcp_send_ack_now(pcb);
		return;
	}
	if (pcb->state == TCP_TIME_WAIT) {
		if (pcb->ack_now)
			tcp_send_ack_now(pcb);
		return;
	}
	if (pcb->t_at[TCP_T_TXRETRY])
		return;		/* the link is full; the timer retries */
	if (pcb->sack_recovery) {
		sack_output(pcb);
		return;
	}
	tcp_cc_idle_check(pcb);
	for (;;) {
		uint32_t cw = tcp_cc_window(pcb), infl;
		uint32_t off, avail, usable = 0, len, lim = 0;
		bool fin;
		uint8_t fl = 0;
		int sent;

		/* Going back after an RTO: skip what the peer SACKed. */
		if (pcb->nscore && seq_lt(pcb->snd_nxt, pcb->snd_max))
			pcb->snd_nxt = tcp_sack_skip(pcb, pcb->snd_nxt, &lim);
		off = pcb->snd_nxt - pcb->snd_base;
		avail = off < pcb->snd.len ? pcb->snd.len - off : 0;
		if (lim && seq_lt(pcb->snd_nxt, lim) && avail > lim - pcb->snd_nxt)
			avail = lim - pcb->snd_nxt;
		/* The peer's window counts sequence space; cwnd counts what
		 * is in flight, which SACKed data is not. */
		if (seq_lt(pcb->snd_nxt, pcb->snd_una + pcb->snd_wnd))
			usable = pcb->snd_una + pcb->snd_wnd - pcb->snd_nxt;
		infl = pcb->snd_nxt - pcb->snd_una;
		if (pcb->nscore)
			infl -= tcp_sack_bytes_below(pcb, pcb->snd_nxt);
		if (usable > (cw > infl ? cw - infl : 0))
			usable = cw > infl ? cw - infl : 0;
		len = avail < usable ? avail : usable;
		if (len > seg_max)
			len = seg_max;
		/* The FIN rides on the segment that ends the data. */
		fin = pcb->fin_queued &&
		      pcb->snd_nxt + len == tcp_fin_seq(pcb);
		if (!len && !fin)
			break;
		if (!may_send(pcb, len, avail, fin))
			break;
		if (fin)
			fl |= TCP_FIN;
		if (!tcp_flight(pcb))
			pcb->rexmit_since = pcb->ns->now;
		rtt_start(pcb, pcb->snd_nxt);
		sent = tcp_send_data(pcb, pcb->snd_nxt, len, fl);
		if (sent < 0) {
			if (pcb->rtt_on && pcb->rtt_seq == pcb->snd_nxt)
				pcb->rtt_on = false;
			break;
		}
		if (seq_lt(pcb->snd_nxt, pcb->snd_max)) {
			pcb->retransmits++;
			net_count(pcb->ns, NET_STAT_TCP_RETRANSMIT);
		}
		if ((uint32_t)sent < smss && sent)
			pcb->snd_sml = pcb->snd_nxt + (uint32_t)sent;
		pcb->snd_nxt += (uint32_t)sent;
		if (fin && (uint32_t)sent == len)
			pcb->snd_nxt++;
		if (seq_gt(pcb->snd_nxt, pcb->snd_max))
			pcb->snd_max = pcb->snd_nxt;
		if (!pcb->t_at[TCP_T_RTO])
			tcp_rto_restart(pcb);
		if (pcb->t_at[TCP_T_PERSIST])
			tcp_timer_clear(pcb, TCP_T_PERSIST);
		sent_any = true;
	}
	if (sent_any)
		tcp_tlp_arm(pcb);
	if (pcb->ack_now)
		tcp_send_ack_now(pcb);
	/* RFC 9293 3.8.6.1: data waits on a zero window: probe it. */
	if (!pcb->snd_wnd && pcb->snd_nxt == pcb->snd_max &&
	    (pcb->snd.len > pcb->snd_nxt - pcb->snd_base ||
	     (pcb->fin_queued && !tcp_fin_sent(pcb))) &&
	    !pcb->t_at[TCP_T_PERSIST] && tcp_flight(pcb) == 0) {
		uint64_t d = (uint64_t)pcb->rto_ms * MS;

		tcp_timer_set(pcb, TCP_T_PERSIST, pcb->ns->now + d);
	}
}

/*
 * RFC 9293 3.8.6.1: one byte past the window: the oldest unacknowledged
 * byte again, else a new one. A probe carries only what we have: when all
 * the data is acknowledged and only our FIN is out, SND.UNA is the FIN's
 * sequence number (RFC 9293 3.10.4), and the probe is the FIN again.
 */
void tcp_persist_probe(struct tcp_pcb *pcb)
{
	uint32_t off;
	int sent;

	if (tcp_flight(pcb)) {
		/* RFC 6298 3 (Karn): this resends; its ACK is no sample. */
		pcb->rtt_on = false;
		off = pcb->snd_una - pcb->snd_base;
		if (off < pcb->snd.len)
			sent = tcp_send_data(pcb, pcb->snd_una, 1, 0);
		else if (tcp_fin_sent(pcb))
			sent = tcp_send_ctl(pcb, pcb->snd_una, TCP_FIN);
		else
			return;
		if (sent >= 0)
			pcb->retransmits++;
		return;
	}
	off = pcb->snd_nxt - pcb->snd_base;
	if (off >= pcb->snd.len)
		return;
	sent = tcp_send_data(pcb, pcb->snd_nxt, 1, 0);
	if (sent > 0) {
		pcb->snd_nxt += 1;
		pcb->snd_max = seq_max(pcb->snd_max, pcb->snd_nxt);
	}
}

/* Retransmit the first unacknowledged segment (fast retransmit, RFC
 * 5681 3.2 step 4; RFC 6582 partial ACK). */
int tcp_retransmit_una(struct tcp_pcb *pcb)
{
	uint32_t off = pcb->snd_una - pcb->snd_base;
	uint32_t out = pcb->snd_max - pcb->snd_una;
	uint32_t len = 0;
	uint8_t fl = 0;
	int sent;

	if (off < pcb->snd.len)
		len = pcb->snd.len - off;
	if (len > tcp_smss(pcb))
		len = tcp_smss(pcb);
	/* A retransmission resends what was sent, never beyond SND.MAX:
	 * bytes past it would be acknowledged beyond what we think we sent,
	 * and that ACK is refused (RFC 9293 3.10.7.4, RFC 5961 5.2). */
	if (tcp_fin_sent(pcb) && out)
		out--;
	if (len > out)
		len = out;
	if (tcp_fin_sent(pcb) && pcb->snd_una + len == tcp_fin_seq(pcb))
		fl = TCP_FIN;
	if (!len && !fl)
		return 0;
	pcb->rtt_on = false;	/* Karn */
	sent = tcp_send_data(pcb, pcb->snd_una, len, fl);
	if (sent >= 0) {
		pcb->una_rxt_on = true;
		pcb->una_rxt_mark = pcb->snd_max;
		if (pcb->undo_on) {
			pcb->undo_retrans++;
			pcb->undo_hi = seq_max(pcb->undo_hi,
					       pcb->snd_una + (uint32_t)sent);
		}
		pcb->retransmits++;
		net_count(pcb->ns, NET_STAT_TCP_RETRANSMIT);
	}
	return sent;
}
