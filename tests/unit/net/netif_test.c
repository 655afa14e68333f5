/*
 * netif_test.c: adding and removing interfaces (ip link add/delete, and a
 * NIC moving to another stack): what netif_remove() must take with it
 * (link, addresses, routes, ARP entries and their queued packets, DHCP),
 * what it must leave (a subnet's connected route another interface still
 * needs, RFC 1122 3.3.1.2), and indices that are not handed out again, so
 * a stale one finds nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "../../../net/arp.h"
#include "../../../net/dhcp.h"
#include "../../../net/route.h"
#include "../../../net/udp.h"

static const uint8_t MAC_US2[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x57};

#define IP_US2	IP4(192, 168, 7, 2)
#define GW2	IP4(192, 168, 7, 1)

/* eth1: up, 192.168.7.2/24, default route via 192.168.7.1. */
static int add_eth1(struct fixture *fx, struct capture_netif *cap2)
{
	int if2 = capture_netif_add(cap2, fx->ns, MAC_US2, 1500, NULL);

	assert_true(if2 > 0);
	assert_int_equal(netif_set_up(fx->ns, if2, true), 0);
	assert_int_equal(netif_addr_add(fx->ns, if2, IP_US2, 24), 0);
	assert_int_equal(route_add(fx->ns, 0, 0, GW2, 0, 0), 0);
	return if2;
}

static void on_udp(void *arg, const struct udp_meta *m, const uint8_t *d, size_t len)
{
	(void)arg;
	(void)m;
	(void)d;
	(void)len;
}

/* ip link delete: the link goes down and everything of it goes. */
static void test_remove_takes_link_addrs_routes_arp_queue(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	struct route_result rr;
	struct udp_pcb *u;
	int if2 = add_eth1(fx, &cap2);

	assert_true(cap2.dev_up);
	capture_purge(&cap2);
	/* A datagram to an unresolved neighbour waits in the ARP queue. */
	assert_int_equal(udp_bind(fx->ns, 4000, 0, on_udp, NULL, &u), 0);
	assert_int_equal(udp_sendto(fx->ns, u, IP4(192, 168, 7, 9), 9, "x", 1), 0);
	capture_purge(&cap2);	/* the ARP request */
	assert_int_equal(arp_count(fx->ns), 1);
	assert_int_equal(net_pkt_in_use(fx->ns), 1);

	assert_int_equal(netif_remove(fx->ns, if2), 0);
	assert_false(cap2.dev_up);
	assert_null(netif_get(fx->ns, if2));
	assert_int_equal(netif_nametoindex(fx->ns, "eth1"), 0);
	assert_int_equal(arp_count(fx->ns), 0);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
	/* Its subnet and the default route through it are gone. */
	assert_int_equal(route_lookup(fx->ns, IP4(192, 168, 7, 9), &rr), -ENETUNREACH);
	assert_int_equal(route_lookup(fx->ns, IP4(8, 8, 8, 8), &rr), -ENETUNREACH);
	/* eth0 is untouched. */
	assert_int_equal(route_lookup(fx->ns, IP_PEER, &rr), 0);
	assert_int_equal(rr.ifindex, fx->ifindex);
	assert_int_equal(capture_count(&cap2), 0);
	udp_unbind(fx->ns, u);
}

/* The DHCP client of a removed interface stops: no timers, no sends. */
static void test_remove_stops_dhcp(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	struct dhcp_info info;
	int if2 = capture_netif_add(&cap2, fx->ns, MAC_US2, 1500, NULL);

	assert_int_equal(netif_set_up(fx->ns, if2, true), 0);
	assert_int_equal(dhcp_start(fx->ns, if2), 0);
	assert_int_equal(dhcp_info_get(fx->ns, if2, &info), 0);
	assert_int_equal(netif_remove(fx->ns, if2), 0);
	capture_purge(&cap2);
	assert_int_equal(dhcp_info_get(fx->ns, if2, &info), -ENOENT);
	net_poll(fx->ns, 120 * SEC);
	assert_int_equal(capture_count(&cap2), 0);
	assert_int_equal(capture_count(&fx->cap), 0);
}

/* RFC 1122 3.3.1.2: a subnet's connected route stays while another of our addresses is in it. */
static void test_remove_hands_connected_route_to_other_if(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	struct route_result rr;
	int if2 = capture_netif_add(&cap2, fx->ns, MAC_US2, 1500, NULL);

	assert_int_equal(netif_set_up(fx->ns, if2, true), 0);
	/* eth0 owns 10.0.0.0/24 (the fixture's address came first). */
	assert_int_equal(netif_addr_add(fx->ns, if2, IP4(10, 0, 0, 77), 24), 0);
	assert_int_equal(netif_remove(fx->ns, fx->ifindex), 0);
	assert_int_equal(route_lookup(fx->ns, IP_PEER, &rr), 0);
	assert_int_equal(rr.ifindex, if2);
	assert_int_equal(rr.src, IP4(10, 0, 0, 77));
	capture_purge(&cap2);
}

/* A removed index is not given to the next interface: a pcb bound to it finds nothing. */
static void test_removed_index_not_reused(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2, cap3;
	struct udp_pcb *u;
	int if2 = capture_netif_add(&cap2, fx->ns, MAC_US2, 1500, NULL), if3;

	assert_int_equal(netif_set_up(fx->ns, if2, true), 0);
	assert_int_equal(udp_bind(fx->ns, 4001, if2, on_udp, NULL, &u), 0);
	assert_int_equal(netif_remove(fx->ns, if2), 0);
	if3 = capture_netif_add(&cap3, fx->ns, MAC_US2, 1500, "eth1");
	assert_true(if3 > if2);
	assert_int_equal(netif_set_up(fx->ns, if3, true), 0);
	capture_purge(&cap3);
	assert_int_equal(netif_nametoindex(fx->ns, "eth1"), if3);
	assert_null(netif_get(fx->ns, if2));
	/* The pcb's interface is gone: nothing leaves through the newcomer. */
	assert_int_equal(udp_sendto(fx->ns, u, IP4(255, 255, 255, 255), 9, "x", 1), -ENODEV);
	assert_int_equal(capture_count(&cap3), 0);
	udp_unbind(fx->ns, u);
	capture_purge(&cap3);
}

/* Slots fill up to NETIF_MAX whatever the indices; indices wrap after NETIF_INDEX_MAX. */
static void test_add_remove_cycles_keep_slots_and_wrap(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap[NETIF_MAX];
	int i, idx, last = 0, n = 0;

	for (i = 0; i < NETIF_INDEX_MAX + 10; i++) {
		idx = capture_netif_add(&cap[0], fx->ns, MAC_US2, 1500, "tmp0");
		assert_true(idx > 0 && idx <= NETIF_INDEX_MAX);
		if (idx < last)
			n++;	/* wrapped */
		last = idx;
		assert_int_equal(netif_remove(fx->ns, idx), 0);
	}
	assert_int_equal(n, 1);
	/* lo and eth0 are there: NETIF_MAX - 2 more fit, then -ENOSPC. */
	for (i = 0; i < NETIF_MAX - 2; i++)
		assert_true(capture_netif_add(&cap[i], fx->ns, MAC_US2, 1500, NULL) > 0);
	assert_int_equal(capture_netif_add(&cap[i], fx->ns, MAC_US2, 1500, NULL), -ENOSPC);
	/* Every one is found by its index and by netif_index_next, in order. */
	for (i = 0, n = 0, last = 0; (i = netif_index_next(fx->ns, i)) != 0; n++) {
		assert_true(i > last);
		assert_non_null(netif_get(fx->ns, i));
		last = i;
	}
	assert_int_equal(n, NETIF_MAX);
}

static void test_remove_loopback_eperm_unknown_enodev(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(netif_remove(fx->ns, (int)netif_nametoindex(fx->ns, "lo")), -EPERM);
	assert_int_equal(netif_remove(fx->ns, 0), -ENODEV);
	assert_int_equal(netif_remove(fx->ns, fx->ifindex + 1), -ENODEV);
	assert_int_equal(netif_remove(fx->ns, NETIF_INDEX_MAX + 1), -ENODEV);
}

/* A name may come back (a NIC moved out and back); while taken, -EEXIST. */
static void test_add_named_after_remove(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;

	assert_int_equal(capture_netif_add(&cap2, fx->ns, MAC_US2, 1500, "eth0"), -EEXIST);
	assert_int_equal(netif_remove(fx->ns, fx->ifindex), 0);
	assert_true(capture_netif_add(&cap2, fx->ns, MAC_US2, 1500, "eth0") > fx->ifindex);
	assert_int_equal(netif_is_up(fx->ns, cap2.ifindex), false);
	assert_int_equal(netif_addr_primary(fx->ns, cap2.ifindex), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_remove_takes_link_addrs_routes_arp_queue),
		T(test_remove_stops_dhcp),
		T(test_remove_hands_connected_route_to_other_if),
		T(test_removed_index_not_reused),
		T(test_add_remove_cycles_keep_slots_and_wrap),
		T(test_remove_loopback_eperm_unknown_enodev),
		T(test_add_named_after_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
