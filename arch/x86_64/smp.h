/*
 * arch/x86_64/smp.h: bringing up the other CPUs and signalling between
 * CPUs (Intel SDM vol. 3A 8.4 multiple-processor initialization, 11.6
 * issuing interprocessor interrupts).
 */
#ifndef ARCH_X86_64_SMP_H
#define ARCH_X86_64_SMP_H

#include <stdint.h>

#define IRQ_VECTOR_IPI 0xf0        /* "look at your inbox" */

/* Starts every enabled CPU of the MADT; returns how many are online (BSP included). */
unsigned smp_init(void);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);

#endif
