/*
 * ip_test.c: IPv4 header parse/emit, input validation, routing, loopback.
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
#include "../../../net/route.h"

/* RFC 791 3.1: emit then parse gives back every field. */
static void test_header_emit_parse_round_trip(void **state)
{
	struct ip_hdr in = {.hdr_len = 20, .tos = 0x10, .tot_len = 1500,
			    .id = 0xbeef, .mf = true, .frag_off = 1480,
			    .ttl = 17, .proto = 17, .src = IP4(1, 2, 3, 4),
			    .dst = IP4(5, 6, 7, 8)};
	struct ip_hdr out;
	enum net_stat why;
	uint8_t b[1500] = {0};

	(void)state;
	ip_hdr_emit(&in, b);
	assert_int_equal(ip_hdr_parse(b, sizeof(b), &out, &why), 0);
	assert_int_equal(out.hdr_len, 20);
	assert_int_equal(out.tos, 0x10);
	assert_int_equal(out.tot_len, 1500);
	assert_int_equal(out.id, 0xbeef);
	assert_true(out.mf);
	assert_false(out.df);
	assert_int_equal(out.frag_off, 1480);
	assert_int_equal(out.ttl, 17);
	assert_int_equal(out.proto, 17);
	assert_int_equal(out.src, IP4(1, 2, 3, 4));
	assert_int_equal(out.dst, IP4(5, 6, 7, 8));
}

/* RFC 791 3.1 / RFC 1122 3.2.1.1-2: a table of malformed headers. */
static void test_malformed_headers_table_dropped_by_reason(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *what;
		size_t off;		/* byte to set, SIZE_MAX: cut frame */
		uint8_t val;
		size_t cut;		/* IP bytes kept when cutting */
		bool fix_csum;
		enum net_stat why;
	} cases[] = {
		{"truncated", SIZE_MAX, 0, 19, false, NET_STAT_DROP_IP_SHORT},
		{"version 6", 0, 0x65, 0, true, NET_STAT_DROP_IP_VERSION},
		{"IHL 4", 0, 0x44, 0, true, NET_STAT_DROP_IP_BAD_IHL},
		{"IHL beyond frame", 0, 0x4f, 0, true, NET_STAT_DROP_IP_BAD_IHL},
		{"total len < IHL", 3, 19, 0, true, NET_STAT_DROP_IP_BAD_LEN},
		{"total len > frame", 2, 0x10, 0, true, NET_STAT_DROP_IP_BAD_LEN},
		{"bad checksum", 10, 0x55, 0, false, NET_STAT_DROP_IP_CHECKSUM},
		{"broadcast src", 12, 0xff, 0, true, NET_STAT_DROP_IP_BAD_SRC},
		{"multicast src", 12, 0xe0, 0, true, NET_STAT_DROP_IP_BAD_SRC},
		{"loopback src", 12, 127, 0, true, NET_STAT_DROP_IP_MARTIAN},
		{"not for us", 19, 77, 0, true, NET_STAT_DROP_IP_NOT_FOR_US},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t payload[8] = {0}, f[128];
		uint64_t before = stat(fx, cases[i].why);
		size_t n = tb_frame_ip(f, IP_PEER, IP_US, 253, 1, 0, payload, 8);

		if (cases[i].off == SIZE_MAX) {
			n = 14 + cases[i].cut;
		} else {
			f[14 + cases[i].off] = cases[i].val;
			if (cases[i].off == 12 && cases[i].val == 0xff)
				memset(f + 14 + 12, 0xff, 4);
			if (cases[i].fix_csum) {
				put_be16(f + 14 + 10, 0);
				put_be16(f + 14 + 10, inet_csum(f + 14, 20));
			}
		}
		inject(fx, f, n);
		if (stat(fx, cases[i].why) != before + 1)
			fail_msg("case '%s' not counted", cases[i].what);
		expect_no_tx(fx);
	}
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
}

/* RFC 894: link padding after the datagram is trimmed before the
 * transport sees it (an echo reply must not echo the pad). */
static void test_link_padding_trimmed(void **state)
{
	struct fixture *fx = *state;
	uint8_t icmp[16], f[128] = {0};
	size_t il = tb_icmp_echo(icmp, ICMP_ECHO_REQUEST, 1, 1, (const uint8_t *)"hi", 2);
	size_t n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_ICMP, 9, 0, icmp, il);
	struct pktbuf *r;

	assert_true(n < 60);
	fixture_learn_peer(fx);
	inject(fx, f, 60);	/* padded */
	r = expect_tx(fx, 0x0800);
	assert_int_equal(get_be16(r->data + 14 + 2), 20 + il);
	assert_int_equal(inet_csum(r->data + 14 + 20, il), 0);
	pktbuf_free(r);
}

/* RFC 1624 3: the echo reply's checksum is patched, not recomputed; a
 * reply that is all zeros but the checksum must still carry 0xffff (the
 * patch alone would give 0x0000, which does not verify). */
static void test_echo_reply_patched_checksum_verifies(void **state)
{
	struct fixture *fx = *state;
	uint8_t icmp[64], f[256];
	const uint8_t data[5] = {0xde, 0xad, 0xbe, 0xef, 0x01};
	struct {
		uint16_t id, seq;
		const uint8_t *d;
		size_t len;
	} cases[] = {{0, 0, NULL, 0}, {0x1234, 7, data, 5}, {0xffff, 0xffff, data, 4}};
	size_t i;

	fixture_learn_peer(fx);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t il = tb_icmp_echo(icmp, ICMP_ECHO_REQUEST, cases[i].id,
					 cases[i].seq, cases[i].d, cases[i].len);
		size_t n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_ICMP, 9, 0,
				       icmp, il);
		struct pktbuf *r;

		inject(fx, f, n);
		r = expect_tx(fx, 0x0800);
		assert_int_equal(r->data[14 + 20], ICMP_ECHO_REPLY);
		assert_int_equal(inet_csum(r->data + 14 + 20, il), 0);
		if (i == 0)
			assert_int_equal(get_be16(r->data + 14 + 22), 0xffff);
		pktbuf_free(r);
	}
}

/* RFC 1122 3.2.2.1: unknown protocol gets protocol unreachable. */
static void test_unknown_protocol_gets_proto_unreachable(void **state)
{
	struct fixture *fx = *state;
	uint8_t payload[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, f[128];
	size_t n = tb_frame_ip(f, IP_PEER, IP_US, 253, 0x4242, 0, payload, 12);
	struct pktbuf *r;
	uint8_t *ic;

	fixture_learn_peer(fx);
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_IP_PROTO), 1);
	r = expect_tx(fx, 0x0800);
	ic = r->data + 14 + 20;
	assert_int_equal(r->data[14 + 9], IP_PROTO_ICMP);
	assert_int_equal(get_be32(r->data + 14 + 16), IP_PEER);
	assert_int_equal(ic[0], ICMP_DEST_UNREACH);
	assert_int_equal(ic[1], ICMP_UNREACH_PROTO);
	/* RFC 792: the original header and 64 bits of its data. */
	assert_int_equal(get_be16(ic + 8 + 4), 0x4242);
	assert_memory_equal(ic + 8 + 20, payload, 8);
	assert_int_equal(get_be16(r->data + 14 + 2), 20 + 8 + 20 + 8);
	pktbuf_free(r);
}

/* RFC 1122 3.3.1.2: longest prefix wins; the default route catches all. */
static void test_route_longest_prefix_and_default(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	const uint8_t mac2[6] = {0x52, 0x54, 0, 0, 0, 2};
	struct route_result rr;
	int if2 = capture_netif_add(&cap2, fx->ns, mac2, 1500, NULL);

	assert_int_equal(if2, 3);	/* lo, eth0, eth1 */
	assert_int_equal(netif_nametoindex(fx->ns, "eth1"), (unsigned)if2);
	assert_int_equal(netif_nametoindex(fx->ns, "lo"), 1);
	assert_int_equal(netif_nametoindex(fx->ns, "eth7"), 0);
	assert_int_equal(netif_set_up(fx->ns, if2, true), 0);
	assert_int_equal(netif_addr_add(fx->ns, if2, IP4(192, 168, 1, 10), 24), 0);
	assert_int_equal(route_lookup(fx->ns, IP4(8, 8, 8, 8), &rr), -ENETUNREACH);
	assert_int_equal(route_add(fx->ns, 0, 0, IP4(10, 0, 0, 254), 0, 0), 0);
	assert_int_equal(route_add(fx->ns, IP4(172, 16, 0, 0), 12, IP4(192, 168, 1, 1), 0, 0), 0);
	assert_int_equal(route_add(fx->ns, IP4(172, 16, 5, 0), 24, IP4(10, 0, 0, 253), 0, 0), 0);
	assert_int_equal(route_add(fx->ns, 0, 0, IP4(10, 0, 0, 9), 0, 0), -EEXIST);
	assert_int_equal(route_add(fx->ns, IP4(1, 0, 0, 0), 8, IP4(99, 0, 0, 1), 0, 0), -ENETUNREACH);

	assert_int_equal(route_lookup(fx->ns, IP4(8, 8, 8, 8), &rr), 0);
	assert_int_equal(rr.ifindex, fx->ifindex);
	assert_int_equal(rr.nexthop, IP4(10, 0, 0, 254));
	assert_int_equal(rr.src, IP_US);
	assert_int_equal(route_lookup(fx->ns, IP4(172, 17, 1, 1), &rr), 0);
	assert_int_equal(rr.ifindex, if2);
	assert_int_equal(rr.nexthop, IP4(192, 168, 1, 1));
	assert_int_equal(rr.src, IP4(192, 168, 1, 10));
	assert_int_equal(route_lookup(fx->ns, IP4(172, 16, 5, 77), &rr), 0);
	assert_int_equal(rr.nexthop, IP4(10, 0, 0, 253));
	assert_int_equal(route_lookup(fx->ns, IP4(192, 168, 1, 77), &rr), 0);
	assert_int_equal(rr.nexthop, IP4(192, 168, 1, 77));	/* on-link */
	assert_int_equal(route_lookup(fx->ns, IP4(192, 168, 1, 10), &rr), 0);
	assert_int_equal(rr.ifindex, 1);	/* our own address: loopback */
	assert_int_equal(route_del(fx->ns, IP4(172, 16, 5, 0), 24), 0);
	assert_int_equal(route_lookup(fx->ns, IP4(172, 16, 5, 77), &rr), 0);
	assert_int_equal(rr.nexthop, IP4(192, 168, 1, 1));
	/* Address removal takes its connected route along. */
	assert_int_equal(netif_addr_del(fx->ns, if2, IP4(192, 168, 1, 10), 24), 0);
	assert_int_equal(route_lookup(fx->ns, IP4(192, 168, 1, 77), &rr), 0);
	assert_int_equal(rr.nexthop, IP4(10, 0, 0, 254));
	capture_purge(&cap2);
}

/* RFC 1122 3.3.1.2: deleting one of two addresses in a subnet keeps the
 * connected route the other address still needs. */
static void test_addr_del_same_subnet_keeps_connected_route(void **state)
{
	struct fixture *fx = *state;
	struct route_result rr;

	assert_int_equal(netif_addr_add(fx->ns, fx->ifindex, IP4(10, 0, 0, 5), 24), 0);
	assert_int_equal(netif_addr_del(fx->ns, fx->ifindex, IP_US, 24), 0);
	assert_int_equal(route_lookup(fx->ns, IP_PEER, &rr), 0);
	assert_int_equal(rr.ifindex, fx->ifindex);
	assert_int_equal(rr.nexthop, IP_PEER);
	assert_int_equal(rr.src, IP4(10, 0, 0, 5));
	/* The last address of the subnet takes the route with it. */
	assert_int_equal(netif_addr_del(fx->ns, fx->ifindex, IP4(10, 0, 0, 5), 24), 0);
	assert_int_equal(route_lookup(fx->ns, IP_PEER, &rr), -ENETUNREACH);
}

/* RFC 1122 3.3.1.2: the same subnet on two interfaces; when the one that
 * owned the connected route loses its address, the other takes it over. */
static void test_addr_del_subnet_on_other_if_route_moves(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	const uint8_t mac2[6] = {0x52, 0x54, 0, 0, 0, 2};
	struct route_result rr;
	int if2 = capture_netif_add(&cap2, fx->ns, mac2, 1500, NULL);

	assert_int_equal(netif_set_up(fx->ns, if2, true), 0);
	assert_int_equal(netif_addr_add(fx->ns, if2, IP4(10, 0, 0, 9), 24), 0);
	assert_int_equal(netif_addr_del(fx->ns, fx->ifindex, IP_US, 24), 0);
	assert_int_equal(route_lookup(fx->ns, IP_PEER, &rr), 0);
	assert_int_equal(rr.ifindex, if2);
	assert_int_equal(rr.src, IP4(10, 0, 0, 9));
	capture_purge(&cap2);
}

/* RFC 1122 3.3.1.2: removing the interface that owned a subnet's
 * connected route hands the route to another interface in the subnet. */
static void test_netif_remove_subnet_on_other_if_route_moves(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	const uint8_t mac2[6] = {0x52, 0x54, 0, 0, 0, 2};
	struct route_result rr;
	int if2 = capture_netif_add(&cap2, fx->ns, mac2, 1500, NULL);

	assert_int_equal(netif_set_up(fx->ns, if2, true), 0);
	assert_int_equal(netif_addr_add(fx->ns, if2, IP4(10, 0, 0, 9), 24), 0);
	capture_purge(&cap2);
	assert_int_equal(netif_remove(fx->ns, fx->ifindex), 0);
	assert_int_equal(route_lookup(fx->ns, IP_PEER, &rr), 0);
	assert_int_equal(rr.ifindex, if2);
	assert_int_equal(rr.src, IP4(10, 0, 0, 9));
	capture_purge(&cap2);
}

/* Bad configuration is refused with errno values, not applied. */
static void test_bad_config_rejected(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(netif_addr_add(fx->ns, fx->ifindex, IP_US, 24), -EEXIST);
	assert_int_equal(netif_addr_add(fx->ns, fx->ifindex, IP4(1, 1, 1, 1), 33), -EINVAL);
	assert_int_equal(netif_addr_add(fx->ns, fx->ifindex, IP4(224, 0, 0, 5), 24), -EINVAL);
	assert_int_equal(netif_addr_add(fx->ns, 99, IP4(1, 1, 1, 1), 8), -ENODEV);
	assert_int_equal(netif_addr_del(fx->ns, fx->ifindex, IP4(1, 1, 1, 1), 8), -ENOENT);
	assert_int_equal(netif_set_up(fx->ns, 99, true), -ENODEV);
	assert_int_equal(route_add(fx->ns, 0, 40, 0, fx->ifindex, 0), -EINVAL);
	assert_int_equal(netif_add(fx->ns, NULL, NULL, NULL), -EINVAL);
}

static void reply_cb(void *arg, const struct icmp_echo_reply *r)
{
	struct icmp_echo_reply *out = arg;

	*out = *r;
	out->data = NULL;
}

/* RFC 1122 3.2.1.3(g) and 3.3.1.1: ping 127.0.0.1 and our own address
 * over loopback; the reply, queued behind its request, is delivered by the
 * same poll (it used to wait for the next wake-up). */
static void test_loopback_ping_replied(void **state)
{
	struct fixture *fx = *state;
	struct icmp_echo_reply r;
	struct netif_stats st;

	icmp_echo_handler_set(fx->ns, reply_cb, &r);
	memset(&r, 0, sizeof(r));
	assert_int_equal(icmp_echo_send(fx->ns, IP4(127, 0, 0, 1), 7, 1, "abc", 3), 0);
	assert_true(net_next_deadline(fx->ns) <= net_now(fx->ns));
	net_poll(fx->ns, 1 * SEC);	/* request delivered, reply too */
	assert_int_equal(r.from, IP4(127, 0, 0, 1));
	assert_int_equal(r.id, 7);
	assert_int_equal(r.seq, 1);
	assert_int_equal(r.len, 3);
	assert_int_equal(r.ttl, 64);
	assert_true(r.rtt_known);
	assert_int_equal(r.rtt_ns, 1 * SEC);
	memset(&r, 0, sizeof(r));
	assert_int_equal(icmp_echo_send(fx->ns, IP_US, 7, 2, NULL, 0), 0);
	net_poll(fx->ns, 3 * SEC);
	assert_int_equal(r.from, IP_US);
	assert_int_equal(r.seq, 2);
	expect_no_tx(fx);	/* nothing leaked onto eth0 */
	netif_stats_get(fx->ns, 1, &st);
	assert_int_equal(st.tx_packets, 4);
	assert_int_equal(st.rx_packets, 4);
}

/* RFC 1122 3.2.1.3(g): 127/8 never reaches the wire. */
static void test_loopback_dst_on_wire_dropped(void **state)
{
	struct fixture *fx = *state;
	uint8_t payload[8] = {0}, f[128];
	size_t n = tb_frame_ip(f, IP_PEER, IP4(127, 0, 0, 1), 253, 1, 0, payload, 8);

	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_IP_MARTIAN), 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_emit_parse_round_trip),
		T(test_malformed_headers_table_dropped_by_reason),
		T(test_link_padding_trimmed),
		T(test_echo_reply_patched_checksum_verifies),
		T(test_unknown_protocol_gets_proto_unreachable),
		T(test_route_longest_prefix_and_default),
		T(test_addr_del_same_subnet_keeps_connected_route),
		T(test_addr_del_subnet_on_other_if_route_moves),
		T(test_netif_remove_subnet_on_other_if_route_moves),
		T(test_bad_config_rejected),
		T(test_loopback_ping_replied),
		T(test_loopback_dst_on_wire_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
