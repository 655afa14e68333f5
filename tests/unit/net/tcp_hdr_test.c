/*
 * tcp_hdr_test.c: the TCP header view (net/tcp_hdr.c), sequence
 * arithmetic (net/tcp_seq.h) and SipHash-2-4 (net/siphash.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../net/tcp_hdr.h"
#include "../../../net/tcp_seq.h"
#include "../../../net/siphash.h"
#include "../../../net/byteorder.h"

/* RFC 9293 3.1, RFC 7323 2.2 / 3.2, RFC 2018 2 / 3: every field and
 * option survives emit then parse. */
static void test_hdr_all_options_round_trip(void **state)
{
	struct tcp_hdr a, b;
	uint8_t buf[TCP_HDR_MAX];
	enum net_stat why;
	size_t n;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.sport = 1234;
	a.dport = 80;
	a.seq = 0xdeadbeef;
	a.ack = 0x01020304;
	a.flags = TCP_SYN | TCP_ACK;
	a.wnd = 65000;
	a.urp = 7;
	a.has_mss = true;
	a.mss = 1460;
	a.has_ws = true;
	a.ws = 7;
	a.sack_perm = true;
	a.has_ts = true;
	a.tsval = 111;
	a.tsecr = 222;
	n = tcp_hdr_emit(&a, buf);
	assert_int_equal(n, 20 + 4 + 12 + 4);
	assert_int_equal(n, TCP_HDR_LEN + tcp_hdr_opt_len(&a));
	assert_int_equal(tcp_hdr_parse(buf, n, &b, &why), 0);
	assert_int_equal(b.sport, 1234);
	assert_int_equal(b.dport, 80);
	assert_int_equal(b.seq, 0xdeadbeef);
	assert_int_equal(b.ack, 0x01020304);
	assert_int_equal(b.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(b.wnd, 65000);
	assert_int_equal(b.urp, 7);
	assert_int_equal(b.hdr_len, n);
	assert_true(b.has_mss && b.mss == 1460);
	assert_true(b.has_ws && b.ws == 7);
	assert_true(b.sack_perm);
	assert_true(b.has_ts && b.tsval == 111 && b.tsecr == 222);
	assert_false(b.opt_err);
	assert_int_equal(b.nsack, 0);
}

/* RFC 2018 3: with timestamps three SACK blocks fit; the fourth is left
 * out, the first (most recent) kept. */
static void test_hdr_sack_blocks_round_trip_and_fit(void **state)
{
	struct tcp_hdr a, b;
	uint8_t buf[TCP_HDR_MAX];
	enum net_stat why;
	size_t n;
	int i;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.flags = TCP_ACK;
	a.nsack = 4;
	for (i = 0; i < 4; i++) {
		a.sack[i].start = 1000u * (uint32_t)(i + 1);
		a.sack[i].end = 1000u * (uint32_t)(i + 1) + 500;
	}
	n = tcp_hdr_emit(&a, buf);
	assert_int_equal(n, 20 + 4 + 32);
	assert_int_equal(tcp_hdr_parse(buf, n, &b, &why), 0);
	assert_int_equal(b.nsack, 4);
	a.has_ts = true;
	n = tcp_hdr_emit(&a, buf);
	assert_int_equal(n, 20 + 12 + 4 + 24);
	assert_int_equal(tcp_hdr_parse(buf, n, &b, &why), 0);
	assert_int_equal(b.nsack, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(b.sack[i].start, a.sack[i].start);
		assert_int_equal(b.sack[i].end, a.sack[i].end);
	}
}

struct bad_case {
	const char *what;
	uint8_t opts[40];
	uint8_t optlen;		/* bytes of options (multiple of 4) */
	int ret;		/* 0 or -EINVAL */
	bool opt_err;
	bool has_mss;		/* an MSS placed before the bad part survives */
};

/* RFC 9293 3.1: "MUST be prepared to handle an illegal option length
 * (e.g., zero)"; RFC 1122 4.2.2.5: unknown options are skipped. */
static void test_hdr_malformed_options_table(void **state)
{
	static const struct bad_case cases[] = {
		{"zero length", {2, 4, 5, 0xb4, 8, 0, 1, 1}, 8, 0, true, true},
		{"length one", {2, 4, 5, 0xb4, 30, 1, 0, 0}, 8, 0, true, true},
		{"past the end", {2, 4, 5, 0xb4, 1, 1, 8, 10}, 8, 0, true, true},
		{"no length byte", {1, 1, 1, 2}, 4, 0, true, false},
		{"mss wrong len", {2, 3, 5, 0}, 4, 0, true, false},
		{"wscale wrong len", {3, 4, 7, 0}, 4, 0, true, false},
		{"ts wrong len", {8, 6, 0, 0, 0, 0, 0, 0}, 8, 0, true, false},
		{"sack odd len", {5, 7, 0, 0, 0, 0, 0, 0}, 8, 0, true, false},
		{"sack-perm len 3", {4, 3, 0, 0}, 4, 0, true, false},
		{"unknown kind skipped", {99, 4, 0, 0, 2, 4, 5, 0xb4}, 8, 0,
		 false, true},
		{"eol stops", {0, 2, 4, 5, 0xb4, 0, 0, 0}, 8, 0, false, false},
	};
	uint8_t buf[TCP_HDR_MAX];
	struct tcp_hdr h;
	enum net_stat why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];

		memset(buf, 0, sizeof(buf));
		buf[12] = (uint8_t)(((20 + c->optlen) / 4) << 4);
		memcpy(buf + 20, c->opts, c->optlen);
		assert_int_equal(tcp_hdr_parse(buf, 20u + c->optlen, &h, &why),
				 c->ret);
		if (h.opt_err != c->opt_err || h.has_mss != c->has_mss)
			fail_msg("case '%s'", c->what);
	}
}

/* RFC 9293 3.1: short headers and data offsets outside 20..len. */
static void test_hdr_short_and_bad_offset_rejected(void **state)
{
	uint8_t buf[64] = {0};
	struct tcp_hdr h;
	enum net_stat why;

	(void)state;
	assert_int_equal(tcp_hdr_parse(buf, 19, &h, &why), -EINVAL);
	assert_int_equal(why, NET_STAT_DROP_TCP_SHORT);
	buf[12] = 4 << 4;	/* 16 bytes */
	assert_int_equal(tcp_hdr_parse(buf, 40, &h, &why), -EINVAL);
	assert_int_equal(why, NET_STAT_DROP_TCP_BAD_OFF);
	buf[12] = 15 << 4;	/* 60 bytes, only 40 there */
	assert_int_equal(tcp_hdr_parse(buf, 40, &h, &why), -EINVAL);
	assert_int_equal(why, NET_STAT_DROP_TCP_BAD_OFF);
	buf[12] = 5 << 4;
	assert_int_equal(tcp_hdr_parse(buf, 20, &h, &why), 0);
}

/* RFC 9293 3.4: comparisons wrap around 2^32. */
static void test_seq_compare_wraps(void **state)
{
	(void)state;
	assert_true(seq_lt(0xfffffff0u, 0x10u));
	assert_true(seq_gt(0x10u, 0xfffffff0u));
	assert_true(seq_leq(5, 5) && seq_geq(5, 5));
	assert_false(seq_lt(5, 5));
	assert_true(seq_in(0, 0xffffff00u, 0x100u));
	assert_false(seq_in(0x100u, 0xffffff00u, 0x100u));
	assert_int_equal(seq_max(0xfffffff0u, 0x10u), 0x10u);
}

/* SipHash paper, Appendix A: key 00..0f, message 00..0e. */
static void test_siphash24_paper_vector(void **state)
{
	struct siphash_key k = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
	uint8_t m[15];
	int i;

	(void)state;
	for (i = 0; i < 15; i++)
		m[i] = (uint8_t)i;
	assert_true(siphash24(&k, m, 15) == 0xa129ca6149be45e5ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_all_options_round_trip),
		cmocka_unit_test(test_hdr_sack_blocks_round_trip_and_fit),
		cmocka_unit_test(test_hdr_malformed_options_table),
		cmocka_unit_test(test_hdr_short_and_bad_offset_rejected),
		cmocka_unit_test(test_seq_compare_wraps),
		cmocka_unit_test(test_siphash24_paper_vector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
