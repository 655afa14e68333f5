/*
 * route.c: the IPv4 routing table, RFC 1122 3.3.1 (a host's route choice).
 *
 * Promises: lookup returns the longest matching prefix among routes whose
 * interface is up (lower metric breaks ties), after first sending traffic
 * for our own addresses to loopback. The table has ROUTE_MAX entries and is
 * scanned linearly: with a host's handful of routes a trie would cost more
 * than it saves. Limited broadcast (255.255.255.255) has no route; the
 * sender must name the interface (ip_out.ifindex), as DHCP does.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"

static struct netif *route_if_up(struct netstack *ns, int ifindex)
{
	struct netif *nif = netif_lookup(ns, ifindex);

	return nif && nif->up ? nif : NULL;
}

/* The best-prefix route for dst, or NULL. */
static struct route_entry *route_match(struct netstack *ns, uint32_t dst,
				       bool onlink_only)
{
	struct route_entry *best = NULL;
	int i;

	for (i = 0; i < ROUTE_MAX; i++) {
		struct route_entry *r = &ns->routes[i];

		if (!r->used || ((dst ^ r->dst) & ip4_mask(r->prefix)))
			continue;
		if (onlink_only && r->gw)
			continue;
		if (!route_if_up(ns, r->ifindex) && !onlink_only)
			continue;
		if (!best || r->prefix > best->prefix ||
		    (r->prefix == best->prefix && r->metric < best->metric))
			best = r;
	}
	return best;
}

int route_add(struct netstack *ns, uint32_t dst, uint8_t prefix, uint32_t gw,
	      int ifindex, uint32_t metric)
{
	struct route_entry *r, *slot = NULL;
	int i, ret = 0;

	if (prefix > 32)
		return -EINVAL;
	dst &= ip4_mask(prefix);
	net_lock(ns);
	if (!ifindex) {
		r = gw ? route_match(ns, gw, true) : NULL;
		if (!r) {
			ret = -ENETUNREACH;
			goto out_unlock;
		}
		ifindex = r->ifindex;
	}
	if (!netif_lookup(ns, ifindex)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	for (i = 0; i < ROUTE_MAX; i++) {
		r = &ns->routes[i];
		if (r->used && r->dst == dst && r->prefix == prefix) {
			ret = -EEXIST;
			goto out_unlock;
		}
		if (!r->used && !slot)
			slot = r;
	}
	if (!slot) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	slot->used = true;
	slot->dst = dst;
	slot->prefix = prefix;
	slot->gw = gw;
	slot->ifindex = ifindex;
	slot->metric = metric;
out_unlock:
	net_unlock(ns);
	return ret;
}

/* Delete the route to dst/prefix; gw and ifindex, when not 0, must match
 * too (so a client removes only the route it installed). Lock held. */
int route_del_exact(struct netstack *ns, uint32_t dst, uint8_t prefix,
		    uint32_t gw, int ifindex)
{
	int i;

	if (prefix > 32)
		return -EINVAL;
	dst &= ip4_mask(prefix);
	for (i = 0; i < ROUTE_MAX; i++) {
		struct route_entry *r = &ns->routes[i];

		if (r->used && r->dst == dst && r->prefix == prefix &&
		    (!gw || r->gw == gw) &&
		    (!ifindex || r->ifindex == ifindex)) {
			r->used = false;
			return 0;
		}
	}
	return -ESRCH;
}

int route_del(struct netstack *ns, uint32_t dst, uint8_t prefix)
{
	int ret;

	net_lock(ns);
	ret = route_del_exact(ns, dst, prefix, 0, 0);
	net_unlock(ns);
	return ret;
}

int route_del_via(struct netstack *ns, uint32_t dst, uint8_t prefix,
		  uint32_t gw, int ifindex)
{
	int ret;

	net_lock(ns);
	ret = route_del_exact(ns, dst, prefix, gw, ifindex);
	net_unlock(ns);
	return ret;
}

void route_flush_if(struct netstack *ns, int ifindex)
{
	int i;

	for (i = 0; i < ROUTE_MAX; i++)
		if (ns->routes[i].ifindex == ifindex)
			ns->routes[i].used = false;
}

/* RFC 1122 3.3.4.3: prefer a source address on the outgoing interface's
 * subnet of the next hop. */
static uint32_t route_src(struct netif *nif, uint32_t nexthop)
{
	int i;

	for (i = 0; i < NETIF_MAX_ADDRS; i++) {
		const struct netif_addr *a = &nif->addrs[i];

		if (a->addr && !((a->addr ^ nexthop) & ip4_mask(a->prefix)))
			return a->addr;
	}
	for (i = 0; i < NETIF_MAX_ADDRS; i++)
		if (nif->addrs[i].addr)
			return nif->addrs[i].addr;
	return 0;
}

/* RFC 1122 3.3.1.1: local, then on-link, then via a gateway. */
int route_lookup(struct netstack *ns, uint32_t dst, struct route_result *out)
{
	struct route_entry *r;
	struct netif *nif;
	int ret = 0;

	net_lock(ns);
	if (dst == IP4_BROADCAST) {
		ret = -ENETUNREACH;
		goto out_unlock;
	}
	nif = net_local_addr_if(ns, dst);
	if (nif && ns->lo_index && route_if_up(ns, ns->lo_index)) {
		out->ifindex = ns->lo_index;
		out->nexthop = dst;
		out->src = dst;
		goto out_unlock;
	}
	r = route_match(ns, dst, false);
	if (!r) {
		ret = -ENETUNREACH;
		goto out_unlock;
	}
	out->ifindex = r->ifindex;
	out->nexthop = r->gw ? r->gw : dst;
	out->src = route_src(netif_lookup(ns, r->ifindex), out->nexthop);
out_unlock:
	net_unlock(ns);
	return ret;
}
