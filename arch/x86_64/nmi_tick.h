/*
 * arch/x86_64/nmi_tick.h: a periodic NMI on every CPU from PIT channel 0
 * through the I/O APIC (nmi_tick.c), for the kernel's sampling profiler.
 */
#ifndef ARCH_X86_64_NMI_TICK_H
#define ARCH_X86_64_NMI_TICK_H

struct trap_frame;

/* Calls fn(frame) on every CPU about hz (19..596591) times a second, from an NMI. 0, -EINVAL or -ENODEV. */
int nmi_tick_start(unsigned hz, void (*fn)(const struct trap_frame *f));
/* The rate hz really gives (the PIT divides 1.193182 MHz by a whole count). */
unsigned nmi_tick_hz(unsigned hz);

#endif
