/*
 * tests/unit/kernel/shim/kernel/percpu.h: the host stand-in for this_cpu():
 * each pthread is one CPU with the fields kernel/spinlock.h uses.
 */
#ifndef SHIM_KERNEL_PERCPU_H
#define SHIM_KERNEL_PERCPU_H

#include <stdbool.h>

struct cpu {
	unsigned id;
	unsigned locks_held;
	unsigned irq_depth;        /* the real one lives in struct arch_cpu */
};

extern __thread struct cpu shim_cpu;

static inline bool cpu_in_irq(void)
{
	return shim_cpu.irq_depth != 0;
}

static inline struct cpu *this_cpu(void)
{
	return &shim_cpu;
}

#endif
