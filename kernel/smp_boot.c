/*
 * kernel/smp_boot.c: CPU bring-up, orchestrated by the kernel (see
 * smp_boot.h; Intel SDM vol. 3A 8.4.4.1 for the order). The boot CPU's
 * per-CPU machine state is static (it is set up before the page allocator
 * exists). Every AP the MADT lists as enabled gets INIT, one 10 ms wait
 * shared by all of them (only on CPUs that need it: init_wait_needed),
 * then STARTUP IPIs one CPU at a time: the
 * trampoline page and its parameter block serve one AP at a time, so the
 * boot CPU waits (bounded) for each to report online before the next. Each
 * AP gets a guard-paged stack from the scheduler's pool here, then on its
 * own: its per-CPU block, heap, descriptor tables (on that heap) and local
 * APIC, and enters its idle loop to wait for work in its inbox.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/smp.h"
#include "kernel/bootinfo.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/smp_boot.h"
#include "kernel/time.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "sched/sched.h"

#define INIT_WAIT_US 10000                        /* SDM 8.4.4.1: 10 ms after INIT, on old parts */
#define AP_ONLINE_TIMEOUT_NS (500 * NSEC_PER_MSEC)

static struct arch_cpu bsp_arch;

void smp_boot_bsp(void)
{
	cpu_init_bsp(&bsp_arch);
	this_cpu()->arch = &bsp_arch;   /* arch/ finds it through GS from here on */
}

/* Where the trampoline lands on an AP: idx is its index in cpus[]. */
static void ap_main(unsigned idx)
{
	struct cpu *c = &cpus[idx];
	percpu_init(idx, c->apic_id);
	mm_init_cpu();    /* its own heap, before anything here allocates */
	struct arch_cpu *a = kzalloc(sizeof(*a));
	if (!a)
		panic("smp: CPU %u: no memory for its descriptor tables", idx);
	cpu_init_ap(a);
	c->arch = a;      /* before lapic_init_ap: the APIC timer keeps its state there */
	lapic_init_ap();
	sched_run_ap();   /* marks the CPU online once it can take work */
}

/*
 * The SDM's INIT-SIPI-SIPI example (8.4.4.1) waits 10 ms after INIT; the
 * MP spec (B.4) asks it of external-APIC (82489DX) systems. CPUs with an
 * integrated APIC take the STARTUP IPI without it, and a hypervisor's
 * virtual CPUs reset at once: Linux has skipped it since 4.4 for Intel
 * family 6, AMD family 0xF and later (smpboot.c, smp_quirk_init_udelay),
 * and so do we, and for any CPU that reports a hypervisor (CPUID.1:ECX
 * bit 31). That is 10 ms of every SMP boot.
 */
static bool init_wait_needed(void)
{
	uint32_t a, b, c, d, vendor[3];
	cpuid(0, 0, &a, &vendor[0], &vendor[2], &vendor[1]);
	cpuid(1, 0, &a, &b, &c, &d);
	unsigned family = (a >> 8) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (c & (1u << 31))
		return false;
	if (!memcmp(vendor, "GenuineIntel", 12))
		return family < 6;
	if (!memcmp(vendor, "AuthenticAMD", 12))
		return family < 0xf;
	return true;
}

static bool tramp_page_free(void)
{
	bool usable = false;
	for (int i = 0; i < boot_info.nregions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type == MEM_USABLE && r->base <= SMP_TRAMP_BASE && r->base + r->len >= SMP_TRAMP_BASE + SMP_TRAMP_SIZE)
			usable = true;
	}
	for (int i = 0; i < boot_info.nreserved; i++) {
		const struct mem_region *r = &boot_info.reserved[i];
		if (r->base < SMP_TRAMP_BASE + SMP_TRAMP_SIZE && r->base + r->len > SMP_TRAMP_BASE)
			return false;
	}
	return usable;
}

static bool start_ap(unsigned idx, uint32_t apic_id)
{
	struct cpu *c = &cpus[idx];
	c->apic_id = apic_id;
	void *stack_top = sched_cpu_stack();
	if (!stack_top) {
		kwarn("smp", "no memory for CPU %u's stack", idx);
		return false;
	}
	smp_send_startup(apic_id, (uint64_t)(uintptr_t)stack_top, idx);
	uint64_t t0 = time_ns();
	while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE)) {
		if (time_ns() - t0 > AP_ONLINE_TIMEOUT_NS) {
			kwarn("smp", "CPU %u (APIC id %u) did not come online", idx, apic_id);
			return false;
		}
		cpu_relax();
	}
	return true;
}

unsigned smp_boot_aps(void)
{
	uint32_t self = lapic_id();
	unsigned n = 1;
	cpus[0].apic_id = self;
	if (acpi_info.ncpus <= 1)
		return 1;
	if (!tramp_page_free()) {
		kwarn("smp", "page %#x is not free RAM; staying on one CPU", SMP_TRAMP_BASE);
		return 1;
	}
	smp_tramp_install(ap_main);

	/* INIT to every AP, one shared wait, then each gets its STARTUP in turn. */
	for (unsigned i = 0; i < acpi_info.ncpus; i++)
		if (acpi_info.cpu_apic_id[i] != self)
			smp_send_init(acpi_info.cpu_apic_id[i]);
	if (init_wait_needed())
		time_udelay(INIT_WAIT_US);
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
