/*
 * loopback.c: the loopback interface "lo", 127.0.0.1/8.
 *
 * Promises: lo is created with the stack (index 1), up, and otherwise an
 * ordinary interface with counters and routes. Datagrams sent on it carry
 * no link header and are queued, then delivered at the next net_poll(), so
 * an echo request and its reply never recurse through the stack. A poll
 * delivers what it finds and what those deliveries queue in turn (a reply
 * behind its request), up to LOOP_POLL_BUDGET packets; whatever is left
 * kicks the poller again, and net_next_deadline() reports it as due now, so
 * nothing waits for an unrelated wake-up. The queue holds LOOP_QUEUE_MAX
 * packets; more are dropped and counted.
 * RFC 1122 3.2.1.3(g): 127/8 never leaves the host (checked in ip.c).
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"

/* Deliveries per poll: bounds two endpoints that echo each other forever. */
#define LOOP_POLL_BUDGET (2 * LOOP_QUEUE_MAX)

static int loop_xmit(struct netif *nif, struct pktbuf *p)
{
	struct netstack *ns = nif->ns;

	if (ns->loopq.len >= LOOP_QUEUE_MAX) {
		net_count(ns, NET_STAT_DROP_LOOP_FULL);
		pktbuf_free(p);
		return -ENOBUFS;
	}
	pktq_push(&ns->loopq, p);
	/* Nothing else would tell the poller: no interrupt announces a loopback packet. */
	if (ns->loopq.len == 1 && ns->env.kick)
		ns->env.kick(ns->env.ctx);
	return 0;
}

static uint16_t loop_mtu(struct netif *nif)
{
	(void)nif;
	return 65535;
}

static const struct netif_ops loop_ops = {
	.xmit = loop_xmit,
	.get_mtu = loop_mtu,
};

int loopback_init(struct netstack *ns)
{
	struct netif *nif;
	int idx = netif_add(ns, &loop_ops, NULL, "lo");

	if (idx < 0)
		return idx;
	nif = netif_lookup(ns, idx);
	nif->loopback = true;
	nif->up = true;
	ns->lo_index = idx;
	return netif_addr_add(ns, idx, IP4(127, 0, 0, 1), 8);
}

/* Deliver the queue, replies included, within a budget; kick for the rest. */
void loopback_poll(struct netstack *ns)
{
	struct netif *lo = netif_lookup(ns, ns->lo_index);
	uint32_t budget = LOOP_POLL_BUDGET;
	struct pktbuf *p;

	while (budget-- > 0 && (p = pktq_pop(&ns->loopq))) {
		if (lo)
			netif_input(lo, p);
		else
			pktbuf_free(p);
	}
	if (ns->loopq.len && ns->env.kick)
		ns->env.kick(ns->env.ctx);
}
