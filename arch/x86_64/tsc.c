/*
 * arch/x86_64/tsc.c: the monotonic clock. The TSC is calibrated once against
 * PIT channel 2 (Intel 8254 datasheet, mode 0: OUT goes high at terminal
 * count, visible in port 0x61 bit 5; channel 0 where port 0x61 is absent)
 * over a 10 ms window; afterwards
 * tsc_ns() is a rdtsc and a 64x64->128 multiply. Where CPUID advertises an
 * invariant TSC (leaf 0x80000007 EDX bit 8) the rate is constant across
 * power states.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/tsc.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_GATE 0x61
#define CALIB_MS 10u

static uint64_t tsc_zero;         /* TSC at kernel entry: time zero */
static uint64_t hz;
static uint64_t ns_mult;          /* ns = (ticks * ns_mult) >> 32 */
static uint64_t tsc_mult;         /* ticks = (ns * tsc_mult) >> 24 */

void tsc_mark_zero(void)
{
	tsc_zero = rdtsc();
}

/*
 * The same window on channel 0, whose gate is always high, for machines
 * without port 0x61 (QEMU's microvm has a PIT but no speaker port, so
 * channel 2 never counts): OUT is read with the read-back command (8254
 * datasheet, "Read-Back Command": status byte bit 7). Interrupts are off,
 * and IRQ0 is masked or not yet routed, so the terminal count goes nowhere.
 */
static uint64_t pit_measure_ch0(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * CALIB_MS / 1000u);
	outb(PIT_CMD, 0x30);                                 /* ch0, lo/hi byte, mode 0: OUT low */
	outb(PIT_CH0, count & 0xff);
	uint64_t t0 = rdtsc();                               /* before the start: see pit_measure */
	outb(PIT_CH0, count >> 8);                           /* counting starts here */
	for (;;) {
		outb(PIT_CMD, 0xe2);                         /* read-back: status only, channel 0 */
		if (inb(PIT_CH0) & 0x80)
			break;
		if (rdtsc() - t0 > 20000000000ull)
			return 0;
	}
	return rdtsc() - t0;
}

/* Ticks of the TSC during one PIT countdown of CALIB_MS; 0 if the PIT never fired. */
static uint64_t pit_measure(void)
{
	if (inb(PIT_GATE) == 0xff)
		return pit_measure_ch0();                    /* no port 0x61: nothing decodes it */
	uint16_t count = (uint16_t)(PIT_HZ * CALIB_MS / 1000u);
	uint8_t gate = inb(PIT_GATE);
	outb(PIT_GATE, (uint8_t)((gate & ~0x02) & ~0x01));  /* gate low, speaker off */
	outb(PIT_CMD, 0xb0);                                 /* ch2, lo/hi byte, mode 0 */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	/*
	 * t0 before the start, not after: a vCPU preempted between the two
	 * would otherwise time a window shorter than the PIT's, and the
	 * shortest of three (tsc_calibrate) would pick it; this way every
	 * delay lengthens the window.
	 */
	uint64_t t0 = rdtsc();
	outb(PIT_GATE, (uint8_t)((gate & ~0x02) | 0x01));    /* gate high: count starts */
	/* Bounded by TSC ticks (~2 s even at 10 GHz): a missing PIT must not hang boot. */
	while (!(inb(PIT_GATE) & 0x20)) {
		if (rdtsc() - t0 > 20000000000ull)
			return 0;
	}
	return rdtsc() - t0;
}

bool tsc_calibrate(void)
{
	uint64_t best = 0;
	/* Take the shortest of three: a preempted vCPU only ever lengthens a window. */
	for (int i = 0; i < 3; i++) {
		uint64_t t = pit_measure();
		if (t && (!best || t < best))
			best = t;
	}
	bool measured = best != 0;
	if (!measured)
		best = 1000000000ull / (1000 / CALIB_MS);
	hz = best * (1000 / CALIB_MS);
	/* Both fit 64 bits for any TSC under 1 THz; no 128-bit division (no libgcc). */
	ns_mult = (NSEC_PER_SEC << 32) / hz;
	tsc_mult = (hz << 24) / NSEC_PER_SEC;
	return measured;
}

bool tsc_invariant(void)
{
	uint32_t a, b, c, d;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000007)
		return false;
	cpuid(0x80000007, 0, &a, &b, &c, &d);
	return d & (1u << 8);
}

uint64_t tsc_ns(void)
{
	if (!ns_mult)
		return 0;
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_zero) * ns_mult) >> 32);
}

uint64_t tsc_hz(void)
{
	return hz;
}

uint64_t tsc_from_ns(uint64_t ns)
{
	return (uint64_t)(((unsigned __int128)ns * tsc_mult) >> 24);
}

void tsc_udelay(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_from_ns(us * NSEC_PER_USEC);
	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}
