/*
 * kernel/time.c: the kernel's clocks on top of arch/x86_64/tsc.c (the TSC,
 * calibrated against the PIT) and the CMOS RTC read once at boot. The boot
 * log says the TSC rate and whether it is invariant.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/rtc.h"
#include "arch/x86_64/tsc.h"
#include "kernel/log.h"
#include "kernel/time.h"

static uint64_t wall_boot;        /* Unix seconds at time_ns() == wall_boot_ns */
static uint64_t wall_boot_ns;

void time_early_init(void)
{
	tsc_mark_zero();
}

void time_init(void)
{
	if (!tsc_calibrate())
		kwarn("time", "PIT calibration failed; assuming a 1 GHz TSC");
	uint64_t hz = tsc_hz();
	wall_boot = rtc_read_unix();
	wall_boot_ns = time_ns();
	klog("time", "TSC %lu.%03lu MHz (%s), calibrated against the PIT", (unsigned long)(hz / 1000000),
	     (unsigned long)(hz / 1000 % 1000), tsc_invariant() ? "invariant" : "not invariant");
}

uint64_t time_ns(void)
{
	return tsc_ns();
}

uint64_t time_wall(void)
{
	return wall_boot + (time_ns() - wall_boot_ns) / NSEC_PER_SEC;
}

uint64_t time_wall_ns(void)
{
	return wall_boot * NSEC_PER_SEC + (time_ns() - wall_boot_ns);
}

void time_udelay(uint64_t us)
{
	tsc_udelay(us);
}
