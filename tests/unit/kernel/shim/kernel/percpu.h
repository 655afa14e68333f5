/*
 * tests/unit/kernel/shim/kernel/percpu.h: the host stand-in for this_cpu():
 * each pthread is one CPU with the two fields kernel/spinlock.h uses.
 */
#ifndef SHIM_KERNEL_PERCPU_H
#define SHIM_KERNEL_PERCPU_H

struct cpu {
	unsigned id;
	unsigned locks_held;
};

extern __thread struct cpu shim_cpu;

static inline struct cpu *this_cpu(void)
{
	return &shim_cpu;
}

#endif
