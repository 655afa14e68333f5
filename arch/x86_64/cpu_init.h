/*
 * arch/x86_64/cpu_init.h: per-CPU descriptor tables. cpu_init_bsp() loads
 * the boot CPU's GDT (with a TSS whose IST stacks catch double faults and
 * NMIs on a known-good stack) and the IDT with a handler for every exception.
 */
#ifndef ARCH_X86_64_CPU_INIT_H
#define ARCH_X86_64_CPU_INIT_H

void cpu_init_bsp(void);
/* An application processor: its own GDT, TSS and IST stacks, the shared IDT. -ENOMEM. */
int cpu_init_ap(void);

#endif
