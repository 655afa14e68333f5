/*
 * arch/x86_64/acpi.c: finds the ACPI tables in memory and keeps what the
 * kernel needs in acpi_info (ACPI 6.5 ch. 5): the RSDP (5.2.5) from the boot
 * loader's hint, else the EBDA's first KiB and 0xe0000-0xfffff (5.2.5.1);
 * then the XSDT (or, for ACPI 1.0, the RSDT) to the MADT and the FADT, and
 * the FADT to the DSDT for \_S5.
 *
 * Promises: acpi_info is always usable after acpi_init (an identity ISA map
 * and the default local APIC address when tables are missing or corrupt);
 * tables with a bad checksum are skipped with a warning. Tables are read in
 * place: firmware puts them below 4 GiB, which boot.S identity-maps; any
 * address beyond that is refused rather than touched.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/arch_log.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/tsc.h"

#define IDENTITY_LIMIT (1ull << 32)
#define SDT_HDR_LEN 36
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36
#define BDA_EBDA_SEG 0x40e
#define PM1_SLP_TYP_SHIFT 10      /* 4.8.3.2.1 PM1 control register */
#define PM1_SLP_EN (1u << 13)
#define PM1_SCI_EN (1u << 0)

struct acpi_info acpi_info;

static const uint8_t *phys(uint64_t paddr)
{
	/* Hide the constant from GCC, which otherwise warns that low addresses are "outside array bounds". */
	__asm__("" : "+r"(paddr));
	return (const uint8_t *)(uintptr_t)paddr;
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* 5.2.5.3: the first 20 bytes sum to 0; revision 2+ also the whole structure. */
static bool rsdp_valid(const uint8_t *p)
{
	if (memcmp(p, "RSD PTR ", 8) || !acpi_checksum_ok(p, RSDP_V1_LEN))
		return false;
	return p[15] < 2 || acpi_checksum_ok(p, RSDP_V2_LEN);
}

static const uint8_t *rsdp_scan(uint64_t start, uint64_t len)
{
	for (uint64_t a = start; a + RSDP_V2_LEN <= start + len; a += 16)  /* 16-byte aligned */
		if (rsdp_valid(phys(a)))
			return phys(a);
	return 0;
}

static const uint8_t *rsdp_find(uint64_t hint)
{
	if (hint && hint < IDENTITY_LIMIT) {
		if (rsdp_valid(phys(hint)))
			return phys(hint);
		arch_warn("acpi", "RSDP from the loader at %#lx is invalid; scanning", (unsigned long)hint);
	}
	uint64_t ebda = (uint64_t)*(const volatile uint16_t *)phys(BDA_EBDA_SEG) << 4;
	const uint8_t *p = 0;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		p = rsdp_scan(ebda, 1024);
	return p ? p : rsdp_scan(0xe0000, 0x20000);
}

/* A system description table at paddr, or NULL if out of reach or its checksum fails. */
static const uint8_t *sdt_map(uint64_t paddr, uint32_t *len)
{
	if (!paddr || paddr + SDT_HDR_LEN > IDENTITY_LIMIT)
		return 0;
	const uint8_t *t = phys(paddr);
	*len = rd32(t + 4);
	if (*len < SDT_HDR_LEN || paddr + *len > IDENTITY_LIMIT)
		return 0;
	if (!acpi_checksum_ok(t, *len)) {
		arch_warn("acpi", "%.4s at %#lx: bad checksum, ignored", (const char *)t, (unsigned long)paddr);
		return 0;
	}
	return t;
}

static void dsdt_parse(void)
{
	uint32_t len;
	const uint8_t *dsdt = sdt_map(acpi_info.dsdt, &len);
	if (dsdt && !memcmp(dsdt, "DSDT", 4)) {
		int n = acpi_aml_find_mmio(dsdt + SDT_HDR_LEN, len - SDT_HDR_LEN, "LNRO0005", acpi_info.virtio_mmio,
					   ACPI_MAX_MMIO);
		acpi_info.nvirtio_mmio = (unsigned)n;
		if (n)
			arch_log("acpi", "DSDT: %d virtio-mmio device(s), the first at %#lx, GSI %u", n,
				 (unsigned long)acpi_info.virtio_mmio[0].base, acpi_info.virtio_mmio[0].gsi);
	}
	if (dsdt && !memcmp(dsdt, "DSDT", 4) &&
	    acpi_aml_find_s5(dsdt + SDT_HDR_LEN, len - SDT_HDR_LEN, &acpi_info.slp_typa, &acpi_info.slp_typb) == 0) {
		acpi_info.s5_found = true;
		return;
	}
	/* QEMU's PIIX4 and ICH9 treat SLP_TYP 0 as S5 (hw/acpi/core.c). */
	arch_warn("acpi", "no \\_S5 package in the DSDT; using SLP_TYP 0");
	acpi_info.slp_typa = acpi_info.slp_typb = 0;
}

static void table_found(const uint8_t *t, uint32_t len)
{
	if (!memcmp(t, "APIC", 4) && !acpi_info.have_madt) {
		if (acpi_madt_parse(t, len, &acpi_info))
			arch_warn("acpi", "MADT malformed; entries after the bad one ignored");
	} else if (!memcmp(t, "FACP", 4) && !acpi_info.pm1a_cnt) {
		if (acpi_fadt_parse(t, len, &acpi_info) == 0)
			dsdt_parse();
	}
}

/* 5.2.7 / 5.2.8: an array of 32-bit (RSDT) or 64-bit (XSDT) table addresses after the header. */
static bool sdt_walk(uint64_t paddr, bool xsdt)
{
	uint32_t len;
	const uint8_t *root = sdt_map(paddr, &len);
	if (!root || memcmp(root, xsdt ? "XSDT" : "RSDT", 4))
		return false;
	unsigned step = xsdt ? 8 : 4;
	for (uint32_t off = SDT_HDR_LEN; off + step <= len; off += step) {
		uint64_t a = xsdt ? rd64(root + off) : rd32(root + off);
		uint32_t tlen;
		const uint8_t *t = sdt_map(a, &tlen);
		if (t)
			table_found(t, tlen);
	}
	return true;
}

static void madt_log(void)
{
	char ids[4 * ACPI_MAX_CPUS + 1];
	size_t n = 0;
	ids[0] = 0;
	for (unsigned i = 0; i < acpi_info.ncpus && n + 5 < sizeof(ids); i++) {
		unsigned v = acpi_info.cpu_apic_id[i];
		/* Small hand-rolled decimal: the list is built before it is logged, and this is all it needs. */
		if (i)
			ids[n++] = ' ';
		if (v >= 100)
			ids[n++] = (char)('0' + v / 100);
		if (v >= 10)
			ids[n++] = (char)('0' + v / 10 % 10);
		ids[n++] = (char)('0' + v % 10);
		ids[n] = 0;
	}
	const struct acpi_ioapic *io = &acpi_info.ioapic[0];
	arch_log("acpi", "MADT: %u CPUs (apic ids %s), I/O APIC id %u at %#x gsi base %u, %u overrides%s", acpi_info.ncpus,
	         ids, acpi_info.nioapics ? io->id : 0, acpi_info.nioapics ? io->addr : 0,
	         acpi_info.nioapics ? io->gsi_base : 0, acpi_info.noverrides, acpi_info.has_8259 ? ", 8259 PICs" : "");
	if (acpi_info.nioapics > 1)
		arch_log("acpi", "MADT: %u more I/O APICs", acpi_info.nioapics - 1);
	if (acpi_info.cpus_dropped)
		arch_warn("acpi", "MADT: %u CPUs not usable (x2APIC id > 255 or more than %u)", acpi_info.cpus_dropped,
		          ACPI_MAX_CPUS);
}

void acpi_init(uint64_t rsdp_hint)
{
	acpi_info_defaults(&acpi_info);
	const uint8_t *rsdp = rsdp_find(rsdp_hint);
	if (!rsdp) {
		arch_warn("acpi", "no RSDP found; assuming one CPU and the default APIC layout");
		acpi_info.ncpus = 1;
		return;
	}
	uint8_t rev = rsdp[15];
	uint64_t xsdt = rev >= 2 ? rd64(rsdp + 24) : 0;
	uint64_t rsdt = rd32(rsdp + 16);
	arch_log("acpi", "RSDP at %#lx, revision %u, %s at %#lx", (unsigned long)(uintptr_t)rsdp, rev,
	         xsdt ? "XSDT" : "RSDT", (unsigned long)(xsdt ? xsdt : rsdt));
	/* 5.2.5.3: an OS uses the XSDT when there is one; the RSDT is the ACPI 1.0 fallback. */
	if (!(xsdt && sdt_walk(xsdt, true)) && !sdt_walk(rsdt, false))
		arch_warn("acpi", "no valid RSDT/XSDT");
	if (!acpi_info.have_madt)
		arch_warn("acpi", "no MADT; assuming one CPU and the default APIC layout");
	if (!acpi_info.ncpus)
		acpi_info.ncpus = 1;
	madt_log();
	if (acpi_info.pm1a_cnt)
		arch_log("acpi", "FADT: PM1a_CNT %#x PM1b_CNT %#x, S5 SLP_TYP %u/%u%s", acpi_info.pm1a_cnt, acpi_info.pm1b_cnt,
		         acpi_info.slp_typa, acpi_info.slp_typb, acpi_info.s5_found ? "" : " (default)");
	else
		arch_warn("acpi", "no FADT PM1 control block; ACPI power-off unavailable");
}

/* 16.3.1: entering ACPI mode is a write of ACPI_ENABLE to SMI_CMD; SCI_EN then reads as 1. */
static void acpi_mode_enter(void)
{
	if (inw((uint16_t)acpi_info.pm1a_cnt) & PM1_SCI_EN)
		return;
	if (!acpi_info.smi_cmd || !acpi_info.acpi_enable)
		return;                  /* hardware is already in ACPI mode or cannot be told */
	outb((uint16_t)acpi_info.smi_cmd, acpi_info.acpi_enable);
	for (int i = 0; i < 300 && !(inw((uint16_t)acpi_info.pm1a_cnt) & PM1_SCI_EN); i++)
		tsc_udelay(1000);       /* bounded: 300 ms, then try anyway */
}

void acpi_poweroff(void)
{
	if (!acpi_info.pm1a_cnt)
		return;
	acpi_mode_enter();
	/* 7.4.2 / 16.1.7: SLP_TYPx from \_S5 with SLP_EN, to PM1a and (if present) PM1b. */
	uint16_t a = inw((uint16_t)acpi_info.pm1a_cnt) & ~(7u << PM1_SLP_TYP_SHIFT);
	outw((uint16_t)acpi_info.pm1a_cnt, (uint16_t)(a | acpi_info.slp_typa << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
	if (acpi_info.pm1b_cnt) {
		uint16_t b = inw((uint16_t)acpi_info.pm1b_cnt) & ~(7u << PM1_SLP_TYP_SHIFT);
		outw((uint16_t)acpi_info.pm1b_cnt, (uint16_t)(b | acpi_info.slp_typb << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
	}
	tsc_udelay(100000);            /* S5 takes effect asynchronously; give it a moment */
}
