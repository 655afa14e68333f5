/*
 * dhcp.h: DHCP client (RFC 2131) for one interface at a time.
 *
 * dhcp_start() runs INIT -> SELECTING -> REQUESTING -> BOUND, then renews at
 * T1 (unicast to the server), rebinds at T2 (broadcast) and drops the
 * address when the lease expires. Timers run from net_poll(). On ACK the
 * address, netmask (option 1) and default router (option 3) are applied to
 * the interface and the routing table.
 * dhcp_hdr_parse() / dhcp_hdr_emit() are the checked view of the fixed
 * part of a message (RFC 2131 figure 1) with the options' magic cookie.
 */
#ifndef NET_DHCP_H
#define NET_DHCP_H

#include <stddef.h>
#include <stdint.h>

#include "netstack.h"

#define DHCP_SERVER_PORT	67
#define DHCP_CLIENT_PORT	68

#define DHCP_HDR_LEN		240	/* fixed fields + magic cookie */
#define DHCP_BOOTREQUEST	1	/* op */
#define DHCP_BOOTREPLY		2
#define DHCP_FLAG_BROADCAST	0x8000	/* RFC 2131 2, figure 2 */

/*
 * RFC 2131 figure 1 for Ethernet (htype 1, hlen 6, checked by parse and
 * written by emit). sname and file are neither read nor sent (option
 * overload is not supported); emit zeroes them.
 */
struct dhcp_hdr {
	uint8_t op;		/* DHCP_BOOTREQUEST or DHCP_BOOTREPLY */
	uint8_t hops;
	uint32_t xid;		/* transaction id */
	uint16_t secs;		/* since the client began */
	uint16_t flags;		/* DHCP_FLAG_BROADCAST */
	uint32_t ciaddr;	/* client address (host order, as all four) */
	uint32_t yiaddr;	/* "your" address */
	uint32_t siaddr;	/* next server */
	uint32_t giaddr;	/* relay agent */
	uint8_t chaddr[6];	/* client hardware address */
};

/*
 * Check buf[0..len) holds a DHCP message for Ethernet: at least
 * DHCP_HDR_LEN bytes, op 1 or 2, htype 1, hlen 6, the magic cookie
 * 99.130.83.99. 0 and *h (options start at buf + DHCP_HDR_LEN), or
 * -EINVAL with *why = NET_STAT_DROP_DHCP_BAD.
 */
int dhcp_hdr_parse(const uint8_t *buf, size_t len, struct dhcp_hdr *h,
		   enum net_stat *why);
/* Write DHCP_HDR_LEN bytes: the fields, zeroed sname/file, the cookie. */
void dhcp_hdr_emit(const struct dhcp_hdr *h, uint8_t *buf);

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
