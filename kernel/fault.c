/*
 * kernel/fault.c: the report of a CPU exception (vectors 0-31), registered
 * as arch/x86_64/trap.c's fault handler (see fault.h). Besides the machine
 * state it says when a page fault or double fault hit a thread stack's
 * guard page: a kernel stack overflow, named as such.
 */
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"
#include "kernel/console.h"
#include "kernel/fault.h"
#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "sched/sched.h"

static void fault_report(const struct trap_frame *f)
{
	char sym[96];
	ksyms_format(f->rip, sym, sizeof(sym));
	kprintf("\n*** exception %lu (%s), error code %#lx, CPU %u\n", (unsigned long)f->vector,
		trap_exception_name((unsigned)f->vector), (unsigned long)f->error, this_cpu()->id);
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

static void fault_handle(const struct trap_frame *f)
{
	static volatile int in_exception;
	if (in_exception++) {
		kprintf("\n*** exception %u while reporting an exception; stopping\n", (unsigned)f->vector);
		kernel_poweroff(KERNEL_EXIT_PANIC);
	}
	fault_report(f);
	kprintf("skiff: fatal exception, powering off with status %d\n", KERNEL_EXIT_PANIC);
	kernel_poweroff(KERNEL_EXIT_PANIC);
}

void fault_init(void)
{
	trap_set_fault_handler(fault_handle);
}
