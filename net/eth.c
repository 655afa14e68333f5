/*
 * eth.c: Ethernet II framing (RFC 894 for IPv4 over Ethernet).
 *
 * Promises: eth_input() accepts frames addressed to the interface, to
 * broadcast or to a multicast group, strips the header and hands IPv4 and
 * ARP on; anything else is dropped and counted. eth_output() prepends the
 * header in the headroom and pads to the 60-byte minimum frame.
 * Deviations: no 802.1Q tags, no 802.3/SNAP frames (dropped as bad type).
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "byteorder.h"

/* RFC 894: the frame is dst(6) src(6) type(2) and the datagram. */
void eth_input(struct netif *nif, struct pktbuf *p)
{
	struct netstack *ns = nif->ns;
	const uint8_t *dst;
	uint16_t type;

	if (p->len < ETH_HDR_LEN) {
		net_drop(ns, nif, NET_STAT_DROP_ETH_SHORT);
		goto out_free;
	}
	dst = p->data;
	if (dst[0] & 1) {
		/* Group bit: broadcast or multicast. */
		p->l2_bcast = 1;
	} else if (memcmp(dst, nif->mac, ETH_ALEN) != 0) {
		net_drop(ns, nif, NET_STAT_DROP_ETH_NOT_FOR_US);
		goto out_free;
	}
	type = get_be16(p->data + 12);
	pktbuf_pull(p, ETH_HDR_LEN);
	switch (type) {
	case ETH_TYPE_IP:
		ip_input(nif, p);
		return;
	case ETH_TYPE_ARP:
		arp_input(nif, p);
		return;
	default:
		net_drop(ns, nif, NET_STAT_DROP_ETH_TYPE);
		goto out_free;
	}
out_free:
	pktbuf_free(p);
}

/* RFC 894: prepend the header; short frames are padded with zeros. */
int eth_output(struct netif *nif, struct pktbuf *p, const uint8_t *dst,
	       uint16_t type)
{
	uint8_t *h = pktbuf_push(p, ETH_HDR_LEN);

	if (!h) {
		nif->stats.tx_dropped++;
		net_count(nif->ns, NET_STAT_DROP_NOBUFS);
		pktbuf_free(p);
		return -ENOBUFS;
	}
	memcpy(h, dst, ETH_ALEN);
	memcpy(h + 6, nif->mac, ETH_ALEN);
	put_be16(h + 12, type);
	if (p->len < ETH_MIN_FRAME) {
		size_t pad = ETH_MIN_FRAME - p->len;
		uint8_t *t = pktbuf_put(p, pad);

		if (t)
			memset(t, 0, pad);
	}
	return netif_xmit(nif, p);
}
