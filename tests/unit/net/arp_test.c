/*
 * arp_test.c: Ethernet framing and ARP (RFC 826) with a fake clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "../../../net/arp.h"
#include "../../../net/byteorder.h"

static const uint8_t zero_mac[6];

static void send_udp_to(struct fixture *fx, uint32_t dst)
{
	uint8_t payload[10] = {1, 2, 3};
	struct pktbuf *p = pktbuf_alloc(fx->ns, NET_HEADROOM, sizeof(payload));
	struct ip_out o = {.dst = dst, .proto = 253};

	assert_non_null(p);
	memcpy(p->data, payload, sizeof(payload));
	ip_output(fx->ns, p, &o);
}

/* RFC 894: frames too short, for another MAC, or of unknown type drop. */
static void test_malformed_eth_frames_dropped_by_reason(void **state)
{
	struct fixture *fx = *state;
	const uint8_t other[6] = {0x02, 0, 0, 0, 0, 9};
	uint8_t f[64] = {0};
	struct netif_stats st;

	inject(fx, f, 13);
	assert_int_equal(stat(fx, NET_STAT_DROP_ETH_SHORT), 1);
	tb_eth(f, other, MAC_PEER, 0x0800);
	inject(fx, f, 60);
	assert_int_equal(stat(fx, NET_STAT_DROP_ETH_NOT_FOR_US), 1);
	tb_eth(f, MAC_US, MAC_PEER, 0x86dd);
	inject(fx, f, 60);
	assert_int_equal(stat(fx, NET_STAT_DROP_ETH_TYPE), 1);
	assert_int_equal(netif_stats_get(fx->ns, fx->ifindex, &st), 0);
	assert_int_equal(st.rx_packets, 3);
	assert_int_equal(st.rx_dropped, 3);
	assert_int_equal(st.drop[NET_STAT_DROP_ETH_TYPE], 1);
	expect_no_tx(fx);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
}

/* RFC 826 "Packet Reception": malformed ARP packets are dropped. */
static void test_malformed_arp_table_dropped_by_reason(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		size_t off;		/* byte to corrupt, or len when cut */
		uint8_t val;
		bool cut;
		enum net_stat why;
	} cases[] = {
		{27, 0, true, NET_STAT_DROP_ARP_SHORT},
		{1, 6, false, NET_STAT_DROP_ARP_BAD_HDR},	/* htype 6 */
		{3, 0xdd, false, NET_STAT_DROP_ARP_BAD_HDR},	/* ptype */
		{4, 8, false, NET_STAT_DROP_ARP_BAD_HDR},	/* hlen */
		{5, 16, false, NET_STAT_DROP_ARP_BAD_HDR},	/* plen */
		{7, 9, false, NET_STAT_DROP_ARP_BAD_OP},
		{8, 0xff, false, NET_STAT_DROP_ARP_BAD_SENDER},	/* group MAC */
		{14, 0xe0, false, NET_STAT_DROP_ARP_BAD_SENDER}, /* mcast IP */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t f[64] = {0};
		uint64_t before = stat(fx, cases[i].why);
		size_t n = tb_eth(f, MAC_BCAST, MAC_PEER, 0x0806);

		tb_arp(f + n, 1, MAC_PEER, IP_PEER, zero_mac, IP_US);
		if (cases[i].cut) {
			inject(fx, f, n + cases[i].off);
		} else {
			f[n + cases[i].off] = cases[i].val;
			inject(fx, f, 60);
		}
		assert_int_equal(stat(fx, cases[i].why), before + 1);
		expect_no_tx(fx);
	}
	assert_int_equal(arp_count(fx->ns), 0);
}

/* RFC 826 "Packet format": emit then parse gives back every field, at
 * the offsets the RFC gives them. */
static void test_arp_hdr_emit_parse_round_trip(void **state)
{
	struct arp_hdr in = {.op = ARP_OP_REPLY, .spa = IP4(10, 1, 2, 3),
			     .tpa = IP4(10, 4, 5, 6)}, out;
	enum net_stat why;
	uint8_t b[ARP_HDR_LEN];

	(void)state;
	memcpy(in.sha, MAC_PEER, 6);
	memcpy(in.tha, MAC_US, 6);
	memset(&out, 0, sizeof(out));
	arp_hdr_emit(&in, b);
	assert_int_equal(get_be16(b), 1);
	assert_int_equal(get_be16(b + 2), 0x0800);
	assert_int_equal(b[4], 6);
	assert_int_equal(b[5], 4);
	assert_int_equal(get_be16(b + 6), 2);
	assert_memory_equal(b + 8, MAC_PEER, 6);
	assert_int_equal(get_be32(b + 14), IP4(10, 1, 2, 3));
	assert_memory_equal(b + 18, MAC_US, 6);
	assert_int_equal(get_be32(b + 24), IP4(10, 4, 5, 6));
	assert_int_equal(arp_hdr_parse(b, sizeof(b), &out, &why), 0);
	assert_int_equal(out.op, ARP_OP_REPLY);
	assert_memory_equal(out.sha, MAC_PEER, 6);
	assert_int_equal(out.spa, IP4(10, 1, 2, 3));
	assert_memory_equal(out.tha, MAC_US, 6);
	assert_int_equal(out.tpa, IP4(10, 4, 5, 6));
}

/* RFC 826 "Packet Reception": the view rejects each malformed field with
 * its reason. */
static void test_arp_hdr_parse_malformed_table_einval(void **state)
{
	static const struct {
		const char *what;
		size_t off;		/* byte to set */
		uint8_t val;
		size_t len;		/* bytes handed to parse */
		enum net_stat why;
	} cases[] = {
		{"empty", 0, 0, 0, NET_STAT_DROP_ARP_SHORT},
		{"27 bytes", 0, 0, 27, NET_STAT_DROP_ARP_SHORT},
		{"hrd 6", 1, 6, 28, NET_STAT_DROP_ARP_BAD_HDR},
		{"hrd high byte", 0, 1, 28, NET_STAT_DROP_ARP_BAD_HDR},
		{"pro IPv6", 2, 0x86, 28, NET_STAT_DROP_ARP_BAD_HDR},
		{"hln 8", 4, 8, 28, NET_STAT_DROP_ARP_BAD_HDR},
		{"pln 16", 5, 16, 28, NET_STAT_DROP_ARP_BAD_HDR},
		{"op 0", 7, 0, 28, NET_STAT_DROP_ARP_BAD_OP},
		{"op 3 (RARP)", 7, 3, 28, NET_STAT_DROP_ARP_BAD_OP},
		{"op high byte", 6, 1, 28, NET_STAT_DROP_ARP_BAD_OP},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[ARP_HDR_LEN];
		struct arp_hdr h;
		enum net_stat why = NET_STAT_COUNT;

		tb_arp(b, 1, MAC_PEER, IP_PEER, zero_mac, IP_US);
		b[cases[i].off] = cases[i].val;
		if (arp_hdr_parse(b, cases[i].len, &h, &why) != -EINVAL ||
		    why != cases[i].why)
			fail_msg("case '%s': not rejected as expected",
				 cases[i].what);
	}
}

/* RFC 826: a request for our address is answered and its sender cached. */
static void test_request_for_us_replied_and_sender_cached(void **state)
{
	struct fixture *fx = *state;
	uint8_t f[64] = {0}, mac[6];
	struct pktbuf *r;
	size_t n = tb_eth(f, MAC_BCAST, MAC_PEER, 0x0806);

	tb_arp(f + n, 1, MAC_PEER, IP_PEER, zero_mac, IP_US);
	inject(fx, f, 60);
	r = expect_tx(fx, 0x0806);
	assert_memory_equal(r->data, MAC_PEER, 6);
	assert_int_equal(get_be16(r->data + 14 + 6), 2);
	assert_memory_equal(r->data + 14 + 8, MAC_US, 6);
	assert_int_equal(get_be32(r->data + 14 + 14), IP_US);
	assert_memory_equal(r->data + 14 + 18, MAC_PEER, 6);
	assert_int_equal(get_be32(r->data + 14 + 24), IP_PEER);
	assert_true(r->len >= 60);	/* padded to the minimum frame */
	pktbuf_free(r);
	assert_int_equal(arp_lookup(fx->ns, fx->ifindex, IP_PEER, mac), 0);
	assert_memory_equal(mac, MAC_PEER, 6);
}

/* RFC 826: a request for someone else is not answered nor cached. */
static void test_request_for_other_ignored(void **state)
{
	struct fixture *fx = *state;
	uint8_t f[64] = {0};
	size_t n = tb_eth(f, MAC_BCAST, MAC_PEER, 0x0806);

	tb_arp(f + n, 1, MAC_PEER, IP_PEER, zero_mac, IP4(10, 0, 0, 99));
	inject(fx, f, 60);
	expect_no_tx(fx);
	assert_int_equal(arp_count(fx->ns), 0);
}

/* RFC 1122 2.3.2.2: output to an unknown host queues and asks; the reply
 * releases the queue. */
static void test_unresolved_output_queued_until_reply(void **state)
{
	struct fixture *fx = *state;
	uint8_t f[64] = {0};
	struct pktbuf *r;
	size_t n;

	send_udp_to(fx, IP_PEER);
	send_udp_to(fx, IP_PEER);
	r = expect_tx(fx, 0x0806);		/* one request only */
	assert_memory_equal(r->data, MAC_BCAST, 6);
	assert_int_equal(get_be16(r->data + 20), 1);
	assert_int_equal(get_be32(r->data + 14 + 24), IP_PEER);
	assert_int_equal(get_be32(r->data + 14 + 14), IP_US);
	pktbuf_free(r);
	expect_no_tx(fx);
	n = tb_eth(f, MAC_US, MAC_PEER, 0x0806);
	tb_arp(f + n, 2, MAC_PEER, IP_PEER, MAC_US, IP_US);
	inject(fx, f, 60);
	r = expect_tx(fx, 0x0800);
	assert_memory_equal(r->data, MAC_PEER, 6);
	pktbuf_free(r);
	pktbuf_free(expect_tx(fx, 0x0800));
	expect_no_tx(fx);
}

/* RFC 1122 2.3.2.1: unanswered requests are retried, then the queue drops. */
static void test_unanswered_request_retries_then_drops_queue(void **state)
{
	struct fixture *fx = *state;
	uint64_t t = 0;
	int i;

	send_udp_to(fx, IP_PEER);
	send_udp_to(fx, IP_PEER);
	pktbuf_free(expect_tx(fx, 0x0806));
	for (i = 1; i < ARP_RETRIES; i++) {
		t += ARP_RETRY_NS;
		net_poll(fx->ns, t);
		pktbuf_free(expect_tx(fx, 0x0806));
	}
	net_poll(fx->ns, t + ARP_RETRY_NS - 1);
	expect_no_tx(fx);
	assert_int_equal(stat(fx, NET_STAT_DROP_ARP_TIMEOUT), 0);
	net_poll(fx->ns, t + ARP_RETRY_NS);
	expect_no_tx(fx);
	assert_int_equal(stat(fx, NET_STAT_DROP_ARP_TIMEOUT), 2);
	assert_int_equal(arp_count(fx->ns), 0);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
}

/* RFC 1122 2.3.2.2: the queue is bounded; overflow drops and counts. */
static void test_pending_queue_overflow_dropped_and_counted(void **state)
{
	struct fixture *fx = *state;
	int i;

	/* test_params: 16 packets queued in all. */
	for (i = 0; i < 20; i++)
		send_udp_to(fx, IP_PEER);
	assert_int_equal(stat(fx, NET_STAT_DROP_ARP_QUEUE_FULL), 4);
	assert_int_equal(net_pkt_in_use(fx->ns), 16 + 1);	/* + request */
	pktbuf_free(expect_tx(fx, 0x0806));
	expect_no_tx(fx);
}

/* RFC 1122 2.3.2.1: resolved entries time out. */
static void test_reachable_entry_expires(void **state)
{
	struct fixture *fx = *state;
	uint8_t mac[6];

	fixture_learn_peer(fx);
	net_poll(fx->ns, ARP_REACHABLE_NS - 1);
	assert_int_equal(arp_lookup(fx->ns, fx->ifindex, IP_PEER, mac), 0);
	net_poll(fx->ns, ARP_REACHABLE_NS);
	assert_int_equal(arp_lookup(fx->ns, fx->ifindex, IP_PEER, mac), -ENOENT);
	send_udp_to(fx, IP_PEER);
	pktbuf_free(expect_tx(fx, 0x0806));	/* asks again */
}

/* RFC 826: a reply from a known sender updates its MAC (merge). */
static void test_known_sender_new_mac_updated(void **state)
{
	struct fixture *fx = *state;
	const uint8_t newmac[6] = {0x52, 0x54, 0, 0, 0, 7};
	uint8_t f[64] = {0}, mac[6];
	size_t n = tb_eth(f, MAC_BCAST, newmac, 0x0806);

	fixture_learn_peer(fx);
	/* Gratuitous: sender = target = peer, not for us, still merged. */
	tb_arp(f + n, 1, newmac, IP_PEER, zero_mac, IP_PEER);
	inject(fx, f, 60);
	expect_no_tx(fx);
	assert_int_equal(arp_lookup(fx->ns, fx->ifindex, IP_PEER, mac), 0);
	assert_memory_equal(mac, newmac, 6);
}

/* RFC 5227 3: an address coming up is announced by gratuitous ARP. */
static void test_addr_add_sends_gratuitous_arp(void **state)
{
	struct fixture *fx = *state;
	struct pktbuf *r;

	assert_int_equal(netif_addr_add(fx->ns, fx->ifindex, IP4(10, 1, 0, 5), 16), 0);
	r = expect_tx(fx, 0x0806);
	assert_memory_equal(r->data, MAC_BCAST, 6);
	assert_int_equal(get_be32(r->data + 14 + 14), IP4(10, 1, 0, 5));
	assert_int_equal(get_be32(r->data + 14 + 24), IP4(10, 1, 0, 5));
	pktbuf_free(r);
	assert_int_equal(stat(fx, NET_STAT_ARP_GRATUITOUS_OUT), 2);
	/* And again when the link comes back up. */
	assert_int_equal(netif_set_up(fx->ns, fx->ifindex, false), 0);
	assert_int_equal(netif_set_up(fx->ns, fx->ifindex, true), 0);
	assert_int_equal(capture_count(&fx->cap), 2);
}

/* The cache is bounded: a full cache evicts its least recently used. */
static void test_full_cache_evicts_lru(void **state)
{
	struct fixture *fx = *state;
	uint8_t f[64] = {0}, mac[6];
	uint32_t i;

	/* test_params: 8 entries. */
	for (i = 0; i < 10; i++) {
		uint8_t m[6] = {0x52, 0x54, 0, 0, 1, (uint8_t)i};
		size_t n = tb_eth(f, MAC_BCAST, m, 0x0806);

		net_poll(fx->ns, (i + 1) * SEC);
		tb_arp(f + n, 1, m, IP4(10, 0, 0, 100 + i), zero_mac, IP_US);
		inject(fx, f, 60);
		pktbuf_free(expect_tx(fx, 0x0806));
	}
	assert_int_equal(arp_count(fx->ns), 8);
	assert_int_equal(arp_lookup(fx->ns, fx->ifindex, IP4(10, 0, 0, 100), mac), -ENOENT);
	assert_int_equal(arp_lookup(fx->ns, fx->ifindex, IP4(10, 0, 0, 101), mac), -ENOENT);
	assert_int_equal(arp_lookup(fx->ns, fx->ifindex, IP4(10, 0, 0, 109), mac), 0);
}

/* A down interface drops input and output. */
static void test_link_down_drops_both_ways(void **state)
{
	struct fixture *fx = *state;
	uint8_t f[64] = {0};
	size_t n = tb_eth(f, MAC_BCAST, MAC_PEER, 0x0806);
	struct netif_stats st;

	fixture_learn_peer(fx);
	assert_int_equal(netif_set_up(fx->ns, fx->ifindex, false), 0);
	tb_arp(f + n, 1, MAC_PEER, IP_PEER, zero_mac, IP_US);
	inject(fx, f, 60);
	expect_no_tx(fx);
	send_udp_to(fx, IP_PEER);
	expect_no_tx(fx);
	netif_stats_get(fx->ns, fx->ifindex, &st);
	assert_int_equal(st.drop[NET_STAT_DROP_LINK_DOWN], 1);
	assert_true(stat(fx, NET_STAT_DROP_IP_NO_ROUTE) >= 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_hdr_emit_parse_round_trip),
		cmocka_unit_test(test_arp_hdr_parse_malformed_table_einval),
		T(test_malformed_eth_frames_dropped_by_reason),
		T(test_malformed_arp_table_dropped_by_reason),
		T(test_request_for_us_replied_and_sender_cached),
		T(test_request_for_other_ignored),
		T(test_unresolved_output_queued_until_reply),
		T(test_unanswered_request_retries_then_drops_queue),
		T(test_pending_queue_overflow_dropped_and_counted),
		T(test_reachable_entry_expires),
		T(test_known_sender_new_mac_updated),
		T(test_addr_add_sends_gratuitous_arp),
		T(test_full_cache_evicts_lru),
		T(test_link_down_drops_both_ways),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
