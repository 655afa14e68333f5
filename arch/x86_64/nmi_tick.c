/*
 * arch/x86_64/nmi_tick.c: a periodic NMI on every CPU, the profiler's
 * clock. PIT channel 0 runs as a rate generator (Intel 8254 datasheet,
 * mode 2: OUT pulses low once every count) and its ISA IRQ0 line is routed
 * through the I/O APIC as an NMI broadcast to all local APICs.
 *
 * Why an NMI and not the local APIC timer: an ordinary interrupt waits
 * while interrupts are off, so every sample taken during a section that
 * holds a lock with interrupts off lands on the instruction after the
 * unlock's sti, and the profile blames the unlock. An NMI is taken there
 * too, where the time is spent.
 *
 * Promises: after nmi_tick_start(hz, fn) every online CPU calls fn with
 * the interrupted frame about hz times a second; CPUs brought up later get
 * the NMIs as soon as they exist, so start it after the last AP is up.
 * Uses channel 0 and ISA IRQ0, which nothing else needs after apic_init's
 * check; the TSC was calibrated on channel 2.
 */
#include <errno.h>
#include <stdint.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/nmi_tick.h"
#include "arch/x86_64/trap.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_MODE2 0x34     /* channel 0, lobyte/hibyte, mode 2 (rate generator), binary */

int nmi_tick_start(unsigned hz, void (*fn)(const struct trap_frame *f))
{
	if (hz < 19 || hz > PIT_HZ / 2)
		return -EINVAL;        /* the count is 16 bits, at least 2 */
	unsigned flags;
	uint32_t gsi = ioapic_isa_gsi(0, &flags);
	uint16_t count = (uint16_t)((PIT_HZ + hz / 2) / hz);
	trap_set_nmi_handler(fn);
	outb(PIT_CMD, PIT_CH0_MODE2);
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);  /* counting starts here */
	int err = ioapic_route_nmi_all(gsi);
	if (err)
		trap_set_nmi_handler(0);
	return err;
}

unsigned nmi_tick_hz(unsigned hz)
{
	uint16_t count = (uint16_t)((PIT_HZ + hz / 2) / hz);
	return count ? (PIT_HZ + count / 2) / count : 0;
}
