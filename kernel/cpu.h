/*
 * kernel/cpu.h: per-CPU identity. Until SMP is up there is one CPU, id 0.
 */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include <stdbool.h>

unsigned cpu_count(void);     /* CPUs online */
unsigned cpu_id(void);        /* this CPU's index, 0..cpu_count()-1 */
/* CPUID brand string ("QEMU Virtual CPU version 2.5+"), trimmed. */
const char *cpu_model(void);
/*
 * True on QEMU's TCG with one CPU, where fences may be no fences against
 * QEMU's device threads (see io_fence() in arch/x86_64/io.h). Hypervisor
 * leaf 0x40000000 names TCG as "TCGTCGTCGTCG". Valid once SMP is up.
 */
bool cpu_fences_elided(void);

#endif
