/*
 * netif_rename_test.c: renaming an interface inside its stack (netif_rename), as
 * ip(8)'s "ip link set dev X name Y" does; libioth's stacks call the NICs
 * they take vde0, vde1, ... whatever the kernel named them at boot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"

/* The new name finds the interface, the old one no longer does, and the
 * interface keeps its index, addresses and state. */
static void test_rename_moves_the_name_keeps_the_interface(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(netif_rename(fx->ns, fx->ifindex, "vde0"), 0);
	assert_int_equal(netif_nametoindex(fx->ns, "vde0"), fx->ifindex);
	assert_int_equal(netif_nametoindex(fx->ns, "eth0"), 0);
	assert_string_equal(netif_name(netif_get(fx->ns, fx->ifindex)), "vde0");
	assert_int_equal(netif_addr_primary(fx->ns, fx->ifindex), IP_US);
	assert_true(netif_is_up(fx->ns, fx->ifindex));
	/* And back, as when the NIC returns to the kernel's stack. */
	assert_int_equal(netif_rename(fx->ns, fx->ifindex, "eth0"), 0);
	assert_int_equal(netif_nametoindex(fx->ns, "eth0"), fx->ifindex);
}

/* Names stay unique in a stack: another interface's name is EEXIST; the
 * interface's own name is a no-op. */
static void test_rename_to_taken_name_eexist_own_name_ok(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	static const uint8_t mac2[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x58};
	int if2 = capture_netif_add(&cap2, fx->ns, mac2, 1500, NULL);

	assert_true(if2 > 0);
	assert_int_equal(netif_rename(fx->ns, if2, "eth0"), -EEXIST);
	assert_int_equal(netif_rename(fx->ns, if2, "lo"), -EEXIST);
	assert_int_equal(netif_rename(fx->ns, fx->ifindex, "eth0"), 0);
	assert_int_equal(netif_nametoindex(fx->ns, "eth1"), if2);
}

/* Empty, too long (IFNAMSIZ counts the NUL) or missing names, the
 * loopback and unknown indices are refused, changing nothing. */
static void test_rename_bad_arguments_refused(void **state)
{
	struct fixture *fx = *state;
	char longname[NETIF_NAMESIZ + 1];

	memset(longname, 'x', NETIF_NAMESIZ);
	longname[NETIF_NAMESIZ] = '\0';
	assert_int_equal(netif_rename(fx->ns, fx->ifindex, ""), -EINVAL);
	assert_int_equal(netif_rename(fx->ns, fx->ifindex, NULL), -EINVAL);
	assert_int_equal(netif_rename(fx->ns, fx->ifindex, longname), -EINVAL);
	longname[NETIF_NAMESIZ - 1] = '\0';	/* 15 characters: the longest */
	assert_int_equal(netif_rename(fx->ns, fx->ifindex, longname), 0);
	assert_int_equal(netif_rename(fx->ns, fx->ifindex, "eth0"), 0);
	assert_int_equal(netif_rename(fx->ns, netif_nametoindex(fx->ns, "lo"), "lo1"), -EPERM);
	assert_int_equal(netif_rename(fx->ns, 77, "vde0"), -ENODEV);
	assert_int_equal(netif_nametoindex(fx->ns, "eth0"), fx->ifindex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rename_moves_the_name_keeps_the_interface,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_rename_to_taken_name_eexist_own_name_ok,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_rename_bad_arguments_refused,
						fixture_setup, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
