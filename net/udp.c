/*
 * udp.c: the User Datagram Protocol, RFC 768, with RFC 1122 4.1.
 *
 * Promises: input checks the length field against the datagram and the
 * checksum (unless zero: RFC 768 "all zero ... means the transmitter
 * generated no checksum"); output always computes one (RFC 1122 4.1.3.4),
 * sending 0xffff for a computed zero. A datagram to a port nobody bound
 * gets ICMP port unreachable unless it was broadcast or multicast
 * (RFC 1122 4.1.3.1). Endpoints live in a table of UDP_MAX_PCBS entries
 * inside the stack; lookup scans it (it is small; a hash can come with
 * sockets).
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "byteorder.h"
#include "checksum.h"

static struct udp_pcb *udp_lookup(struct netstack *ns, uint16_t port,
				  int ifindex)
{
	struct udp_pcb *any = NULL;
	int i;

	for (i = 0; i < UDP_MAX_PCBS; i++) {
		struct udp_pcb *pcb = &ns->udp[i];

		if (!pcb->used || pcb->port != port)
			continue;
		if (pcb->ifindex == ifindex)
			return pcb;
		if (!pcb->ifindex)
			any = pcb;
	}
	return any;
}

/* RFC 768 "Format" / "Fields": the length field covers header and data. */
int udp_hdr_parse(const uint8_t *buf, size_t len, struct udp_hdr *h,
		  enum net_stat *why)
{
	if (len < UDP_HDR_LEN) {
		*why = NET_STAT_DROP_UDP_SHORT;
		return -EINVAL;
	}
	h->sport = get_be16(buf);
	h->dport = get_be16(buf + 2);
	h->len = get_be16(buf + 4);
	h->csum = get_be16(buf + 6);
	if (h->len < UDP_HDR_LEN || h->len > len) {
		*why = NET_STAT_DROP_UDP_BAD_LEN;
		return -EINVAL;
	}
	return 0;
}

void udp_hdr_emit(const struct udp_hdr *h, uint8_t *buf)
{
	put_be16(buf, h->sport);
	put_be16(buf + 2, h->dport);
	put_be16(buf + 4, h->len);
	put_be16(buf + 6, h->csum);
}

/* RFC 768 "Fields" / RFC 1122 4.1.3: check, then deliver or refuse. */
void udp_input(struct netstack *ns, struct netif *nif, struct pktbuf *p,
	       const struct ip_hdr *h)
{
	struct udp_pcb *pcb;
	struct udp_meta m;
	struct udp_hdr uh;
	enum net_stat why;

	if (udp_hdr_parse(p->data, p->len, &uh, &why)) {
		net_drop(ns, nif, why);
		goto out_free;
	}
	/* The IP datagram may carry bytes past the UDP length: not data. */
	pktbuf_trim(p, uh.len);
	if (uh.csum != 0 && p->csum != PKTBUF_CSUM_VALID &&
	    csum_fold(csum_partial(p->data, uh.len,
				   csum_pseudo(h->src, h->dst, IP_PROTO_UDP,
					       uh.len))) != 0) {
		net_drop(ns, nif, NET_STAT_DROP_UDP_CHECKSUM);
		goto out_free;
	}
	m.src = h->src;
	m.dst = h->dst;
	m.sport = uh.sport;
	m.dport = uh.dport;
	m.ifindex = nif->index;
	m.ttl = h->ttl;
	pcb = udp_lookup(ns, m.dport, nif->index);
	if (!pcb) {
		/* icmp_send_error() refuses broadcasts and multicasts. */
		icmp_send_error(ns, p, h, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT);
		net_drop(ns, nif, NET_STAT_DROP_UDP_NO_PORT);
		goto out_free;
	}
	pcb->recv(pcb->arg, &m, p->data + UDP_HDR_LEN, uh.len - UDP_HDR_LEN);
out_free:
	pktbuf_free(p);
}

static bool udp_port_free(struct netstack *ns, uint16_t port, int ifindex)
{
	int i;

	for (i = 0; i < UDP_MAX_PCBS; i++) {
		struct udp_pcb *pcb = &ns->udp[i];

		if (pcb->used && pcb->port == port &&
		    (!pcb->ifindex || !ifindex || pcb->ifindex == ifindex))
			return false;
	}
	return true;
}

int udp_bind(struct netstack *ns, uint16_t port, int ifindex,
	     void (*recv)(void *arg, const struct udp_meta *m,
			  const uint8_t *data, size_t len),
	     void *arg, struct udp_pcb **out)
{
	struct udp_pcb *slot = NULL;
	int i, tries, ret = 0;

	if (!recv || !out || ifindex < 0)
		return -EINVAL;
	net_lock(ns);
	if (ifindex && !netif_lookup(ns, ifindex)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	/* RFC 6335 6: ephemeral ports come from 49152-65535. */
	for (tries = 0; !port && tries < 64; tries++) {
		uint16_t cand = (uint16_t)(49152 + net_random(ns) % 16384);

		if (udp_port_free(ns, cand, ifindex))
			port = cand;
	}
	if (!port || !udp_port_free(ns, port, ifindex)) {
		ret = -EADDRINUSE;
		goto out_unlock;
	}
	for (i = 0; i < UDP_MAX_PCBS && !slot; i++)
		if (!ns->udp[i].used)
			slot = &ns->udp[i];
	if (!slot) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	slot->used = true;
	slot->port = port;
	slot->ifindex = ifindex;
	slot->recv = recv;
	slot->arg = arg;
	*out = slot;
out_unlock:
	net_unlock(ns);
	return ret;
}

uint16_t udp_local_port(const struct udp_pcb *pcb)
{
	return pcb->port;
}

void udp_unbind(struct netstack *ns, struct udp_pcb *pcb)
{
	net_lock(ns);
	if (pcb)
		memset(pcb, 0, sizeof(*pcb));
	net_unlock(ns);
}

int udp_sendto(struct netstack *ns, struct udp_pcb *pcb, uint32_t dst,
	       uint16_t dport, const void *data, size_t len)
{
	struct udp_iov iov = { data, len };

	return udp_sendv(ns, pcb, dst, dport, &iov, 1);
}

/* RFC 768: header, pseudo-header checksum, then IP. */
int udp_sendv(struct netstack *ns, struct udp_pcb *pcb, uint32_t dst,
	      uint16_t dport, const struct udp_iov *iov, int iovcnt)
{
	const size_t max = IP_MAX_DGRAM - IP_HDR_LEN - UDP_HDR_LEN;
	struct route_result rr;
	struct udp_hdr uh;
	struct pktbuf *p;
	struct ip_out o;
	size_t len = 0, off;
	uint32_t src;
	uint16_t sum;
	int ret;

	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].len > max - len)
			return -EMSGSIZE;
		len += iov[i].len;
	}
	net_lock(ns);
	if (pcb->ifindex) {
		src = netif_addr_primary(ns, pcb->ifindex);
	} else {
		ret = route_lookup(ns, dst, &rr);
		if (ret < 0) {
			net_count(ns, NET_STAT_DROP_IP_NO_ROUTE);
			goto out_unlock;
		}
		src = rr.src;
	}
	p = pktbuf_alloc(ns, NET_HEADROOM, UDP_HDR_LEN + len);
	if (!p) {
		ret = -ENOBUFS;
		goto out_unlock;
	}
	uh.sport = pcb->port;
	uh.dport = dport;
	uh.len = (uint16_t)p->len;
	uh.csum = 0;
	udp_hdr_emit(&uh, p->data);
	off = UDP_HDR_LEN;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].len)
			memcpy(p->data + off, iov[i].base, iov[i].len);
		off += iov[i].len;
	}
	sum = csum_fold(csum_partial(p->data, p->len,
				     csum_pseudo(src, dst, IP_PROTO_UDP,
						 uh.len)));
	/* RFC 768: a computed zero is sent as all ones. */
	uh.csum = sum ? sum : 0xffff;
	udp_hdr_emit(&uh, p->data);
	memset(&o, 0, sizeof(o));
	o.src = src;
	o.dst = dst;
	o.proto = IP_PROTO_UDP;
	o.ifindex = pcb->ifindex;
	ret = ip_output(ns, p, &o);
out_unlock:
	net_unlock(ns);
	return ret;
}
