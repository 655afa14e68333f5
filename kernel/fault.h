/*
 * kernel/fault.h: what the kernel does with a CPU exception. A unikernel
 * with no user mode has no exception it can recover from: the report names
 * the vector, error code, RIP (with symbol), CR2, every general register and
 * a frame-pointer backtrace, then the machine powers off with
 * KERNEL_EXIT_PANIC.
 */
#ifndef KERNEL_FAULT_H
#define KERNEL_FAULT_H

/* Registers the report with arch/x86_64/trap.c; before the IDT is loaded. */
void fault_init(void);

#endif
