/*
 * kernel/cpu.h: per-CPU identity. Until SMP is up there is one CPU, id 0.
 * (The CPU's model name is arch/x86_64/cpu_init.h's cpu_model().)
 */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include <stdbool.h>

unsigned cpu_count(void);     /* CPUs online */
unsigned cpu_id(void);        /* this CPU's index, 0..cpu_count()-1 */
/*
 * True on QEMU's TCG with one CPU, where fences may be no fences against
 * QEMU's device threads (see io_fence() in arch/x86_64/io.h): with two or
 * more vCPUs TCG translates in parallel mode and keeps every fence. Valid
 * once SMP is up.
 */
bool cpu_fences_elided(void);

#endif
