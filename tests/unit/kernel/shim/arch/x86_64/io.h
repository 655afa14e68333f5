/*
 * tests/unit/kernel/shim/arch/x86_64/io.h: the host stand-in for the
 * interrupt flag and cpu_relax(), for kernel/spinlock.h under test. Each
 * pthread plays one CPU, so the flag is thread-local.
 */
#ifndef SHIM_ARCH_IO_H
#define SHIM_ARCH_IO_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#define SHIM_IF (1u << 9)   /* RFLAGS.IF, as the real irq_save() returns it */

extern __thread bool shim_irq_on;

static inline void cpu_relax(void) { sched_yield(); }

static inline uint64_t irq_save(void)
{
	uint64_t f = shim_irq_on ? SHIM_IF : 0;
	shim_irq_on = false;
	return f;
}

static inline void irq_restore(uint64_t f)
{
	if (f & SHIM_IF)
		shim_irq_on = true;
}

#endif
