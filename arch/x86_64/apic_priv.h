/*
 * arch/x86_64/apic_priv.h: what apic.c needs from lapic.c and ioapic.c to
 * bring the interrupt controllers up in order.
 */
#ifndef ARCH_X86_64_APIC_PRIV_H
#define ARCH_X86_64_APIC_PRIV_H

#include <stdint.h>

void pic_disable(void);      /* remap the 8259s to 0x20-0x2f and mask every line */
void lapic_init(void);       /* enable this CPU's local APIC, calibrate and pick the timer mode */
void ioapic_init(void);      /* find every I/O APIC in acpi_info and mask all its pins */
const char *lapic_timer_mode(void);
void ioapic_set_isa_gsi(unsigned irq, uint32_t gsi);   /* where the MADT was wrong (apic.c's check) */   /* "TSC-deadline" or "one-shot" */

#endif
