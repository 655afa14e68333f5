/*
 * kernel/time.h: the kernel's clocks.
 *  - time_ns(): monotonic nanoseconds since the kernel was entered, from the
 *    TSC calibrated against the PIT at boot. Never goes backwards on one CPU.
 *  - time_wall(): wall-clock seconds since the Unix epoch, read from the CMOS
 *    RTC once at boot and advanced by time_ns().
 */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_USEC 1000ull

void time_early_init(void);   /* records the TSC at kernel entry */
void time_init(void);         /* calibrates the TSC, reads the RTC */
uint64_t time_ns(void);
uint64_t time_tsc_hz(void);
uint64_t time_ns_to_tsc(uint64_t ns);
uint64_t time_wall(void);     /* seconds since 1970-01-01 UTC */
/* The same in nanoseconds, moving with time_ns() (CLOCK_REALTIME). */
uint64_t time_wall_ns(void);
/* Busy-wait for a short, bounded time (device reset delays). Not for sleeping. */
void time_udelay(uint64_t us);

#endif
