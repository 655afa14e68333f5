/*
 * arch/x86_64/smp.c: starting the application processors and signalling
 * between CPUs (Intel SDM vol. 3A 8.4.4 MP initialization, 11.6 IPIs).
 *
 * Every AP the MADT lists as enabled gets INIT, one 10 ms wait shared by
 * all of them, then STARTUP IPIs one CPU at a time: the trampoline page and
 * its parameter block (stack, CPU index) serve one AP at a time, and the
 * boot CPU waits (bounded) for each to report online before the next.
 * Each AP gets its own per-CPU block, GDT, TSS with IST stacks, a
 * guard-paged stack from the scheduler's pool and its local APIC, then
 * enters its idle loop and waits for work in its inbox.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/apic_priv.h"
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tsc.h"
#include "kernel/bootinfo.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include "sched/sched_priv.h"

#define TRAMP_BASE 0x8000u
#define MSR_APIC_BASE 0x1b
#define ICR_LOW 0x300
#define ICR_HIGH 0x310
#define ICR_PENDING (1u << 12)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)
#define AP_ONLINE_TIMEOUT_NS (500 * NSEC_PER_MSEC)

extern const uint8_t smp_trampoline_start[], smp_trampoline_end[];
extern uint64_t smp_tramp_cr3, smp_tramp_stack, smp_tramp_entry;
extern uint32_t smp_tramp_cpu, smp_tramp_efer;

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

/* The trampoline's view of its parameter block: the copy at TRAMP_BASE, not the image. */
#define TRAMP_VAR(sym) (*(__typeof__(sym) *)(uintptr_t)(TRAMP_BASE + ((const uint8_t *)&(sym) - smp_trampoline_start)))

void ap_main(unsigned idx);

void ap_main(unsigned idx)
{
	struct cpu *c = &cpus[idx];
	percpu_init(idx, c->apic_id);
	mm_init_cpu();    /* its own heap, before anything here allocates */
	struct arch_cpu *a = kzalloc(sizeof(*a));
	if (!a)
		panic("smp: CPU %u: no memory for its descriptor tables", idx);
	cpu_init_ap(a);
	c->arch = a;
	lapic_init_ap();
	sched_run_ap();   /* marks the CPU online once it can take work */
}

static bool tramp_page_free(void)
{
	bool usable = false;
	for (int i = 0; i < boot_info.nregions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type == MEM_USABLE && r->base <= TRAMP_BASE && r->base + r->len >= TRAMP_BASE + 4096)
			usable = true;
	}
	for (int i = 0; i < boot_info.nreserved; i++) {
		const struct mem_region *r = &boot_info.reserved[i];
		if (r->base < TRAMP_BASE + 4096 && r->base + r->len > TRAMP_BASE)
			return false;
	}
	return usable;
}

static bool start_ap(unsigned idx, uint32_t apic_id)
{
	struct cpu *c = &cpus[idx];
	c->apic_id = apic_id;
	void *stack = stack_alloc();
	if (!stack) {
		kwarn("smp", "no memory for CPU %u's stack", idx);
		return false;
	}
	TRAMP_VAR(smp_tramp_stack) = (uint64_t)(uintptr_t)stack + STACK_SLOT;
	TRAMP_VAR(smp_tramp_cpu) = idx;
	mb();   /* the parameter block is in memory before the AP can read it */
	/* SDM 8.4.4.1: two STARTUP IPIs, about 200 us apart; a second one to a started CPU is ignored. */
	for (int i = 0; i < 2 && !__atomic_load_n(&c->online, __ATOMIC_ACQUIRE); i++) {
		icr_send(apic_id, ICR_STARTUP | (TRAMP_BASE >> 12));
		tsc_udelay(200);
	}
	uint64_t t0 = tsc_ns();
	while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE)) {
		if (tsc_ns() - t0 > AP_ONLINE_TIMEOUT_NS) {
			kwarn("smp", "CPU %u (APIC id %u) did not come online", idx, apic_id);
			return false;
		}
		cpu_relax();
	}
	return true;
}

unsigned smp_init(void)
{
	uint32_t self = lapic_id();
	unsigned n = 1;
	cpus[0].apic_id = self;
	if (acpi_info.ncpus <= 1)
		return 1;
	if (!tramp_page_free()) {
		kwarn("smp", "page %#x is not free RAM; staying on one CPU", TRAMP_BASE);
		return 1;
	}
	memcpy((void *)(uintptr_t)TRAMP_BASE, smp_trampoline_start, (size_t)(smp_trampoline_end - smp_trampoline_start));
	TRAMP_VAR(smp_tramp_cr3) = read_cr3();
	TRAMP_VAR(smp_tramp_entry) = (uint64_t)(uintptr_t)ap_main;
	TRAMP_VAR(smp_tramp_efer) = (uint32_t)(rdmsr(0xc0000080) & ((1u << 8) | (1u << 11)));  /* LME, NXE */

	/* INIT to every AP, one shared wait (SDM 8.4.4.1: 10 ms), then each gets its STARTUP in turn. */
	for (unsigned i = 0; i < acpi_info.ncpus; i++)
		if (acpi_info.cpu_apic_id[i] != self)
			icr_send(acpi_info.cpu_apic_id[i], ICR_INIT | ICR_LEVEL_ASSERT);
	tsc_udelay(10000);
	for (unsigned i = 0; i < acpi_info.ncpus && n < MAX_CPUS; i++) {
		uint32_t id = acpi_info.cpu_apic_id[i];
		if (id == self)
			continue;
		if (start_ap(n, id)) {
			klog("smp", "CPU %u (APIC id %u) online", n, id);
			n++;
			__atomic_store_n(&ncpus_online, n, __ATOMIC_RELEASE);
		}
	}
	klog("smp", "%u of %u CPUs online", n, acpi_info.ncpus);
	return n;
}
