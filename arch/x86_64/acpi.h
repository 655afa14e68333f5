/*
 * arch/x86_64/acpi.h: what the kernel takes from the ACPI tables (ACPI 6.5):
 * the MADT's local APICs, I/O APICs and interrupt source overrides, and the
 * FADT's power-off registers.
 */
#ifndef ARCH_X86_64_ACPI_H
#define ARCH_X86_64_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;             /* physical MMIO base */
	uint32_t gsi_base;
};

struct acpi_info {
	uint64_t lapic_addr;
	unsigned ncpus;
	uint8_t cpu_apic_id[ACPI_MAX_CPUS];  /* enabled (or online-capable) processors */
	unsigned nioapics;
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	/* ISA IRQ -> GSI with polarity/trigger (MADT interrupt source overrides). */
	uint32_t isa_gsi[16];
	uint16_t isa_flags[16];    /* MPS INTI flags: bits 0-1 polarity, 2-3 trigger */
	bool has_8259;             /* MADT PCAT_COMPAT: legacy PICs present, to be masked */
};

extern struct acpi_info acpi_info;

/* Finds the RSDP (rsdp_hint from the loader, else the BIOS areas) and parses the tables. */
void acpi_init(uint64_t rsdp_hint);
/* Enters S5 through the FADT's PM1 control registers; returns if it could not. */
void acpi_poweroff(void);

#endif
