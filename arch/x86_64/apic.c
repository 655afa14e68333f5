/*
 * arch/x86_64/apic.c: brings up interrupt delivery on the boot CPU (8259s
 * masked, local APIC, I/O APICs) and proves it works before any driver
 * depends on it, with two bounded self-checks that the boot tests read:
 *  - the local APIC timer, armed CHECK_AHEAD_US ahead, must interrupt within 100 ms
 *    and not before its deadline;
 *  - ISA IRQ0 from PIT channel 0 in mode 0 (Intel 8254 datasheet: OUT rises
 *    once at terminal count) must arrive through the I/O APIC on the GSI the
 *    MADT overrides give it (GSI 2 on PC-compatible firmware).
 * A failure is a warning, not a panic: the log says which path is broken.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/apic_priv.h"
#include "arch/x86_64/arch_log.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tsc.h"

#define CHECK_TIMEOUT_NS (100 * NSEC_PER_MSEC)
/* How far ahead each check's interrupt is due: long enough to see "not before its deadline", short for boot (was 1 ms each). */
#define CHECK_AHEAD_US 100u
#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_MODE0 0x30     /* channel 0, lobyte/hibyte, mode 0, binary */

/* When each check's interrupt arrived (tsc_ns), 0 until then. */
static volatile uint64_t timer_fired_ns, irq0_fired_ns;

static void timer_fired(void *ctx)
{
	(void)ctx;
	if (!timer_fired_ns)
		timer_fired_ns = tsc_ns();
}

static void irq0_fired(void *ctx)
{
	(void)ctx;
	if (!irq0_fired_ns)
		irq0_fired_ns = tsc_ns();
}

/* Waits with interrupts on until each wanted check's interrupt came, or the timeout passed. */
static void check_wait(uint64_t t0, bool want_timer, bool want_irq0)
{
	irq_enable();
	while ((want_timer && !timer_fired_ns) || (want_irq0 && !irq0_fired_ns)) {
		if (tsc_ns() - t0 >= CHECK_TIMEOUT_NS)
			break;
		cpu_relax();
	}
	irq_disable();
}

static void timer_arm(uint64_t t0)
{
	timer_fired_ns = 0;
	lapic_timer_set_handler(timer_fired, 0);
	lapic_timer_set(t0 + CHECK_AHEAD_US * NSEC_PER_USEC);
}

static void timer_report(uint64_t t0)
{
	uint64_t deadline = t0 + CHECK_AHEAD_US * NSEC_PER_USEC;
	lapic_timer_set(0);
	lapic_timer_set_handler(0, 0);
	if (!timer_fired_ns)
		arch_warn("apic", "timer did not fire within 100 ms (%s)", lapic_timer_mode());
	else if (timer_fired_ns < deadline)
		arch_warn("apic", "timer fired %lu ns before its deadline (%s)",
		          (unsigned long)(deadline - timer_fired_ns), lapic_timer_mode());
	else
		arch_log("apic", "timer fired after %lu us (%s)", (unsigned long)((timer_fired_ns - t0) / NSEC_PER_USEC),
		         lapic_timer_mode());
}

/* Routes ISA IRQ0 to gsi and fires PIT channel 0 once (~100 us); false when the route failed. */
static bool irq0_arm(uint32_t gsi, unsigned flags, uint64_t *t0)
{
	uint16_t count = PIT_HZ / (1000000u / CHECK_AHEAD_US);   /* 119 ticks: ~100 us */
	irq0_fired_ns = 0;
	irq_set_handler(IRQ_VECTOR_SELFTEST, irq0_fired, 0);
	/* The control word stops channel 0 with OUT low, so the firmware's periodic tick cannot be what we see. */
	outb(PIT_CMD, PIT_CH0_MODE0);
	if (ioapic_route(gsi, IRQ_VECTOR_SELFTEST, flags, (uint8_t)lapic_id())) {
		irq_set_handler(IRQ_VECTOR_SELFTEST, 0, 0);
		return false;
	}
	*t0 = tsc_ns();
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);        /* counting starts here */
	return true;
}

/* Undoes irq0_arm; true when IRQ0 arrived, *us after how long. */
static bool irq0_done(uint32_t gsi, uint64_t t0, uint64_t *us)
{
	ioapic_mask(gsi, true);
	irq_set_handler(IRQ_VECTOR_SELFTEST, 0, 0);
	*us = irq0_fired_ns ? (irq0_fired_ns - t0) / NSEC_PER_USEC : 0;
	return irq0_fired_ns != 0;
}

/*
 * Both checks run at once: one wait for two interrupts due at the same
 * time instead of two waits in a row (under QEMU's TCG each wait is a
 * wake-up of QEMU's main loop, which runs both device timers together).
 *
 * QEMU's I/O APIC wires ISA IRQ0 to pin 2 whatever the MADT says, and
 * its microvm machine's MADT has no override saying so: when IRQ0 does
 * not arrive on an identity-mapped GSI 0, pin 2 is tried (alone), and kept
 * for ioapic_isa_gsi(0) if it works.
 */
static void apic_checks(void)
{
	unsigned flags;
	uint32_t gsi = ioapic_isa_gsi(0, &flags);
	uint64_t us, t_timer = tsc_ns(), t_irq0 = 0;
	timer_arm(t_timer);
	bool routed = irq0_arm(gsi, flags, &t_irq0);
	check_wait(t_timer, true, routed);
	timer_report(t_timer);
	bool ok = routed && irq0_done(gsi, t_irq0, &us);
	if (!ok && gsi == 0 && irq0_arm(2, flags, &t_irq0)) {
		check_wait(t_irq0, false, true);
		if (irq0_done(2, t_irq0, &us)) {
			arch_warn("ioapic", "ISA IRQ0 arrives on GSI 2, not on GSI 0 as the MADT says (no override); using GSI 2");
			ioapic_set_isa_gsi(0, 2);
			gsi = 2;
			ok = true;
		}
	}
	if (ok)
		arch_log("ioapic", "ISA IRQ0 -> GSI %u delivered after %lu us (%s, %s)", gsi, (unsigned long)us,
		         flags & IOAPIC_LEVEL ? "level" : "edge", flags & IOAPIC_ACTIVE_LOW ? "active low" : "active high");
	else
		arch_warn("ioapic", "ISA IRQ0 -> GSI %u not delivered within 100 ms", gsi);
}

void apic_init(void)
{
	uint64_t f = irq_save();
	if (acpi_info.has_8259)
		pic_disable();
	lapic_init();
	ioapic_init();
	apic_checks();
	irq_restore(f);
}
