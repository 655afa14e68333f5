/*
 * checksum_test.c: the Internet checksum, RFC 1071.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "../../../net/checksum.h"
#include "../../../net/byteorder.h"

/* RFC 1071 3: the worked example 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
static void test_rfc1071_example_sum_matches(void **state)
{
	const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	(void)state;
	assert_int_equal(csum_fold(csum_partial(b, sizeof(b), 0)),
			 (uint16_t)~0xddf2);
}

/* RFC 1071 2(1): an odd trailing byte is padded with zero on the right. */
static void test_odd_length_pads_low_byte(void **state)
{
	const uint8_t odd[] = {0x12, 0x34, 0x56};
	const uint8_t even[] = {0x12, 0x34, 0x56, 0x00};

	(void)state;
	assert_int_equal(inet_csum(odd, 3), inet_csum(even, 4));
	assert_int_equal(inet_csum(odd, 3), (uint16_t)~(0x1234 + 0x5600));
}

/* RFC 1071 2(B): carries out of bit 15 wrap around (end-around carry). */
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

/* RFC 1071 2(C): the sum is independent of how the buffer is split. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example_sum_matches),
		cmocka_unit_test(test_odd_length_pads_low_byte),
		cmocka_unit_test(test_carries_fold_end_around),
		cmocka_unit_test(test_chained_partials_equal_whole),
		cmocka_unit_test(test_header_with_checksum_verifies_zero),
		cmocka_unit_test(test_pseudo_header_sums_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
