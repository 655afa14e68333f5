/*
 * hdr_view_test.c: the checked header views of Ethernet (eth.h), UDP
 * (udp.h) and ICMP (icmp.h), and the IPv4 flag bits: for each a parse/emit
 * round trip (emit then parse gives the same fields, emit again the same
 * bytes, and the bytes are the ones the RFC lays out) and a table of
 * malformed inputs, each parsed from a heap buffer of exactly its length so
 * AddressSanitizer catches any read past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "../../../net/byteorder.h"
#include "../../../net/checksum.h"
#include "../../../net/eth.h"
#include "../../../net/icmp.h"
#include "../../../net/udp.h"

/* A heap copy of exactly len bytes (at least 1 so malloc gives a block). */
static uint8_t *exact(const uint8_t *bytes, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	assert_non_null(b);
	if (len)
		memcpy(b, bytes, len);
	return b;
}

/* RFC 894: dst(6) src(6) type(2) in that order, type big-endian. */
static void test_eth_hdr_emit_parse_round_trip(void **state)
{
	static const uint8_t wire[ETH_HDR_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc,
		0x08, 0x06,
	};
	struct eth_hdr in, out;
	uint8_t b[ETH_HDR_LEN], b2[ETH_HDR_LEN];
	enum net_stat why;
	uint8_t *e;

	(void)state;
	memcpy(in.dst, MAC_BCAST, 6);
	memcpy(in.src, MAC_PEER, 6);
	in.type = ETH_TYPE_ARP;
	eth_hdr_emit(&in, b);
	assert_memory_equal(b, wire, sizeof(wire));
	e = exact(b, sizeof(b));
	assert_int_equal(eth_hdr_parse(e, ETH_HDR_LEN, &out, &why), 0);
	free(e);
	assert_memory_equal(out.dst, in.dst, 6);
	assert_memory_equal(out.src, in.src, 6);
	assert_int_equal(out.type, ETH_TYPE_ARP);
	eth_hdr_emit(&out, b2);
	assert_memory_equal(b2, b, sizeof(b));
	/* The smallest value that is a type, not an 802.3 length. */
	put_be16(b + 12, ETH_TYPE_MIN);
	assert_int_equal(eth_hdr_parse(b, sizeof(b), &out, &why), 0);
}

/* RFC 894 / IEEE 802.3 3.2.3, 3.2.6: malformed Ethernet headers. */
static void test_eth_hdr_malformed_table_rejected_by_reason(void **state)
{
	static const struct {
		const char *what;
		size_t len;
		size_t off;		/* 16 bits to set; SIZE_MAX: none */
		uint16_t word;
		enum net_stat why;
	} cases[] = {
		{"empty", 0, SIZE_MAX, 0, NET_STAT_DROP_ETH_SHORT},
		{"13 bytes", 13, SIZE_MAX, 0, NET_STAT_DROP_ETH_SHORT},
		/* MAC_PEER 52:54:... with the I/G bit set */
		{"group source", 14, 6, 0x5354, NET_STAT_DROP_ETH_BAD_SRC},
		{"broadcast source", 14, 6, 0xffff, NET_STAT_DROP_ETH_BAD_SRC},
		{"802.3 length 1500", 14, 12, 1500, NET_STAT_DROP_ETH_TYPE},
		{"802.3 length 0", 14, 12, 0, NET_STAT_DROP_ETH_TYPE},
		{"reserved 0x05ff", 14, 12, 0x05ff, NET_STAT_DROP_ETH_TYPE},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t f[ETH_HDR_LEN];
		struct eth_hdr h;
		enum net_stat why = NET_STAT_COUNT;
		uint8_t *e;

		tb_eth(f, MAC_US, MAC_PEER, ETH_TYPE_IP);
		if (cases[i].off != SIZE_MAX)
			put_be16(f + cases[i].off, cases[i].word);
		e = exact(f, cases[i].len);
		if (eth_hdr_parse(e, cases[i].len, &h, &why) != -EINVAL)
			fail_msg("case '%s' accepted", cases[i].what);
		if (why != cases[i].why)
			fail_msg("case '%s': reason %s", cases[i].what,
				 net_stat_name(why));
		free(e);
	}
}

/* The same malformed frames from the wire are counted and dropped. */
static void test_eth_malformed_frames_counted_dropped(void **state)
{
	struct fixture *fx = *state;
	uint8_t ic[16], f[128];
	size_t il = tb_icmp_echo(ic, ICMP_ECHO_REQUEST, 1, 1, NULL, 0);
	size_t n = tb_frame_ip(f, IP_PEER, IP_US, IP_PROTO_ICMP, 1, 0, ic, il);

	fixture_learn_peer(fx);
	f[6] |= 1;		/* group source */
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_ETH_BAD_SRC), 1);
	f[6] &= (uint8_t)~1;
	put_be16(f + 12, (uint16_t)(n - ETH_HDR_LEN));	/* 802.3 length */
	inject(fx, f, n);
	assert_int_equal(stat(fx, NET_STAT_DROP_ETH_TYPE), 1);
	inject(fx, f, ETH_HDR_LEN - 1);
	assert_int_equal(stat(fx, NET_STAT_DROP_ETH_SHORT), 1);
	expect_no_tx(fx);
	/* Mended, the frame is answered. */
	put_be16(f + 12, ETH_TYPE_IP);
	inject(fx, f, n);
	pktbuf_free(expect_tx(fx, ETH_TYPE_IP));
}

/* RFC 768 "Format": four 16-bit fields, big-endian. */
static void test_udp_hdr_emit_parse_round_trip(void **state)
{
	static const uint8_t wire[UDP_HDR_LEN] = {
		0x00, 0x44, 0x00, 0x43, 0x00, 0x0c, 0xff, 0xff,
	};
	struct udp_hdr in = {.sport = 68, .dport = 67, .len = 12,
			     .csum = 0xffff};
	struct udp_hdr out;
	uint8_t b[12] = {0}, b2[UDP_HDR_LEN];
	enum net_stat why;
	uint8_t *e;

	(void)state;
	udp_hdr_emit(&in, b);
	assert_memory_equal(b, wire, sizeof(wire));
	e = exact(b, sizeof(b));
	assert_int_equal(udp_hdr_parse(e, sizeof(b), &out, &why), 0);
	free(e);
	assert_int_equal(out.sport, 68);
	assert_int_equal(out.dport, 67);
	assert_int_equal(out.len, 12);
	assert_int_equal(out.csum, 0xffff);
	udp_hdr_emit(&out, b2);
	assert_memory_equal(b2, wire, sizeof(wire));
	/* Bytes past the length field (IP padding) are allowed. */
	e = exact(b, sizeof(b));
	put_be16(e + 4, UDP_HDR_LEN);
	assert_int_equal(udp_hdr_parse(e, sizeof(b), &out, &why), 0);
	assert_int_equal(out.len, UDP_HDR_LEN);
	free(e);
}

/* RFC 768 "Length": at least the header, at most the datagram. */
static void test_udp_hdr_malformed_table_rejected_by_reason(void **state)
{
	static const struct {
		const char *what;
		size_t len;		/* bytes given to parse */
		uint16_t ulen;		/* the length field */
		enum net_stat why;
	} cases[] = {
		{"empty", 0, 8, NET_STAT_DROP_UDP_SHORT},
		{"7 bytes", 7, 7, NET_STAT_DROP_UDP_SHORT},
		{"length 0", 8, 0, NET_STAT_DROP_UDP_BAD_LEN},
		{"length 7", 8, 7, NET_STAT_DROP_UDP_BAD_LEN},
		{"length past datagram", 12, 13, NET_STAT_DROP_UDP_BAD_LEN},
		{"length 65535 in 8", 8, 0xffff, NET_STAT_DROP_UDP_BAD_LEN},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct udp_hdr h = {.sport = 1, .dport = 2,
				    .len = cases[i].ulen};
		enum net_stat why = NET_STAT_COUNT;
		uint8_t b[16] = {0};
		uint8_t *e;

		udp_hdr_emit(&h, b);
		e = exact(b, cases[i].len);
		if (udp_hdr_parse(e, cases[i].len, &h, &why) != -EINVAL)
			fail_msg("case '%s' accepted", cases[i].what);
		if (why != cases[i].why)
			fail_msg("case '%s': reason %s", cases[i].what,
				 net_stat_name(why));
		free(e);
	}
}

/*
 * RFC 792 "Echo or Echo Reply Message": type, code, checksum, identifier,
 * sequence number; the checksum is the one's complement sum over the
 * message with the checksum field zero (RFC 1071).
 */
static void test_icmp_hdr_emit_parse_round_trip(void **state)
{
	/* ~(0x0800 + 0x1234 + 0x0001 + 0x6869) = ~0x829e = 0x7d61 */
	static const uint8_t wire[10] = {
		0x08, 0x00, 0x7d, 0x61, 0x12, 0x34, 0x00, 0x01, 'h', 'i',
	};
	struct icmp_hdr in = {.type = ICMP_ECHO_REQUEST, .code = 0,
			      .csum = 0xdead, .id = 0x1234, .seq = 1};
	struct icmp_hdr out;
	uint8_t b[10] = {0}, b2[10];
	enum net_stat why;
	uint8_t *e;

	(void)state;
	memcpy(b + ICMP_HDR_LEN, "hi", 2);
	icmp_hdr_emit(&in, b, sizeof(b));	/* csum 0xdead ignored */
	assert_memory_equal(b, wire, sizeof(wire));
	e = exact(b, sizeof(b));
	assert_int_equal(icmp_hdr_parse(e, sizeof(b), &out, &why), 0);
	free(e);
	assert_int_equal(out.type, ICMP_ECHO_REQUEST);
	assert_int_equal(out.code, 0);
	assert_int_equal(out.csum, 0x7d61);
	assert_int_equal(out.id, 0x1234);
	assert_int_equal(out.seq, 1);
	memcpy(b2, b, sizeof(b));
	icmp_hdr_emit(&out, b2, sizeof(b2));
	assert_memory_equal(b2, wire, sizeof(wire));
	/* An error: unused word zero, needfrag's MTU in the low half. */
	in = (struct icmp_hdr){.type = ICMP_DEST_UNREACH,
			       .code = ICMP_UNREACH_NEEDFRAG, .seq = 1400};
	icmp_hdr_emit(&in, b, ICMP_HDR_LEN);
	assert_int_equal(get_be32(b + 4), 1400);
	assert_int_equal(icmp_hdr_parse(b, ICMP_HDR_LEN, &out, &why), 0);
	assert_int_equal(out.type, ICMP_DEST_UNREACH);
	assert_int_equal(out.code, ICMP_UNREACH_NEEDFRAG);
	assert_int_equal(out.id, 0);
	assert_int_equal(out.seq, 1400);
}

/* RFC 792: short messages and bad checksums. */
static void test_icmp_hdr_malformed_table_rejected_by_reason(void **state)
{
	static const struct {
		const char *what;
		size_t len;		/* bytes given to parse */
		size_t flip;		/* byte to corrupt; SIZE_MAX: none */
		enum net_stat why;
	} cases[] = {
		{"empty", 0, SIZE_MAX, NET_STAT_DROP_ICMP_SHORT},
		{"7 bytes", 7, SIZE_MAX, NET_STAT_DROP_ICMP_SHORT},
		{"type corrupted", 12, 0, NET_STAT_DROP_ICMP_CHECKSUM},
		{"data corrupted", 12, 11, NET_STAT_DROP_ICMP_CHECKSUM},
		{"data cut (sum over less)", 10, SIZE_MAX,
		 NET_STAT_DROP_ICMP_CHECKSUM},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct icmp_hdr h = {.type = ICMP_ECHO_REPLY, .id = 7,
				     .seq = 9};
		enum net_stat why = NET_STAT_COUNT;
		uint8_t b[12] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
		uint8_t *e;

		icmp_hdr_emit(&h, b, sizeof(b));
		if (cases[i].flip != SIZE_MAX)
			b[cases[i].flip] ^= 0x40;
		e = exact(b, cases[i].len);
		if (icmp_hdr_parse(e, cases[i].len, &h, &why) != -EINVAL)
			fail_msg("case '%s' accepted", cases[i].what);
		if (why != cases[i].why)
			fail_msg("case '%s': reason %s", cases[i].what,
				 net_stat_name(why));
		free(e);
	}
}

/* RFC 791 3.1: the flags and fragment offset share one 16-bit word. */
static void test_ip_flags_emit_wire_bits(void **state)
{
	static const struct {
		bool df, mf;
		uint16_t frag_off;	/* bytes */
		uint16_t word;		/* on the wire */
	} cases[] = {
		{false, false, 0, 0x0000},
		{true, false, 0, 0x4000},
		{false, true, 0, 0x2000},
		{false, true, 1480, 0x2000 | 185},
		{false, false, 65528, 0x1fff},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ip_hdr in = {.hdr_len = IP_HDR_LEN, .tot_len = 20,
				    .ttl = 1, .df = cases[i].df,
				    .mf = cases[i].mf,
				    .frag_off = cases[i].frag_off};
		struct ip_hdr out;
		enum net_stat why;
		uint8_t b[IP_HDR_LEN];

		ip_hdr_emit(&in, b);
		assert_int_equal(b[0], 0x45);
		assert_int_equal(get_be16(b + 6), cases[i].word);
		assert_int_equal(ip_hdr_parse(b, sizeof(b), &out, &why), 0);
		assert_int_equal(out.df, cases[i].df);
		assert_int_equal(out.mf, cases[i].mf);
		assert_int_equal(out.frag_off, cases[i].frag_off);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_hdr_emit_parse_round_trip),
		cmocka_unit_test(test_eth_hdr_malformed_table_rejected_by_reason),
		T(test_eth_malformed_frames_counted_dropped),
		cmocka_unit_test(test_udp_hdr_emit_parse_round_trip),
		cmocka_unit_test(test_udp_hdr_malformed_table_rejected_by_reason),
		cmocka_unit_test(test_icmp_hdr_emit_parse_round_trip),
		cmocka_unit_test(test_icmp_hdr_malformed_table_rejected_by_reason),
		cmocka_unit_test(test_ip_flags_emit_wire_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
