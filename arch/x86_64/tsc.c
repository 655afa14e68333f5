/*
 * arch/x86_64/tsc.c: the monotonic clock. The TSC is calibrated once against
 * PIT channel 2 (Intel 8254 datasheet: mode 0 from 0xffff, its count read
 * with the counter latch command; channel 0, whose gate is always high,
 * where port 0x61 is absent: QEMU's microvm has a PIT but no speaker port,
 * so channel 2 never counts there); afterwards tsc_ns() is a rdtsc and a
 * 64x64->128 multiply. Where CPUID advertises an invariant TSC (leaf
 * 0x80000007 EDX bit 8) the rate is constant across power states.
 *
 * The calibration reads the PIT's count with a TSC reading on each side
 * and compares the two clocks between a start and an end reading, instead
 * of timing a countdown with the TSC: a vCPU descheduled in between (a
 * busy host) advances both clocks alike, so it cannot skew the rate (the
 * old way, the shortest of three 10 ms countdowns, read a TSC 3.6x too
 * fast on a host with load 10 on 2 cores, and cost 30 ms of every boot).
 *
 * Both readings are taken at a tick edge of the PIT: the count is read
 * until it changes, so the new count began between the two latches, and
 * that window (from the TSC before the first to the TSC after the
 * second) is the reading's bracket. Edge to edge there is no rounding to
 * whole PIT ticks (0.84 us each), which is what used to need a span of
 * 2 ms (+-1 tick in 2386 is 0.08%). The end reading is taken once at
 * least CALIB_MIN_US have passed and the two brackets add up to under
 * 1/1000 of the span, i.e. an error under 0.1%: 0.5 ms where a reading
 * is quick (brackets under 0.25 us), about 0.7 ms under QEMU's TCG
 * (brackets of about 0.3 us each).
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
#define CALIB_MIN_US 500u
#define CALIB_MIN_TICKS (PIT_HZ / (1000000u / CALIB_MIN_US))   /* 596 PIT ticks */
#define CALIB_MAX_TICKS 50000u    /* 42 ms: give up on a tight bracket well before the count wraps */
#define CALIB_PRECISION 1000u     /* brackets under 1/1000 of the span */

static uint64_t tsc_zero;         /* TSC at kernel entry: time zero */
static uint64_t hz;
static uint64_t ns_mult;          /* ns = (ticks * ns_mult) >> 32 */
static uint64_t tsc_mult;         /* ticks = (ns * tsc_mult) >> 24 */

void tsc_mark_zero(void)
{
	tsc_zero = rdtsc();
}

uint64_t tsc_zero_ticks(void)
{
	return tsc_zero;
}

struct pit_reading {
	uint16_t count;           /* channel 2, counting down */
	uint64_t tsc;             /* midway through the bracket */
	uint64_t bracket;         /* TSC ticks the reading is known within */
};

/* 8254 "Counter Latch Command" for the channel at port (control word:
 * the channel in bits 7-6, 00 = latch), then its count, low byte first;
 * *a and *b: the TSC before the latch and after the second byte. */
static uint16_t pit_count(uint16_t port, uint64_t *a, uint64_t *b)
{
	uint8_t latch = (uint8_t)((port - PIT_CH0) << 6);
	*a = rdtsc();
	outb(PIT_CMD, latch);
	uint8_t lo = inb(port);
	uint8_t hi = inb(port);
	*b = rdtsc();
	return (uint16_t)(lo | hi << 8);
}

/* The moment the count next changes: between the latch that still saw the
 * old count and the one that saw the new (bounded: a PIT that does not
 * count gives a wide bracket, which the caller's precision test refuses). */
static struct pit_reading pit_edge(uint16_t port)
{
	uint64_t a_old, b_old, a, b;
	uint16_t old = pit_count(port, &a_old, &b_old), c;
	int i = 0;
	do {
		c = pit_count(port, &a, &b);
		if (c == old)
			a_old = a;   /* still the old count: the edge comes after this latch */
	} while (c == old && ++i < 100000);
	return (struct pit_reading){ c, a_old + (b - a_old) / 2, b - a_old };
}

/* The tightest of three edges in a row. */
static struct pit_reading pit_edge_best(uint16_t port)
{
	struct pit_reading best = pit_edge(port);
	for (int i = 0; i < 2; i++) {
		struct pit_reading r = pit_edge(port);
		if (r.bracket < best.bracket)
			best = r;
	}
	return best;
}

/* Starts a mode 0 countdown from 0xffff; the port of the channel counting. */
static uint16_t pit_start(void)
{
	if (inb(PIT_GATE) == 0xff) {
		/* No port 0x61: channel 0. Interrupts are off and IRQ0 is masked
		 * or not yet routed, so its terminal count goes nowhere. */
		outb(PIT_CMD, 0x30);                         /* ch0, lo/hi byte, mode 0 */
		outb(PIT_CH0, 0xff);
		outb(PIT_CH0, 0xff);                         /* counting starts here */
		return PIT_CH0;
	}
	uint8_t gate = inb(PIT_GATE);
	outb(PIT_GATE, (uint8_t)((gate & ~0x02) & ~0x01));  /* gate low, speaker off */
	outb(PIT_CMD, 0xb0);                                 /* ch2, lo/hi byte, mode 0 */
	outb(PIT_CH2, 0xff);
	outb(PIT_CH2, 0xff);
	outb(PIT_GATE, (uint8_t)((gate & ~0x02) | 0x01));    /* gate high: count starts */
	return PIT_CH2;
}

/* TSC ticks per second against the PIT; 0 if the PIT does not count. */
static uint64_t pit_calibrate(void)
{
	uint16_t port = pit_start();
	struct pit_reading s = pit_edge_best(port);          /* (the count loads on the first PIT clock) */
	/* Bounded by TSC ticks (~2 s even at 10 GHz): a missing PIT must not hang boot. */
	for (;;) {
		struct pit_reading e = pit_edge_best(port);
		uint16_t ticks = (uint16_t)(s.count - e.count);
		uint64_t span = e.tsc - s.tsc;
		if (ticks >= CALIB_MIN_TICKS && (ticks >= CALIB_MAX_TICKS ||
						 (s.bracket + e.bracket) * CALIB_PRECISION < span))
			return span * PIT_HZ / ticks;
		if (span > 20000000000ull)
			return 0;
	}
}

bool tsc_calibrate(void)
{
	hz = pit_calibrate();
	bool measured = hz != 0;
	if (!measured)
		hz = 1000000000ull;
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
