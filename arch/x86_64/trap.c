/*
 * arch/x86_64/trap.c: where every interrupt and exception lands. Device
 * vectors go to their registered handler and get their local APIC EOI
 * here. An NMI goes to the NMI handler when one is registered (the
 * profiler's tick). Exceptions (vectors 0-31) go to the fault handler the kernel
 * registered (kernel/fault.c reports and powers off); should it return, or
 * none be registered yet, the CPU stops with interrupts off: a fault is
 * never returned into.
 */
#include <errno.h>
#include <stdint.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"

static struct irq_handler handlers[256];
static uint64_t counts[256];
static unsigned next_vector = IRQ_VECTOR_FIRST;
static void (*fault_handler)(const struct trap_frame *f);
static void (*nmi_handler)(const struct trap_frame *f);

static const char *const exc_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded",
	"invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
	"invalid TSS", "segment not present", "stack-segment fault", "general protection fault",
	"page fault", "reserved", "x87 floating-point error", "alignment check", "machine check",
	"SIMD floating-point error", "virtualization exception", "control protection exception",
	"reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
	"hypervisor injection exception", "VMM communication exception", "security exception", "reserved",
};

int irq_alloc_vector(void)
{
	/* Called at driver init on the boot CPU; no lock needed before SMP. */
	if (next_vector > IRQ_VECTOR_LAST)
		return -ENOSPC;
	return (int)next_vector++;
}

void irq_set_handler(unsigned vector, void (*fn)(void *ctx), void *ctx)
{
	handlers[vector & 0xff] = (struct irq_handler){ fn, ctx };
}

uint64_t irq_count(unsigned vector)
{
	return __atomic_load_n(&counts[vector & 0xff], __ATOMIC_RELAXED);
}

const char *trap_exception_name(unsigned vector)
{
	return vector < 32 ? exc_names[vector] : "interrupt";
}

void trap_set_fault_handler(void (*fn)(const struct trap_frame *f))
{
	fault_handler = fn;
}

void trap_set_nmi_handler(void (*fn)(const struct trap_frame *f))
{
	nmi_handler = fn;
}

void trap_dispatch(struct trap_frame *f);

void trap_dispatch(struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;
	counts[v]++;
	if (v == 2 && nmi_handler) {
		nmi_handler(f);    /* SDM 6.7.1: NMIs stay blocked until the iretq */
		return;
	}
	if (v < 32) {
		if (fault_handler)
			fault_handler(f);
		for (;;) {
			irq_disable();
			cpu_halt();
		}
	}
	if (v == IRQ_VECTOR_SPURIOUS)
		return;            /* SDM 11.9: no EOI for the spurious vector */
	if (handlers[v].fn) {
		struct arch_cpu *a = arch_this_cpu();
		a->irq_depth++;    /* lets locks that must never be taken here check (kernel/spinlock.h) */
		handlers[v].fn(handlers[v].ctx);
		a->irq_depth--;
	}
	lapic_eoi();
}
