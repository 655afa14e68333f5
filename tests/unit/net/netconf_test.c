/*
 * netconf_test.c: configuration strings, parse and apply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "../../../net/netconf.h"
#include "../../../net/route.h"
#include "../../../net/dhcp.h"
#include "../../../net/netstack_priv.h"

static void test_valid_strings_parsed(void **state)
{
	struct netconf c;
	char buf[16];

	(void)state;
	assert_int_equal(netconf_parse("ip=10.0.2.15/24 gw=10.0.2.2", &c), 0);
	assert_true(c.has_addr);
	assert_false(c.dhcp);
	assert_int_equal(c.addr, IP4(10, 0, 2, 15));
	assert_int_equal(c.prefix, 24);
	assert_true(c.has_gw);
	assert_int_equal(c.gw, IP4(10, 0, 2, 2));
	assert_int_equal(netconf_parse("  ip=dhcp ", &c), 0);
	assert_true(c.dhcp);
	assert_int_equal(netconf_parse("ip=192.168.0.1/32", &c), 0);
	assert_false(c.has_gw);
	assert_string_equal(ip4_format(IP4(192, 168, 100, 7), buf), "192.168.100.7");
	assert_string_equal(ip4_format(0, buf), "0.0.0.0");
}

static void test_malformed_strings_einval(void **state)
{
	static const char *bad[] = {
		"", "ip=", "ip=10.0.0.1", "ip=10.0.0.1/33", "ip=10.0.0/24",
		"ip=10.0.0.256/24", "ip=10.0.0.1.5/24", "ip=a.b.c.d/8",
		"ip=10.0.0.1/", "ip=10..0.1/8", "gw=10.0.0.1",
		"ip=dhcp gw=10.0.0.1", "ip=10.0.0.1/8 gw=", "ip=10.0.0.1/8 mtu=9000",
		"ip=10.0.0.1/8 ip=10.0.0.2/8", "ip=0.0.0.0/0", "ip=224.0.0.1/4",
		"ip=10.0.0.1/-1", "ip=+1.0.0.1/8", "ip=1.2.3.4/8 junk",
		"ip=1234.0.0.1/8", "ip=DHCP",
	};
	struct netconf c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (netconf_parse(bad[i], &c) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

static void test_cmdline_applies_per_interface(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	const uint8_t mac2[6] = {0x52, 0x54, 0, 0, 0, 2};
	struct route_result rr;
	struct dhcp_info info;
	int if2 = capture_netif_add(&cap2, fx->ns, mac2, 1500, NULL);

	assert_int_equal(netconf_apply_cmdline(fx->ns,
		"console=ttyS0 eth1.ip=172.20.0.5/16 eth1.gw=172.20.0.1 "
		"quiet eth0.ip=dhcp", 0), 2);
	assert_true(netif_is_up(fx->ns, if2));
	assert_int_equal(netif_addr_primary(fx->ns, if2), IP4(172, 20, 0, 5));
	assert_int_equal(route_lookup(fx->ns, IP4(1, 1, 1, 1), &rr), 0);
	assert_int_equal(rr.ifindex, if2);
	assert_int_equal(rr.nexthop, IP4(172, 20, 0, 1));
	assert_int_equal(dhcp_info_get(fx->ns, fx->ifindex, &info), 0);
	assert_int_equal(info.state, DHCP_SELECTING);
	/* Unknown interface and malformed values change nothing. */
	assert_int_equal(netconf_apply_cmdline(fx->ns, "eth9.ip=1.2.3.4/8", 0), -ENODEV);
	assert_int_equal(netconf_apply_cmdline(fx->ns, "eth1.ip=1.2.3/8", 0), -EINVAL);
	assert_int_equal(netconf_apply_cmdline(fx->ns, "root=/dev/vda", 0), 0);
	capture_purge(&cap2);
}

/* The plain ip= and gw= are eth0's (the kernel's one-NIC short form). */
static void test_cmdline_plain_ip_gw_configure_eth0(void **state)
{
	struct fixture *fx = *state;
	struct route_result rr;

	assert_int_equal(netconf_apply_cmdline(fx->ns,
		"ip=10.9.0.5/16 gw=10.9.0.1 ping.count=3", 0), 1);
	assert_true(netif_has_addr(netif_get(fx->ns, fx->ifindex), IP4(10, 9, 0, 5)));
	assert_int_equal(route_lookup(fx->ns, IP4(8, 8, 8, 8), &rr), 0);
	assert_int_equal(rr.ifindex, fx->ifindex);
	assert_int_equal(rr.nexthop, IP4(10, 9, 0, 1));
}

/* A key given for eth0 by name wins over its plain form; the other key still applies. */
static void test_cmdline_named_eth0_key_overrides_plain(void **state)
{
	struct fixture *fx = *state;
	struct netif *nif = netif_get(fx->ns, fx->ifindex);
	struct route_result rr;

	assert_int_equal(netconf_apply_cmdline(fx->ns,
		"ip=10.9.0.5/16 eth0.ip=10.8.0.5/16 gw=10.8.0.1", 0), 1);
	assert_true(netif_has_addr(nif, IP4(10, 8, 0, 5)));
	assert_false(netif_has_addr(nif, IP4(10, 9, 0, 5)));
	assert_int_equal(route_lookup(fx->ns, IP4(8, 8, 8, 8), &rr), 0);
	assert_int_equal(rr.nexthop, IP4(10, 8, 0, 1));
}

/* Without an eth0 the plain form has no interface to name: ignored. */
static void test_cmdline_plain_ip_without_eth0_ignored(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(netif_remove(fx->ns, fx->ifindex), 0);
	assert_int_equal(netconf_apply_cmdline(fx->ns, "ip=10.9.0.5/16", 0), 0);
	assert_int_equal(netconf_apply_cmdline(fx->ns, "eth0.ip=10.9.0.5/16", 0), -ENODEV);
}

/* NETCONF_DHCP_REST: interfaces the line does not name start DHCP; loopback never. */
static void test_cmdline_dhcp_rest_starts_dhcp_on_unnamed(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	const uint8_t mac2[6] = {0x52, 0x54, 0, 0, 0, 2};
	struct dhcp_info info;
	int if2 = capture_netif_add(&cap2, fx->ns, mac2, 1500, NULL);

	assert_int_equal(netconf_apply_cmdline(fx->ns, "eth0.ip=10.9.0.5/16", NETCONF_DHCP_REST), 2);
	assert_int_equal(dhcp_info_get(fx->ns, fx->ifindex, &info), -ENOENT);
	assert_int_equal(dhcp_info_get(fx->ns, if2, &info), 0);
	assert_int_equal(info.state, DHCP_SELECTING);
	assert_true(netif_is_up(fx->ns, if2));
	assert_int_equal(dhcp_info_get(fx->ns, (int)netif_nametoindex(fx->ns, "lo"), &info), -ENOENT);
	capture_purge(&cap2);
}

/* NETCONF_IGNORE_UNKNOWN: an app's "name.ip=" or another stack's NIC is not ours. */
static void test_cmdline_ignore_unknown_skips_other_names(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(netconf_apply_cmdline(fx->ns,
		"yard.ip=10.77.1.2/24 eth0.ip=10.9.0.5/16 eth7.ip=dhcp", 0), -ENODEV);
	assert_false(netif_has_addr(netif_get(fx->ns, fx->ifindex), IP4(10, 9, 0, 5)));
	assert_int_equal(netconf_apply_cmdline(fx->ns,
		"yard.ip=10.77.1.2/24 eth0.ip=10.9.0.5/16 eth7.ip=dhcp", NETCONF_IGNORE_UNKNOWN), 1);
	assert_true(netif_has_addr(netif_get(fx->ns, fx->ifindex), IP4(10, 9, 0, 5)));
	/* Not ours, so not read: an app's option may have any format. */
	assert_int_equal(netconf_apply_cmdline(fx->ns, "yard.ip=10.77/24,x eth0.ip=10.8.0.5/16",
					       NETCONF_IGNORE_UNKNOWN), 1);
	assert_true(netif_has_addr(netif_get(fx->ns, fx->ifindex), IP4(10, 8, 0, 5)));
	/* A malformed value for one of ours still changes nothing. */
	assert_int_equal(netconf_apply_cmdline(fx->ns, "eth0.ip=10.7.0/16 gw=10.8.0.1",
					       NETCONF_IGNORE_UNKNOWN), -EINVAL);
}

/* A malformed line changes nothing, even with NETCONF_DHCP_REST. */
static void test_cmdline_malformed_starts_no_dhcp(void **state)
{
	struct fixture *fx = *state;
	struct dhcp_info info;

	assert_int_equal(netconf_apply_cmdline(fx->ns, "gw=10.0.0.254", NETCONF_DHCP_REST), -EINVAL);
	assert_int_equal(dhcp_info_get(fx->ns, fx->ifindex, &info), -ENOENT);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_strings_parsed),
		cmocka_unit_test(test_malformed_strings_einval),
		T(test_cmdline_applies_per_interface),
		T(test_cmdline_plain_ip_gw_configure_eth0),
		T(test_cmdline_named_eth0_key_overrides_plain),
		T(test_cmdline_plain_ip_without_eth0_ignored),
		T(test_cmdline_dhcp_rest_starts_dhcp_on_unnamed),
		T(test_cmdline_ignore_unknown_skips_other_names),
		T(test_cmdline_malformed_starts_no_dhcp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
