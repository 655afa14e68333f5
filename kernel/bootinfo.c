/*
 * kernel/bootinfo.c: reads the multiboot2 information (Multiboot2 spec 3.6)
 * or the PVH start_info (Xen public/arch-x86/hvm/start_info.h, version 1)
 * into struct bootinfo. Where GRUB gives the EFI memory map (tag 17) it is
 * preferred to the E820-style one (tag 6): after ExitBootServices the boot
 * services regions are ours, which the converted map may not say.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/bootinfo.h"
#include "kernel/panic.h"

struct bootinfo boot_info;

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_EFI64 12
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_EFI_MMAP 17

#define PVH_MAGIC 0x336ec578

static void add_region(uint64_t base, uint64_t len, enum mem_type type)
{
	struct bootinfo *bi = &boot_info;
	if (len == 0)
		return;
	/* Merge with the previous region when contiguous and alike (EFI maps are fine-grained). */
	if (bi->nregions) {
		struct mem_region *p = &bi->regions[bi->nregions - 1];
		if (p->type == type && p->base + p->len == base) {
			p->len += len;
			return;
		}
	}
	if (bi->nregions == BOOTINFO_MAX_REGIONS)
		return;
	bi->regions[bi->nregions++] = (struct mem_region){ base, len, type };
}

static void add_reserved(uint64_t base, uint64_t len)
{
	struct bootinfo *bi = &boot_info;
	if (bi->nreserved < BOOTINFO_MAX_RESERVED)
		bi->reserved[bi->nreserved++] = (struct mem_region){ base, len, MEM_RESERVED };
}

static enum mem_type e820_type(uint32_t t)
{
	switch (t) {
	case 1: return MEM_USABLE;
	case 3: return MEM_ACPI_RECLAIM;
	case 4: return MEM_ACPI_NVS;
	case 5: return MEM_BAD;
	default: return MEM_RESERVED;
	}
}

/* UEFI 2.10 7.2: EFI_MEMORY_TYPE. Loader and boot-services memory is free once we run. */
static enum mem_type efi_type(uint32_t t)
{
	switch (t) {
	case 1: case 2: case 3: case 4: case 7: return MEM_USABLE;
	case 9: return MEM_ACPI_RECLAIM;
	case 10: return MEM_ACPI_NVS;
	case 8: return MEM_BAD;
	default: return MEM_RESERVED;
	}
}

static void mb2_mmap(const uint8_t *tag)
{
	uint32_t size = *(const uint32_t *)(tag + 4);
	uint32_t esize = *(const uint32_t *)(tag + 8);
	if (esize < 24)
		return;
	for (uint32_t off = 16; off + esize <= size; off += esize) {
		const uint8_t *e = tag + off;
		add_region(*(const uint64_t *)e, *(const uint64_t *)(e + 8), e820_type(*(const uint32_t *)(e + 16)));
	}
}

static void mb2_efi_mmap(const uint8_t *tag)
{
	uint32_t size = *(const uint32_t *)(tag + 4);
	uint32_t dsize = *(const uint32_t *)(tag + 8);
	if (dsize < 40)
		return;
	/* EFI_MEMORY_DESCRIPTOR: Type u32, pad, PhysicalStart u64, VirtualStart u64, NumberOfPages u64, Attribute u64. */
	for (uint32_t off = 16; off + dsize <= size; off += dsize) {
		const uint8_t *d = tag + off;
		add_region(*(const uint64_t *)(d + 8), *(const uint64_t *)(d + 24) * 4096,
			   efi_type(*(const uint32_t *)d));
	}
}

static void parse_mb2(uint32_t paddr)
{
	const uint8_t *mbi = (const uint8_t *)(uintptr_t)paddr;
	uint32_t total = *(const uint32_t *)mbi;
	const uint8_t *mmap = NULL, *efi_mmap = NULL;

	add_reserved(paddr, total);
	boot_info.loader = "multiboot2";
	for (uint32_t off = 8; off + 8 <= total;) {
		const uint8_t *tag = mbi + off;
		uint32_t type = *(const uint32_t *)tag;
		uint32_t size = *(const uint32_t *)(tag + 4);
		if (type == MB2_TAG_END || size < 8)
			break;
		switch (type) {
		case MB2_TAG_CMDLINE:
			boot_info.cmdline = (const char *)(tag + 8);
			break;
		case MB2_TAG_LOADER:
			boot_info.loader = (const char *)(tag + 8);
			break;
		case MB2_TAG_MODULE:
			add_reserved(*(const uint32_t *)(tag + 8),
				     *(const uint32_t *)(tag + 12) - *(const uint32_t *)(tag + 8));
			break;
		case MB2_TAG_MMAP:
			mmap = tag;
			break;
		case MB2_TAG_EFI_MMAP:
			efi_mmap = tag;
			break;
		case MB2_TAG_EFI64:
			boot_info.efi = true;
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* The tag holds a copy of the RSDP; prefer the ACPI 2.0 one (XSDT). */
			if (!boot_info.rsdp || type == MB2_TAG_ACPI_NEW)
				boot_info.rsdp = (uintptr_t)(tag + 8);
			break;
		}
		off += (size + 7) & ~7u;
	}
	if (efi_mmap) {
		boot_info.efi_mmap = true;
		mb2_efi_mmap(efi_mmap);
	} else if (mmap) {
		mb2_mmap(mmap);
	}
}

struct pvh_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct pvh_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

struct pvh_module {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

static void parse_pvh(uint32_t paddr)
{
	const struct pvh_start_info *si = (const void *)(uintptr_t)paddr;
	if (si->magic != PVH_MAGIC)
		panic("boot: PVH start_info has bad magic %#x", si->magic);
	boot_info.loader = "PVH (direct kernel boot)";
	add_reserved(paddr, sizeof(*si));
	if (si->cmdline_paddr) {
		boot_info.cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
		add_reserved(si->cmdline_paddr, strlen(boot_info.cmdline) + 1);
	}
	boot_info.rsdp = si->rsdp_paddr;
	const struct pvh_module *mods = (const void *)(uintptr_t)si->modlist_paddr;
	for (uint32_t i = 0; mods && i < si->nr_modules; i++)
		add_reserved(mods[i].paddr, mods[i].size);
	if (si->version >= 1 && si->memmap_paddr) {
		const struct pvh_memmap_entry *e = (const void *)(uintptr_t)si->memmap_paddr;
		add_reserved(si->memmap_paddr, si->memmap_entries * sizeof(*e));
		for (uint32_t i = 0; i < si->memmap_entries; i++)
			add_region(e[i].addr, e[i].size, e820_type(e[i].type));
	}
}

void bootinfo_parse(uint32_t protocol, uint32_t info_paddr)
{
	boot_info.protocol = (int)protocol;
	boot_info.cmdline = "";
	if (protocol == BOOT_PROTO_MB2)
		parse_mb2(info_paddr);
	else if (protocol == BOOT_PROTO_PVH)
		parse_pvh(info_paddr);
	else
		panic("boot: unknown boot protocol %u", protocol);
	if (!boot_info.nregions)
		panic("boot: the loader gave no memory map");
}
