/*
 * netconf.h: per-interface configuration strings, as the kernel command
 * line gives them: "ip=A.B.C.D/N gw=A.B.C.D" or "ip=dhcp", and the
 * command-line form with interface prefixes: "eth1.ip=10.0.0.2/24
 * eth1.gw=10.0.0.1 eth0.ip=dhcp" (the kernel applies its command line
 * with netconf_apply_cmdline()).
 *
 * Promises: parsing never touches the stack; anything malformed
 * (bad octet, prefix > 32, unknown key, gw without ip, gw with dhcp) gives
 * -EINVAL. Applying brings the link up, adds the address (and connected
 * route) and the default route, or starts DHCP.
 */
#ifndef NET_NETCONF_H
#define NET_NETCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netstack.h"

struct netconf {
	bool dhcp;		/* ip=dhcp */
	bool has_addr;
	uint32_t addr;		/* host order */
	uint8_t prefix;
	bool has_gw;
	uint32_t gw;
};

/* Parse a dotted quad of exactly len chars. 0 or -EINVAL. */
int ip4_parse(const char *s, size_t len, uint32_t *out);
/* Format a into buf (at least 16 bytes); returns buf. */
char *ip4_format(uint32_t a, char *buf);

int netconf_parse(const char *s, struct netconf *out);
int netconf_apply(struct netstack *ns, int ifindex, const struct netconf *c);
/*
 * Apply the network options of a command line: every "<ifname>.ip=" and
 * "<ifname>.gw=" token, and the plain "ip=" / "gw=" as eth0's for each key
 * the line does not give eth0 by name (the short form for a one-NIC
 * guest; ignored when the stack has no eth0). Other tokens are ignored.
 * With NETCONF_DHCP_REST, every other interface but loopback starts DHCP.
 * Everything is validated before anything is applied: -EINVAL when
 * malformed, -ENODEV for an interface the stack does not have, with
 * nothing changed; with NETCONF_IGNORE_UNKNOWN such tokens are skipped
 * unread instead (a kernel command line also carries apps' "name.ip="
 * options, in their own formats, and interfaces of other stacks). Returns the number of interfaces
 * configured (DHCP ones included).
 */
#define NETCONF_DHCP_REST	1u
#define NETCONF_IGNORE_UNKNOWN	2u
int netconf_apply_cmdline(struct netstack *ns, const char *cmdline,
			  unsigned int flags);

#endif /* NET_NETCONF_H */
