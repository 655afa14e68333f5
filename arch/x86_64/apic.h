/*
 * arch/x86_64/apic.h: local APIC (Intel SDM vol. 3A ch. 11) and I/O APIC
 * (82093AA datasheet). The local APIC timer runs one-shot, or in
 * TSC-deadline mode where CPUID.01H:ECX[24] offers it, so an idle CPU takes
 * no periodic ticks.
 *
 * Files: lapic.c (local APIC, 8259 masking, timer), ioapic.c (I/O APICs),
 * apic.c (apic_init and its boot self-check).
 */
#ifndef ARCH_X86_64_APIC_H
#define ARCH_X86_64_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define IRQ_VECTOR_TIMER 0xef    /* local APIC timer */
#define IRQ_VECTOR_SELFTEST 0xee /* apic_init's I/O APIC check; outside the allocator's range */
#define IRQ_VECTOR_SPURIOUS 0xff

/*
 * BSP: mask the 8259s, enable the local APIC and I/O APICs, calibrate the
 * timer, then prove both deliver: logs "apic: timer fired after N us (mode)"
 * and "ioapic: ISA IRQ0 -> GSI 2 delivered ..." (or a warning saying which failed).
 */
void apic_init(void);
/* An application processor's local APIC: the boot CPU's set-up, its timer calibration reused. */
void lapic_init_ap(void);
void lapic_eoi(void);
uint32_t lapic_id(void);
/*
 * Arms this CPU's timer to fire IRQ_VECTOR_TIMER at monotonic time
 * deadline_ns (tsc_ns(), the kernel's time_ns()); 0 disarms. A deadline in the past fires at once.
 * The timer interrupt calls the handler set below only once time_ns() has
 * reached the deadline: early expiries (calibration error, or a one-shot
 * count capped at 32 bits) re-arm silently.
 */
void lapic_timer_set(uint64_t deadline_ns);
/* The function the timer interrupt calls (interrupts off) when a deadline is reached; NULL for none. */
void lapic_timer_set_handler(void (*fn)(void *ctx), void *ctx);
bool lapic_tsc_deadline(void);   /* true when TSC-deadline mode is in use */
uint64_t lapic_timer_hz(void);   /* one-shot mode's count rate (after the divider); 0 in TSC-deadline mode */

/* I/O APIC routing of a GSI to a vector on the CPU with APIC id dest. */
#define IOAPIC_LEVEL (1u << 0)
#define IOAPIC_ACTIVE_LOW (1u << 1)
/* Programs and unmasks the GSI's redirection entry; -ENODEV if no I/O APIC has it, -EINVAL for a vector < 0x10. */
int ioapic_route(uint32_t gsi, uint8_t vector, unsigned flags, uint8_t dest);
/* Unmasks the GSI as an edge-triggered NMI to every CPU (the profiler's tick); -ENODEV if no I/O APIC has it. */
int ioapic_route_nmi_all(uint32_t gsi);
void ioapic_mask(uint32_t gsi, bool masked);
/* An ISA IRQ (0-15) through the MADT overrides: its GSI and flags (ISA default: edge, active high). */
uint32_t ioapic_isa_gsi(unsigned irq, unsigned *flags);

#endif
