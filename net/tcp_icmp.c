/*
 * tcp_icmp.c: ICMP errors about our own TCP segments: RFC 5927 (checked
 * against the connection before anything is believed), RFC 1122 4.2.3.9
 * (hard and soft errors) and RFC 1191 (path MTU discovery; every segment
 * leaves with DF, tcp_out.c).
 *
 * Promises: an error is acted on only when it quotes a connection we have
 * and a sequence number in SND.UNA .. SND.MAX - 1 (RFC 5927 4.1), so a
 * blind attacker must guess the window. Fragmentation needed lowers the
 * connection's MSS (never below TCP_PMTU_MIN_MSS, RFC 5927 7.2) and
 * resends at once without touching the congestion window (RFC 1191 6.5);
 * without a next-hop MTU the next plateau below the quoted length is used
 * (RFC 1191 7). Other unreachables and time exceeded abort a connection
 * still in SYN-SENT (ECONNREFUSED for port/protocol, else EHOSTUNREACH or
 * ENETUNREACH); on a synchronized one they are soft errors, remembered and
 * reported instead of ETIMEDOUT if the connection times out (RFC 1122
 * 4.2.3.9, RFC 5927 4.2). Source quench is ignored (RFC 6633).
 * The caller (icmp.c) passes the ICMP type, code, the next-hop MTU field
 * and the quoted datagram.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "tcp_priv.h"
#include "byteorder.h"

#define TCP_PMTU_MIN_MSS 512u

/* RFC 1191 7, table 7-1: plateaus for routers that send no MTU. */
static uint16_t plateau_below(uint16_t len)
{
	static const uint16_t p[] = {
		32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68,
	};
	unsigned i;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (p[i] < len)
			return p[i];
	return 68;
}

static int hard_errno(uint8_t type, uint8_t code)
{
	if (type != ICMP_DEST_UNREACH)
		return -EHOSTUNREACH;
	switch (code) {
	case ICMP_UNREACH_PORT:
	case ICMP_UNREACH_PROTO:
		return -ECONNREFUSED;
	case ICMP_UNREACH_NET:
		return -ENETUNREACH;
	default:
		return -EHOSTUNREACH;
	}
}

/* RFC 1191 6.3 / 6.5: a smaller path: smaller segments, sent again now. */
static void pmtu_reduce(struct tcp_pcb *pcb, uint16_t mtu, uint16_t quoted_len)
{
	uint32_t mss;

	if (!mtu)
		mtu = plateau_below(quoted_len);
	mss = mtu > 40 ? (uint32_t)mtu - 40 : 0;
	if (mss < TCP_PMTU_MIN_MSS)
		mss = TCP_PMTU_MIN_MSS;
	if (mss >= pcb->mss)
		return;
	net_count(pcb->ns, NET_STAT_TCP_PMTU_REDUCED);
	pcb->mss = (uint16_t)mss;
	pcb->path_mss = (uint16_t)mss;
	if (pcb->state < TCP_ESTABLISHED || !tcp_flight(pcb))
		return;
	pcb->rtt_on = false;
	pcb->snd_nxt = pcb->snd_una;
	tcp_output(pcb);
}

void tcp_icmp_error(struct netstack *ns, uint8_t type, uint8_t code,
		    uint16_t next_mtu, const uint8_t *q, size_t len)
{
	struct tcp_pcb *pcb;
	size_t ihl;
	uint32_t seq;

	if (type != ICMP_DEST_UNREACH && type != ICMP_TIME_EXCEEDED)
		return;
	/* RFC 792 / RFC 1122 3.2.2: the IP header and 8 bytes of ours. */
	if (len < IP_HDR_LEN || (q[0] >> 4) != 4)
		return;
	ihl = (size_t)(q[0] & 0xf) * 4;
	if (ihl < IP_HDR_LEN || len < ihl + 8 || q[9] != IP_PROTO_TCP)
		return;
	tcp_enter(ns);
	net_count(ns, NET_STAT_TCP_ICMP_IN);
	pcb = tcp_lookup_conn(ns, get_be32(q + 12), get_be16(q + ihl),
			      get_be32(q + 16), get_be16(q + ihl + 2));
	seq = get_be32(q + ihl + 4);
	/* RFC 5927 4.1: only for data in flight on a connection we have. */
	if (!pcb || pcb->state == TCP_LISTEN ||
	    !seq_in(seq, pcb->snd_una, pcb->snd_max)) {
		net_count(ns, NET_STAT_DROP_TCP_ICMP_INVALID);
		goto out;
	}
	if (type == ICMP_DEST_UNREACH && code == ICMP_UNREACH_NEEDFRAG) {
		pmtu_reduce(pcb, next_mtu, get_be16(q + 2));
		goto out;
	}
	if (pcb->state == TCP_SYN_SENT) {
		tcp_finish(pcb, hard_errno(type, code));
		goto out;
	}
	/* RFC 5927 4.2: a soft error in the synchronized states. */
	pcb->soft_err = hard_errno(type, code);
out:
	tcp_leave(ns);
}
