/*
 * route.h: the IPv4 routing table (ip route add|del), longest prefix match.
 *
 * Addresses are in host byte order. Connected routes are added and removed
 * by netif_addr_add()/netif_addr_del(); a default route is 0.0.0.0/0 via a
 * gateway. Lookup first checks the stack's own addresses (which route via
 * loopback, like Linux's local table), then the longest matching prefix;
 * among equal prefixes the lower metric wins.
 */
#ifndef NET_ROUTE_H
#define NET_ROUTE_H

#include <stdint.h>

#include "netstack.h"

#define ROUTE_MAX 32	/* entries per stack */

struct route_result {
	int ifindex;		/* outgoing interface */
	uint32_t nexthop;	/* gateway, or dst itself when on-link */
	uint32_t src;		/* preferred source address, 0 if none */
};

/*
 * Add dst/prefix via gw (0: on-link) on ifindex (0: the interface whose
 * connected route covers gw). -EEXIST, -ENOSPC, -EINVAL, -ENETUNREACH.
 */
int route_add(struct netstack *ns, uint32_t dst, uint8_t prefix, uint32_t gw,
	      int ifindex, uint32_t metric);
int route_del(struct netstack *ns, uint32_t dst, uint8_t prefix);
/*
 * Delete dst/prefix only if it goes via gw on ifindex (what an owner such
 * as the DHCP client installed); -ESRCH if the route is not that one.
 */
int route_del_via(struct netstack *ns, uint32_t dst, uint8_t prefix,
		  uint32_t gw, int ifindex);
/* 0 and *out, or -ENETUNREACH. */
int route_lookup(struct netstack *ns, uint32_t dst, struct route_result *out);

#endif /* NET_ROUTE_H */
