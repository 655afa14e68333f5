/*
 * netif.h: network interfaces, the driver boundary and ip(8)-style
 * configuration (link up/down, address add/del).
 *
 * A driver fills a struct netif_ops, calls netif_add() and gets an index
 * (1, 2, ...) and a name (eth0, eth1, ... unless it asks for one). Received
 * frames go in with netif_input(), which takes ownership; the stack calls
 * ops->xmit() with a complete Ethernet frame, which takes ownership too.
 * The loopback interface "lo" (127.0.0.1/8) is created with the stack and
 * behaves like any other interface (index 1).
 *
 * Promises: per-interface counters for rx/tx packets and bytes and drops by
 * reason; every configuration call returns 0 or a negative errno.
 */
#ifndef NET_NETIF_H
#define NET_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netstack.h"

struct netif;
struct pktbuf;

#define NETIF_NAMESIZ	16	/* including the NUL, like IFNAMSIZ */
#define NETIF_MAX	8	/* interfaces per stack, loopback included */
#define NETIF_INDEX_MAX	32767	/* indices count up to this, then wrap to 1 */
#define NETIF_MAX_ADDRS	4	/* IPv4 addresses per interface */
#define ETH_ALEN	6

struct netif_ops {
	/* Send one Ethernet frame (data at the header); consumes p. */
	int (*xmit)(struct netif *nif, struct pktbuf *p);
	/* The interface's MAC address. */
	void (*get_mac)(struct netif *nif, uint8_t mac[ETH_ALEN]);
	/* MTU of the link (IP payload of a frame); NULL means 1500. */
	uint16_t (*get_mtu)(struct netif *nif);
	/* Carrier present; NULL means always. */
	bool (*link_ok)(struct netif *nif);
	/* Start or stop the device when the interface goes up/down; may be NULL. */
	int (*set_up)(struct netif *nif, bool up);
	/* NETIF_OFFLOAD_* the device does, read at netif_add; NULL: none. */
	uint32_t (*get_offload)(struct netif *nif);
};

/*
 * Offloads a driver may advertise (get_offload). Without any, the stack
 * computes and checks every checksum and never sends a frame past the MTU,
 * as for ne2k.
 * - TX_CSUM: xmit may get frames with a PKTBUF_CSUM_PARTIAL TCP checksum
 *   (csum_start/csum_offset) and completes it (virtio 1.2 5.1.6.2 NEEDS_CSUM).
 * - RX_CSUM: the driver marks frames whose checksums the device vouches for
 *   PKTBUF_CSUM_VALID (5.1.6.4 DATA_VALID, or NEEDS_CSUM from the host);
 *   others are checked as usual.
 * - TSO4: xmit may get IPv4 TCP frames of up to NETIF_TSO_MAX bytes of IP
 *   datagram with gso_size set, which the device cuts into segments of
 *   gso_size payload (5.1.6.2 GSO_TCPV4); implies TX_CSUM.
 * - SG: xmit may get frames with a fragment (pktbuf.h: frag, frag_len)
 *   and sends the buffer's bytes, then the fragment's, as one frame
 *   (a virtio descriptor chain, 2.7.6). Without it ip_output() hands the
 *   driver linear frames only.
 */
#define NETIF_OFFLOAD_TX_CSUM	0x1u
#define NETIF_OFFLOAD_RX_CSUM	0x2u
#define NETIF_OFFLOAD_TSO4	0x4u
#define NETIF_OFFLOAD_SG	0x8u
#define NETIF_TSO_MAX		65535u	/* an IPv4 datagram's limit */

/* The interface's NETIF_OFFLOAD_* bits. */
uint32_t netif_offload(const struct netif *nif);

struct netif_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t rx_dropped;		/* sum of drop[] for input paths */
	uint64_t tx_dropped;		/* no buffer, no ARP, link down */
	uint64_t tx_errors;		/* xmit returned an error */
	uint64_t drop[NET_STAT_COUNT];	/* per reason */
};

/*
 * Register a driver. name NULL picks the next "ethN". Returns the interface
 * index (> 0) or -ENOSPC / -EEXIST / -EINVAL / -ENOMEM. The interface
 * starts down. Indices count up: one freed by netif_remove() is not given
 * out again until NETIF_INDEX_MAX more have been.
 */
int netif_add(struct netstack *ns, const struct netif_ops *ops, void *drv,
	      const char *name);
/*
 * Unregister (ip link delete, or a move to another stack): brings the link
 * down (ops->set_up(false)), stops its DHCP client, deletes its addresses
 * (a connected route another interface still needs moves there), routes
 * and ARP entries, and frees the packets waiting on them. Afterwards the
 * stack never calls ops for it again. -ENODEV, or -EPERM for loopback.
 */
int netif_remove(struct netstack *ns, int ifindex);

struct netif *netif_get(struct netstack *ns, int ifindex);
struct netstack *netif_stack(const struct netif *nif);
void *netif_drv(const struct netif *nif);
int netif_index(const struct netif *nif);
const char *netif_name(const struct netif *nif);
/* The MAC address the driver reported at netif_add(). */
void netif_mac(const struct netif *nif, uint8_t mac[ETH_ALEN]);
uint16_t netif_mtu(const struct netif *nif);

/* Index of the named interface, 0 if none (like if_nametoindex(3)). */
unsigned int netif_nametoindex(struct netstack *ns, const char *name);
/*
 * ip link set dev X name NAME: 0, -EINVAL (empty, NULL or NETIF_NAMESIZ
 * long), -EEXIST (another interface has it), -ENODEV, -EPERM (loopback).
 * Index, addresses, routes and state stay.
 */
int netif_rename(struct netstack *ns, int ifindex, const char *name);
/* The smallest interface index above after (0: the first), 0 when none: for (i = 0; (i = netif_index_next(ns, i)); ). */
int netif_index_next(struct netstack *ns, int after);

/* Hand a received Ethernet frame to the stack; always consumes p. */
void netif_input(struct netif *nif, struct pktbuf *p);

/* ip link set dev X up|down. Going up sends gratuitous ARP for its addresses. */
int netif_set_up(struct netstack *ns, int ifindex, bool up);
bool netif_is_up(struct netstack *ns, int ifindex);

/*
 * ip addr add|del A.B.C.D/prefix dev X (addresses in host byte order).
 * add also installs the connected route; del removes it. -EEXIST, -ENOENT,
 * -ENOSPC, -EINVAL (prefix > 32, zero/broadcast/multicast address).
 */
int netif_addr_add(struct netstack *ns, int ifindex, uint32_t addr,
		   uint8_t prefix);
int netif_addr_del(struct netstack *ns, int ifindex, uint32_t addr,
		   uint8_t prefix);
/* The first address of the interface, 0 if it has none. */
uint32_t netif_addr_primary(struct netstack *ns, int ifindex);
/* True when addr is an address of an interface that is up (bind checks). */
bool netif_addr_is_local(struct netstack *ns, uint32_t addr);

int netif_stats_get(struct netstack *ns, int ifindex, struct netif_stats *out);

/*
 * Cap the TCP receive window of connections set up over this interface
 * (0: no cap beyond the receive ring), for a NIC whose receive ring holds
 * fewer frames than a window would put in flight (ne2k: ~18 full frames,
 * drivers/ne2000/NOTES.md). Applies to connections created afterwards.
 */
int netif_set_rcv_window_max(struct netstack *ns, int ifindex,
			     uint32_t bytes);

#endif /* NET_NETIF_H */
