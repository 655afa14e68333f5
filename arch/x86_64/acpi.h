/*
 * arch/x86_64/acpi.h: what the kernel takes from the ACPI tables (ACPI 6.5):
 * the MADT's local APICs, I/O APICs and interrupt source overrides, and the
 * FADT's power-off registers with \_S5's sleep type from the DSDT, and the
 * virtio-mmio devices the DSDT lists.
 *
 * acpi.c finds and walks the tables in memory (kernel only); acpi_parse.c
 * holds the pure decoders below, which host unit tests run on built tables.
 */
#ifndef ARCH_X86_64_ACPI_H
#define ARCH_X86_64_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8

/* MPS INTI flags (ACPI 6.5 table 5.50) as found in acpi_info.isa_flags. */
#define ACPI_INTI_POLARITY_MASK 0x3
#define ACPI_INTI_ACTIVE_HIGH 0x1
#define ACPI_INTI_ACTIVE_LOW 0x3
#define ACPI_INTI_TRIGGER_MASK 0xc
#define ACPI_INTI_EDGE 0x4
#define ACPI_INTI_LEVEL 0xc

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;             /* physical MMIO base */
	uint32_t gsi_base;
};

/* A memory-mapped device the DSDT describes (acpi_aml_find_mmio). */
struct acpi_mmio_dev {
	uint64_t base;
	uint32_t size;
	uint32_t gsi;
	bool level, active_low;    /* the interrupt's trigger and polarity */
};
#define ACPI_MAX_MMIO 8

struct acpi_info {
	uint64_t lapic_addr;
	unsigned ncpus;
	uint8_t cpu_apic_id[ACPI_MAX_CPUS];  /* enabled (or online-capable) processors */
	unsigned cpus_dropped;     /* usable CPUs not listed: table full or x2APIC id > 255 */
	unsigned nioapics;
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	/* ISA IRQ -> GSI with polarity/trigger (MADT interrupt source overrides). */
	uint32_t isa_gsi[16];
	uint16_t isa_flags[16];    /* MPS INTI flags: bits 0-1 polarity, 2-3 trigger */
	unsigned noverrides;
	bool has_8259;             /* MADT PCAT_COMPAT: legacy PICs present, to be masked */
	bool have_madt;
	/* FADT (ACPI 6.5 5.2.9) power management, for S5. */
	uint64_t dsdt;             /* physical address of the DSDT, 0 if none */
	uint32_t pm1a_cnt;         /* PM1a control block I/O port, 0 if none */
	uint32_t pm1b_cnt;
	uint32_t smi_cmd;          /* port that takes acpi_enable to enter ACPI mode */
	uint8_t acpi_enable;
	uint8_t slp_typa, slp_typb;  /* \_S5 package elements 0 and 1 */
	bool s5_found;             /* false: slp_typ* are the PIIX4/ICH9 default 0 */
	/* virtio-mmio transports in the DSDT (_HID LNRO0005: QEMU's microvm). */
	struct acpi_mmio_dev virtio_mmio[ACPI_MAX_MMIO];
	unsigned nvirtio_mmio;
};

extern struct acpi_info acpi_info;

/* Finds the RSDP (rsdp_hint from the loader, else the BIOS areas) and parses the tables. */
void acpi_init(uint64_t rsdp_hint);
/* Enters S5 through the FADT's PM1 control registers; returns if it could not. */
void acpi_poweroff(void);

/* ---- pure decoders (acpi_parse.c), no hardware access ---- */

/* The bytes sum to 0 mod 256 (ACPI 6.5 5.2.5.3, 5.2.6). */
bool acpi_checksum_ok(const void *p, size_t len);
/* Resets the MADT-derived fields of info to "no MADT": identity ISA map, 8259 present. */
void acpi_info_defaults(struct acpi_info *info);
/* Decodes a whole MADT (header included, ACPI 6.5 5.2.12) into info; -EINVAL if malformed. */
int acpi_madt_parse(const uint8_t *madt, size_t len, struct acpi_info *info);
/* Decodes a whole FADT (ACPI 6.5 5.2.9): DSDT address and the PM1 control ports; -EINVAL if short. */
int acpi_fadt_parse(const uint8_t *fadt, size_t len, struct acpi_info *info);
/*
 * Finds "Name(_S5, Package(){a, b, ...})" in AML (ACPI 6.5 7.4.2, 20.2) and
 * returns a and b, each a byte/word/dword constant or Zero/One. -ENOENT when
 * absent or encoded some other way (a method, a computed value).
 */
int acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb);

/*
 * Devices whose _HID is the string hid ("LNRO0005": virtio-mmio), with
 * their first fixed memory range and interrupt, as QEMU's microvm writes
 * them; at most max into out; returns how many.
 */
int acpi_aml_find_mmio(const uint8_t *aml, size_t len, const char *hid, struct acpi_mmio_dev *out, int max);

#endif
