/*
 * kernel/cpu.h: per-CPU identity. Until SMP is up there is one CPU, id 0.
 */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

unsigned cpu_count(void);     /* CPUs online */
unsigned cpu_id(void);        /* this CPU's index, 0..cpu_count()-1 */
/* CPUID brand string ("QEMU Virtual CPU version 2.5+"), trimmed. */
const char *cpu_model(void);

#endif
