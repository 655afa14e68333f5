/*
 * ip.c: IPv4 input and output, RFC 791 with the host requirements of
 * RFC 1122 3.2.1 and 3.3.
 *
 * Promises: ip_input() validates version, IHL, total length against the
 * frame (trimming link padding) and the header checksum before anything
 * reads the payload; every rejected datagram is counted by reason. Options
 * are accepted and skipped, never acted on. Sources are validated here,
 * once (RFC 1122 3.2.1.3: no 0/8, broadcast, multicast, class E, 127/8 off
 * lo, or our own address off lo), so transport and ICMP code trust them;
 * link-layer broadcasts must carry an IP broadcast or multicast destination
 * (RFC 1122 3.3.6). This is a host, not a router:
 * datagrams not addressed to us are dropped (RFC 1122 3.3.4: weak ES model,
 * any of our addresses on any interface is ours). ip_output() routes,
 * writes a 20-byte header and fragments to the interface MTU; it completes
 * a partial transport checksum (PKTBUF_CSUM_PARTIAL) unless the interface
 * offloads it, and passes a TSO datagram (gso_size) larger than the MTU
 * only to an interface with NETIF_OFFLOAD_TSO4.
 * Deviations: no source routing or record-route; TTL is not checked on
 * input (it only matters for forwarding).
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "byteorder.h"
#include "checksum.h"
#include "dhcp.h"
#include "tcp_priv.h"

/* RFC 791 3.1: the fixed part of the header and its consistency rules. */
int ip_hdr_parse(const uint8_t *buf, size_t len, struct ip_hdr *h,
		 enum net_stat *why)
{
	uint16_t frag;
	size_t ihl;

	if (len < IP_HDR_LEN) {
		*why = NET_STAT_DROP_IP_SHORT;
		return -EINVAL;
	}
	if ((buf[0] >> 4) != IP_VERSION) {
		*why = NET_STAT_DROP_IP_VERSION;
		return -EINVAL;
	}
	ihl = (size_t)(buf[0] & IP_IHL_MASK) * 4;
	if (ihl < IP_HDR_LEN || ihl > len) {
		*why = NET_STAT_DROP_IP_BAD_IHL;
		return -EINVAL;
	}
	h->tot_len = get_be16(buf + 2);
	if (h->tot_len < ihl || h->tot_len > len) {
		*why = NET_STAT_DROP_IP_BAD_LEN;
		return -EINVAL;
	}
	if (inet_csum(buf, ihl) != 0) {
		*why = NET_STAT_DROP_IP_CHECKSUM;
		return -EINVAL;
	}
	h->hdr_len = (uint8_t)ihl;
	h->tos = buf[1];
	h->id = get_be16(buf + 4);
	frag = get_be16(buf + 6);
	h->df = (frag & IP_FLAG_DF) != 0;
	h->mf = (frag & IP_FLAG_MF) != 0;
	h->frag_off = (uint16_t)((frag & IP_OFF_MASK) * 8);
	h->ttl = buf[8];
	h->proto = buf[9];
	h->src = get_be32(buf + 12);
	h->dst = get_be32(buf + 16);
	return 0;
}

/* RFC 791 3.1: fill a header without options and compute its checksum. */
void ip_hdr_emit(const struct ip_hdr *h, uint8_t *buf)
{
	uint16_t frag = (uint16_t)(h->frag_off / 8);

	if (h->df)
		frag |= IP_FLAG_DF;
	if (h->mf)
		frag |= IP_FLAG_MF;
	buf[0] = (uint8_t)(IP_VERSION << 4 | IP_HDR_LEN / 4);
	buf[1] = h->tos;
	put_be16(buf + 2, h->tot_len);
	put_be16(buf + 4, h->id);
	put_be16(buf + 6, frag);
	buf[8] = h->ttl;
	buf[9] = h->proto;
	put_be16(buf + 10, 0);
	put_be32(buf + 12, h->src);
	put_be32(buf + 16, h->dst);
	put_be16(buf + 10, inet_csum(buf, IP_HDR_LEN));
}

uint16_t ip_next_id(struct netstack *ns)
{
	return ns->ip_id++;
}

/*
 * RFC 1122 3.2.1.3 / 3.3.6: is a one of our broadcast addresses: the
 * limited broadcast or the directed broadcast of a subnet of any of our
 * interfaces? Bounded: NETIF_MAX interfaces of NETIF_MAX_ADDRS each.
 */
bool ip_addr_is_bcast(struct netstack *ns, uint32_t a)
{
	int i;

	if (a == IP4_BROADCAST)
		return true;
	for (i = 0; i < NETIF_MAX; i++)
		if (ns->ifs[i] && netif_is_bcast(ns->ifs[i], a))
			return true;
	return false;
}

/*
 * RFC 1122 3.2.1.3: "A host MUST silently discard an incoming datagram
 * containing an IP source address that is invalid by the rules of this
 * section." The one place sources are checked: transport and ICMP code
 * trust h->src names a single remote host. false and *why when it does not.
 */
static bool ip_src_ok(struct netstack *ns, const struct netif *nif,
		      uint32_t src, enum net_stat *why)
{
	/* (a), (b): {0, 0} and {0, host} are sources only while a host
	 * learns its address (BOOTP/DHCP). We are a DHCP client, never a
	 * server, so no datagram from 0/8 is ever meant for us. */
	if ((src >> 24) == 0) {
		*why = NET_STAT_DROP_IP_SRC_ZERO;
		return false;
	}
	/* (c)-(f), 3.3.6: a broadcast (any of our subnets', not only the
	 * receiving interface's: a reply would be broadcast there) or a
	 * multicast group is never a source. */
	if (ip4_is_multicast(src) || ip_addr_is_bcast(ns, src)) {
		*why = NET_STAT_DROP_IP_BAD_SRC;
		return false;
	}
	/* Class E, 240/4: reserved (RFC 1112 4, RFC 6890), no host has one. */
	if (ip4_is_class_e(src)) {
		*why = NET_STAT_DROP_IP_SRC_CLASS_E;
		return false;
	}
	/* (g): 127/8 must not appear outside a host. */
	if (!nif->loopback && ip4_is_loopback(src)) {
		*why = NET_STAT_DROP_IP_MARTIAN;
		return false;
	}
	/* Not one of 3.2.1.3's letters, but the same principle: our own
	 * address from the wire is a spoof or a loop (a UDP echo to itself
	 * would bounce over loopback forever); only lo carries it. */
	if (!nif->loopback && net_local_addr_if(ns, src)) {
		*why = NET_STAT_DROP_IP_SRC_OURS;
		return false;
	}
	return true;
}

/* RFC 1122 3.2.1.3 and 3.3.6: which destinations does this host accept? */
static bool ip_for_us(struct netstack *ns, struct netif *nif,
		      const struct ip_hdr *h, const struct pktbuf *p)
{
	if (netif_has_addr(nif, h->dst) || netif_is_bcast(nif, h->dst))
		return true;
	if (h->dst == IP4(224, 0, 0, 1))
		return true;
	/* RFC 2131 4.1: before it has an address a DHCP client must accept
	 * unicast to the address being offered: UDP to port 68, only. */
	if (!netif_addr_first(nif) && nif->dhcp &&
	    h->proto == IP_PROTO_UDP && !h->mf && !h->frag_off &&
	    p->len >= (size_t)h->hdr_len + 8 &&
	    get_be16(p->data + h->hdr_len + 2) == DHCP_CLIENT_PORT)
		return true;
	return net_local_addr_if(ns, h->dst) != NULL;
}

/*
 * RFC 1122 3.3.6: "A host SHOULD silently discard a datagram that is
 * received via a link-layer broadcast but does not specify an IP multicast
 * or broadcast destination address." Except on an interface without an
 * address: a DHCP server may broadcast the frame of a reply unicast to the
 * address it offers (RFC 2131 4.1), and that interface has nothing to spoof.
 */
static bool ip_l2_bcast_ok(const struct netif *nif, const struct pktbuf *p,
			   uint32_t dst)
{
	return !p->l2_bcast || ip4_is_multicast(dst) ||
	       netif_is_bcast(nif, dst) || !netif_addr_first(nif);
}

/* RFC 791 3.2 / RFC 1122 3.2.1: validate, reassemble, demultiplex. */
void ip_input(struct netif *nif, struct pktbuf *p)
{
	struct netstack *ns = nif->ns;
	struct ip_hdr h;
	enum net_stat why;

	if (ip_hdr_parse(p->data, p->len, &h, &why)) {
		net_drop(ns, nif, why);
		goto out_free;
	}
	/* RFC 894: the link may pad short frames; the datagram ends here. */
	pktbuf_trim(p, h.tot_len);
	if (!ip_src_ok(ns, nif, h.src, &why)) {
		net_drop(ns, nif, why);
		goto out_free;
	}
	/* RFC 1122 3.2.1.3(g): 127/8 must not appear outside a host. */
	if (!nif->loopback && ip4_is_loopback(h.dst)) {
		net_drop(ns, nif, NET_STAT_DROP_IP_MARTIAN);
		goto out_free;
	}
	if (!ip_l2_bcast_ok(nif, p, h.dst)) {
		net_drop(ns, nif, NET_STAT_DROP_IP_L2_BCAST);
		goto out_free;
	}
	if (!ip_for_us(ns, nif, &h, p)) {
		net_drop(ns, nif, NET_STAT_DROP_IP_NOT_FOR_US);
		goto out_free;
	}
	if (h.mf || h.frag_off) {
		/* RFC 791 3.2 "Fragmentation and reassembly". */
		p = ip_reass(ns, nif, p, &h);
		if (!p)
			return;
		if (ip_hdr_parse(p->data, p->len, &h, &why)) {
			net_drop(ns, nif, why);
			goto out_free;
		}
	}
	pktbuf_pull(p, h.hdr_len);
	switch (h.proto) {
	case IP_PROTO_ICMP:
		icmp_input(ns, nif, p, &h);
		return;
	case IP_PROTO_UDP:
		udp_input(ns, nif, p, &h);
		return;
	case IP_PROTO_TCP:
		tcp_input(ns, nif, p, &h);
		return;
	default:
		/* RFC 1122 3.2.2.1: SHOULD send protocol unreachable
		 * (icmp_send_error knows when it must not). */
		icmp_send_error(ns, p, &h, ICMP_DEST_UNREACH,
				ICMP_UNREACH_PROTO);
		net_drop(ns, nif, NET_STAT_DROP_IP_PROTO);
		goto out_free;
	}
out_free:
	pktbuf_free(p);
}

static int ip_route_out(struct netstack *ns, const struct ip_out *o,
			struct netif **nif, uint32_t *nexthop, uint32_t *src)
{
	struct route_result rr;
	int ret;

	ret = route_lookup(ns, o->dst, &rr);
	if (o->ifindex) {
		*nif = netif_lookup(ns, o->ifindex);
		if (!*nif)
			return -ENODEV;
		if (ret == 0 && rr.ifindex == o->ifindex) {
			*nexthop = rr.nexthop;
			*src = rr.src;
		} else {
			*nexthop = o->dst;
			*src = netif_addr_primary(ns, o->ifindex);
		}
		return 0;
	}
	if (ret < 0)
		return ret;
	*nif = netif_lookup(ns, rr.ifindex);
	*nexthop = rr.nexthop;
	*src = rr.src;
	return *nif ? 0 : -ENETUNREACH;
}

/* RFC 791 3.2 / RFC 1122 3.3.1: route, add the header, fragment, send. */
int ip_output(struct netstack *ns, struct pktbuf *p, const struct ip_out *o)
{
	struct netif *nif;
	struct ip_hdr h;
	uint32_t nexthop, src;
	uint8_t *hdr;
	int ret;

	net_lock(ns);
	ret = ip_route_out(ns, o, &nif, &nexthop, &src);
	if (ret < 0) {
		net_count(ns, NET_STAT_DROP_IP_NO_ROUTE);
		goto out_free;
	}
	/* Only an interface that can send a fragment gets one (pktbuf.h);
	 * a datagram cut in IP fragments is copied out of both parts by
	 * ip_fragment(). */
	if (p->frag_len && !(nif->offload & NETIF_OFFLOAD_SG) &&
	    (p->gso_size ? (nif->offload & NETIF_OFFLOAD_TSO4) != 0 :
	     pktbuf_total(p) + IP_HDR_LEN <= nif->mtu) &&
	    !(p = pktbuf_linearize(ns, p))) {
		ret = -ENOBUFS;
		goto out_unlock;
	}
	if (pktbuf_total(p) + IP_HDR_LEN > IP_MAX_DGRAM) {
		ret = -EMSGSIZE;
		goto out_free;
	}
	hdr = pktbuf_push(p, IP_HDR_LEN);
	if (!hdr) {
		net_count(ns, NET_STAT_DROP_NOBUFS);
		ret = -ENOBUFS;
		goto out_free;
	}
	memset(&h, 0, sizeof(h));
	h.hdr_len = IP_HDR_LEN;
	h.tos = o->tos;
	h.tot_len = (uint16_t)pktbuf_total(p);
	h.id = ip_next_id(ns);
	h.df = o->df;
	h.ttl = o->ttl ? o->ttl : IP_DEFAULT_TTL;
	h.proto = o->proto;
	h.src = o->src ? o->src : src;
	h.dst = o->dst;
	if (p->gso_size && !(nif->offload & NETIF_OFFLOAD_TSO4)) {
		/* Built for a TSO interface, routed to another: the sender
		 * (tcp_send_data) builds it again in MTU-sized pieces. */
		net_count(ns, NET_STAT_DROP_IP_GSO_NO_TSO);
		ret = -EMSGSIZE;
		goto out_free;
	}
	/* The interface cannot finish the checksum, or the datagram goes in
	 * fragments (a checksum covers the whole, no fragment holds it): do
	 * it here, so every path below sees a complete datagram. */
	if (p->csum == PKTBUF_CSUM_PARTIAL &&
	    (!(nif->offload & NETIF_OFFLOAD_TX_CSUM) ||
	     (pktbuf_total(p) > nif->mtu && !p->gso_size)))
		pktbuf_csum_finish(p);
	if (pktbuf_total(p) > nif->mtu && !p->gso_size) {
		if (h.df) {
			net_count(ns, NET_STAT_DROP_IP_DF_TOO_BIG);
			ret = -EMSGSIZE;
			goto out_free;
		}
		ret = ip_fragment(ns, nif, p, &h, nexthop);
		goto out_unlock;
	}
	ip_hdr_emit(&h, hdr);
	ret = netif_output(ns, nif, p, nexthop);
	goto out_unlock;
out_free:
	pktbuf_free(p);
out_unlock:
	net_unlock(ns);
	return ret;
}
