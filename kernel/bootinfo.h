/*
 * kernel/bootinfo.h: what the boot loader told us, in one loader-neutral
 * shape. kernel/bootinfo.c fills it from a multiboot2 information structure
 * (Multiboot2 spec 3.6) or a PVH hvm_start_info (Xen start_info.h).
 */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include <stdbool.h>
#include <stdint.h>

#define BOOT_PROTO_MB2 1
#define BOOT_PROTO_PVH 2

#define BOOTINFO_MAX_REGIONS 128
#define BOOTINFO_MAX_RESERVED 16

enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED,
	MEM_ACPI_RECLAIM,
	MEM_ACPI_NVS,
	MEM_BAD,
};

struct mem_region {
	uint64_t base;
	uint64_t len;
	enum mem_type type;
};

struct bootinfo {
	int protocol;                  /* BOOT_PROTO_* */
	const char *loader;            /* "GRUB 2.06", "PVH (QEMU -kernel)" */
	const char *cmdline;           /* never NULL; may be "" */
	struct mem_region regions[BOOTINFO_MAX_REGIONS];
	int nregions;
	bool efi_mmap;                 /* regions came from the EFI memory map */
	bool efi;                      /* booted through UEFI firmware */
	uint64_t rsdp;                 /* physical address of the ACPI RSDP, 0 if unknown */
	/* Ranges that hold boot data the kernel still reads (info, cmdline, modules). */
	struct mem_region reserved[BOOTINFO_MAX_RESERVED];
	int nreserved;
};

extern struct bootinfo boot_info;

void bootinfo_parse(uint32_t protocol, uint32_t info_paddr);

#endif
