/*
 * dhcp.h: DHCP client (RFC 2131) for one interface at a time.
 *
 * dhcp_start() runs INIT -> SELECTING -> REQUESTING -> BOUND, then renews at
 * T1 (unicast to the server), rebinds at T2 (broadcast) and drops the
 * address when the lease expires. Timers run from net_poll(). On ACK the
 * address, netmask (option 1) and default router (option 3) are applied to
 * the interface and the routing table.
 */
#ifndef NET_DHCP_H
#define NET_DHCP_H

#include <stdint.h>

#include "netstack.h"

#define DHCP_SERVER_PORT	67
#define DHCP_CLIENT_PORT	68

/* RFC 2131 figure 5, without INIT-REBOOT. */
enum dhcp_state {
	DHCP_STOPPED,
	DHCP_INIT,
	DHCP_SELECTING,
	DHCP_REQUESTING,
	DHCP_BOUND,
	DHCP_RENEWING,
	DHCP_REBINDING,
};

struct dhcp_info {
	enum dhcp_state state;
	uint32_t addr;		/* leased address, host order */
	uint8_t prefix;		/* from option 1 */
	uint32_t router;	/* option 3, 0 if none */
	uint32_t server;	/* option 54 */
	uint32_t dns[2];	/* option 6 */
	uint32_t lease_s;	/* option 51 */
	uint64_t t1_ns;		/* absolute stack times */
	uint64_t t2_ns;
	uint64_t expiry_ns;
};

int dhcp_start(struct netstack *ns, int ifindex);
int dhcp_stop(struct netstack *ns, int ifindex);
int dhcp_info_get(struct netstack *ns, int ifindex, struct dhcp_info *out);

#endif /* NET_DHCP_H */
