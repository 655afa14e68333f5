/*
 * kernel/smp_boot.h: bringing CPUs up, in the kernel's order, from the
 * mechanisms arch/x86_64 offers (descriptor tables in memory given here,
 * the local APIC, STARTUP IPIs): the kernel allocates and decides, arch/
 * touches the hardware.
 */
#ifndef KERNEL_SMP_BOOT_H
#define KERNEL_SMP_BOOT_H

/* The boot CPU's GDT, TSS and IDT (static memory: no allocator yet). Before anything can fault. */
void smp_boot_bsp(void);
/*
 * Starts every enabled CPU of the MADT, one at a time, each into its idle
 * loop; returns how many are online (the boot CPU included). After ACPI,
 * the local APIC, the heap and the boot CPU's scheduler are up.
 */
unsigned smp_boot_aps(void);

#endif
