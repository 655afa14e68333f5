/*
 * tcp_cc.c: congestion control, RFC 5681 with NewReno (RFC 6582),
 * SACK-based loss recovery (RFC 6675) and limited transmit (RFC 3042).
 *
 * Promises: the initial window is RFC 6928's min(10 SMSS, max(2 SMSS,
 * 14600)); slow start grows cwnd by min(acked, SMSS) per ACK (RFC 5681
 * 3.1 (2); on a TSO connection by up to one TSO segment: RFC 3465's L,
 * see tcp_cc_ack), congestion avoidance by SMSS per cwnd of acknowledged bytes
 * (RFC 5681 3.1, byte counting). The third duplicate ACK retransmits the
 * first unacknowledged segment and enters NewReno recovery: ssthresh =
 * max(FlightSize / 2, 2 SMSS), cwnd = ssthresh + 3 SMSS, inflated per
 * further duplicate, a partial ACK retransmits the next hole and deflates,
 * the full ACK of everything sent before recovery ends it with cwnd =
 * min(ssthresh, max(FlightSize, SMSS) + SMSS) (RFC 6582 3.2 step 3 (1)). The first two duplicates each let one
 * new segment out (RFC 3042). A retransmission timeout sets cwnd to one
 * segment (RFC 5681 (4)) and recover = the highest sequence sent (RFC 6582
 * 3.2 step 1), so its duplicates do not start a second recovery.
 * Growth needs a window in use (an idle or app-limited sender does not
 * grow cwnd), and after an idle RTO cwnd restarts from at most the
 * initial window (RFC 5681 4.1).
 * A fast-recovery episode whose retransmissions all come back D-SACKed
 * (RFC 2883) was reordering, not loss: cwnd and ssthresh are restored
 * (RFC 3708's response).
 * With SACK (RFC 6675) recovery starts on the third duplicate or when the
 * scoreboard says the first segment is lost; cwnd is set to ssthresh and
 * the output follows the pipe (tcp_sack.c) instead of inflating; the full
 * ACK leaves cwnd at ssthresh. A resent SND.UNA segment found lost again
 * (data sent after it SACKed, RFC 8985 6.2's test) is resent at once and
 * halves cwnd once more (tcp_cc_lost_rxt).
 */
#include <string.h>

#include "netstack_priv.h"
#include "tcp_priv.h"

static uint32_t half_flight(const struct tcp_pcb *pcb)
{
	uint32_t smss = tcp_smss(pcb), h = tcp_flight(pcb) / 2;

	return h > 2 * smss ? h : 2 * smss;
}

void tcp_cc_init(struct tcp_pcb *pcb)
{
	uint32_t smss = tcp_smss(pcb), iw = 2 * smss;

	if (iw < 14600)
		iw = 14600;
	if (iw > 10 * smss)
		iw = 10 * smss;
	pcb->cwnd = iw;
	pcb->ssthresh = 0x7fffffffu;	/* "arbitrarily high" */
	pcb->ca_acked = 0;
	pcb->dupacks = 0;
	pcb->in_recovery = false;
	pcb->recover = pcb->snd_una;
	pcb->snd_sml = pcb->snd_una;
	pcb->nscore = 0;
}

/* RFC 5681 4.1: after an idle period longer than the RTO, start again
 * from at most the initial window ("restart window"). */
void tcp_cc_idle_check(struct tcp_pcb *pcb)
{
	uint32_t smss = tcp_smss(pcb), iw = 2 * smss;
	uint64_t rto = (uint64_t)pcb->rto_ms * 1000000ull;

	if (tcp_flight(pcb) || !pcb->last_tx ||
	    pcb->ns->now - pcb->last_tx <= rto)
		return;
	if (iw < 14600)
		iw = 14600;
	if (iw > 10 * smss)
		iw = 10 * smss;
	if (pcb->cwnd > iw)
		pcb->cwnd = iw;
}

uint32_t tcp_cc_window(const struct tcp_pcb *pcb)
{
	/* RFC 3042 2: each of the first two duplicates sends one more. */
	if (!pcb->in_recovery && pcb->dupacks && pcb->dupacks < 3)
		return pcb->cwnd + pcb->dupacks * tcp_smss(pcb);
	return pcb->cwnd;
}

void tcp_cc_ack(struct tcp_pcb *pcb, uint32_t acked)
{
	uint32_t smss = tcp_smss(pcb);

	if (pcb->in_recovery) {
		if (seq_geq(pcb->snd_una, pcb->recover)) {
			/* Full acknowledgment. RFC 6675 5 set cwnd to
			 * ssthresh on entry and recovery ends with it there
			 * (RFC 6582 3.2 step 3 option (2)): deflating to the
			 * flight would leave one SMSS when the peer ACKs a
			 * whole burst at once (a stretch ACK), and slow start
			 * back from there costs many round trips per loss.
			 * NewReno's inflated cwnd deflates to RFC 6582 3.2
			 * step 3 option (1), min(ssthresh, max(FlightSize,
			 * SMSS) + SMSS). */
			uint32_t fl = tcp_flight(pcb);

			fl = (fl > smss ? fl : smss) + smss;
			if (pcb->sack_recovery || fl > pcb->ssthresh)
				fl = pcb->ssthresh;
			pcb->cwnd = fl;
			pcb->in_recovery = false;
			pcb->sack_recovery = false;
			pcb->dupacks = 0;
			return;
		}
		net_count(pcb->ns, NET_STAT_TCP_PARTIAL_ACK);
		/* RFC 6675 5 (C): the pipe rule sends what is due. */
		if (pcb->sack_recovery)
			return;
		/* RFC 6582 3.2 step 4: partial acknowledgment. */
		tcp_retransmit_una(pcb);
		pcb->cwnd = pcb->cwnd > acked ? pcb->cwnd - acked : 0;
		if (acked >= smss)
			pcb->cwnd += smss;
		if (pcb->cwnd < smss)
			pcb->cwnd = smss;
		return;
	}
	pcb->dupacks = 0;
	/* RFC 7661's premise: grow only a window that is in use. An
	 * application- or receiver-limited sender that did not fill cwnd
	 * learns nothing about the path from this ACK. */
	if (tcp_flight(pcb) + acked + smss < pcb->cwnd)
		return;
	if (pcb->cwnd < pcb->ssthresh) {
		/* RFC 5681 3.1 (2): slow start, by at most L per ACK (RFC
		 * 3465 2.2). L is SMSS, except after TSO: one segment of ours
		 * is many on the wire, and a receiver that coalesces them
		 * (GRO, a virtual NIC's merged receive) ACKs it once, so a
		 * per-ACK SMSS would make slow start linear. There L is our
		 * largest segment, which the ACK does cover (Linux counts
		 * stretch ACKs in full alike). */
		uint32_t l = pcb->tso_max ? tcp_seg_max(pcb) : smss;

		pcb->cwnd += acked < l ? acked : l;
		return;
	}
	/* RFC 5681 3.1 (3), by bytes: + SMSS per window acknowledged. */
	pcb->ca_acked += acked;
	if (pcb->ca_acked >= pcb->cwnd) {
		pcb->ca_acked -= pcb->cwnd;
		pcb->cwnd += smss;
	}
}

/* RFC 5681 3.2 and RFC 6582 3.2: one duplicate ACK. true if it triggered
 * a retransmission. */
bool tcp_cc_dupack(struct tcp_pcb *pcb)
{
	uint32_t smss = tcp_smss(pcb);

	pcb->dupacks++;
	if (pcb->in_recovery) {
		if (!pcb->sack_recovery)
			pcb->cwnd += smss;	/* RFC 6582 step 5: inflate */
		return false;
	}
	/* RFC 6675 5 (2): the third duplicate, or SACKs saying the first
	 * segment is lost. */
	if (pcb->dupacks < TCP_DUPACK_THRESH &&
	    !(pcb->sack_ok && tcp_sack_is_lost(pcb, pcb->snd_una)))
		return false;
	/* RFC 6582 3.2 step 2 / RFC 6675 5 (1): not again for losses of
	 * the window recovery already covers. */
	if (seq_lt(pcb->snd_una, pcb->recover))
		return false;
	net_count(pcb->ns, NET_STAT_TCP_FAST_RETRANSMIT);
	/* RFC 3708: remember what to restore should every retransmission
	 * of this episode come back D-SACKed (it was reordering). */
	pcb->undo_on = true;
	pcb->undo_retrans = 0;
	pcb->undo_marker = pcb->snd_una;
	pcb->undo_hi = pcb->snd_una;
	pcb->prior_cwnd = pcb->cwnd;
	pcb->prior_ssthresh = pcb->ssthresh;
	pcb->ssthresh = half_flight(pcb);
	pcb->recover = pcb->snd_max;
	pcb->in_recovery = true;
	pcb->rtt_on = false;
	tcp_timer_clear(pcb, TCP_T_TLP);
	if (pcb->sack_ok && pcb->nscore) {
		/* RFC 6675 5 (4): cwnd = ssthresh; the output loop then
		 * resends NextSeg while cwnd - pipe >= 1 SMSS. */
		int sent;

		net_count(pcb->ns, NET_STAT_TCP_SACK_RECOVERY);
		pcb->sack_recovery = true;
		pcb->hi_rxt = pcb->snd_una;
		pcb->cwnd = pcb->ssthresh;
		/* RFC 6675 5 (4.2): the first lost segment goes at once,
		 * whatever the pipe says. */
		sent = tcp_retransmit_una(pcb);
		if (sent > 0)
			pcb->hi_rxt = pcb->snd_una + (uint32_t)sent;
		return true;
	}
	pcb->sack_recovery = false;
	tcp_retransmit_una(pcb);
	pcb->cwnd = pcb->ssthresh + 3 * smss;
	return true;
}

void tcp_cc_rto(struct tcp_pcb *pcb)
{
	/* RFC 5681 (4): ssthresh from the flight, cwnd one segment; only
	 * the first expiry of a run halves (later ones see flight 0-ish). */
	if (pcb->backoff == 0)
		pcb->ssthresh = half_flight(pcb);
	pcb->cwnd = tcp_smss(pcb);
	pcb->ca_acked = 0;
	pcb->undo_on = false;	/* go-back-N: too much resent to tell */
	pcb->dupacks = 0;
	pcb->in_recovery = false;
	pcb->sack_recovery = false;
	pcb->recover = pcb->snd_max;
	/* RFC 6675 5.1: keep using what the peer SACKed (the go-back
	 * skips it); a second timeout in a row may mean it reneged (RFC
	 * 2018 8), so then start the scoreboard afresh. */
	if (pcb->backoff)
		pcb->nscore = 0;
	pcb->hi_rxt = pcb->snd_una;
	pcb->una_rxt_on = false;
}

/*
 * A lost retransmission of the first hole, in SACK recovery. RFC 6675
 * resends each hole once: if that copy is lost too, only the RTO (200 ms
 * and more, cwnd back to one segment) repairs it, and a 1 % lossy link
 * loses about one retransmission in a hundred. Detect it as RFC 8985 6.2
 * does, by sending order: when data first sent after the retransmission
 * has been SACKed beyond DupThresh (the test RFC 6675 4 IsLost applies to
 * the original), the retransmission is lost; resend it at once. A lost
 * retransmission is congestion again: ssthresh and cwnd halve once more
 * (RFC 5681 3.1 asks the same of a retransmission the timer finds lost).
 * Only SND.UNA's segment is watched: it alone holds the cumulative ACK
 * and the window, so its loss is the one that stalls the connection.
 */
void tcp_cc_lost_rxt(struct tcp_pcb *pcb)
{
	uint32_t smss = tcp_smss(pcb), above;
	int sent;

	if (!pcb->una_rxt_on || !seq_gt(pcb->snd_max, pcb->una_rxt_mark))
		return;
	above = tcp_sack_bytes_above(pcb, pcb->una_rxt_mark);
	if (above <= (TCP_DUPACK_THRESH - 1) * smss)
		return;
	net_count(pcb->ns, NET_STAT_TCP_LOST_RETRANSMIT);
	pcb->undo_on = false;	/* a loss for certain */
	pcb->ssthresh = pcb->cwnd / 2 > 2 * smss ? pcb->cwnd / 2 : 2 * smss;
	pcb->cwnd = pcb->ssthresh;
	pcb->recover = pcb->snd_max;
	sent = tcp_retransmit_una(pcb);	/* sets a new mark */
	if (sent > 0)
		pcb->hi_rxt = seq_max(pcb->hi_rxt,
				      pcb->snd_una + (uint32_t)sent);
	else
		pcb->una_rxt_on = false;
}

/*
 * RFC 2883 / RFC 3708: a D-SACK block (the first block, below the ACK or
 * inside the second block) names data that arrived twice. When every
 * retransmission of the last fast-recovery episode has been D-SACKed the
 * loss was reordering: restore cwnd and ssthresh as they were before.
 */
void tcp_cc_dsack(struct tcp_pcb *pcb, const struct tcp_hdr *th)
{
	const struct tcp_sack_block *b = &th->sack[0];
	bool dsack;

	if (!th->nsack || !seq_lt(b->start, b->end))
		return;
	dsack = seq_leq(b->end, th->ack) ||
		(th->nsack > 1 && seq_geq(b->start, th->sack[1].start) &&
		 seq_leq(b->end, th->sack[1].end));
	/* Only a duplicate of what this episode retransmitted counts: a
	 * copy the network made of some other segment proves nothing. */
	if (!dsack || !pcb->undo_on || !pcb->undo_retrans ||
	    seq_lt(b->start, pcb->undo_marker) ||
	    seq_gt(b->end, pcb->undo_hi))
		return;
	if (--pcb->undo_retrans)
		return;
	net_count(pcb->ns, NET_STAT_TCP_SPURIOUS_UNDO);
	if (pcb->cwnd < pcb->prior_cwnd)
		pcb->cwnd = pcb->prior_cwnd;
	if (pcb->ssthresh < pcb->prior_ssthresh)
		pcb->ssthresh = pcb->prior_ssthresh;
	pcb->in_recovery = false;
	pcb->sack_recovery = false;
	pcb->dupacks = 0;
	pcb->undo_on = false;
}
