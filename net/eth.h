/*
 * eth.h: the Ethernet II header (RFC 894 for IPv4 over Ethernet) as a
 * checked view.
 *
 * eth_hdr_parse() checks a received frame's header and names what is wrong
 * with it: too short for a header, a group (multicast) source address
 * (IEEE 802.3 3.2.3: the source is always an individual address), or a
 * type field below 0x0600, which IEEE 802.3 3.2.6 makes a length: an
 * 802.3 frame, not Ethernet II (no 802.2/SNAP here). eth_hdr_emit() writes
 * the 14 bytes.
 */
#ifndef NET_ETH_H
#define NET_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netstack.h"
#include "netif.h"

#define ETH_HDR_LEN	14
#define ETH_TYPE_MIN	0x0600	/* smaller values are 802.3 lengths */
#define ETH_TYPE_IP	0x0800
#define ETH_TYPE_ARP	0x0806
#define ETH_MIN_FRAME	60	/* without FCS */
#define ETH_DEFAULT_MTU	1500

struct eth_hdr {
	uint8_t dst[ETH_ALEN];	/* individual, broadcast or multicast */
	uint8_t src[ETH_ALEN];	/* always individual */
	uint16_t type;		/* ETH_TYPE_*, >= ETH_TYPE_MIN */
};

/* IEEE 802.3 3.2.3: the I/G bit, first bit on the wire, marks a group. */
static inline bool eth_addr_is_group(const uint8_t *a)
{
	return (a[0] & 1) != 0;
}

/*
 * Check buf[0..len) starts with an Ethernet II header: 0 and *h, or
 * -EINVAL with *why set to the reason.
 */
int eth_hdr_parse(const uint8_t *buf, size_t len, struct eth_hdr *h,
		  enum net_stat *why);
/* Write the ETH_HDR_LEN bytes of h at buf. */
void eth_hdr_emit(const struct eth_hdr *h, uint8_t *buf);

#endif /* NET_ETH_H */
