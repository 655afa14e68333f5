/*
 * netstack.c: creating and destroying a stack, its clock and its counters.
 *
 * Promises: netstack_create() allocates every pool up front (packet
 * buffers, ARP cache, reassembly slots) so per-packet paths never call
 * env.alloc; netstack_destroy() returns every byte it took. net_poll() is
 * the only place time advances. There is no state outside struct netstack.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "arp.h"
#include "dhcp.h"
#include "tcp_priv.h"

#define SEC 1000000000ull

static const char *const stat_names[NET_STAT_COUNT] = {
#define NET_STAT_NAME(name) #name,
	NET_STAT_LIST(NET_STAT_NAME)
#undef NET_STAT_NAME
};

static void params_defaults(struct netstack_params *p)
{
	if (!p->pkt_small)
		p->pkt_small = 256;
	/* Growth is opt-in by size: the environment knows the memory. */
	if (p->pkt_small_max < p->pkt_small)
		p->pkt_small_max = p->pkt_small;
	/* A quarter, at most 64: room for replies, ARP and DHCP. */
	if (!p->pkt_reserve)
		p->pkt_reserve = p->pkt_small / 4 < 64 ? p->pkt_small / 4 : 64;
	if (!p->pkt_large)
		p->pkt_large = 4;
	if (!p->arp_entries)
		p->arp_entries = 64;
	if (!p->arp_queue_max)
		p->arp_queue_max = 128;
	if (!p->reass_slots)
		p->reass_slots = 4;
	if (!p->reass_max_frags)
		p->reass_max_frags = 64;
	/* RFC 1122 3.3.2: the reassembly timeout is 60 to 120 s. */
	if (!p->reass_timeout_ns)
		p->reass_timeout_ns = 60 * SEC;
	if (!p->icmp_rate_per_s)
		p->icmp_rate_per_s = 10;
	if (!p->icmp_burst)
		p->icmp_burst = 10;
	tcp_params_defaults(p);
}

struct netstack *netstack_create(const struct net_env *env,
				 const struct netstack_params *params)
{
	struct netstack *ns;

	if (!env || !env->alloc || !env->free)
		return NULL;
	ns = env->alloc(env->ctx, sizeof(*ns));
	if (!ns)
		return NULL;
	memset(ns, 0, sizeof(*ns));
	ns->env = *env;
	if (params)
		ns->par = *params;
	params_defaults(&ns->par);
	ns->rng = 0x2545f491u;
	ns->ip_id = (uint16_t)net_random(ns);
	ns->next_eth = 0;

	/* One timer slot per TCP pcb and a few to spare: arming never
	 * allocates under the lock and cannot fail in use. */
	if (net_timers_init(ns, ns->par.tcp_max_pcbs + 64))
		goto out_free_ns;
	if (pktpool_init(ns, &ns->pool))
		goto out_fini_timers;
	if (arp_init(ns))
		goto out_fini_pool;
	if (ip_reass_init(ns))
		goto out_fini_arp;
	icmp_init(ns);
	if (loopback_init(ns) < 0)
		goto out_fini_reass;
	if (tcp_init(ns) < 0)
		goto out_fini_reass;
	return ns;

out_fini_reass:
	netif_destroy_all(ns);
	ip_reass_fini(ns);
out_fini_arp:
	arp_fini(ns);
out_fini_pool:
	pktpool_fini(ns, &ns->pool);
out_fini_timers:
	net_timers_fini(ns);
out_free_ns:
	env->free(env->ctx, ns, sizeof(*ns));
	return NULL;
}

void netstack_destroy(struct netstack *ns)
{
	struct net_env env;

	if (!ns)
		return;
	env = ns->env;
	tcp_fini(ns);
	pktq_purge(&ns->loopq);
	netif_destroy_all(ns);
	net_timers_fini(ns);
	ip_reass_fini(ns);
	arp_fini(ns);
	pktpool_fini(ns, &ns->pool);
	env.free(env.ctx, ns, sizeof(*ns));
}

void net_poll(struct netstack *ns, uint64_t now_ns)
{
	net_lock(ns);
	/* The clock never goes backwards, whatever the caller passes. */
	if (now_ns > ns->now)
		ns->now = now_ns;
	net_clock(ns);
	loopback_poll(ns);
	arp_poll(ns);
	ip_reass_poll(ns);
	dhcp_poll(ns);
	net_timers_run(ns, ns->now);
	net_unlock(ns);
}

uint64_t net_clock(struct netstack *ns)
{
	if (ns->env.now) {
		uint64_t t = ns->env.now(ns->env.ctx);

		if (t > ns->now)
			ns->now = t;
	}
	return ns->now;
}

uint64_t net_now(struct netstack *ns)
{
	uint64_t t;

	net_lock(ns);
	t = net_clock(ns);
	net_unlock(ns);
	return t;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t net_next_deadline(struct netstack *ns)
{
	uint64_t next;

	net_lock(ns);
	/* Loopback frames wait for the poller: that is work due now. */
	if (ns->loopq.len) {
		next = net_clock(ns);
		goto out_unlock;
	}
	next = net_timers_next(ns);
	next = min_u64(next, ns->arp.next_timer);
	next = min_u64(next, ip_reass_next_deadline(ns));
	next = min_u64(next, dhcp_next_deadline(ns));
out_unlock:
	net_unlock(ns);
	return next;
}

uint64_t net_stat_get(const struct netstack *ns, enum net_stat s)
{
	if ((unsigned)s >= NET_STAT_COUNT)
		return 0;
	return ns->stats[s];
}

const char *net_stat_name(enum net_stat s)
{
	if ((unsigned)s >= NET_STAT_COUNT)
		return "?";
	return stat_names[s];
}

void *net_alloc_raw(struct netstack *ns, size_t size)
{
	return ns->env.alloc(ns->env.ctx, size);
}

void *net_alloc(struct netstack *ns, size_t size)
{
	void *p = ns->env.alloc(ns->env.ctx, size);

	if (p)
		memset(p, 0, size);
	return p;
}

void net_free(struct netstack *ns, void *p, size_t size)
{
	if (p)
		ns->env.free(ns->env.ctx, p, size);
}

void net_lock(struct netstack *ns)
{
	if (ns->env.lock)
		ns->env.lock(ns->env.ctx);
}

void net_unlock(struct netstack *ns)
{
	if (ns->env.unlock)
		ns->env.unlock(ns->env.ctx);
}

uint32_t net_random(struct netstack *ns)
{
	if (ns->env.random)
		return ns->env.random(ns->env.ctx);
	/* Numerical Recipes LCG: only for ids when the env has no source. */
	ns->rng = ns->rng * 1664525u + 1013904223u;
	return ns->rng;
}

void net_log(struct netstack *ns, enum net_log_level lvl, const char *msg)
{
	if (ns->env.log)
		ns->env.log(ns->env.ctx, lvl, msg);
}

void net_count(struct netstack *ns, enum net_stat s)
{
	ns->stats[s]++;
}

void net_add(struct netstack *ns, enum net_stat s, uint64_t n)
{
	ns->stats[s] += n;
}

void net_drop(struct netstack *ns, struct netif *nif, enum net_stat s)
{
	ns->stats[s]++;
	if (nif) {
		nif->stats.drop[s]++;
		nif->stats.rx_dropped++;
	}
}
