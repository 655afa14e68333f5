/*
 * capture_netif.h: a netif whose xmit keeps every frame for the test to
 * inspect, and which can inject frames as if received.
 */
#ifndef TESTS_FAKES_CAPTURE_NETIF_H
#define TESTS_FAKES_CAPTURE_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../net/netstack.h"
#include "../../net/netif.h"
#include "../../net/pktbuf.h"

struct capture_netif {
	struct netstack *ns;
	int ifindex;
	uint8_t mac[6];
	uint16_t mtu;
	struct pktq txq;	/* frames the stack sent, oldest first */
	int xmit_ret;		/* what xmit returns (after freeing) if < 0 */
	bool dev_up;		/* the last ops->set_up() said up */
	int set_up_calls;
	uint32_t offload;	/* NETIF_OFFLOAD_* it advertises */
	uint8_t rx_queue;	/* pktbuf.rx_queue of injected frames (a multiqueue NIC's queue + 1) */
};

/* Register with the stack; returns the ifindex (asserting success is the
 * caller's job). mtu 0 means 1500. */
int capture_netif_add(struct capture_netif *c, struct netstack *ns,
		      const uint8_t mac[6], uint16_t mtu, const char *name);
/* The same for a NIC that advertises offload (NETIF_OFFLOAD_*). */
int capture_netif_add_offload(struct capture_netif *c, struct netstack *ns,
			      const uint8_t mac[6], uint16_t mtu,
			      const char *name, uint32_t offload);
/* Oldest captured frame (data at the Ethernet header) or NULL; the caller
 * frees it with pktbuf_free(). */
struct pktbuf *capture_pop(struct capture_netif *c);
uint32_t capture_count(const struct capture_netif *c);
void capture_purge(struct capture_netif *c);
/* Copy frame into a stack buffer and netif_input() it. false: no buffer. */
bool capture_inject(struct capture_netif *c, const uint8_t *frame, size_t len);

#endif
