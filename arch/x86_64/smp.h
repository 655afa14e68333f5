/*
 * arch/x86_64/smp.h: starting the other CPUs and signalling between CPUs
 * (Intel SDM vol. 3A 8.4 multiple-processor initialization, 11.6 issuing
 * interprocessor interrupts).
 *
 * The order the SDM asks for (8.4.4.1), which the caller follows: install
 * the trampoline; INIT to every AP; wait 10 ms; then smp_send_startup() to
 * one AP at a time, each after the previous one has left the trampoline
 * (the parameter block serves one AP at a time). An AP started this way
 * runs entry(arg) in 64-bit mode on the boot CPU's page tables, on
 * stack_top, with interrupts off and the boot GDT: it must load its own
 * descriptor tables (cpu_init_ap) and local APIC (lapic_init_ap) itself.
 * entry must not return.
 */
#ifndef ARCH_X86_64_SMP_H
#define ARCH_X86_64_SMP_H

/* The 4 KiB page the trampoline runs from (below 1 MiB); the caller checks that it is free RAM. */
#define SMP_TRAMP_BASE 0x8000
#define SMP_TRAMP_SIZE 4096

#ifndef __ASSEMBLY__
#include <stdint.h>

#define IRQ_VECTOR_IPI 0xf0        /* "look at your inbox" */

/* Copies the trampoline to SMP_TRAMP_BASE with this CPU's CR3 and EFER; APs will call entry. */
void smp_tramp_install(void (*entry)(unsigned arg));
/* INIT IPI (level assert) to one AP: it resets and waits for a STARTUP IPI. */
void smp_send_init(uint32_t apic_id);
/* Two STARTUP IPIs to apic_id, 200 us apart: it runs entry(arg) on stack_top (16-byte aligned). */
void smp_send_startup(uint32_t apic_id, uint64_t stack_top, unsigned arg);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);

#endif /* __ASSEMBLY__ */
#endif
