/*
 * addr_test.c: the address rules of RFC 1122 (3.2.1.3 source addresses,
 * 3.2.2 when not to send ICMP errors, 3.3.6 broadcasts), checked where a
 * datagram enters (ip_input) and where an error would leave
 * (icmp_send_error). Each test injects one kind of bad datagram and checks
 * it was counted by its reason, never delivered and never answered.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "../../../net/byteorder.h"
#include "../../../net/checksum.h"
#include "../../../net/icmp.h"
#include "../../../net/udp.h"

#define IP_US2	IP4(192, 168, 1, 10)	/* eth1's address in two_if() */

static const uint8_t MAC_US2[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x57};
static const uint8_t MAC_ALLHOSTS[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};

struct udp_rx {
	int n;
	struct udp_meta m;
};

static void on_udp(void *arg, const struct udp_meta *m, const uint8_t *d,
		   size_t len)
{
	struct udp_rx *rx = arg;

	(void)d;
	(void)len;
	rx->n++;
	rx->m = *m;
}

/* An Ethernet frame to dst_mac from the peer carrying an IPv4 datagram. */
static size_t frame(uint8_t *buf, const uint8_t *dst_mac, uint32_t src,
		    uint32_t dst, uint8_t proto, uint16_t frag,
		    const uint8_t *payload, size_t plen)
{
	size_t n = tb_eth(buf, dst_mac, MAC_PEER, 0x0800);

	n += tb_ipv4(buf + n, src, dst, proto, 77, frag, 64, plen);
	memcpy(buf + n, payload, plen);
	return n + plen;
}

/* A UDP datagram src:sport -> dst:dport with a correct checksum. */
static size_t udp_frame(uint8_t *buf, const uint8_t *dst_mac, uint32_t src,
			uint32_t dst, uint16_t sport, uint16_t dport)
{
	uint8_t u[16];
	size_t ul = tb_udp(u, src, dst, sport, dport, (const uint8_t *)"ping",
			   4, true);

	return frame(buf, dst_mac, src, dst, IP_PROTO_UDP, 0, u, ul);
}

static size_t echo_frame(uint8_t *buf, const uint8_t *dst_mac, uint32_t src,
			 uint32_t dst)
{
	uint8_t ic[16];
	size_t il = tb_icmp_echo(ic, ICMP_ECHO_REQUEST, 1, 1, NULL, 0);

	return frame(buf, dst_mac, src, dst, IP_PROTO_ICMP, 0, ic, il);
}

/* Add eth1 (192.168.1.10/24, up) next to the fixture's eth0. */
static void two_if(struct fixture *fx, struct capture_netif *cap2)
{
	int if2 = capture_netif_add(cap2, fx->ns, MAC_US2, 1500, NULL);

	assert_true(if2 > 0);
	assert_int_equal(netif_set_up(fx->ns, if2, true), 0);
	assert_int_equal(netif_addr_add(fx->ns, if2, IP_US2, 24), 0);
	capture_purge(cap2);
}

/* Let anything queued on loopback be delivered, twice (request, reply). */
static void drain_loopback(struct fixture *fx)
{
	net_poll(fx->ns, 1 * SEC);
	net_poll(fx->ns, 2 * SEC);
}

/*
 * RFC 1122 3.2.1.3: a datagram whose source is not a single host's address
 * is silently discarded, each reason counted: 0/8 ("this network", the
 * source a host uses only while it learns its address; we are a DHCP client,
 * never a server, so nobody legitimately sends us one), 240/4 (class E,
 * reserved), the limited broadcast, any of our subnets' directed broadcasts
 * (also another interface's: a reply would be broadcast there), multicast,
 * and, from the wire, any of our own addresses (not a letter of 3.2.1.3 but
 * its principle: only lo may carry them; a UDP echo to itself would bounce
 * over loopback forever).
 */
static void test_bad_sources_table_dropped_not_delivered(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	static const struct {
		const char *what;
		uint32_t src;
		enum net_stat why;
	} cases[] = {
		{"0.0.0.0", IP4(0, 0, 0, 0), NET_STAT_DROP_IP_SRC_ZERO},
		{"0.1.2.3", IP4(0, 1, 2, 3), NET_STAT_DROP_IP_SRC_ZERO},
		{"240.0.0.1", IP4(240, 0, 0, 1), NET_STAT_DROP_IP_SRC_CLASS_E},
		{"254.255.255.255", IP4(254, 255, 255, 255),
		 NET_STAT_DROP_IP_SRC_CLASS_E},
		{"limited broadcast", IP4_BROADCAST, NET_STAT_DROP_IP_BAD_SRC},
		{"eth0 subnet broadcast", IP4(10, 0, 0, 255),
		 NET_STAT_DROP_IP_BAD_SRC},
		{"eth1 subnet broadcast", IP4(192, 168, 1, 255),
		 NET_STAT_DROP_IP_BAD_SRC},
		{"multicast", IP4(224, 0, 0, 9), NET_STAT_DROP_IP_BAD_SRC},
		{"our eth0 address", IP_US, NET_STAT_DROP_IP_SRC_OURS},
		{"our eth1 address", IP_US2, NET_STAT_DROP_IP_SRC_OURS},
	};
	struct udp_rx rx = {0};
	struct udp_pcb *pcb;
	size_t i;

	two_if(fx, &cap2);
	fixture_learn_peer(fx);
	assert_int_equal(udp_bind(fx->ns, 7, 0, on_udp, &rx, &pcb), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t before = stat(fx, cases[i].why);
		uint8_t f[128];
		size_t n;

		n = udp_frame(f, MAC_US, cases[i].src, IP_US, 7, 7);
		inject(fx, f, n);
		n = echo_frame(f, MAC_US, cases[i].src, IP_US);
		inject(fx, f, n);
		drain_loopback(fx);
		if (stat(fx, cases[i].why) != before + 2)
			fail_msg("source %s not counted", cases[i].what);
		if (rx.n != 0)
			fail_msg("source %s delivered", cases[i].what);
		if (capture_count(&fx->cap) || capture_count(&cap2))
			fail_msg("source %s answered", cases[i].what);
	}
	assert_int_equal(stat(fx, NET_STAT_ICMP_ECHO_REPLIED), 0);
	/* The same datagrams from a real host are delivered and answered. */
	{
		uint8_t f[128];
		size_t n = udp_frame(f, MAC_US, IP_PEER, IP_US, 7, 7);
		struct pktbuf *r;

		inject(fx, f, n);
		assert_int_equal(rx.n, 1);
		n = echo_frame(f, MAC_US, IP_PEER, IP_US);
		inject(fx, f, n);
		r = expect_tx(fx, 0x0800);
		assert_int_equal(r->data[14 + 20], ICMP_ECHO_REPLY);
		pktbuf_free(r);
	}
	udp_unbind(fx->ns, pcb);
	capture_purge(&cap2);
}

/*
 * RFC 1122 3.3.6: "A host SHOULD silently discard a datagram that is
 * received via a link-layer broadcast but does not specify an IP multicast
 * or broadcast destination address." Before that check existed, a UDP
 * datagram to a closed port in a broadcast frame drew a port unreachable,
 * which RFC 1122 3.2.2 forbids.
 */
static void test_l2_bcast_unicast_dst_dropped_no_error(void **state)
{
	struct fixture *fx = *state;
	struct udp_rx rx = {0};
	struct udp_pcb *pcb;
	uint8_t f[128];
	size_t n;

	fixture_learn_peer(fx);
	n = udp_frame(f, MAC_BCAST, IP_PEER, IP_US, 1111, 9999);
	inject(fx, f, n);
	n = udp_frame(f, MAC_ALLHOSTS, IP_PEER, IP_US, 1111, 9999);
	inject(fx, f, n);
	n = echo_frame(f, MAC_BCAST, IP_PEER, IP_US);
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_IP_L2_BCAST), 3);
	assert_int_equal(stat(fx, NET_STAT_DROP_UDP_NO_PORT), 0);
	expect_no_tx(fx);
	/* Broadcast and multicast destinations in such frames are fine. */
	assert_int_equal(udp_bind(fx->ns, 9999, 0, on_udp, &rx, &pcb), 0);
	n = udp_frame(f, MAC_BCAST, IP_PEER, IP4(10, 0, 0, 255), 1111, 9999);
	inject(fx, f, n);
	n = udp_frame(f, MAC_BCAST, IP_PEER, IP4_BROADCAST, 1111, 9999);
	inject(fx, f, n);
	n = udp_frame(f, MAC_ALLHOSTS, IP_PEER, IP4(224, 0, 0, 1), 1111, 9999);
	inject(fx, f, n);
	assert_int_equal(rx.n, 3);
	assert_int_equal(stat(fx, NET_STAT_DROP_IP_L2_BCAST), 3);
	udp_unbind(fx->ns, pcb);
	expect_no_tx(fx);
}

/*
 * RFC 1122 3.2.2: no ICMP error about a datagram that arrived as a
 * link-layer broadcast on an interface without an address, where 3.3.6's
 * drop does not apply. RFC 2131 4.1 lets such an interface accept only
 * UDP to a DHCP client's port 68, so this one is not for us: dropped,
 * silently.
 */
static void test_no_address_l2_bcast_closed_port_no_error(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	int if2 = capture_netif_add(&cap2, fx->ns, MAC_US2, 1500, NULL);
	uint8_t f[128];
	size_t n;

	assert_int_equal(netif_set_up(fx->ns, if2, true), 0);
	fixture_learn_peer(fx);
	n = udp_frame(f, MAC_BCAST, IP_PEER, IP4(10, 9, 9, 9), 1111, 9999);
	assert_true(capture_inject(&cap2, f, n));
	assert_int_equal(stat(fx, NET_STAT_DROP_IP_NOT_FOR_US), 1);
	assert_int_equal(stat(fx, NET_STAT_ICMP_ERROR_OUT), 0);
	expect_no_tx(fx);
	assert_int_equal(capture_count(&cap2), 0);
}

/*
 * RFC 1122 3.2.2: no ICMP error about a datagram to an IP broadcast or
 * multicast address: protocol and port unreachable alike.
 */
static void test_bcast_mcast_dst_unreachable_no_error(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const uint8_t *mac;
		uint32_t dst;
	} cases[] = {
		{MAC_BCAST, IP4(10, 0, 0, 255)},
		{MAC_BCAST, IP4_BROADCAST},
		{MAC_ALLHOSTS, IP4(224, 0, 0, 1)},
	};
	uint8_t payload[8] = {0}, f[128];
	size_t i, n;

	fixture_learn_peer(fx);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = frame(f, cases[i].mac, IP_PEER, cases[i].dst, 253, 0,
			  payload, 8);
		inject(fx, f, n);
		n = udp_frame(f, cases[i].mac, IP_PEER, cases[i].dst, 1, 9999);
		inject(fx, f, n);
	}
	assert_int_equal(stat(fx, NET_STAT_DROP_IP_PROTO), 3);
	assert_int_equal(stat(fx, NET_STAT_DROP_UDP_NO_PORT), 3);
	assert_int_equal(stat(fx, NET_STAT_ICMP_ERROR_OUT), 0);
	expect_no_tx(fx);
}

/*
 * RFC 1122 3.2.2 / 3.3.2: a broadcast or multicast datagram that never
 * reassembles times out silently; no Time Exceeded goes back.
 */
static void test_bcast_mcast_reass_timeout_no_time_exceeded(void **state)
{
	struct fixture *fx = *state;
	uint8_t ic[24], data[16] = {1, 2, 3}, f[128];
	size_t il = tb_icmp_echo(ic, ICMP_ECHO_REQUEST, 1, 1, data, 16), n;

	fixture_learn_peer(fx);
	/* Fragment zero with MF; the rest never comes. */
	n = frame(f, MAC_BCAST, IP_PEER, IP4(10, 0, 0, 255), IP_PROTO_ICMP,
		  0x2000, ic, il - 8);
	inject(fx, f, n);
	n = frame(f, MAC_ALLHOSTS, IP_PEER, IP4(224, 0, 0, 1), IP_PROTO_ICMP,
		  0x2000, ic, il - 8);
	inject(fx, f, n);
	net_poll(fx->ns, 31 * SEC);
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_TIMEOUT), 2);
	assert_int_equal(stat(fx, NET_STAT_ICMP_ERROR_OUT), 0);
	expect_no_tx(fx);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_bad_sources_table_dropped_not_delivered),
		T(test_l2_bcast_unicast_dst_dropped_no_error),
		T(test_no_address_l2_bcast_closed_port_no_error),
		T(test_bcast_mcast_dst_unreachable_no_error),
		T(test_bcast_mcast_reass_timeout_no_time_exceeded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
