/*
 * tests/unit/kernel/ksyms_test.c: kernel/ksyms.c over a table that
 * tools/gen-ksyms.sh made from a synthetic listing
 * (tests/unit/kernel/ksyms_listing.awk, its path in KSYMS_LISTING): every
 * text symbol is found at its first and last byte and its address comes
 * back exactly, the 256 IDT stubs are one entry (isr_stubs), other symbols
 * are not in the table, and an address formats as "@hex" (the name is the
 * host's business: tools/symbolize.sh) within the caller's buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/ksyms.h"

#define MAX_SYMS 4096

static uint64_t want_addr[MAX_SYMS];
static char want_name[MAX_SYMS][64];
static size_t want_n;

/* The listing as the generator reads it: text and weak symbols but isr_stub_N. */
static int load_listing(void **state)
{
	(void)state;
	FILE *f = fopen(KSYMS_LISTING, "r");
	if (!f)
		return -1;
	char line[256], type[4], name[128];
	unsigned long long a;
	want_n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %3s %127s", &a, type, name) != 3 || !strchr("tTwW", type[0]))
			continue;
		if (!strncmp(name, "isr_stub_", 9))
			continue;
		if (want_n == MAX_SYMS || strlen(name) >= sizeof(want_name[0]))
			break;
		want_addr[want_n] = a;
		strcpy(want_name[want_n], name);
		want_n++;
	}
	fclose(f);
	return want_n > 1000 ? 0 : -1;
}

static void test_count_is_text_symbols_but_stubs(void **state)
{
	(void)state;
	assert_int_equal(ksyms_count(), want_n);
}

static void test_every_symbol_found_at_first_and_last_byte(void **state)
{
	(void)state;
	for (size_t i = 0; i < want_n; i++) {
		assert_int_equal(ksyms_addr(i), want_addr[i]);
		assert_int_equal(ksyms_index(want_addr[i]), (long)i);
		if (i + 1 < want_n)
			assert_int_equal(ksyms_index(want_addr[i + 1] - 1), (long)i);
	}
	/* Past the last symbol: still the last one (nm gives no sizes). */
	assert_int_equal(ksyms_index(want_addr[want_n - 1] + 100000), (long)want_n - 1);
}

static void test_below_first_and_above_4g_not_found(void **state)
{
	(void)state;
	assert_int_equal(ksyms_index(want_addr[0] - 1), -1);
	assert_int_equal(ksyms_index(0), -1);
	assert_int_equal(ksyms_index(0x100000000ull + want_addr[0]), -1);
}

static void test_stubs_are_one_entry(void **state)
{
	(void)state;
	long i = ksyms_index(0x100000 + 255 * 16 + 3);     /* inside isr_stub_255 */
	assert_int_equal(i, 0);
	assert_string_equal(want_name[0], "isr_stubs");
	assert_int_equal(ksyms_addr(0), 0x100000);
}

static void test_format_is_address_in_buffer(void **state)
{
	(void)state;
	char buf[KSYMS_FMT_MAX], want[KSYMS_FMT_MAX];
	size_t i = want_n / 2;
	ksyms_format(want_addr[i] + 3, buf, sizeof(buf));
	snprintf(want, sizeof(want), "@%llx", (unsigned long long)want_addr[i] + 3);
	assert_string_equal(buf, want);
	ksyms_format(UINT32_MAX, buf, sizeof(buf));      /* the longest a table address prints */
	assert_string_equal(buf, "@ffffffff");
	ksyms_format(want_addr[0] - 1, buf, sizeof(buf));
	assert_string_equal(buf, "?");
	memset(buf, 'Z', sizeof(buf));
	ksyms_format(want_addr[i], buf, 4);              /* truncated, still terminated */
	assert_int_equal(strlen(buf), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_is_text_symbols_but_stubs),
		cmocka_unit_test(test_every_symbol_found_at_first_and_last_byte),
		cmocka_unit_test(test_below_first_and_above_4g_not_found),
		cmocka_unit_test(test_stubs_are_one_entry),
		cmocka_unit_test(test_format_is_address_in_buffer),
	};
	return cmocka_run_group_tests(tests, load_listing, NULL);
}
