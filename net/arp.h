/*
 * arp.h: ARP (RFC 826) packet view, and cache queries for apps and tests.
 *
 * The cache is a hash table of bounded size; entries expire after
 * ARP_REACHABLE_NS; an unresolved entry retries ARP_RETRIES times,
 * ARP_RETRY_NS apart, then drops the packets queued on it.
 * arp_hdr_parse() / arp_hdr_emit() are the checked view of an ARP packet
 * for IPv4 over Ethernet, the only kind the stack speaks.
 */
#ifndef NET_ARP_H
#define NET_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netstack.h"

#define ARP_REACHABLE_NS	(60ull * 1000000000ull)
#define ARP_RETRY_NS		(1000000000ull)
#define ARP_RETRIES		3
#define ARP_QUEUE_PER_ENTRY	64	/* packets held for one address */

#define ARP_HDR_LEN		28	/* RFC 826 for Ethernet and IPv4 */
#define ARP_HRD_ETHER		1	/* ar$hrd */
#define ARP_OP_REQUEST		1	/* ar$op */
#define ARP_OP_REPLY		2

/* An ARP packet for IPv4 over Ethernet; the fixed ar$hrd, ar$pro, ar$hln
 * and ar$pln are checked by parse and written by emit. */
struct arp_hdr {
	uint16_t op;		/* ar$op: ARP_OP_REQUEST or ARP_OP_REPLY */
	uint8_t sha[6];		/* ar$sha: sender hardware address */
	uint32_t spa;		/* ar$spa: sender protocol address, host order */
	uint8_t tha[6];		/* ar$tha: target hardware address */
	uint32_t tpa;		/* ar$tpa: target protocol address */
};

/*
 * Check buf[0..len) holds an Ethernet/IPv4 ARP request or reply. 0 and *h,
 * or -EINVAL with *why: DROP_ARP_SHORT, DROP_ARP_BAD_HDR (hrd, pro, hln,
 * pln), DROP_ARP_BAD_OP.
 */
int arp_hdr_parse(const uint8_t *buf, size_t len, struct arp_hdr *h,
		  enum net_stat *why);
/* Write ARP_HDR_LEN bytes. */
void arp_hdr_emit(const struct arp_hdr *h, uint8_t *buf);

/* 0 and the MAC if ip is resolved on ifindex; -ENOENT otherwise. */
int arp_lookup(struct netstack *ns, int ifindex, uint32_t ip, uint8_t mac[6]);
/* Entries in use (resolved or pending). */
uint32_t arp_count(struct netstack *ns);

#endif /* NET_ARP_H */
