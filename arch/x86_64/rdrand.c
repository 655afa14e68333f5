/*
 * arch/x86_64/rdrand.c: RDRAND with the CPUID check, the bounded retry and
 * the first-use sanity check (see rdrand.h for the contract).
 *
 * The availability answer is computed once and cached; two CPUs racing to
 * compute it first reach the same answer, so a relaxed store suffices.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/rdrand.h"

#define CPUID1_ECX_RDRAND (1u << 30)

enum { RDRAND_UNKNOWN, RDRAND_USABLE, RDRAND_ABSENT };
static int rdrand_state;

/* SDM vol. 2B: CF = 1 means the destination holds a random value; CF = 0 that none was ready (dest is 0). */
static bool rdrand_step(uint32_t *v)
{
	uint32_t x;
	bool ok;
	__asm__ volatile("rdrand %0" : "=r"(x), "=@ccc"(ok));
	*v = x;
	return ok;
}

int rdrand_retry(bool (*step)(uint32_t *v), uint32_t *v)
{
	/* DRNG guide 5.2.1: retry up to ten times; the underflow a busy DRNG shows clears much sooner. */
	for (int i = 0; i < RDRAND_RETRIES; i++) {
		uint32_t x;
		if (step(&x)) {
			*v = x;
			return 0;
		}
	}
	return -EAGAIN;
}

bool rdrand_sane(bool (*step)(uint32_t *v))
{
	uint32_t first = 0, x;
	bool have_first = false;
	for (int i = 0; i < RDRAND_SANITY_DRAWS; i++) {
		if (rdrand_retry(step, &x) != 0)
			return false;
		if (!have_first) {
			first = x;
			have_first = true;
		} else if (x != first) {
			return true;
		}
	}
	return false;   /* the same value every time: a stuck generator (or all ones), not randomness */
}

bool rdrand_available(void)
{
	int s = __atomic_load_n(&rdrand_state, __ATOMIC_RELAXED);
	if (s == RDRAND_UNKNOWN) {
		uint32_t a, b, c, d;
		cpuid(1, 0, &a, &b, &c, &d);
		s = (c & CPUID1_ECX_RDRAND) && rdrand_sane(rdrand_step) ? RDRAND_USABLE : RDRAND_ABSENT;
		__atomic_store_n(&rdrand_state, s, __ATOMIC_RELAXED);
	}
	return s == RDRAND_USABLE;
}

int rdrand32(uint32_t *v)
{
	if (!rdrand_available())
		return -ENODEV;
	return rdrand_retry(rdrand_step, v);
}
