/*
 * arch/x86_64/apic.h: local APIC (Intel SDM vol. 3A ch. 11) and I/O APIC
 * (82093AA datasheet). The local APIC timer runs one-shot, or in
 * TSC-deadline mode where CPUID.01H:ECX[24] offers it, so an idle CPU takes
 * no periodic ticks.
 */
#ifndef ARCH_X86_64_APIC_H
#define ARCH_X86_64_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define IRQ_VECTOR_TIMER 0xef    /* local APIC timer */
#define IRQ_VECTOR_SPURIOUS 0xff

void apic_init(void);            /* BSP: mask the 8259s, enable the local APIC and I/O APICs, calibrate the timer */
void lapic_eoi(void);
uint32_t lapic_id(void);
/* Arms this CPU's timer to fire IRQ_VECTOR_TIMER at monotonic time deadline_ns (time_ns()). 0 disarms. */
void lapic_timer_set(uint64_t deadline_ns);
bool lapic_tsc_deadline(void);   /* true when TSC-deadline mode is in use */

/* I/O APIC routing of a GSI to a vector on the CPU with APIC id dest. */
#define IOAPIC_LEVEL (1u << 0)
#define IOAPIC_ACTIVE_LOW (1u << 1)
int ioapic_route(uint32_t gsi, uint8_t vector, unsigned flags, uint8_t dest);
void ioapic_mask(uint32_t gsi, bool masked);
/* An ISA IRQ (0-15) through the MADT overrides: its GSI and flags. */
uint32_t ioapic_isa_gsi(unsigned irq, unsigned *flags);

#endif
