/*
 * kernel/cpu.h: per-CPU identity. Until SMP is up there is one CPU, id 0.
 * (The CPU's model name is arch/x86_64/cpu_init.h's cpu_model().)
 */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

unsigned cpu_count(void);     /* CPUs online */
unsigned cpu_id(void);        /* this CPU's index, 0..cpu_count()-1 */

#endif
