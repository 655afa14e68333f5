/*
 * arch/x86_64/smp.c: the mechanisms for starting application processors
 * and signalling between CPUs (Intel SDM vol. 3A 8.4.4 MP initialization,
 * 11.6 IPIs): INIT and STARTUP IPIs, the real-mode trampoline copied to
 * SMP_TRAMP_BASE with its parameter block, and fixed IPIs.
 *
 * Which CPUs start, with which stack, in which order and how long to wait
 * for each is the kernel's business (kernel/smp_boot.c); nothing here
 * allocates or waits for more than an IPI's delivery and the SDM's delays.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tsc.h"

#define MSR_APIC_BASE 0x1b
#define MSR_EFER 0xc0000080
#define EFER_LME (1u << 8)
#define EFER_NXE (1u << 11)
#define ICR_LOW 0x300
#define ICR_HIGH 0x310
#define ICR_PENDING (1u << 12)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)
#define SIPI_GAP_US 200

extern const uint8_t smp_trampoline_start[], smp_trampoline_end[];
extern uint64_t smp_tramp_cr3, smp_tramp_stack, smp_tramp_entry;
extern uint32_t smp_tramp_arg, smp_tramp_efer;

static volatile uint32_t *lapic_reg(unsigned off)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) & 0xfffff000ull;
	return (volatile uint32_t *)(uintptr_t)(base + off);
}

/* SDM 11.6.1: write the destination first; the low write sends. Waits (bounded) for delivery. */
static void icr_send(uint32_t apic_id, uint32_t low)
{
	uint64_t f = irq_save();
	*lapic_reg(ICR_HIGH) = apic_id << 24;
	*lapic_reg(ICR_LOW) = low;
	for (int i = 0; i < 1000000 && (*lapic_reg(ICR_LOW) & ICR_PENDING); i++)
		cpu_relax();
	irq_restore(f);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	icr_send(apic_id, vector);   /* fixed delivery, physical destination, edge */
}

/* The trampoline's view of its parameter block: the copy at SMP_TRAMP_BASE, not the image. */
#define TRAMP_VAR(sym) \
	(*(__typeof__(sym) *)(uintptr_t)(SMP_TRAMP_BASE + ((const uint8_t *)&(sym) - smp_trampoline_start)))

void smp_tramp_install(void (*entry)(unsigned arg))
{
	memcpy((void *)(uintptr_t)SMP_TRAMP_BASE, smp_trampoline_start,
	       (size_t)(smp_trampoline_end - smp_trampoline_start));
	TRAMP_VAR(smp_tramp_cr3) = read_cr3();
	TRAMP_VAR(smp_tramp_entry) = (uint64_t)(uintptr_t)entry;
	TRAMP_VAR(smp_tramp_efer) = (uint32_t)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
}

void smp_send_init(uint32_t apic_id)
{
	icr_send(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

void smp_send_startup(uint32_t apic_id, uint64_t stack_top, unsigned arg)
{
	TRAMP_VAR(smp_tramp_stack) = stack_top;
	TRAMP_VAR(smp_tramp_arg) = arg;
	mb();   /* the parameter block is in memory before the AP can read it */
	/*
	 * SDM 8.4.4.1: two STARTUP IPIs, about 200 us apart. A CPU that already
	 * left wait-for-SIPI on the first ignores the second.
	 */
	for (int i = 0; i < 2; i++) {
		icr_send(apic_id, ICR_STARTUP | (SMP_TRAMP_BASE >> 12));
		tsc_udelay(SIPI_GAP_US);
	}
}
