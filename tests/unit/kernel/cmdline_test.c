/*
 * tests/unit/kernel/cmdline_test.c: the option tokenizer and table behind
 * the kernel command line: good input sets options, later sources override
 * earlier ones, and every malformed token produces exactly one warning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/cmdline_parse.h"

struct warnings {
	int n;
	char last[160];
};

static void record_warning(void *ctx, const char *msg)
{
	struct warnings *w = ctx;
	w->n++;
	strncpy(w->last, msg, sizeof(w->last) - 1);
}

static struct cmdline cl;
static struct warnings warns;

static int setup(void **state)
{
	(void)state;
	memset(&cl, 0, sizeof(cl));
	memset(&warns, 0, sizeof(warns));
	cl.warn = record_warning;
	cl.warn_ctx = &warns;
	return 0;
}

static void test_parse_key_values_sets_each(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse(&cl, "  ip=10.0.2.15/24 gw=10.0.2.2\tping.count=3\n", "t"), 3);
	assert_string_equal(cmdline_lookup(&cl, "ip"), "10.0.2.15/24");
	assert_string_equal(cmdline_lookup(&cl, "gw"), "10.0.2.2");
	assert_string_equal(cmdline_lookup(&cl, "ping.count"), "3");
	assert_null(cmdline_lookup(&cl, "absent"));
	assert_int_equal(warns.n, 0);
}

static void test_parse_later_source_overrides_key(void **state)
{
	(void)state;
	cmdline_parse(&cl, "a=1 b=2", "image");
	cmdline_parse(&cl, "b=3", "fw_cfg");
	assert_string_equal(cmdline_lookup(&cl, "a"), "1");
	assert_string_equal(cmdline_lookup(&cl, "b"), "3");
	assert_int_equal(cl.n, 2);
	assert_string_equal(cl.opt[1].source, "fw_cfg");
}

static void test_parse_quoted_value_keeps_spaces(void **state)
{
	(void)state;
	cmdline_parse(&cl, "msg=\"hello world\" x=", "t");
	assert_string_equal(cmdline_lookup(&cl, "msg"), "hello world");
	assert_string_equal(cmdline_lookup(&cl, "x"), "");
	char buf[64];
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "msg=\"hello world\" x=\"\"");
}

/* Found by tests/fuzz/fuzz_cmdline.c: a quoted value may hold a tab or a
 * line end (both separate tokens), so format must quote it too or the
 * line it prints parses back to something else. */
static void test_format_quotes_every_blank_round_trips(void **state)
{
	(void)state;
	cmdline_parse(&cl, "a=\"x\ty\" b=\"1\n2\" c=\"r\rs\" d=plain", "t");
	char buf[128];
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "a=\"x\ty\" b=\"1\n2\" c=\"r\rs\" d=plain");
	static struct cmdline back;
	memset(&back, 0, sizeof(back));
	assert_int_equal(cmdline_parse(&back, buf, "t"), 4);
	assert_string_equal(cmdline_lookup(&back, "b"), "1\n2");
}

/* Each malformed token: skipped, exactly one warning naming it, the rest still parsed. */
static void test_parse_malformed_tokens_warn_once_each(void **state)
{
	(void)state;
	static const struct {
		const char *input;
		const char *warning_contains;
	} cases[] = {
		{ "noequals", "malformed option 'noequals'" },
		{ "=value", "empty key" },
		{ "bad/key=1", "bad character" },
		{ "q=\"unterminated", "unterminated quote" },
		{ "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk=1", "too long" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(NULL);
		char input[128];
		snprintf(input, sizeof(input), "good=1 %s", cases[i].input);
		cmdline_parse(&cl, input, "t");
		assert_int_equal(warns.n, 1);
		if (!strstr(warns.last, cases[i].warning_contains))
			fail_msg("input '%s': warning '%s' lacks '%s'", cases[i].input, warns.last,
				 cases[i].warning_contains);
		assert_string_equal(cmdline_lookup(&cl, "good"), "1");
		assert_int_equal(cl.n, 1);
	}
}

static void test_parse_table_full_warns_and_keeps_first(void **state)
{
	(void)state;
	char input[4096] = "";
	for (int i = 0; i < CMDLINE_MAX_OPTS + 2; i++) {
		char tok[32];
		snprintf(tok, sizeof(tok), "k%d=%d ", i, i);
		strcat(input, tok);
	}
	assert_int_equal(cmdline_parse(&cl, input, "t"), CMDLINE_MAX_OPTS);
	assert_int_equal(warns.n, 2);
	assert_string_equal(cmdline_lookup(&cl, "k0"), "0");
	assert_null(cmdline_lookup(&cl, "k65"));
}

static void test_parse_long_accepts_numbers_rejects_junk(void **state)
{
	(void)state;
	long v;
	assert_true(cmdline_parse_long("42", &v));
	assert_int_equal(v, 42);
	assert_true(cmdline_parse_long("-17", &v));
	assert_int_equal(v, -17);
	assert_true(cmdline_parse_long("0x1F", &v));
	assert_int_equal(v, 31);
	assert_true(cmdline_parse_long("9223372036854775807", &v));
	assert_true(cmdline_parse_long("-9223372036854775808", &v));
	assert_false(cmdline_parse_long("9223372036854775808", &v));
	assert_false(cmdline_parse_long("12abc", &v));
	assert_false(cmdline_parse_long("", &v));
	assert_false(cmdline_parse_long("-", &v));
	assert_false(cmdline_parse_long("0x", &v));
}

static void test_key_pattern_star_matches_digits_only(void **state)
{
	(void)state;
	assert_true(cmdline_key_matches("eth*.ip", "eth0.ip"));
	assert_true(cmdline_key_matches("eth*.ip", "eth12.ip"));
	assert_false(cmdline_key_matches("eth*.ip", "eth.ip"));
	assert_false(cmdline_key_matches("eth*.ip", "ethx.ip"));
	assert_false(cmdline_key_matches("eth*.ip", "eth0.ipx"));
	assert_true(cmdline_key_matches("test.fault", "test.fault"));
	assert_false(cmdline_key_matches("test.fault", "test.faul"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse_key_values_sets_each, setup),
		cmocka_unit_test_setup(test_parse_later_source_overrides_key, setup),
		cmocka_unit_test_setup(test_parse_quoted_value_keeps_spaces, setup),
		cmocka_unit_test_setup(test_format_quotes_every_blank_round_trips, setup),
		cmocka_unit_test_setup(test_parse_malformed_tokens_warn_once_each, setup),
		cmocka_unit_test_setup(test_parse_table_full_warns_and_keeps_first, setup),
		cmocka_unit_test_setup(test_parse_long_accepts_numbers_rejects_junk, setup),
		cmocka_unit_test_setup(test_key_pattern_star_matches_digits_only, setup),
	};
	return cmocka_run_group_tests_name("kernel/cmdline", tests, NULL, NULL);
}
