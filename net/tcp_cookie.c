/*
 * tcp_cookie.c: SYN cookies (RFC 4987 3.6): when a listener's SYN queue
 * is full, the SYN-ACK's sequence number carries the state instead of a
 * control block, and the ACK that completes the handshake rebuilds it.
 *
 * Cookie layout (32 bits): a 5-bit counter of 64-second periods, a 3-bit
 * index into a table of MSS values, and 24 bits of SipHash-2-4 (keyed with
 * a secret drawn at stack creation) over the 4-tuple, the peer's ISN and
 * the counter. A cookie is accepted during two periods after it was made
 * (64 to 128 s). Promises: without the secret an off-path sender must
 * guess 24 bits per attempt; a valid cookie yields exactly one connection
 * (the 4-tuple is then in use). Deviations, as in every cookie scheme:
 * window scaling, SACK and timestamps offered in the SYN are not
 * remembered, so such a connection runs without them, and a lost
 * third segment cannot be recovered from by our retransmission.
 */
#include <string.h>

#include "netstack_priv.h"
#include "tcp_priv.h"

#define COOKIE_PERIOD_NS (64ull * 1000000000ull)

static const uint16_t cookie_mss[8] = {
	536, 1024, 1220, 1300, 1360, 1400, 1440, 1460,
};

static uint32_t cookie_hash(struct netstack *ns, uint32_t laddr,
			    uint16_t lport, uint32_t raddr, uint16_t rport,
			    uint32_t peer_isn, uint32_t count)
{
	uint8_t m[20];

	memcpy(m, &laddr, 4);
	memcpy(m + 4, &raddr, 4);
	memcpy(m + 8, &lport, 2);
	memcpy(m + 10, &rport, 2);
	memcpy(m + 12, &peer_isn, 4);
	memcpy(m + 16, &count, 4);
	return (uint32_t)siphash24(&ns->tcp->cookie_key, m, sizeof(m)) &
	       0xffffffu;
}

static uint32_t period(struct netstack *ns)
{
	return (uint32_t)(ns->now / COOKIE_PERIOD_NS);
}

uint32_t tcp_cookie_make(struct netstack *ns, uint32_t laddr, uint16_t lport,
			 uint32_t raddr, uint16_t rport, uint32_t peer_isn,
			 uint16_t mss)
{
	uint32_t count = period(ns) & 31, i = 0;

	/* The largest table entry that does not exceed the offer. */
	while (i < 7 && cookie_mss[i + 1] <= mss)
		i++;
	return (count << 27) | (i << 24) |
	       cookie_hash(ns, laddr, lport, raddr, rport, peer_isn, count);
}

bool tcp_cookie_check(struct netstack *ns, uint32_t laddr, uint16_t lport,
		      uint32_t raddr, uint16_t rport, uint32_t peer_isn,
		      uint32_t cookie, uint16_t *mss)
{
	uint32_t count = cookie >> 27, now = period(ns) & 31;
	uint32_t age = (now - count) & 31;

	if (age > 1)
		return false;
	if ((cookie & 0xffffffu) !=
	    cookie_hash(ns, laddr, lport, raddr, rport, peer_isn, count))
		return false;
	*mss = cookie_mss[(cookie >> 24) & 7];
	return true;
}
