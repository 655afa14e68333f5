/*
 * arp.c: the Address Resolution Protocol, RFC 826, for IPv4 over Ethernet.
 *
 * Promises: the cache has par.arp_entries entries in a hash table keyed by
 * (interface, address), so lookups on the packet path are O(1) expected.
 * Resolved entries expire ARP_REACHABLE_NS after they were last confirmed.
 * Packets for an unresolved address wait on its entry, at most
 * ARP_QUEUE_PER_ENTRY per entry and par.arp_queue_max in all; beyond that,
 * and when ARP_RETRIES requests go unanswered, they are dropped and counted.
 * A waiting packet never holds a large buffer (it is copied into a small
 * one), unless the frame is too big for a small one (an MTU over 1920).
 * When the cache is full the least recently used resolved entry is evicted
 * (a scan, only on that path); if every entry is pending, the packet drops.
 * Deviations: no RFC 5227 conflict detection; the request source is the
 * interface's first address.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "arp.h"
#include "byteorder.h"

static const uint8_t mac_bcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_zero[ETH_ALEN];

static uint32_t arp_hash(const struct arp_cache *c, int ifindex, uint32_t ip)
{
	uint32_t h = (ip ^ ((uint32_t)ifindex << 24)) * 2654435761u;

	return (h >> 16) & (c->nbuckets - 1);
}

int arp_init(struct netstack *ns)
{
	struct arp_cache *c = &ns->arp;

	c->nbuckets = 1;
	while (c->nbuckets < ns->par.arp_entries)
		c->nbuckets <<= 1;
	c->entries = net_alloc(ns, sizeof(*c->entries) * ns->par.arp_entries);
	c->buckets = net_alloc(ns, sizeof(*c->buckets) * c->nbuckets);
	if (!c->entries || !c->buckets) {
		arp_fini(ns);
		return -ENOMEM;
	}
	c->next_timer = UINT64_MAX;
	return 0;
}

static void arp_entry_free(struct netstack *ns, struct arp_entry *e,
			   enum net_stat why)
{
	struct arp_cache *c = &ns->arp;
	struct arp_entry **pp = &c->buckets[arp_hash(c, e->ifindex, e->ip)];
	struct netif *nif = netif_lookup(ns, e->ifindex);
	struct pktbuf *p;

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	while ((p = pktq_pop(&e->q))) {
		c->queued--;
		net_count(ns, why);
		if (nif)
			nif->stats.tx_dropped++;
		pktbuf_free(p);
	}
	memset(e, 0, sizeof(*e));
	c->used--;
}

void arp_fini(struct netstack *ns)
{
	struct arp_cache *c = &ns->arp;
	uint32_t i;

	if (c->entries)
		for (i = 0; i < ns->par.arp_entries; i++)
			if (c->entries[i].state != ARP_FREE)
				arp_entry_free(ns, &c->entries[i],
					       NET_STAT_DROP_LINK_DOWN);
	net_free(ns, c->entries, sizeof(*c->entries) * ns->par.arp_entries);
	net_free(ns, c->buckets, sizeof(*c->buckets) * c->nbuckets);
	c->entries = NULL;
	c->buckets = NULL;
}

static struct arp_entry *arp_find(struct netstack *ns, int ifindex, uint32_t ip)
{
	struct arp_cache *c = &ns->arp;
	struct arp_entry *e = c->buckets[arp_hash(c, ifindex, ip)];

	while (e && !(e->ip == ip && e->ifindex == ifindex))
		e = e->hnext;
	return e;
}

static void arp_set_timer(struct netstack *ns, uint64_t deadline)
{
	if (deadline < ns->arp.next_timer)
		ns->arp.next_timer = deadline;
}

/* A free entry, evicting the least recently used resolved one if full. */
static struct arp_entry *arp_entry_new(struct netstack *ns, int ifindex,
				       uint32_t ip)
{
	struct arp_cache *c = &ns->arp;
	struct arp_entry *e, *victim = NULL;
	uint32_t i, h;

	for (i = 0; i < ns->par.arp_entries; i++) {
		e = &c->entries[i];
		if (e->state == ARP_FREE) {
			victim = e;
			break;
		}
		if (e->state == ARP_REACHABLE &&
		    (!victim || e->last_used < victim->last_used))
			victim = e;
	}
	if (!victim)
		return NULL;
	if (victim->state != ARP_FREE)
		arp_entry_free(ns, victim, NET_STAT_DROP_ARP_NO_ENTRY);
	e = victim;
	e->ip = ip;
	e->ifindex = ifindex;
	e->last_used = ns->now;
	h = arp_hash(c, ifindex, ip);
	e->hnext = c->buckets[h];
	c->buckets[h] = e;
	c->used++;
	return e;
}

/* RFC 826 "Packet format", for IPv4 over Ethernet. */
int arp_hdr_parse(const uint8_t *buf, size_t len, struct arp_hdr *h,
		  enum net_stat *why)
{
	if (len < ARP_HDR_LEN) {
		*why = NET_STAT_DROP_ARP_SHORT;
		return -EINVAL;
	}
	if (get_be16(buf) != ARP_HRD_ETHER || get_be16(buf + 2) != ETH_TYPE_IP ||
	    buf[4] != ETH_ALEN || buf[5] != 4) {
		*why = NET_STAT_DROP_ARP_BAD_HDR;
		return -EINVAL;
	}
	h->op = get_be16(buf + 6);
	if (h->op != ARP_OP_REQUEST && h->op != ARP_OP_REPLY) {
		*why = NET_STAT_DROP_ARP_BAD_OP;
		return -EINVAL;
	}
	memcpy(h->sha, buf + 8, ETH_ALEN);
	h->spa = get_be32(buf + 14);
	memcpy(h->tha, buf + 18, ETH_ALEN);
	h->tpa = get_be32(buf + 24);
	return 0;
}

void arp_hdr_emit(const struct arp_hdr *h, uint8_t *buf)
{
	put_be16(buf, ARP_HRD_ETHER);		/* ar$hrd */
	put_be16(buf + 2, ETH_TYPE_IP);		/* ar$pro */
	buf[4] = ETH_ALEN;			/* ar$hln */
	buf[5] = 4;				/* ar$pln */
	put_be16(buf + 6, h->op);
	memcpy(buf + 8, h->sha, ETH_ALEN);
	put_be32(buf + 14, h->spa);
	memcpy(buf + 18, h->tha, ETH_ALEN);
	put_be32(buf + 24, h->tpa);
}

/* RFC 826 "Packet Generation": build and send one ARP packet. */
static int arp_send(struct netif *nif, uint16_t op, const uint8_t *eth_dst,
		    const uint8_t *tha, uint32_t tpa, uint32_t spa)
{
	struct pktbuf *p = pktbuf_alloc(nif->ns, NET_HEADROOM, ARP_HDR_LEN);
	struct arp_hdr h;

	if (!p) {
		nif->stats.tx_dropped++;
		return -ENOBUFS;
	}
	h.op = op;
	memcpy(h.sha, nif->mac, ETH_ALEN);
	h.spa = spa;
	memcpy(h.tha, tha, ETH_ALEN);
	h.tpa = tpa;
	arp_hdr_emit(&h, p->data);
	return eth_output(nif, p, eth_dst, ETH_TYPE_ARP);
}

static uint32_t arp_src_for(struct netif *nif, uint32_t target)
{
	int i;

	for (i = 0; i < NETIF_MAX_ADDRS; i++) {
		const struct netif_addr *a = &nif->addrs[i];

		if (a->addr && ((a->addr ^ target) & ip4_mask(a->prefix)) == 0)
			return a->addr;
	}
	return netif_addr_first(nif);
}

static void arp_request(struct netif *nif, uint32_t ip)
{
	net_count(nif->ns, NET_STAT_ARP_REQUEST_OUT);
	arp_send(nif, ARP_OP_REQUEST, mac_bcast, mac_zero, ip,
		 arp_src_for(nif, ip));
}

/* RFC 5227 3 / RFC 826: a gratuitous request, sender = target = ip. */
int arp_announce(struct netif *nif, uint32_t ip)
{
	net_count(nif->ns, NET_STAT_ARP_GRATUITOUS_OUT);
	return arp_send(nif, ARP_OP_REQUEST, mac_bcast, mac_zero, ip, ip);
}

static void arp_resolved(struct netif *nif, struct arp_entry *e,
			 const uint8_t *mac)
{
	struct netstack *ns = nif->ns;
	struct pktbuf *p;

	memcpy(e->mac, mac, ETH_ALEN);
	e->state = ARP_REACHABLE;
	e->deadline = ns->now + ARP_REACHABLE_NS;
	arp_set_timer(ns, e->deadline);
	while ((p = pktq_pop(&e->q))) {
		ns->arp.queued--;
		eth_output(nif, p, e->mac, ETH_TYPE_IP);
	}
}

/* RFC 826 "Packet Reception": merge the sender, answer requests for us. */
void arp_input(struct netif *nif, struct pktbuf *p)
{
	struct netstack *ns = nif->ns;
	struct arp_entry *e;
	struct arp_hdr h;
	enum net_stat why;
	bool merged = false;

	if (arp_hdr_parse(p->data, p->len, &h, &why)) {
		net_drop(ns, nif, why);
		goto out_free;
	}
	/* A sender claiming a group MAC or a broadcast/multicast IP is bogus. */
	if (eth_addr_is_group(h.sha) || h.spa == IP4_BROADCAST ||
	    ip4_is_multicast(h.spa) || memcmp(h.sha, nif->mac, ETH_ALEN) == 0) {
		net_drop(ns, nif, NET_STAT_DROP_ARP_BAD_SENDER);
		goto out_free;
	}
	/* RFC 826: "If the pair <protocol type, sender protocol address> is
	 * already in my translation table, update the sender hardware address". */
	e = h.spa ? arp_find(ns, nif->index, h.spa) : NULL;
	if (e) {
		arp_resolved(nif, e, h.sha);
		merged = true;
	}
	/* RFC 826: "Am I the target protocol address?" */
	if (!netif_has_addr(nif, h.tpa))
		goto out_free;
	if (!merged && h.spa) {
		e = arp_entry_new(ns, nif->index, h.spa);
		if (e)
			arp_resolved(nif, e, h.sha);
	}
	if (h.op == ARP_OP_REQUEST) {
		net_count(ns, NET_STAT_ARP_REPLY_OUT);
		arp_send(nif, ARP_OP_REPLY, h.sha, h.sha, h.spa, h.tpa);
	}
out_free:
	pktbuf_free(p);
}

/*
 * A packet waiting for resolution may wait ARP_RETRIES * ARP_RETRY_NS. If
 * it sits in one of the pool's few large buffers (an echo reply built in
 * place of a reassembled request), a handful of unresolvable hosts would
 * hold them all and every reassembly would fail meanwhile. Move it into a
 * small buffer: one copy of at most an MTU, and only on this slow path.
 * Fragments of bigger datagrams are already small (ip_fragment() runs
 * before the link). Consumes p; NULL (counted) if no small buffer is free.
 */
static struct pktbuf *arp_queue_copy(struct netstack *ns, struct netif *nif,
				     struct pktbuf *p)
{
	struct pktbuf *q;

	if (p->cap <= NET_PKT_SMALL_CAP ||
	    NET_HEADROOM + pktbuf_total(p) > NET_PKT_SMALL_CAP)
		return p;	/* already small, or a frame no small one holds */
	q = pktbuf_alloc(ns, NET_HEADROOM, pktbuf_total(p));
	if (q) {
		pktbuf_copy_out(p, 0, q->data, q->len);	/* and any fragment */
		q->ifindex = p->ifindex;
	} else {
		nif->stats.tx_dropped++;
	}
	pktbuf_free(p);
	return q;
}

/* RFC 826 / RFC 1122 2.3.2.2: send if resolved, else queue and ask. */
int arp_output(struct netif *nif, struct pktbuf *p, uint32_t nexthop)
{
	struct netstack *ns = nif->ns;
	struct arp_entry *e = arp_find(ns, nif->index, nexthop);

	if (e && e->state == ARP_REACHABLE) {
		e->last_used = ns->now;
		return eth_output(nif, p, e->mac, ETH_TYPE_IP);
	}
	if (!e) {
		e = nexthop ? arp_entry_new(ns, nif->index, nexthop) : NULL;
		if (!e) {
			nif->stats.tx_dropped++;
			net_count(ns, NET_STAT_DROP_ARP_NO_ENTRY);
			pktbuf_free(p);
			return -EHOSTUNREACH;
		}
		e->state = ARP_PENDING;
		e->retries = 1;
		e->deadline = ns->now + ARP_RETRY_NS;
		arp_set_timer(ns, e->deadline);
		arp_request(nif, nexthop);
	}
	/* RFC 1122 2.3.2.2: SHOULD save at least one packet; we bound it. */
	if (e->q.len >= ARP_QUEUE_PER_ENTRY ||
	    ns->arp.queued >= ns->par.arp_queue_max) {
		nif->stats.tx_dropped++;
		net_count(ns, NET_STAT_DROP_ARP_QUEUE_FULL);
		pktbuf_free(p);
		return -ENOBUFS;
	}
	p = arp_queue_copy(ns, nif, p);
	if (!p)
		return -ENOBUFS;
	pktq_push(&e->q, p);
	ns->arp.queued++;
	return 0;
}

/* RFC 1122 2.3.2.1: time entries out; retry unanswered requests, give up. */
void arp_poll(struct netstack *ns)
{
	struct arp_cache *c = &ns->arp;
	uint64_t next = UINT64_MAX;
	uint32_t i;

	if (ns->now < c->next_timer)
		return;
	for (i = 0; i < ns->par.arp_entries; i++) {
		struct arp_entry *e = &c->entries[i];
		struct netif *nif;

		if (e->state == ARP_FREE)
			continue;
		if (e->deadline > ns->now) {
			if (e->deadline < next)
				next = e->deadline;
			continue;
		}
		nif = netif_lookup(ns, e->ifindex);
		if (e->state == ARP_REACHABLE || e->retries >= ARP_RETRIES ||
		    !nif) {
			arp_entry_free(ns, e, NET_STAT_DROP_ARP_TIMEOUT);
			continue;
		}
		e->retries++;
		e->deadline = ns->now + ARP_RETRY_NS;
		if (e->deadline < next)
			next = e->deadline;
		arp_request(nif, e->ip);
	}
	c->next_timer = next;
}

void arp_flush_if(struct netstack *ns, int ifindex)
{
	uint32_t i;

	for (i = 0; i < ns->par.arp_entries; i++)
		if (ns->arp.entries[i].state != ARP_FREE &&
		    ns->arp.entries[i].ifindex == ifindex)
			arp_entry_free(ns, &ns->arp.entries[i],
				       NET_STAT_DROP_LINK_DOWN);
}

int arp_lookup(struct netstack *ns, int ifindex, uint32_t ip, uint8_t mac[6])
{
	struct arp_entry *e;
	int ret = -ENOENT;

	net_lock(ns);
	e = arp_find(ns, ifindex, ip);
	if (e && e->state == ARP_REACHABLE) {
		memcpy(mac, e->mac, ETH_ALEN);
		ret = 0;
	}
	net_unlock(ns);
	return ret;
}

uint32_t arp_count(struct netstack *ns)
{
	return ns->arp.used;
}
