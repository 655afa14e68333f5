/*
 * reass_test.c: IPv4 reassembly (RFC 791 3.2, RFC 1122 3.3.2) and
 * fragmentation on send.
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

static uint8_t big[4096];
static uint8_t icmp_msg[4096 + 8];
static size_t icmp_len;

static void make_echo(size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		big[i] = (uint8_t)(i * 13 + 1);
	icmp_len = tb_icmp_echo(icmp_msg, ICMP_ECHO_REQUEST, 3, 4, big, len);
}

/* Inject bytes [off, off+len) of icmp_msg as a fragment with id. */
static void frag(struct fixture *fx, uint16_t id, size_t off, size_t len, bool mf)
{
	uint8_t f[2048];
	uint16_t field = (uint16_t)((off / 8) | (mf ? 0x2000 : 0));
	size_t n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_ICMP, id, field,
			       icmp_msg + off, len);

	inject(fx, f, n);
}

/* The reply to a reassembled echo request carries the whole payload. */
static void expect_echo_reply_frags(struct fixture *fx, size_t total)
{
	size_t got = 0;
	uint32_t sum = 0;
	struct pktbuf *r;

	while ((r = capture_pop(&fx->cap))) {
		const uint8_t *ip = r->data + 14;
		size_t dl = get_be16(ip + 2) - 20;
		size_t off = (get_be16(ip + 6) & 0x1fff) * 8;

		assert_true(get_be16(ip + 2) <= 1500);
		assert_int_equal(inet_csum(ip, 20), 0);
		assert_int_equal(off, got);	/* sent in order */
		sum = csum_partial(ip + 20, dl, sum);
		if (off == 0)
			assert_int_equal(ip[20], ICMP_ECHO_REPLY);
		else
			assert_memory_equal(ip + 20, icmp_msg + off, dl);
		got += dl;
		pktbuf_free(r);
	}
	assert_int_equal(got, total);
	assert_int_equal(csum_fold(sum), 0);
}

/* RFC 791 3.2: fragments in order make the datagram. */
static void test_in_order_fragments_reassembled(void **state)
{
	struct fixture *fx = *state;

	fixture_learn_peer(fx);
	make_echo(2992);	/* 3000 bytes of ICMP */
	frag(fx, 1, 0, 1480, true);
	frag(fx, 1, 1480, 1480, true);
	expect_no_tx(fx);
	frag(fx, 1, 2960, 40, false);
	assert_int_equal(stat(fx, NET_STAT_IP_REASS_OK), 1);
	expect_echo_reply_frags(fx, 3000);
	assert_int_equal(stat(fx, NET_STAT_IP_FRAG_OUT), 3);
}

/* RFC 791 3.2: arrival order does not matter. */
static void test_out_of_order_fragments_reassembled(void **state)
{
	struct fixture *fx = *state;

	fixture_learn_peer(fx);
	make_echo(2992);
	frag(fx, 2, 2960, 40, false);
	frag(fx, 2, 1480, 1480, true);
	frag(fx, 2, 0, 1480, true);
	assert_int_equal(stat(fx, NET_STAT_IP_REASS_OK), 1);
	expect_echo_reply_frags(fx, 3000);
}

/* RFC 791 3.2: overlaps fill in; exact duplicates are counted, harmless. */
static void test_overlap_and_duplicate_fragments_handled(void **state)
{
	struct fixture *fx = *state;

	fixture_learn_peer(fx);
	make_echo(2992);
	frag(fx, 3, 0, 1480, true);
	frag(fx, 3, 0, 1480, true);		/* duplicate */
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_DUP), 1);
	frag(fx, 3, 1000, 1200, true);		/* overlaps both sides */
	frag(fx, 3, 2000, 1000, false);		/* overlaps, ends */
	assert_int_equal(stat(fx, NET_STAT_IP_REASS_OK), 1);
	expect_echo_reply_frags(fx, 3000);
}

/* RFC 1122 3.3.2: an incomplete datagram times out; fragment zero came,
 * so Time Exceeded (code 1) goes back (RFC 792). */
static void test_incomplete_times_out_with_time_exceeded(void **state)
{
	struct fixture *fx = *state;
	struct pktbuf *r;

	fixture_learn_peer(fx);
	make_echo(2992);
	frag(fx, 4, 0, 1480, true);
	frag(fx, 4, 2960, 40, false);
	net_poll(fx->ns, 30 * SEC - 1);
	expect_no_tx(fx);
	net_poll(fx->ns, 30 * SEC);
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_TIMEOUT), 1);
	r = expect_tx(fx, 0x0800);
	assert_int_equal(r->data[14 + 20], ICMP_TIME_EXCEEDED);
	assert_int_equal(r->data[14 + 21], 1);
	pktbuf_free(r);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
	/* The late fragment starts a new datagram that never completes. */
	frag(fx, 4, 1480, 1480, true);
	assert_int_equal(stat(fx, NET_STAT_IP_REASS_OK), 0);
}

/* RFC 791 3.1: fragments reaching past 65535 octets kill the datagram. */
static void test_oversize_datagram_dropped(void **state)
{
	struct fixture *fx = *state;

	make_echo(1480);
	frag(fx, 5, 0, 1480, true);
	{
		uint8_t f[128];
		size_t n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_ICMP, 5,
				       (uint16_t)(65512 / 8), big, 40);

		inject(fx, f, n);
	}
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_OVERSIZE), 1);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
}

/* RFC 791 3.1: the 65535 octets include fragment zero's header, whose
 * length is known only when it arrives: data already held up to 65512
 * fits after a 20-octet header but not after 60 (a ping of death whose
 * first fragment comes last, with options). Before this was checked the
 * datagram reassembled with a total length that wrapped. */
static void test_oversize_known_when_first_fragment_has_options(void **state)
{
	struct fixture *fx = *state;
	uint8_t f[160];
	size_t n;

	make_echo(1480);
	n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_ICMP, 9, (uint16_t)(65488 / 8), big, 24);
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_OVERSIZE), 0);
	/* Fragment zero: 60-octet header (40 of NOP options), 8 octets, MF. */
	n = tb_eth(f, MAC_US, MAC_PEER, 0x0800);
	tb_ipv4(f + n, IP_PEER, IP_US, IP_PROTO_ICMP, 9, 0x2000, 64, 8);
	memset(f + n + 20, 1, 40);
	f[n] = 0x4f;
	put_be16(f + n + 2, 68);
	put_be16(f + n + 10, 0);
	put_be16(f + n + 10, inet_csum(f + n, 60));
	memcpy(f + n + 60, icmp_msg, 8);
	inject(fx, f, n + 68);
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_OVERSIZE), 1);
	assert_int_equal(stat(fx, NET_STAT_IP_REASS_OK), 0);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
}

/* Limits: too many fragments for one datagram drops it. */
static void test_too_many_fragments_dropped(void **state)
{
	struct fixture *fx = *state;
	int i;

	make_echo(1480);
	/* test_params: 64 fragments; 65 tiny ones of 8 bytes. */
	for (i = 0; i < 65; i++)
		frag(fx, 6, (size_t)i * 8, 8, true);
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_TOO_MANY), 1);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
}

/* RFC 791 3.2: a non-last fragment must be a multiple of 8 octets;
 * and two different ends are inconsistent. */
static void test_inconsistent_fragments_dropped(void **state)
{
	struct fixture *fx = *state;

	make_echo(2992);
	frag(fx, 7, 0, 1001, true);
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_BAD_FRAG), 1);
	frag(fx, 8, 1480, 40, false);
	frag(fx, 8, 1480, 80, false);
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_BAD_FRAG), 2);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
}

/* Memory limit: a third datagram evicts the oldest of the two slots. */
static void test_slots_full_oldest_evicted(void **state)
{
	struct fixture *fx = *state;

	fixture_learn_peer(fx);
	make_echo(2992);
	net_poll(fx->ns, 1);
	frag(fx, 10, 0, 1480, true);
	net_poll(fx->ns, 2);
	frag(fx, 11, 0, 1480, true);
	net_poll(fx->ns, 3);
	frag(fx, 12, 0, 1480, true);
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_EVICTED), 1);
	frag(fx, 11, 1480, 1480, true);
	frag(fx, 11, 2960, 40, false);
	assert_int_equal(stat(fx, NET_STAT_IP_REASS_OK), 1);
	expect_echo_reply_frags(fx, 3000);
}

/* RFC 791 3.1: an oversized fragment of a new datagram is dropped before
 * it can evict a slot still reassembling a good datagram. */
static void test_slots_full_oversize_fragment_evicts_nothing(void **state)
{
	struct fixture *fx = *state;
	uint8_t f[128];
	size_t n;

	fixture_learn_peer(fx);
	make_echo(2992);
	frag(fx, 20, 0, 1480, true);
	frag(fx, 21, 0, 1480, true);
	n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_ICMP, 22,
			(uint16_t)(65512 / 8), big, 40);
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_OVERSIZE), 1);
	assert_int_equal(stat(fx, NET_STAT_DROP_REASS_EVICTED), 0);
	frag(fx, 20, 1480, 1480, true);
	frag(fx, 20, 2960, 40, false);
	frag(fx, 21, 1480, 1480, true);
	frag(fx, 21, 2960, 40, false);
	assert_int_equal(stat(fx, NET_STAT_IP_REASS_OK), 2);
	capture_purge(&fx->cap);
}

/* Inject bytes [off, off+len) of icmp_msg from src as a fragment with id. */
static void frag_from(struct fixture *fx, uint32_t src, uint16_t id,
		      size_t off, size_t len, bool mf)
{
	uint8_t f[2048];
	uint16_t field = (uint16_t)((off / 8) | (mf ? 0x2000 : 0));
	size_t n = tb_frame_ip(f, src, IP_US, IP_PROTO_ICMP, id, field,
			       icmp_msg + off, len);

	inject(fx, f, n);
}

/* RFC 1122 2.3.2.2: a reply waiting for ARP is queued, but it must not
 * keep the large buffer it was built in: on-link hosts with unknown MACs
 * would otherwise pin every large buffer for the ARP retry time (3 s) and
 * all other reassembly would fail for lack of buffers. */
static void test_reply_awaiting_arp_holds_no_large_buffer(void **state)
{
	struct fixture *fx = *state;
	struct pktbuf *r;
	uint32_t host;
	int replies = 0;

	make_echo(992);		/* 1000 bytes of ICMP: one reply frame */
	/* test_params: 3 large buffers; 4 pings from 4 unresolved hosts. */
	for (host = 3; host < 7; host++) {
		frag_from(fx, IP4(10, 0, 0, host), (uint16_t)host, 0, 504, true);
		frag_from(fx, IP4(10, 0, 0, host), (uint16_t)host, 504, 496,
			  false);
	}
	assert_int_equal(stat(fx, NET_STAT_IP_REASS_OK), 4);
	assert_int_equal(stat(fx, NET_STAT_DROP_NOBUFS), 0);
	/* Only ARP requests went out; the replies wait. */
	while ((r = capture_pop(&fx->cap))) {
		assert_int_equal(get_be16(r->data + 12), 0x0806);
		pktbuf_free(r);
	}
	/* Each answer releases its reply, whole and unchanged. */
	for (host = 3; host < 7; host++) {
		uint8_t f[64] = {0};
		size_t n = tb_eth(f, MAC_US, MAC_PEER, 0x0806);

		tb_arp(f + n, 2, MAC_PEER, IP4(10, 0, 0, host), MAC_US, IP_US);
		inject(fx, f, 60);
		r = expect_tx(fx, 0x0800);
		assert_int_equal(get_be16(r->data + 14 + 2), 1020);
		assert_int_equal(get_be32(r->data + 14 + 16), IP4(10, 0, 0, host));
		assert_int_equal(r->data[14 + 20], ICMP_ECHO_REPLY);
		assert_int_equal(csum_fold(csum_partial(r->data + 34, 1000, 0)), 0);
		assert_memory_equal(r->data + 34 + 8, big, 992);
		pktbuf_free(r);
		replies++;
	}
	assert_int_equal(replies, 4);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
}

/* RFC 791 3.2: sending more than the MTU fragments in multiples of 8. */
static void test_send_over_mtu_fragmented(void **state)
{
	struct fixture *fx = *state;
	uint8_t data[4000];
	size_t got = 0;
	struct pktbuf *r;
	uint16_t id = 0;

	memset(data, 0x5a, sizeof(data));
	fixture_learn_peer(fx);
	assert_int_equal(icmp_echo_send(fx->ns, IP_PEER, 1, 1, data, sizeof(data)), 0);
	while ((r = capture_pop(&fx->cap))) {
		const uint8_t *ip = r->data + 14;
		uint16_t fl = get_be16(ip + 6);
		size_t dl = get_be16(ip + 2) - 20;

		if (got == 0)
			id = get_be16(ip + 4);
		assert_int_equal(get_be16(ip + 4), id);
		assert_int_equal((size_t)(fl & 0x1fff) * 8, got);
		assert_true(20 + dl <= 1500);
		got += dl;
		assert_int_equal(!!(fl & 0x2000), got < 4008);
		if (got < 4008)
			assert_int_equal(dl % 8, 0);
		pktbuf_free(r);
	}
	assert_int_equal(got, 4008);
}

/* RFC 791 / RFC 1191: DF set and too big is refused, not fragmented. */
static void test_send_df_over_mtu_refused(void **state)
{
	struct fixture *fx = *state;
	struct pktbuf *p = pktbuf_alloc(fx->ns, NET_HEADROOM, 1481);
	struct ip_out o = {.dst = IP_PEER, .proto = 253, .df = true};

	fixture_learn_peer(fx);
	assert_int_equal(ip_output(fx->ns, p, &o), -EMSGSIZE);
	assert_int_equal(stat(fx, NET_STAT_DROP_IP_DF_TOO_BIG), 1);
	expect_no_tx(fx);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_in_order_fragments_reassembled),
		T(test_out_of_order_fragments_reassembled),
		T(test_overlap_and_duplicate_fragments_handled),
		T(test_incomplete_times_out_with_time_exceeded),
		T(test_oversize_datagram_dropped),
		T(test_oversize_known_when_first_fragment_has_options),
		T(test_too_many_fragments_dropped),
		T(test_inconsistent_fragments_dropped),
		T(test_slots_full_oldest_evicted),
		T(test_slots_full_oversize_fragment_evicts_nothing),
		T(test_reply_awaiting_arp_holds_no_large_buffer),
		T(test_send_over_mtu_fragmented),
		T(test_send_df_over_mtu_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
