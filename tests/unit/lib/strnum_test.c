/*
 * tests/unit/lib/strnum_test.c: lib/strnum.c, the parser behind strtol and
 * friends (C11 7.22.1.4), against the host's strtoull: magnitude, sign,
 * end pointer and overflow for each base rule and the edge cases.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/strnum.h"

/* Parses with both and checks digits used, end and magnitude agree. */
static void check_like_libc(const char *s, int base)
{
	struct strnum n;
	const char *end;
	char *ref_end;
	assert_true(strnum_parse(s, base, &n, &end));
	errno = 0;
	unsigned long long ref = strtoull(s, &ref_end, base);
	bool ref_overflow = errno == ERANGE;
	if (end != ref_end)
		fail_msg("\"%s\" base %d: end at %td, libc at %td", s, base, end - s, ref_end - s);
	if (n.overflow != ref_overflow)
		fail_msg("\"%s\" base %d: overflow %d, libc %d", s, base, n.overflow, ref_overflow);
	if (!ref_overflow) {
		unsigned long long ours = n.neg ? 0 - n.mag : n.mag;
		if (ours != ref)
			fail_msg("\"%s\" base %d: %llu, libc %llu", s, base, ours, ref);
	}
}

/* C11 7.22.1.4p3: base 10 digits after white space and a sign. */
static void test_decimal_with_space_and_sign_matches_libc(void **state)
{
	(void)state;
	check_like_libc("0", 10);
	check_like_libc("12345", 10);
	check_like_libc("  \t\n-42xyz", 10);
	check_like_libc("+7", 10);
	check_like_libc("18446744073709551615", 10);
	check_like_libc("-1", 10);
}

/* C11 7.22.1.4p3: base 0 picks 0x hex, 0 octal, else decimal. */
static void test_base_zero_prefixes_match_libc(void **state)
{
	(void)state;
	check_like_libc("0x1F", 0);
	check_like_libc("0X1f", 16);
	check_like_libc("0755", 0);
	check_like_libc("0", 0);
	check_like_libc("089", 0);
	check_like_libc("z", 36);
	check_like_libc("101", 2);
}

/* "0x" with no hex digit after it is the number 0, ending at the x. */
static void test_bare_0x_prefix_parses_zero_like_libc(void **state)
{
	(void)state;
	check_like_libc("0x", 0);
	check_like_libc("0xg", 16);
	check_like_libc("-0x", 0);
}

/* C11 7.22.1.4p7: no digits: end is s itself. */
static void test_no_digits_end_at_start(void **state)
{
	(void)state;
	check_like_libc("", 10);
	check_like_libc("   ", 10);
	check_like_libc("-", 10);
	check_like_libc("+x", 16);
	struct strnum n;
	const char *s = "  -", *end;
	assert_true(strnum_parse(s, 10, &n, &end));
	assert_false(n.any);
	assert_ptr_equal(end, s);
}

/* C11 7.22.1.4p8: a value out of range is reported, not wrapped. */
static void test_overflow_saturates_and_is_flagged(void **state)
{
	(void)state;
	check_like_libc("18446744073709551616", 10);
	check_like_libc("99999999999999999999999999", 10);
	check_like_libc("0x10000000000000000", 16);
	struct strnum n;
	const char *end;
	strnum_parse("123456789012345678901234567890", 10, &n, &end);
	assert_true(n.overflow);
	assert_int_equal(n.mag, UINT64_MAX);
}

static void test_bad_base_is_refused(void **state)
{
	(void)state;
	struct strnum n;
	const char *s = "10", *end;
	assert_false(strnum_parse(s, 1, &n, &end));
	assert_false(strnum_parse(s, 37, &n, &end));
	assert_false(strnum_parse(s, -2, &n, &end));
	assert_ptr_equal(end, s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal_with_space_and_sign_matches_libc),
		cmocka_unit_test(test_base_zero_prefixes_match_libc),
		cmocka_unit_test(test_bare_0x_prefix_parses_zero_like_libc),
		cmocka_unit_test(test_no_digits_end_at_start),
		cmocka_unit_test(test_overflow_saturates_and_is_flagged),
		cmocka_unit_test(test_bad_base_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
