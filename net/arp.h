/*
 * arp.h: ARP (RFC 826) cache queries for apps and tests.
 *
 * The cache is a hash table of bounded size; entries expire after
 * ARP_REACHABLE_NS; an unresolved entry retries ARP_RETRIES times,
 * ARP_RETRY_NS apart, then drops the packets queued on it.
 */
#ifndef NET_ARP_H
#define NET_ARP_H

#include <stdbool.h>
#include <stdint.h>

#include "netstack.h"

#define ARP_REACHABLE_NS	(60ull * 1000000000ull)
#define ARP_RETRY_NS		(1000000000ull)
#define ARP_RETRIES		3
#define ARP_QUEUE_PER_ENTRY	64	/* packets held for one address */

/* 0 and the MAC if ip is resolved on ifindex; -ENOENT otherwise. */
int arp_lookup(struct netstack *ns, int ifindex, uint32_t ip, uint8_t mac[6]);
/* Entries in use (resolved or pending). */
uint32_t arp_count(struct netstack *ns);

#endif /* NET_ARP_H */
