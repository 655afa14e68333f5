/*
 * tcp_cc.c: congestion control, RFC 5681 with NewReno (RFC 6582) and
 * limited transmit (RFC 3042).
 *
 * Promises: the initial window is RFC 6928's min(10 SMSS, max(2 SMSS,
 * 14600)); slow start grows cwnd by min(acked, SMSS) per ACK (RFC 5681
 * 3.1 (2)), congestion avoidance by SMSS per cwnd of acknowledged bytes
 * (RFC 5681 3.1, byte counting). The third duplicate ACK retransmits the
 * first unacknowledged segment and enters NewReno recovery: ssthresh =
 * max(FlightSize / 2, 2 SMSS), cwnd = ssthresh + 3 SMSS, inflated per
 * further duplicate, a partial ACK retransmits the next hole and deflates,
 * the full ACK of everything sent before recovery ends it with cwnd =
 * min(ssthresh, FlightSize + SMSS). The first two duplicates each let one
 * new segment out (RFC 3042). A retransmission timeout sets cwnd to one
 * segment (RFC 5681 (4)) and recover = the highest sequence sent (RFC 6582
 * 3.2 step 1), so its duplicates do not start a second recovery.
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
			/* RFC 6582 3.2 step 3: full acknowledgment. */
			uint32_t fl = tcp_flight(pcb) + smss;

			pcb->cwnd = fl < pcb->ssthresh ? fl : pcb->ssthresh;
			pcb->in_recovery = false;
			pcb->dupacks = 0;
			pcb->nscore = 0;
			return;
		}
		/* RFC 6582 3.2 step 4: partial acknowledgment. */
		net_count(pcb->ns, NET_STAT_TCP_PARTIAL_ACK);
		tcp_retransmit_una(pcb);
		pcb->cwnd = pcb->cwnd > acked ? pcb->cwnd - acked : 0;
		if (acked >= smss)
			pcb->cwnd += smss;
		if (pcb->cwnd < smss)
			pcb->cwnd = smss;
		return;
	}
	pcb->dupacks = 0;
	if (pcb->cwnd < pcb->ssthresh) {
		/* RFC 5681 3.1 (2): slow start. */
		pcb->cwnd += acked < smss ? acked : smss;
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
		pcb->cwnd += smss;	/* step 5: inflate */
		return false;
	}
	if (pcb->dupacks != TCP_DUPACK_THRESH)
		return false;
	/* RFC 6582 3.2 step 2: not again for losses of one window. */
	if (seq_lt(pcb->snd_una, pcb->recover))
		return false;
	net_count(pcb->ns, NET_STAT_TCP_FAST_RETRANSMIT);
	pcb->ssthresh = half_flight(pcb);
	pcb->recover = pcb->snd_max;
	pcb->in_recovery = true;
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
	pcb->dupacks = 0;
	pcb->in_recovery = false;
	pcb->recover = pcb->snd_max;
	pcb->nscore = 0;
}

/* RFC 2018 / RFC 6675 scoreboard: stage 2. */
void tcp_sack_update(struct tcp_pcb *pcb, const struct tcp_hdr *th)
{
	(void)pcb;
	(void)th;
}

bool tcp_sack_next_hole(struct tcp_pcb *pcb, uint32_t *seq, uint32_t *len)
{
	(void)pcb;
	(void)seq;
	(void)len;
	return false;
}
