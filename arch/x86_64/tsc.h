/*
 * arch/x86_64/tsc.h: the time-stamp counter as the machine's monotonic
 * clock (Intel SDM vol. 3B 18.17), calibrated once against PIT channel 2.
 *
 * Promises: tsc_ns() counts nanoseconds since tsc_mark_zero(), never goes
 * backwards on one CPU, and is 0 until tsc_calibrate() ran. The kernel's
 * time_ns() (kernel/time.h) is this clock; the conversions and the delay
 * below are what arch/ code (APIC timer, AP start-up, ACPI) times itself with.
 */
#ifndef ARCH_X86_64_TSC_H
#define ARCH_X86_64_TSC_H

#include <stdbool.h>
#include <stdint.h>

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_USEC 1000ull

void tsc_mark_zero(void);        /* time zero: the TSC now (first thing at kernel entry) */
uint64_t tsc_zero_ticks(void);   /* the TSC at time zero */
/* Measures the TSC rate against the PIT; false when the PIT never answered and 1 GHz is assumed. */
bool tsc_calibrate(void);
uint64_t tsc_ns(void);           /* nanoseconds since tsc_mark_zero(); 0 before calibration */
uint64_t tsc_hz(void);           /* 0 before calibration */
uint64_t tsc_from_ns(uint64_t ns);   /* a duration in TSC ticks */
/* CPUID.80000007H:EDX[8]: the rate is constant across power states. */
bool tsc_invariant(void);
/* Busy-wait for a short, bounded time (device reset delays). Not for sleeping. */
void tsc_udelay(uint64_t us);

#endif
