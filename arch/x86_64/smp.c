/*
 * arch/x86_64/smp.c: (single-CPU placeholder until AP start-up lands)
 * interprocessor interrupts through the local APIC ICR (SDM 11.6.1).
 */
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/smp.h"

#define MSR_APIC_BASE 0x1b
#define ICR_LOW 0x300
#define ICR_HIGH 0x310
#define ICR_PENDING (1u << 12)

static volatile uint32_t *lapic_reg(unsigned off)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) & 0xfffff000ull;
	return (volatile uint32_t *)(uintptr_t)(base + off);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	uint64_t f = irq_save();
	*lapic_reg(ICR_HIGH) = apic_id << 24;
	*lapic_reg(ICR_LOW) = vector;      /* fixed delivery, physical destination, edge */
	for (int i = 0; i < 100000 && (*lapic_reg(ICR_LOW) & ICR_PENDING); i++)
		cpu_relax();
	irq_restore(f);
}

unsigned smp_init(void)
{
	return 1;
}
