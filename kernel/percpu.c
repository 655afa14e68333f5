/*
 * kernel/percpu.c: the per-CPU array and GS base set-up (IA32_GS_BASE, MSR
 * 0xc0000101, Intel SDM vol. 4). The boot CPU does this first thing in
 * kmain, so this_cpu() is valid everywhere after.
 */
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/io.h"
#include "kernel/cpu.h"
#include "kernel/percpu.h"

#define MSR_GS_BASE 0xc0000101

struct cpu cpus[MAX_CPUS];
unsigned ncpus_online = 1;

void percpu_init(unsigned id, uint32_t apic_id)
{
	struct cpu *c = &cpus[id];
	c->self = c;
	c->id = id;
	c->apic_id = apic_id;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)c);
}

unsigned cpu_count(void)
{
	return __atomic_load_n(&ncpus_online, __ATOMIC_ACQUIRE);
}

unsigned cpu_id(void)
{
	return this_cpu()->id;
}

bool cpu_fences_elided(void)
{
	return cpu_count() == 1 && cpu_is_qemu_tcg();
}
