/*
 * kernel/smp_boot.c: CPU bring-up, orchestrated by the kernel (see
 * smp_boot.h). The boot CPU's per-CPU machine state is static (it is set
 * up before the page allocator exists).
 */
#include "arch/x86_64/cpu_init.h"
#include "kernel/percpu.h"
#include "kernel/smp_boot.h"

static struct arch_cpu bsp_arch;

void smp_boot_bsp(void)
{
	cpu_init_bsp(&bsp_arch);
	this_cpu()->arch = &bsp_arch;   /* arch/ finds it through GS from here on */
}
