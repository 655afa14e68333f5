/*
 * tests/unit/lib/fmt_test.c: lib/fmt.c against the host's snprintf, which
 * is the reference for every conversion both support, plus the cases where
 * the kernel's formatter must cut output safely.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/fmt.h"

/* Formats with both engines and checks text and returned length agree. */
static void check_same(const char *fmt, ...)
{
	char ours[256], ref[256];
	va_list ap, aq;
	va_start(ap, fmt);
	va_copy(aq, ap);
	int n1 = fmt_vsnprintf(ours, sizeof(ours), fmt, ap);
	int n2 = vsnprintf(ref, sizeof(ref), fmt, aq);
	va_end(aq);
	va_end(ap);
	if (strcmp(ours, ref) != 0 || n1 != n2)
		fail_msg("format \"%s\": got \"%s\" (%d), want \"%s\" (%d)", fmt, ours, n1, ref, n2);
}

static void test_fmt_integers_match_libc(void **state)
{
	(void)state;
	check_same("%d %i %u", 42, -42, 42u);
	check_same("%d %d", 0, -2147483647 - 1);
	check_same("%u", 4294967295u);
	check_same("%ld %lu", -9223372036854775807L - 1, 18446744073709551615UL);
	check_same("%lld %llu", -1LL, 18446744073709551615ULL);
	check_same("%zu %zd", (size_t)123456789, (ptrdiff_t)-5);
	check_same("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
	check_same("%x %X %lx %#x %#X %o %#o", 0xdeadbeefu, 0xdeadbeefu, 0xfeedfacecafeUL, 255u, 255u, 8u, 8u);
}

static void test_fmt_width_padding_alignment_match_libc(void **state)
{
	(void)state;
	check_same("[%5d] [%-5d] [%05d] [%-05d]", 42, 42, 42, 42);
	check_same("[%05d] [%+d] [% d] [%+05d]", -42, 42, 42, 42);
	check_same("[%016lx] [%-16lx|]", 0x1234UL, 0x1234UL);
	check_same("[%8s] [%-8s] [%.3s] [%8.2s]", "abc", "abc", "abcdef", "abcdef");
	check_same("[%c] [%3c] [%-3c]", 'x', 'y', 'z');
	check_same("[%.5d] [%8.5d] [%-8.5x] [%.0d]", 42, -42, 255u, 0);
	check_same("[%*d] [%-*d] [%.*s]", 6, 7, 6, 7, 2, "hello");
	check_same("100%%");
}

static void test_fmt_pointer_is_hex_with_prefix(void **state)
{
	(void)state;
	char buf[64];
	fmt_snprintf(buf, sizeof(buf), "%p", (void *)0x1000);
	assert_string_equal(buf, "0x1000");
	fmt_snprintf(buf, sizeof(buf), "%p", (void *)0xffffffff80001234ULL);
	assert_string_equal(buf, "0xffffffff80001234");
}

static void test_fmt_null_string_prints_marker(void **state)
{
	(void)state;
	char buf[32];
	fmt_snprintf(buf, sizeof(buf), "[%s]", (char *)NULL);
	assert_string_equal(buf, "[(null)]");
}

static void test_fmt_short_buffer_truncates_and_returns_full_length(void **state)
{
	(void)state;
	char buf[8];
	memset(buf, 'X', sizeof(buf));
	int n = fmt_snprintf(buf, 5, "%s-%d", "abcdef", 12345);
	assert_int_equal(n, 12);
	assert_string_equal(buf, "abcd");
	assert_int_equal(buf[5], 'X');      /* nothing written past size */
	n = fmt_snprintf(buf, 0, "%d", 7);
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], 'a');      /* size 0 writes nothing */
}

static void test_fmt_unknown_conversion_is_printed_verbatim(void **state)
{
	(void)state;
	char buf[32];
	fmt_snprintf(buf, sizeof(buf), "a%qb");
	assert_string_equal(buf, "a%qb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_integers_match_libc),
		cmocka_unit_test(test_fmt_width_padding_alignment_match_libc),
		cmocka_unit_test(test_fmt_pointer_is_hex_with_prefix),
		cmocka_unit_test(test_fmt_null_string_prints_marker),
		cmocka_unit_test(test_fmt_short_buffer_truncates_and_returns_full_length),
		cmocka_unit_test(test_fmt_unknown_conversion_is_printed_verbatim),
	};
	return cmocka_run_group_tests_name("lib/fmt", tests, NULL, NULL);
}
