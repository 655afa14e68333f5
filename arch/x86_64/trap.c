/*
 * arch/x86_64/trap.c: where every interrupt and exception lands.
 * Exceptions (vectors 0-31) are fatal in a unikernel with no user mode: the
 * report names the vector, error code, RIP (with symbol), CR2, every general
 * register and a frame-pointer backtrace, then the machine powers off with
 * KERNEL_EXIT_PANIC. Device vectors go to their registered handler and get
 * their local APIC EOI here.
 */
#include <errno.h>
#include <stdint.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"
#include "kernel/console.h"
#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "sched/sched.h"

static struct irq_handler handlers[256];
static uint64_t counts[256];
static unsigned next_vector = IRQ_VECTOR_FIRST;

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

static void exception_report(const struct trap_frame *f)
{
	char sym[96];
	ksyms_format(f->rip, sym, sizeof(sym));
	kprintf("\n*** exception %lu (%s), error code %#lx, CPU %u\n", (unsigned long)f->vector,
		exc_names[f->vector], (unsigned long)f->error, this_cpu()->id);
	kprintf("RIP %04lx:%016lx %s\n", (unsigned long)f->cs, (unsigned long)f->rip, sym);
	kprintf("CR2 %016lx  CR3 %016lx  RFLAGS %016lx\n", (unsigned long)read_cr2(), (unsigned long)read_cr3(),
		(unsigned long)f->rflags);
	if ((f->vector == 14 || f->vector == 8) && sched_addr_is_stack_guard(read_cr2()))
		kprintf("kernel stack overflow: thread %u ran into its stack's guard page\n",
			this_cpu()->current ? thread_id(this_cpu()->current) : 0);
	if (f->vector == 14)
		kprintf("page fault: %s %s address, %s\n", f->error & 1 ? "protection violation at" : "unmapped",
			f->error & 16 ? "instruction fetch from" : f->error & 2 ? "write to" : "read from",
			f->error & 4 ? "user mode" : "kernel mode");
	kprintf("RAX %016lx  RBX %016lx  RCX %016lx\n", (unsigned long)f->rax, (unsigned long)f->rbx,
		(unsigned long)f->rcx);
	kprintf("RDX %016lx  RSI %016lx  RDI %016lx\n", (unsigned long)f->rdx, (unsigned long)f->rsi,
		(unsigned long)f->rdi);
	kprintf("RBP %016lx  RSP %016lx  R8  %016lx\n", (unsigned long)f->rbp, (unsigned long)f->rsp,
		(unsigned long)f->r8);
	kprintf("R9  %016lx  R10 %016lx  R11 %016lx\n", (unsigned long)f->r9, (unsigned long)f->r10,
		(unsigned long)f->r11);
	kprintf("R12 %016lx  R13 %016lx  R14 %016lx\n", (unsigned long)f->r12, (unsigned long)f->r13,
		(unsigned long)f->r14);
	kprintf("R15 %016lx  SS  %04lx  CS %04lx\n", (unsigned long)f->r15, (unsigned long)f->ss,
		(unsigned long)f->cs);
	backtrace_print(f->rip, f->rbp);
}

void trap_dispatch(struct trap_frame *f);

void trap_dispatch(struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;
	counts[v]++;
	if (v < 32) {
		static volatile int in_exception;
		if (in_exception++) {
			kprintf("\n*** exception %u while reporting an exception; stopping\n", v);
			kernel_poweroff(KERNEL_EXIT_PANIC);
		}
		exception_report(f);
		kprintf("skiff: fatal exception, powering off with status %d\n", KERNEL_EXIT_PANIC);
		kernel_poweroff(KERNEL_EXIT_PANIC);
	}
	if (v == IRQ_VECTOR_SPURIOUS)
		return;            /* SDM 11.9: no EOI for the spurious vector */
	if (handlers[v].fn)
		handlers[v].fn(handlers[v].ctx);
	lapic_eoi();
}
