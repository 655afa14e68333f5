/*
 * tests/unit/arch/rdrand_test.c: the RDRAND helper (arch/x86_64/rdrand.c):
 * its bounded retry and first-use check against a scripted generator, then
 * the real instruction on the host CPU.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/rdrand.h"

/* A scripted DRNG: the first `fails` steps report "no value ready", then values come from `next`. */
static struct {
	int fails;
	int steps;
	uint32_t next;
	uint32_t stride;   /* added to next after each value; 0 = stuck */
} drng;

static void drng_script(int fails, uint32_t first, uint32_t stride)
{
	drng.fails = fails;
	drng.steps = 0;
	drng.next = first;
	drng.stride = stride;
}

static bool drng_step(uint32_t *v)
{
	drng.steps++;
	if (drng.fails > 0) {
		drng.fails--;
		*v = 0;     /* SDM: the destination is zeroed when CF = 0 */
		return false;
	}
	*v = drng.next;
	drng.next += drng.stride;
	return true;
}

/* DRNG guide 5.2.1: a value on the first try is returned at once. */
static void test_ready_first_try_value_returned(void **state)
{
	(void)state;
	uint32_t v = 0;
	drng_script(0, 0x12345678, 1);
	assert_int_equal(rdrand_retry(drng_step, &v), 0);
	assert_int_equal(v, 0x12345678);
	assert_int_equal(drng.steps, 1);
}

/* DRNG guide 5.2.1: up to ten tries; success on the tenth still counts. */
static void test_nine_underflows_tenth_try_value_returned(void **state)
{
	(void)state;
	uint32_t v = 0;
	drng_script(RDRAND_RETRIES - 1, 0xabcdef01, 1);
	assert_int_equal(rdrand_retry(drng_step, &v), 0);
	assert_int_equal(v, 0xabcdef01);
	assert_int_equal(drng.steps, RDRAND_RETRIES);
}

/* DRNG guide 5.2.1: ten failures in a row: give up (bounded), leave the output alone. */
static void test_ten_underflows_eagain_output_untouched(void **state)
{
	(void)state;
	uint32_t v = 0x5a5a5a5a;
	drng_script(1000, 1, 1);
	assert_int_equal(rdrand_retry(drng_step, &v), -EAGAIN);
	assert_int_equal(v, 0x5a5a5a5a);
	assert_int_equal(drng.steps, RDRAND_RETRIES);
}

/* A generator stuck on all ones (CF = 1 every time) is not random: rejected. */
static void test_stuck_all_ones_not_sane(void **state)
{
	(void)state;
	drng_script(0, 0xffffffffu, 0);
	assert_false(rdrand_sane(drng_step));
}

static void test_varying_values_sane(void **state)
{
	(void)state;
	drng_script(3, 7, 0x9e3779b9u);
	assert_true(rdrand_sane(drng_step));
}

static void test_generator_never_ready_not_sane(void **state)
{
	(void)state;
	drng_script(1 << 20, 7, 1);
	assert_false(rdrand_sane(drng_step));
	assert_int_equal(drng.steps, RDRAND_RETRIES);   /* bounded: one failed draw ends the check */
}

/* SDM vol. 2B: RDRAND exists when CPUID.01H:ECX[30] is set; the host's answer must match it. */
static void test_host_cpuid_bit_availability_and_values(void **state)
{
	(void)state;
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	bool has = c & (1u << 30);
	uint32_t v = 0x11111111;
	if (!has) {
		assert_false(rdrand_available());
		assert_int_equal(rdrand32(&v), -ENODEV);
		assert_int_equal(v, 0x11111111);
		return;
	}
	assert_true(rdrand_available());
	uint32_t first = 0;
	bool differ = false;
	for (int i = 0; i < 16; i++) {
		assert_int_equal(rdrand32(&v), 0);
		if (i == 0)
			first = v;
		else if (v != first)
			differ = true;
	}
	assert_true(differ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_first_try_value_returned),
		cmocka_unit_test(test_nine_underflows_tenth_try_value_returned),
		cmocka_unit_test(test_ten_underflows_eagain_output_untouched),
		cmocka_unit_test(test_stuck_all_ones_not_sane),
		cmocka_unit_test(test_varying_values_sane),
		cmocka_unit_test(test_generator_never_ready_not_sane),
		cmocka_unit_test(test_host_cpuid_bit_availability_and_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
