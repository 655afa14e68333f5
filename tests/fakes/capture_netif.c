/*
 * capture_netif.c: the capturing netif.
 */
#include <string.h>

#include "capture_netif.h"

static int cap_xmit(struct netif *nif, struct pktbuf *p)
{
	struct capture_netif *c = netif_drv(nif);

	if (c->xmit_ret < 0) {
		pktbuf_free(p);
		return c->xmit_ret;
	}
	pktq_push(&c->txq, p);
	return 0;
}

static void cap_get_mac(struct netif *nif, uint8_t mac[6])
{
	struct capture_netif *c = netif_drv(nif);

	memcpy(mac, c->mac, 6);
}

static uint16_t cap_mtu(struct netif *nif)
{
	struct capture_netif *c = netif_drv(nif);

	return c->mtu;
}

static int cap_set_up(struct netif *nif, bool up)
{
	struct capture_netif *c = netif_drv(nif);

	c->dev_up = up;
	c->set_up_calls++;
	return 0;
}

static uint32_t cap_get_offload(struct netif *nif)
{
	struct capture_netif *c = netif_drv(nif);

	return c->offload;
}

static const struct netif_ops cap_ops = {
	.xmit = cap_xmit,
	.get_mac = cap_get_mac,
	.get_mtu = cap_mtu,
	.set_up = cap_set_up,
	.get_offload = cap_get_offload,
};

int capture_netif_add_offload(struct capture_netif *c, struct netstack *ns,
			      const uint8_t mac[6], uint16_t mtu,
			      const char *name, uint32_t offload)
{
	memset(c, 0, sizeof(*c));
	c->ns = ns;
	memcpy(c->mac, mac, 6);
	c->mtu = mtu ? mtu : 1500;
	c->offload = offload;
	c->ifindex = netif_add(ns, &cap_ops, c, name);
	return c->ifindex;
}

int capture_netif_add(struct capture_netif *c, struct netstack *ns,
		      const uint8_t mac[6], uint16_t mtu, const char *name)
{
	return capture_netif_add_offload(c, ns, mac, mtu, name, 0);
}

struct pktbuf *capture_pop(struct capture_netif *c)
{
	return pktq_pop(&c->txq);
}

uint32_t capture_count(const struct capture_netif *c)
{
	return c->txq.len;
}

void capture_purge(struct capture_netif *c)
{
	pktq_purge(&c->txq);
}

bool capture_inject(struct capture_netif *c, const uint8_t *frame, size_t len)
{
	struct pktbuf *p = pktbuf_alloc(c->ns, 64, len);

	if (!p)
		return false;
	memcpy(p->data, frame, len);
	p->rx_queue = c->rx_queue;
	netif_input(netif_get(c->ns, c->ifindex), p);
	return true;
}
