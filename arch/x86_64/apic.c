/* STUB: replaced by the APIC implementation. */
#include "arch/x86_64/apic.h"

void apic_init(void) {}
void lapic_eoi(void) {}
uint32_t lapic_id(void) { return 0; }
void lapic_timer_set(uint64_t deadline_ns) { (void)deadline_ns; }
bool lapic_tsc_deadline(void) { return false; }
int ioapic_route(uint32_t gsi, uint8_t vector, unsigned flags, uint8_t dest) { (void)gsi; (void)vector; (void)flags; (void)dest; return -1; }
void ioapic_mask(uint32_t gsi, bool masked) { (void)gsi; (void)masked; }
uint32_t ioapic_isa_gsi(unsigned irq, unsigned *flags) { *flags = 0; return irq; }
