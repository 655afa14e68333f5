/*
 * netif.c: interfaces, their addresses and counters; the link-level
 * dispatch between IP and a driver.
 *
 * Promises: an interface index is stable until netif_remove() and is not
 * given to another interface for a long while after (indices count up,
 * like Linux's, so a stale index held by a pcb or a route finds nothing
 * rather than a newcomer); frames for a down interface are dropped and
 * counted; every frame in or out is counted
 * per interface. Output chooses the link address: broadcast for limited and
 * subnet-directed broadcast, RFC 1112 6.4 mapping for multicast, ARP
 * otherwise; loopback has no link header at all. A subnet's connected
 * route lives while any of our addresses is in it (RFC 1122 3.3.1.2).
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "arp.h"
#include "dhcp.h"

static const uint8_t eth_bcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Index i lives in slot (i - 1) % NETIF_MAX: one load and a compare per lookup. */
static unsigned netif_slot(int ifindex)
{
	return (unsigned)(ifindex - 1) % NETIF_MAX;
}

struct netif *netif_lookup(struct netstack *ns, int ifindex)
{
	struct netif *nif;

	if (ifindex < 1 || ifindex > NETIF_INDEX_MAX)
		return NULL;
	nif = ns->ifs[netif_slot(ifindex)];
	return nif && nif->index == ifindex ? nif : NULL;
}

/* The next index from ns->next_index on whose slot is free; 0 if none. */
static int netif_index_alloc(struct netstack *ns)
{
	int idx = ns->next_index ? ns->next_index : 1;
	int k;

	for (k = 0; k < NETIF_MAX; k++) {
		if (!ns->ifs[netif_slot(idx)]) {
			ns->next_index = idx == NETIF_INDEX_MAX ? 1 : idx + 1;
			return idx;
		}
		idx = idx == NETIF_INDEX_MAX ? 1 : idx + 1;
	}
	return 0;
}

static void name_eth(char *buf, uint32_t n)
{
	char digits[12];
	int i = 0, j = 3;

	memcpy(buf, "eth", 3);
	do {
		digits[i++] = (char)('0' + n % 10);
		n /= 10;
	} while (n && i < (int)sizeof(digits));
	while (i > 0)
		buf[j++] = digits[--i];
	buf[j] = '\0';
}

static int netif_add_locked(struct netstack *ns, const struct netif_ops *ops,
			    void *drv, const char *name)
{
	struct netif *nif;
	char nbuf[NETIF_NAMESIZ];
	int idx;

	if (!ops || !ops->xmit)
		return -EINVAL;
	if (name) {
		size_t n = strlen(name);

		if (n == 0 || n >= NETIF_NAMESIZ)
			return -EINVAL;
		memcpy(nbuf, name, n + 1);
	} else {
		name_eth(nbuf, ns->next_eth);
	}
	if (netif_nametoindex(ns, nbuf))
		return -EEXIST;
	nif = net_alloc(ns, sizeof(*nif));
	if (!nif)
		return -ENOMEM;
	idx = netif_index_alloc(ns);
	if (!idx) {
		net_free(ns, nif, sizeof(*nif));
		return -ENOSPC;
	}
	memset(nif, 0, sizeof(*nif));
	nif->ns = ns;
	nif->index = idx;
	memcpy(nif->name, nbuf, sizeof(nbuf));
	nif->ops = ops;
	nif->drv = drv;
	if (ops->get_mac)
		ops->get_mac(nif, nif->mac);
	nif->mtu = ops->get_mtu ? ops->get_mtu(nif) : ETH_DEFAULT_MTU;
	if (nif->mtu < 68)	/* RFC 791: every link carries 68 octets */
		nif->mtu = 68;
	nif->offload = ops->get_offload ? ops->get_offload(nif) : 0;
	if (nif->offload & NETIF_OFFLOAD_TSO4)	/* TSO needs the checksum done by the device */
		nif->offload |= NETIF_OFFLOAD_TX_CSUM;
	if (!name)
		ns->next_eth++;
	ns->ifs[netif_slot(idx)] = nif;
	return nif->index;
}

int netif_add(struct netstack *ns, const struct netif_ops *ops, void *drv,
	      const char *name)
{
	int ret;

	net_lock(ns);
	ret = netif_add_locked(ns, ops, drv, name);
	net_unlock(ns);
	return ret;
}

static void netif_connected_del(struct netstack *ns, int ifindex,
				uint32_t addr, uint8_t prefix);

static void netif_free(struct netstack *ns, struct netif *nif)
{
	int i;

	nif->up = false;
	dhcp_detach(ns, nif);
	/* Connected routes another interface still needs move to it. */
	for (i = 0; i < NETIF_MAX_ADDRS; i++) {
		uint32_t addr = nif->addrs[i].addr;

		nif->addrs[i].addr = 0;
		if (addr)
			netif_connected_del(ns, nif->index, addr,
					    nif->addrs[i].prefix);
	}
	arp_flush_if(ns, nif->index);
	route_flush_if(ns, nif->index);
	ns->ifs[netif_slot(nif->index)] = NULL;
	net_free(ns, nif, sizeof(*nif));
}

int netif_remove(struct netstack *ns, int ifindex)
{
	struct netif *nif;
	int ret = 0;

	net_lock(ns);
	nif = netif_lookup(ns, ifindex);
	if (!nif || nif->loopback) {
		ret = nif ? -EPERM : -ENODEV;
	} else {
		/*
		 * Stop the device first, as ip link set down would (not at
		 * netstack_destroy(): drivers may be gone by then).
		 */
		if (nif->up && nif->ops->set_up)
			nif->ops->set_up(nif, false);
		netif_free(ns, nif);
	}
	net_unlock(ns);
	return ret;
}

void netif_destroy_all(struct netstack *ns)
{
	int i;

	for (i = 0; i < NETIF_MAX; i++)
		if (ns->ifs[i])
			netif_free(ns, ns->ifs[i]);
}

struct netif *netif_get(struct netstack *ns, int ifindex)
{
	return netif_lookup(ns, ifindex);
}

struct netstack *netif_stack(const struct netif *nif)
{
	return nif->ns;
}

void *netif_drv(const struct netif *nif)
{
	return nif->drv;
}

int netif_index(const struct netif *nif)
{
	return nif->index;
}

const char *netif_name(const struct netif *nif)
{
	return nif->name;
}

unsigned int netif_nametoindex(struct netstack *ns, const char *name)
{
	unsigned int idx = 0;
	int i;

	net_lock(ns);
	for (i = 0; i < NETIF_MAX && !idx; i++)
		if (ns->ifs[i] && strcmp(ns->ifs[i]->name, name) == 0)
			idx = (unsigned int)ns->ifs[i]->index;
	net_unlock(ns);
	return idx;
}

int netif_index_next(struct netstack *ns, int after)
{
	int best = 0, i;

	net_lock(ns);
	for (i = 0; i < NETIF_MAX; i++) {
		const struct netif *nif = ns->ifs[i];

		if (nif && nif->index > after && (!best || nif->index < best))
			best = nif->index;
	}
	net_unlock(ns);
	return best;
}

int netif_rename(struct netstack *ns, int ifindex, const char *name)
{
	struct netif *nif;
	unsigned int other;
	size_t n = name ? strlen(name) : 0;
	int ret = 0;

	if (n == 0 || n >= NETIF_NAMESIZ)
		return -EINVAL;
	net_lock(ns);
	nif = netif_lookup(ns, ifindex);
	other = netif_nametoindex(ns, name);
	if (!nif)
		ret = -ENODEV;
	else if (nif->loopback)
		ret = -EPERM;
	else if (other && other != (unsigned int)ifindex)
		ret = -EEXIST;
	else
		memcpy(nif->name, name, n + 1);
	net_unlock(ns);
	return ret;
}

void netif_input(struct netif *nif, struct pktbuf *p)
{
	struct netstack *ns = nif->ns;

	net_lock(ns);
	net_clock(ns);
	p->ifindex = (uint16_t)nif->index;
	nif->stats.rx_packets++;
	nif->stats.rx_bytes += p->len;
	if (!nif->up) {
		net_drop(ns, nif, NET_STAT_DROP_LINK_DOWN);
		pktbuf_free(p);
	} else if (nif->loopback) {
		ip_input(nif, p);
	} else {
		eth_input(nif, p);
	}
	net_unlock(ns);
}

uint32_t netif_offload(const struct netif *nif)
{
	return nif->offload;
}

int netif_xmit(struct netif *nif, struct pktbuf *p)
{
	size_t len = pktbuf_total(p);
	int ret;

	ret = nif->ops->xmit(nif, p);
	if (ret < 0) {
		nif->stats.tx_errors++;
		net_count(nif->ns, NET_STAT_DROP_TX_ERROR);
		return ret;
	}
	nif->stats.tx_packets++;
	nif->stats.tx_bytes += len;
	return 0;
}

static bool netif_link_ok(struct netif *nif)
{
	return nif->up && (!nif->ops->link_ok || nif->ops->link_ok(nif));
}

/* RFC 1122 2.3 / RFC 894: choose the link destination for an IP datagram. */
int netif_output(struct netstack *ns, struct netif *nif, struct pktbuf *p,
		 uint32_t nexthop)
{
	uint8_t mac[ETH_ALEN];

	if (!netif_link_ok(nif)) {
		nif->stats.tx_dropped++;
		net_count(ns, NET_STAT_DROP_LINK_DOWN);
		pktbuf_free(p);
		return -ENETDOWN;
	}
	if (nif->loopback)
		return netif_xmit(nif, p);
	if (netif_is_bcast(nif, nexthop))
		return eth_output(nif, p, eth_bcast, ETH_TYPE_IP);
	if (ip4_is_multicast(nexthop)) {
		/* RFC 1112 6.4: 01:00:5e plus the low 23 bits. */
		mac[0] = 0x01;
		mac[1] = 0x00;
		mac[2] = 0x5e;
		mac[3] = (uint8_t)((nexthop >> 16) & 0x7f);
		mac[4] = (uint8_t)(nexthop >> 8);
		mac[5] = (uint8_t)nexthop;
		return eth_output(nif, p, mac, ETH_TYPE_IP);
	}
	return arp_output(nif, p, nexthop);
}

bool netif_has_addr(const struct netif *nif, uint32_t ip)
{
	int i;

	for (i = 0; i < NETIF_MAX_ADDRS; i++)
		if (nif->addrs[i].addr && nif->addrs[i].addr == ip)
			return true;
	return false;
}

bool netif_is_bcast(const struct netif *nif, uint32_t ip)
{
	int i;

	if (ip == IP4_BROADCAST)
		return true;
	for (i = 0; i < NETIF_MAX_ADDRS; i++) {
		const struct netif_addr *a = &nif->addrs[i];

		if (a->addr && a->prefix < 31 && ip == (a->addr | ~ip4_mask(a->prefix)))
			return true;
	}
	return false;
}

struct netif *net_local_addr_if(struct netstack *ns, uint32_t ip)
{
	int i;

	for (i = 0; i < NETIF_MAX; i++)
		if (ns->ifs[i] && ns->ifs[i]->up && netif_has_addr(ns->ifs[i], ip))
			return ns->ifs[i];
	return NULL;
}

bool netif_addr_is_local(struct netstack *ns, uint32_t addr)
{
	bool local;

	net_lock(ns);
	local = net_local_addr_if(ns, addr) != NULL;
	net_unlock(ns);
	return local;
}

int netif_set_up(struct netstack *ns, int ifindex, bool up)
{
	struct netif *nif;
	int ret = 0, i;

	net_lock(ns);
	nif = netif_lookup(ns, ifindex);
	if (!nif) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (nif->up == up)
		goto out_unlock;
	if (nif->ops->set_up) {
		ret = nif->ops->set_up(nif, up);
		if (ret < 0)
			goto out_unlock;
	}
	nif->up = up;
	if (!up) {
		arp_flush_if(ns, ifindex);
		goto out_unlock;
	}
	/* RFC 5227 3: announce each address when the link comes up. */
	for (i = 0; i < NETIF_MAX_ADDRS && !nif->loopback; i++)
		if (nif->addrs[i].addr)
			arp_announce(nif, nif->addrs[i].addr);
out_unlock:
	net_unlock(ns);
	return ret;
}

bool netif_is_up(struct netstack *ns, int ifindex)
{
	struct netif *nif;
	bool up;

	net_lock(ns);
	nif = netif_lookup(ns, ifindex);
	up = nif && nif->up;
	net_unlock(ns);
	return up;
}

int netif_addr_add(struct netstack *ns, int ifindex, uint32_t addr,
		   uint8_t prefix)
{
	struct netif *nif;
	int i, slot = -1, ret = 0;

	if (prefix > 32 || addr == 0 || addr == IP4_BROADCAST ||
	    ip4_is_multicast(addr))
		return -EINVAL;
	net_lock(ns);
	nif = netif_lookup(ns, ifindex);
	if (!nif) {
		ret = -ENODEV;
		goto out_unlock;
	}
	for (i = 0; i < NETIF_MAX_ADDRS; i++) {
		if (nif->addrs[i].addr == addr) {
			ret = -EEXIST;
			goto out_unlock;
		}
		if (!nif->addrs[i].addr && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	nif->addrs[slot].addr = addr;
	nif->addrs[slot].prefix = prefix;
	/* The connected route; another interface may already own the net. */
	ret = route_add(ns, addr & ip4_mask(prefix), prefix, 0, ifindex, 0);
	if (ret == -EEXIST)
		ret = 0;
	if (ret < 0) {
		nif->addrs[slot].addr = 0;
		goto out_unlock;
	}
	if (nif->up && !nif->loopback)
		arp_announce(nif, addr);
out_unlock:
	net_unlock(ns);
	return ret;
}

/* The first interface (from index 1) holding an address in net/prefix. */
static int netif_subnet_user(struct netstack *ns, uint32_t net, uint8_t prefix)
{
	int i, j;

	for (i = 0; i < NETIF_MAX; i++) {
		const struct netif *nif = ns->ifs[i];

		for (j = 0; nif && j < NETIF_MAX_ADDRS; j++)
			if (nif->addrs[j].addr && nif->addrs[j].prefix == prefix &&
			    (nif->addrs[j].addr & ip4_mask(prefix)) == net)
				return nif->index;
	}
	return 0;
}

/*
 * RFC 1122 3.3.1.2: the connected route of a subnet stays while any of our
 * addresses is in it. netif_addr_add() makes one route per subnet (the
 * first interface to get an address there owns it), so when addr goes,
 * remove its interface's route and give it to another address's interface
 * if one remains.
 */
static void netif_connected_del(struct netstack *ns, int ifindex,
				uint32_t addr, uint8_t prefix)
{
	uint32_t net = addr & ip4_mask(prefix);
	int other = netif_subnet_user(ns, net, prefix);

	if (other == ifindex)
		return;		/* another address here keeps it */
	if (route_del_exact(ns, net, prefix, 0, ifindex) == 0 && other)
		route_add(ns, net, prefix, 0, other, 0);
}

int netif_addr_del(struct netstack *ns, int ifindex, uint32_t addr,
		   uint8_t prefix)
{
	struct netif *nif;
	int i, ret = -ENOENT;

	net_lock(ns);
	nif = netif_lookup(ns, ifindex);
	if (!nif) {
		ret = -ENODEV;
		goto out_unlock;
	}
	for (i = 0; i < NETIF_MAX_ADDRS; i++) {
		if (nif->addrs[i].addr == addr && nif->addrs[i].prefix == prefix) {
			nif->addrs[i].addr = 0;
			netif_connected_del(ns, ifindex, addr, prefix);
			ret = 0;
			break;
		}
	}
out_unlock:
	net_unlock(ns);
	return ret;
}

uint32_t netif_addr_first(const struct netif *nif)
{
	int i;

	for (i = 0; i < NETIF_MAX_ADDRS; i++)
		if (nif->addrs[i].addr)
			return nif->addrs[i].addr;
	return 0;
}

uint32_t netif_addr_primary(struct netstack *ns, int ifindex)
{
	struct netif *nif;
	uint32_t a;

	net_lock(ns);
	nif = netif_lookup(ns, ifindex);
	a = nif ? netif_addr_first(nif) : 0;
	net_unlock(ns);
	return a;
}

int netif_stats_get(struct netstack *ns, int ifindex, struct netif_stats *out)
{
	struct netif *nif;

	net_lock(ns);
	nif = netif_lookup(ns, ifindex);
	if (nif)
		*out = nif->stats;
	net_unlock(ns);
	return nif ? 0 : -ENODEV;
}

int netif_set_rcv_window_max(struct netstack *ns, int ifindex, uint32_t bytes)
{
	struct netif *nif;

	net_lock(ns);
	nif = netif_lookup(ns, ifindex);
	if (nif)
		nif->rcv_wnd_max = bytes;
	net_unlock(ns);
	return nif ? 0 : -ENODEV;
}

void netif_mac(const struct netif *nif, uint8_t mac[ETH_ALEN])
{
	memcpy(mac, nif->mac, ETH_ALEN);
}

uint16_t netif_mtu(const struct netif *nif)
{
	return nif->mtu;
}
