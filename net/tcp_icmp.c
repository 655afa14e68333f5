/*
 * tcp_icmp.c: ICMP errors about segments we sent (RFC 1122 4.2.3.9, RFC
 * 5927) and path MTU discovery (RFC 1191).
 *
 * Promises: an error is acted on only when it quotes a connection we have
 * and a sequence number we sent and that is not yet acknowledged
 * (SND.UNA =< SEG.SEQ < SND.MAX, RFC 5927 4.1 / 5.1), so a blind attacker
 * must guess the 4-tuple and an in-flight sequence number. Then:
 * - Fragmentation needed (type 3 code 4): the send MSS shrinks to the
 *   reported next-hop MTU less 40 (RFC 1191 6.2; a router that reports no
 *   MTU gets the next plateau below the quoted datagram, RFC 1191 7), never
 *   below a floor of 576 bytes (RFC 5927 7.2: a forged tiny MTU must not
 *   cripple a connection), and the lost segment goes again at once.
 * - Hard errors (protocol or port unreachable, administratively
 *   prohibited) abort a connection still in SYN-SENT with ECONNREFUSED or
 *   EHOSTUNREACH (RFC 1122 4.2.3.9 SHOULD abort; RFC 5927 5.2 limits that
 *   to the handshake). Everything else, and every error in a synchronized
 *   state, is soft: it is remembered and reported instead of ETIMEDOUT if
 *   the connection later times out (RFC 1122 4.2.3.9 "make it available").
 * Deviations: the MTU estimate is per connection and never raised again
 * (RFC 1191 6.3's periodic increase is left out); RFC 6069's RTO revert is
 * not done.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "byteorder.h"
#include "tcp_priv.h"

#define TCP_PMTU_FLOOR 576u	/* RFC 791 / RFC 1122 3.3.3 datagram every host takes */

/* RFC 1191 7, Table 7-1: MTU plateaus for routers that report none. */
static uint32_t pmtu_plateau_below(uint32_t len)
{
	static const uint16_t plateau[] = {
		32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68,
	};
	size_t i;

	for (i = 0; i < sizeof(plateau) / sizeof(plateau[0]); i++)
		if (plateau[i] < len)
			return plateau[i];
	return 68;
}

/* RFC 1191 6.2: lower the send MSS to fit the path, then resend. */
static void tcp_pmtu_reduce(struct tcp_pcb *pcb, const struct ip_hdr *qh,
			    uint32_t mtu)
{
	uint32_t mss;

	if (!mtu)
		mtu = pmtu_plateau_below(qh->tot_len);
	if (mtu < TCP_PMTU_FLOOR)
		mtu = TCP_PMTU_FLOOR;
	mss = mtu - IP_HDR_LEN - TCP_HDR_LEN;
	if (mss >= pcb->mss)
		return;		/* stale or larger: nothing to learn */
	pcb->mss = (uint16_t)mss;
	if (mss < pcb->path_mss)
		pcb->path_mss = (uint16_t)mss;
	net_count(pcb->ns, NET_STAT_TCP_PMTU_REDUCED);
	/* The segment that was too big is gone; this is not congestion
	 * (RFC 1191 6.4), so resend at the new size without touching cwnd. */
	tcp_retransmit_una(pcb);
}

/* RFC 1122 4.2.3.9 / RFC 5927 5.2: does this error end a handshake? */
static int tcp_icmp_hard_errno(uint8_t type, uint8_t code)
{
	if (type != ICMP_DEST_UNREACH)
		return 0;
	switch (code) {
	case ICMP_UNREACH_PROTO:
	case ICMP_UNREACH_PORT:
		return -ECONNREFUSED;
	case 9:			/* network administratively prohibited */
	case 10:		/* host administratively prohibited */
	case 13:		/* communication administratively prohibited */
		return -EHOSTUNREACH;
	default:
		return 0;
	}
}

static int tcp_icmp_soft_errno(uint8_t type, uint8_t code)
{
	if (type == ICMP_DEST_UNREACH &&
	    (code == ICMP_UNREACH_NET || code == 6 || code == 11))
		return -ENETUNREACH;
	return -EHOSTUNREACH;
}

/*
 * An ICMP error (type, code, and for needfrag the next-hop MTU) quoting
 * the IP header qh we sent and the first bytes l4[0..l4len) of its TCP
 * header. Called by icmp.c with the stack lock held.
 */
void tcp_icmp_error(struct netstack *ns, const struct ip_hdr *qh,
		    const uint8_t *l4, size_t l4len, uint8_t type,
		    uint8_t code, uint16_t mtu)
{
	struct tcp_pcb *pcb;
	uint32_t seq;
	int err;

	/* RFC 792: at least the first 64 bits: ports and sequence number. */
	if (l4len < 8 || !ns->tcp) {
		net_count(ns, NET_STAT_DROP_ICMP_BAD_QUOTE);
		return;
	}
	tcp_enter(ns);
	pcb = tcp_lookup_conn(ns, qh->src, get_be16(l4), qh->dst,
			      get_be16(l4 + 2));
	if (!pcb || pcb->state == TCP_LISTEN || pcb->state == TCP_CLOSED) {
		net_count(ns, NET_STAT_DROP_ICMP_TCP_NO_CONN);
		goto out;
	}
	/* RFC 5927 4.1 / 5.1: only about data in flight. */
	seq = get_be32(l4 + 4);
	if (seq_lt(seq, pcb->snd_una) || !seq_lt(seq, pcb->snd_max)) {
		net_count(ns, NET_STAT_DROP_ICMP_TCP_SEQ);
		goto out;
	}
	if (type == ICMP_DEST_UNREACH && code == ICMP_UNREACH_NEEDFRAG) {
		tcp_pmtu_reduce(pcb, qh, mtu);
		goto out;
	}
	err = tcp_icmp_hard_errno(type, code);
	if (err && pcb->state == TCP_SYN_SENT) {
		net_count(ns, NET_STAT_TCP_ICMP_ABORT);
		tcp_finish(pcb, err);
		goto out;
	}
	net_count(ns, NET_STAT_TCP_ICMP_SOFT);
	pcb->soft_error = err ? err : tcp_icmp_soft_errno(type, code);
out:
	tcp_leave(ns);
}
