/*
 * arch/x86_64/rdrand.h: the CPU's hardware random number generator, RDRAND
 * (Intel SDM vol. 2B "RDRAND"; Intel Digital Random Number Generator
 * Software Implementation Guide, 5.2.1 "Retry recommendations").
 *
 * Contract: rdrand32() gives 0 and a value from the DRNG, or a negative
 * errno with *v untouched:
 *   -ENODEV  the CPU has no RDRAND (CPUID.01H:ECX[30] clear), or it failed
 *            the first-use check (RDRAND_SANITY_DRAWS draws all equal: the
 *            all-ones answer some AMD parts give after a firmware bug);
 *   -EAGAIN  RDRAND_RETRIES tries in a row found no value ready. The guide
 *            says ten failures in a row mean a broken or attacked DRNG, not
 *            a busy one, so there is no point spinning longer.
 * Nothing here invents a value: the caller picks its fallback (and decides
 * whether that fallback is good enough for what the number is for).
 */
#ifndef ARCH_X86_64_RDRAND_H
#define ARCH_X86_64_RDRAND_H

#include <stdbool.h>
#include <stdint.h>

#define RDRAND_RETRIES 10
#define RDRAND_SANITY_DRAWS 8

/* CPUID says RDRAND exists and the first-use check passed (checked once, then cached). */
bool rdrand_available(void);
/* 0 and a random *v, or -ENODEV / -EAGAIN (see above). Any CPU, any context. */
int rdrand32(uint32_t *v);

/*
 * The logic above with the instruction as a parameter, so host tests can
 * script a DRNG that fails: step() is one RDRAND, true when CF said the
 * value is valid.
 */
int rdrand_retry(bool (*step)(uint32_t *v), uint32_t *v);   /* 0 or -EAGAIN */
bool rdrand_sane(bool (*step)(uint32_t *v));               /* not stuck on one value */

#endif
