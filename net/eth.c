/*
 * eth.c: Ethernet II framing (RFC 894 for IPv4 over Ethernet).
 *
 * Promises: eth_input() parses the header through the checked view in
 * eth.h (short frames, group source addresses and 802.3 length fields are
 * dropped and counted), accepts frames addressed to the interface, to
 * broadcast or to a multicast group (marking the latter two l2_bcast for
 * RFC 1122 3.2.2 and 3.3.6), strips the header and hands IPv4 and ARP on;
 * anything else is dropped and counted. eth_output() prepends the header in
 * the headroom and pads to the 60-byte minimum frame.
 * Deviations: no 802.1Q tags, no 802.3/SNAP frames (dropped as bad type).
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "byteorder.h"

/* RFC 894 / IEEE 802.3 3.2: dst(6) src(6) type(2), then the datagram. */
int eth_hdr_parse(const uint8_t *buf, size_t len, struct eth_hdr *h,
		  enum net_stat *why)
{
	if (len < ETH_HDR_LEN) {
		*why = NET_STAT_DROP_ETH_SHORT;
		return -EINVAL;
	}
	memcpy(h->dst, buf, ETH_ALEN);
	memcpy(h->src, buf + 6, ETH_ALEN);
	h->type = get_be16(buf + 12);
	/* IEEE 802.3 3.2.3: a group address never sends. */
	if (eth_addr_is_group(h->src)) {
		*why = NET_STAT_DROP_ETH_BAD_SRC;
		return -EINVAL;
	}
	/* IEEE 802.3 3.2.6: below 0x0600 the field is a length. */
	if (h->type < ETH_TYPE_MIN) {
		*why = NET_STAT_DROP_ETH_TYPE;
		return -EINVAL;
	}
	return 0;
}

void eth_hdr_emit(const struct eth_hdr *h, uint8_t *buf)
{
	memcpy(buf, h->dst, ETH_ALEN);
	memcpy(buf + 6, h->src, ETH_ALEN);
	put_be16(buf + 12, h->type);
}

/* RFC 894: check the header, keep what is ours, demultiplex on type. */
void eth_input(struct netif *nif, struct pktbuf *p)
{
	struct netstack *ns = nif->ns;
	struct eth_hdr h;
	enum net_stat why;

	if (eth_hdr_parse(p->data, p->len, &h, &why)) {
		net_drop(ns, nif, why);
		goto out_free;
	}
	if (eth_addr_is_group(h.dst)) {
		/* Broadcast or multicast. */
		p->l2_bcast = 1;
	} else if (memcmp(h.dst, nif->mac, ETH_ALEN) != 0) {
		net_drop(ns, nif, NET_STAT_DROP_ETH_NOT_FOR_US);
		goto out_free;
	}
	pktbuf_pull(p, ETH_HDR_LEN);
	switch (h.type) {
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
	uint8_t *buf = pktbuf_push(p, ETH_HDR_LEN);
	struct eth_hdr h;

	if (!buf) {
		nif->stats.tx_dropped++;
		net_count(nif->ns, NET_STAT_DROP_NOBUFS);
		pktbuf_free(p);
		return -ENOBUFS;
	}
	memcpy(h.dst, dst, ETH_ALEN);
	memcpy(h.src, nif->mac, ETH_ALEN);
	h.type = type;
	eth_hdr_emit(&h, buf);
	/* Padding goes after the fragment: a frame that short is copied. */
	if (pktbuf_total(p) < ETH_MIN_FRAME && p->frag_len &&
	    !(p = pktbuf_linearize(nif->ns, p))) {
		nif->stats.tx_dropped++;
		return -ENOBUFS;
	}
	if (pktbuf_total(p) < ETH_MIN_FRAME) {
		size_t pad = ETH_MIN_FRAME - p->len;
		uint8_t *t = pktbuf_put(p, pad);

		if (t)
			memset(t, 0, pad);
	}
	return netif_xmit(nif, p);
}
