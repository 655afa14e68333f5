/*
 * ip_frag.c: fragmentation of outgoing datagrams, RFC 791 2.3 and 3.2.
 *
 * Promises: each fragment carries the original header's id, protocol,
 * addresses and TTL, a data length that is a multiple of 8 except in the
 * last fragment, and fits the interface MTU. The original buffer is always
 * consumed. If buffers run out midway the remaining fragments are not sent
 * (the receiver times the datagram out) and -ENOBUFS is returned.
 * Deviations: options are never copied (the stack sends none).
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"

/* RFC 791 3.2 "An Example Fragmentation Procedure". */
int ip_fragment(struct netstack *ns, struct netif *nif, struct pktbuf *p,
		const struct ip_hdr *h, uint32_t nexthop)
{
	size_t plen = pktbuf_total(p) - IP_HDR_LEN;
	size_t maxdata = ((size_t)nif->mtu - IP_HDR_LEN) & ~(size_t)7;
	size_t off;
	int ret = 0;

	for (off = 0; off < plen; off += maxdata) {
		size_t n = plen - off < maxdata ? plen - off : maxdata;
		struct pktbuf *q = pktbuf_alloc(ns, NET_HEADROOM, IP_HDR_LEN + n);
		struct ip_hdr fh = *h;

		if (!q) {
			nif->stats.tx_dropped++;
			ret = -ENOBUFS;
			break;
		}
		fh.frag_off = (uint16_t)(h->frag_off + off);
		fh.mf = h->mf || off + n < plen;
		fh.tot_len = (uint16_t)(IP_HDR_LEN + n);
		ip_hdr_emit(&fh, q->data);
		/* From the buffer and its fragment alike (pktbuf.h). */
		pktbuf_copy_out(p, IP_HDR_LEN + off, q->data + IP_HDR_LEN, n);
		net_count(ns, NET_STAT_IP_FRAG_OUT);
		ret = netif_output(ns, nif, q, nexthop);
		if (ret < 0 && ret != -ENOBUFS)
			break;
	}
	pktbuf_free(p);
	return ret < 0 ? ret : 0;
}
