/*
 * checksum_test.c: the Internet checksum, RFC 1071, and its incremental
 * update, RFC 1624.
 *
 * The word-wide csum_partial() is checked against ref_partial(), a plain
 * byte-at-a-time sum of big-endian 16-bit words (the loop it replaced),
 * on random data of every length 0..2000 at every alignment 0..7; each
 * buffer is its own heap block ending at its last byte, so ASan reports
 * any load that reads past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../net/checksum.h"
#include "../../../net/byteorder.h"

#define MAX_LEN 2000
#define MAX_ALIGN 8

/* The byte-wise RFC 1071 4.1 loop, as net/checksum.c had it. */
static uint32_t ref_partial(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t acc = sum;

	while (len >= 2) {
		acc += (uint32_t)((p[0] << 8) | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)(p[0] << 8);
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

/* xorshift64: fixed seed, so a failure repeats. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static void fill_random(uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)rnd();
}

/* A copy of src at offset align of its own heap block, ending the block. */
static uint8_t *copy_at(const uint8_t *src, size_t len, size_t align,
			uint8_t **block)
{
	*block = malloc(align + len + 1);	/* +1: malloc(0) may be NULL */
	assert_non_null(*block);
	memcpy(*block + align, src, len);
	return *block + align;
}

/* Checks csum_partial(b, len, sum) against the reference, and its range. */
static void check_partial(const uint8_t *b, size_t len, uint32_t sum)
{
	uint32_t got = csum_partial(b, len, sum);

	assert_true(got <= 0xffffu);
	assert_int_equal(csum_fold(got), csum_fold(ref_partial(b, len, sum)));
}

/* RFC 1071 3: the worked example 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
static void test_rfc1071_example_sum_matches(void **state)
{
	const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	(void)state;
	assert_int_equal(csum_fold(csum_partial(b, sizeof(b), 0)),
			 (uint16_t)~0xddf2);
}

/* RFC 1071 1 [2]: an odd trailing byte is padded with zero on the right. */
static void test_odd_length_pads_low_byte(void **state)
{
	const uint8_t odd[] = {0x12, 0x34, 0x56};
	const uint8_t even[] = {0x12, 0x34, 0x56, 0x00};

	(void)state;
	assert_int_equal(inet_csum(odd, 3), inet_csum(even, 4));
	assert_int_equal(inet_csum(odd, 3), (uint16_t)~(0x1234 + 0x5600));
}

/* RFC 1071 1: carries out of bit 15 wrap around (end-around carry). */
static void test_carries_fold_end_around(void **state)
{
	uint8_t b[4096];

	(void)state;
	memset(b, 0xff, sizeof(b));
	/* Any sum of 0xffff words folds to 0xffff, whose complement is 0. */
	assert_int_equal(inet_csum(b, sizeof(b)), 0);
	b[0] = 0x80;	/* 0x80ff + 2047 * 0xffff: one carry path */
	assert_int_equal(inet_csum(b, sizeof(b)), (uint16_t)~0x80ff);
}

/* RFC 1071 2(A): the sum is independent of how the buffer is split. */
static void test_chained_partials_equal_whole(void **state)
{
	uint8_t b[1001];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(csum_fold(csum_partial(b + 500, 501,
						csum_partial(b, 500, 0))),
			 inet_csum(b, sizeof(b)));
}

/* RFC 1071 1: a buffer carrying its own checksum sums to zero. */
static void test_header_with_checksum_verifies_zero(void **state)
{
	uint8_t h[20] = {0x45, 0, 0, 0x54, 0x12, 0x34, 0x40, 0, 64, 1, 0, 0,
			 10, 0, 0, 1, 10, 0, 0, 2};

	(void)state;
	put_be16(h + 10, inet_csum(h, 20));
	assert_int_equal(inet_csum(h, 20), 0);
	h[8] = 63;
	assert_int_not_equal(inet_csum(h, 20), 0);
}

/* RFC 768: the pseudo header is src, dst, zero/proto, length. */
static void test_pseudo_header_sums_fields(void **state)
{
	uint8_t ph[12];

	(void)state;
	put_be32(ph, 0x0a000001);
	put_be32(ph + 4, 0xc0a80101);
	ph[8] = 0;
	ph[9] = 17;
	put_be16(ph + 10, 28);
	assert_int_equal(csum_fold(csum_pseudo(0x0a000001, 0xc0a80101, 17, 28)),
			 inet_csum(ph, sizeof(ph)));
}

/*
 * RFC 1071 2(B)-2(D): summing wider words with deferred carries gives the
 * 16-bit sum; the word-wide loop equals the byte loop on every length and
 * alignment, with or without an incoming sum.
 */
static void test_partial_every_length_and_alignment_equals_bytewise(void **state)
{
	static uint8_t src[MAX_LEN];
	size_t len, align;

	(void)state;
	fill_random(src, sizeof(src));
	for (len = 0; len <= MAX_LEN; len++) {
		for (align = 0; align < MAX_ALIGN; align++) {
			uint8_t *block;
			const uint8_t *b = copy_at(src, len, align, &block);

			check_partial(b, len, 0);
			check_partial(b, len, rnd());
			free(block);
		}
		/* New data each length, so tails see every byte pattern. */
		fill_random(src, len);
	}
}

/*
 * RFC 1071 1, RFC 1624 3: +0 and -0. All-zero data sums to +0 (checksum 0xffff);
 * nonzero data summing to a multiple of 0xffff sums to -0 (checksum 0).
 */
static void test_partial_zero_and_ones_data_keep_zero_sign(void **state)
{
	static uint8_t z[MAX_LEN], f[MAX_LEN];
	size_t len, align;

	(void)state;
	memset(f, 0xff, sizeof(f));
	for (len = 0; len <= MAX_LEN; len++) {
		for (align = 0; align < MAX_ALIGN; align++) {
			uint8_t *bz, *bf;
			const uint8_t *pz = copy_at(z, len, align, &bz);
			const uint8_t *pf = copy_at(f, len, align, &bf);

			assert_int_equal(csum_partial(pz, len, 0), 0);
			assert_int_equal(inet_csum(pz, len), 0xffff);
			check_partial(pz, len, 0xffff);
			check_partial(pf, len, 0);
			check_partial(pf, len, 0xffffffffu);
			free(bz);
			free(bf);
		}
	}
}

/* RFC 1071 2(D): incoming sums at the edges of 32 bits still fold right. */
static void test_partial_extreme_incoming_sums_equal_bytewise(void **state)
{
	static const uint32_t sums[] = {0, 1, 0xfffe, 0xffff, 0x10000,
					0x7fffffff, 0xfffeffff, 0xfffffffe,
					0xffffffff};
	uint8_t b[1500];
	size_t i, k;

	(void)state;
	for (k = 0; k < 50; k++) {
		size_t len = rnd() % sizeof(b);

		fill_random(b, len);
		for (i = 0; i < sizeof(sums) / sizeof(sums[0]); i++)
			check_partial(b, len, sums[i]);
	}
}

/*
 * RFC 1071 2(A): a sum chained through even-length pieces, the pseudo
 * header first as UDP and TCP do, equals the byte loop over the whole.
 */
static void test_partial_chained_pieces_equal_bytewise_whole(void **state)
{
	static uint8_t src[MAX_LEN];
	size_t len;

	(void)state;
	fill_random(src, sizeof(src));
	for (len = 0; len <= MAX_LEN; len++) {
		size_t cut1 = (rnd() % (len + 1)) & ~(size_t)1;
		size_t cut2 = cut1 + ((rnd() % (len - cut1 + 1)) & ~(size_t)1);
		uint32_t ph = csum_pseudo(rnd(), rnd(), (uint8_t)rnd(),
					  (uint16_t)len);
		uint32_t sum;

		sum = csum_partial(src + 1, cut1, ph);
		sum = csum_partial(src + 1 + cut1, cut2 - cut1, sum);
		sum = csum_partial(src + 1 + cut2, len - cut2, sum);
		assert_int_equal(csum_fold(sum),
				 csum_fold(ref_partial(src + 1, len, ph)));
		if (len == MAX_LEN - 1)
			break;	/* src + 1 holds MAX_LEN - 1 bytes */
	}
}

/*
 * RFC 1071 2(D): buffers longer than the 1 MiB that csum_partial() sums
 * between folds still agree.
 */
static void test_partial_long_buffers_equal_bytewise(void **state)
{
	static uint8_t b[(1 << 20) + 7];
	size_t align;

	(void)state;
	memset(b, 0xff, sizeof(b));
	for (align = 0; align < MAX_ALIGN; align++)
		check_partial(b + align, sizeof(b) - align, 0xffffffffu);
	fill_random(b, sizeof(b));
	for (align = 0; align < MAX_ALIGN; align++)
		check_partial(b + align, sizeof(b) - align, rnd());
}

/* a + b with end-around carry. */
static uint16_t ones_add(uint16_t a, uint16_t b)
{
	uint32_t x = (uint32_t)a + b;

	return (uint16_t)((x & 0xffffu) + (x >> 16));
}

/* The checksum of hdr (len even) with its field at csum_off zeroed. */
static uint16_t recompute(uint8_t *hdr, size_t len, size_t csum_off)
{
	put_be16(hdr + csum_off, 0);
	return csum_fold(ref_partial(hdr, len, 0));
}

/*
 * RFC 1624 4: the worked example. Other words sum to 0xCD7A, m = 0x5555
 * becomes 0x3285: HC = 0xDD2F, and recomputation gives 0x0000; eqn. 3
 * must too (RFC 1141's eqn. 2 gives 0xFFFF here, the RFC 1624 3 defect).
 */
static void test_update16_rfc1624_example_gives_0000(void **state)
{
	uint8_t h[6] = {0xcd, 0x7a, 0x55, 0x55, 0, 0};
	uint16_t hc;

	(void)state;
	hc = recompute(h, sizeof(h), 4);
	assert_int_equal(hc, 0xdd2f);
	put_be16(h + 2, 0x3285);
	assert_int_equal(recompute(h, sizeof(h), 4), 0x0000);
	assert_int_equal(csum_update16(hc, 0x5555, 0x3285), 0x0000);
}

/*
 * RFC 1624 3: an unchanged word leaves the checksum as it was, including a
 * stored 0x0000 (end-around carry keeps -0 from turning into 0xffff).
 */
static void test_update16_unchanged_word_keeps_checksum(void **state)
{
	uint32_t i;

	(void)state;
	for (i = 0; i <= 0xffff; i += 0x101)
		assert_int_equal(csum_update16(0x0000, (uint16_t)i, (uint16_t)i),
				 0x0000);
	assert_int_equal(csum_update16(0x1234, 0x5555, 0x5555), 0x1234);
	assert_int_equal(csum_update16(0xfffe, 0xffff, 0xffff), 0xfffe);
}

/*
 * RFC 1624 3: eqn. 3 equals recomputation for random headers, fields and
 * new values, half of them chosen so the new sum is a multiple of 0xffff
 * (recomputation gives 0x0000, the 0x0000/0xffff boundary).
 */
static void test_update16_random_equals_recompute(void **state)
{
	uint8_t h[64];
	int k;

	(void)state;
	for (k = 0; k < 200000; k++) {
		size_t len = 4 + 2 * (rnd() % 30);
		size_t csum_off = 2 * (rnd() % (len / 2));
		size_t off = 2 * (rnd() % (len / 2));
		uint16_t hc, m, m2, rest;

		if (off == csum_off)
			off = (off + 2) % len;
		fill_random(h, len);
		if (k % 7 == 0)
			memset(h, 0, len);	/* HC = 0xffff: all zero */
		hc = recompute(h, len, csum_off);
		m = get_be16(h + off);
		if (k % 2) {
			/* rest = folded sum of the other words; m2 = -rest. */
			put_be16(h + off, 0);
			rest = (uint16_t)~csum_fold(ref_partial(h, len, 0));
			m2 = (uint16_t)~rest;
		} else {
			m2 = (uint16_t)rnd();
		}
		put_be16(h + off, m2);
		if (csum_partial(h, len, 0) == 0)
			continue;	/* all zero: the documented exception */
		assert_int_equal(csum_update16(hc, m, m2),
				 recompute(h, len, csum_off));
	}
}

/*
 * The one case eqn. 3 cannot match: everything covered becomes zero.
 * Recomputation gives 0xffff (+0), eqn. 3 gives 0x0000 (-0).
 */
static void test_update16_to_all_zero_gives_0000_not_ffff(void **state)
{
	uint8_t h[4] = {0x12, 0x34, 0, 0};
	uint16_t hc;

	(void)state;
	hc = recompute(h, sizeof(h), 2);
	put_be16(h, 0);
	assert_int_equal(recompute(h, sizeof(h), 2), 0xffff);
	assert_int_equal(csum_update16(hc, 0x1234, 0), 0x0000);
}

/*
 * RFC 1624 3 applied to both halves of an address (as NAT or an ICMP reply
 * swapping source and destination would), including new addresses that
 * make the sum a multiple of 0xffff.
 */
static void test_update32_random_address_equals_recompute(void **state)
{
	uint8_t h[20];
	int k;

	(void)state;
	for (k = 0; k < 200000; k++) {
		size_t off = 12 + 4 * (rnd() % 2);	/* IPv4 src or dst */
		uint32_t a, a2;
		uint16_t hc, rest;

		fill_random(h, sizeof(h));
		h[0] = 0x45;
		hc = recompute(h, sizeof(h), 10);
		a = get_be32(h + off);
		if (k % 2) {
			put_be32(h + off, 0);
			rest = (uint16_t)~csum_fold(ref_partial(h, sizeof(h), 0));
			a2 = (uint32_t)rnd() << 16;
			/* lo = -rest - hi in ones' complement: hi + lo + rest = -0. */
			a2 |= ones_add((uint16_t)~rest, (uint16_t)~(a2 >> 16));
		} else {
			a2 = rnd();
		}
		put_be32(h + off, a2);
		assert_int_equal(csum_update32(hc, a, a2),
				 recompute(h, sizeof(h), 10));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example_sum_matches),
		cmocka_unit_test(test_odd_length_pads_low_byte),
		cmocka_unit_test(test_carries_fold_end_around),
		cmocka_unit_test(test_chained_partials_equal_whole),
		cmocka_unit_test(test_header_with_checksum_verifies_zero),
		cmocka_unit_test(test_pseudo_header_sums_fields),
		cmocka_unit_test(test_partial_every_length_and_alignment_equals_bytewise),
		cmocka_unit_test(test_partial_zero_and_ones_data_keep_zero_sign),
		cmocka_unit_test(test_partial_extreme_incoming_sums_equal_bytewise),
		cmocka_unit_test(test_partial_chained_pieces_equal_bytewise_whole),
		cmocka_unit_test(test_partial_long_buffers_equal_bytewise),
		cmocka_unit_test(test_update16_rfc1624_example_gives_0000),
		cmocka_unit_test(test_update16_unchanged_word_keeps_checksum),
		cmocka_unit_test(test_update16_random_equals_recompute),
		cmocka_unit_test(test_update16_to_all_zero_gives_0000_not_ffff),
		cmocka_unit_test(test_update32_random_address_equals_recompute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
