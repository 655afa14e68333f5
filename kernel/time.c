/*
 * kernel/time.c: the monotonic clock. The TSC is calibrated once against PIT
 * channel 2 (Intel 8254 datasheet, mode 0: OUT goes high at terminal count,
 * visible in port 0x61 bit 5) over a 10 ms window; afterwards time_ns() is a
 * rdtsc and a 64x64->128 multiply. Where CPUID advertises an invariant TSC
 * (leaf 0x80000007 EDX bit 8) the rate is constant across power states; the
 * boot log says whether it is.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/rtc.h"
#include "kernel/log.h"
#include "kernel/time.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_GATE 0x61
#define CALIB_MS 10u

static uint64_t tsc_boot;         /* TSC at kernel entry: time zero */
static uint64_t tsc_hz;
static uint64_t ns_mult;          /* ns = (ticks * ns_mult) >> 32 */
static uint64_t tsc_mult;         /* ticks = (ns * tsc_mult) >> 24 */
static uint64_t wall_boot;        /* Unix seconds at time_ns() == wall_boot_ns */
static uint64_t wall_boot_ns;

void time_early_init(void)
{
	tsc_boot = rdtsc();
}

/* Ticks of the TSC during one PIT countdown of CALIB_MS; 0 if the PIT never fired. */
static uint64_t pit_measure(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * CALIB_MS / 1000u);
	uint8_t gate = inb(PIT_GATE);
	outb(PIT_GATE, (uint8_t)((gate & ~0x02) & ~0x01));  /* gate low, speaker off */
	outb(PIT_CMD, 0xb0);                                 /* ch2, lo/hi byte, mode 0 */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	outb(PIT_GATE, (uint8_t)((gate & ~0x02) | 0x01));    /* gate high: count starts */
	uint64_t t0 = rdtsc();
	/* Bounded by TSC ticks (~2 s even at 10 GHz): a missing PIT must not hang boot. */
	while (!(inb(PIT_GATE) & 0x20)) {
		if (rdtsc() - t0 > 20000000000ull)
			return 0;
	}
	return rdtsc() - t0;
}

void time_init(void)
{
	uint64_t best = 0;
	/* Take the shortest of three: a preempted vCPU only ever lengthens a window. */
	for (int i = 0; i < 3; i++) {
		uint64_t t = pit_measure();
		if (t && (!best || t < best))
			best = t;
	}
	if (!best) {
		kwarn("time", "PIT calibration failed; assuming a 1 GHz TSC");
		best = 1000000000ull / (1000 / CALIB_MS);
	}
	tsc_hz = best * (1000 / CALIB_MS);
	/* Both fit 64 bits for any TSC under 1 THz; no 128-bit division (no libgcc). */
	ns_mult = (NSEC_PER_SEC << 32) / tsc_hz;
	tsc_mult = (tsc_hz << 24) / NSEC_PER_SEC;

	uint32_t a, b, c, d;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	bool invariant = false;
	if (a >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		invariant = d & (1u << 8);
	}
	wall_boot = rtc_read_unix();
	wall_boot_ns = time_ns();
	klog("time", "TSC %lu.%03lu MHz (%s), calibrated against the PIT", (unsigned long)(tsc_hz / 1000000),
	     (unsigned long)(tsc_hz / 1000 % 1000), invariant ? "invariant" : "not invariant");
}

uint64_t time_ns(void)
{
	if (!ns_mult)
		return 0;
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_boot) * ns_mult) >> 32);
}

uint64_t time_tsc_hz(void)
{
	return tsc_hz;
}

uint64_t time_ns_to_tsc(uint64_t ns)
{
	return (uint64_t)(((unsigned __int128)ns * tsc_mult) >> 24);
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
	uint64_t end = rdtsc() + time_ns_to_tsc(us * NSEC_PER_USEC);
	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}
