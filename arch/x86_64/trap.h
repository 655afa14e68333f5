/*
 * arch/x86_64/trap.h: the saved state of an interrupted context, in the
 * order isr.S pushes it, the registry of interrupt handlers and the hook
 * that receives exceptions.
 */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};

#define IRQ_VECTOR_FIRST 0x30
#define IRQ_VECTOR_LAST 0xdf

/*
 * An interrupt handler runs with interrupts off, does the minimum (ack the
 * device, wake a thread) and returns; the local APIC EOI is sent for it.
 */
struct irq_handler {
	void (*fn)(void *ctx);
	void *ctx;
};

/* A free vector in IRQ_VECTOR_FIRST..IRQ_VECTOR_LAST, or -ENOSPC. */
int irq_alloc_vector(void);
void irq_set_handler(unsigned vector, void (*fn)(void *ctx), void *ctx);
/* Interrupts taken per vector since boot (for tests and the stats an app reads). */
uint64_t irq_count(unsigned vector);

/*
 * Exceptions (vectors 0-31) call fn with the interrupted state; it is not
 * expected to return (nothing here can resume a faulting kernel). If it
 * does, or before one is set, the CPU halts with interrupts off.
 */
void trap_set_fault_handler(void (*fn)(const struct trap_frame *f));
/*
 * NMIs (vector 2) call fn, which returns into the interrupted code (the
 * profiler's samples; nmi_tick.c); without one an NMI is reported like an
 * exception. fn runs on the NMI stack, possibly inside any other handler:
 * it may take no lock.
 */
void trap_set_nmi_handler(void (*fn)(const struct trap_frame *f));
/* "page fault", "double fault", ... (Intel SDM vol. 3A table 6-1) for vectors 0-31. */
const char *trap_exception_name(unsigned vector);

#endif
