/*
 * net_test_util.h: frame builders and the standard fixture shared by the
 * net unit tests: one stack with a capturing eth0 (10.0.0.1/24, up).
 */
#ifndef TESTS_UNIT_NET_TEST_UTIL_H
#define TESTS_UNIT_NET_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_env.h"
#include "capture_netif.h"
#include "../../../net/netstack.h"
#include "../../../net/netif.h"
#include "../../../net/pktbuf.h"
#include "../../../net/ip.h"

#define SEC 1000000000ull

extern const uint8_t MAC_US[6];
extern const uint8_t MAC_PEER[6];
extern const uint8_t MAC_BCAST[6];
#define IP_US   IP4(10, 0, 0, 1)
#define IP_PEER IP4(10, 0, 0, 2)

struct fixture {
	struct fake_env fe;
	struct netstack *ns;
	struct capture_netif cap;
	int ifindex;
};

/* Small pools so exhaustion is reachable in tests. */
void test_params(struct netstack_params *p);
int fixture_setup(void **state);
int fixture_teardown(void **state);
/* Teach the stack IP_PEER is at MAC_PEER (an ARP request from the peer). */
void fixture_learn_peer(struct fixture *fx);

size_t tb_eth(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
	      uint16_t type);
size_t tb_ipv4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
	       uint16_t id, uint16_t frag, uint8_t ttl, size_t payload_len);
size_t tb_icmp_echo(uint8_t *buf, uint8_t type, uint16_t id, uint16_t seq,
		    const uint8_t *data, size_t len);
size_t tb_udp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport,
	      uint16_t dport, const uint8_t *data, size_t len, bool csum);
size_t tb_arp(uint8_t *buf, uint16_t op, const uint8_t *sha, uint32_t spa,
	      const uint8_t *tha, uint32_t tpa);
/* A whole Ethernet+IPv4 frame from the peer to us carrying payload. */
size_t tb_frame_ip(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
		   uint16_t id, uint16_t frag, const uint8_t *payload,
		   size_t plen);

void inject(struct fixture *fx, const uint8_t *frame, size_t len);
/* Pop the next captured frame, asserting it exists and has ethertype. */
struct pktbuf *expect_tx(struct fixture *fx, uint16_t ethertype);
void expect_no_tx(struct fixture *fx);
uint64_t stat(struct fixture *fx, enum net_stat s);

#endif
