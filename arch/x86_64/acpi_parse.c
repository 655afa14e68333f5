/*
 * arch/x86_64/acpi_parse.c: decoders for the ACPI tables the kernel uses
 * (ACPI 6.5): table checksums (5.2.5.3, 5.2.6), the MADT (5.2.12), the FADT
 * (5.2.9) and the \_S5 object in the DSDT's AML (7.4.2, 20.2).
 *
 * Promises: every read is bounded by the length the caller gives, so a
 * corrupt table yields -EINVAL or a partial result, never a wild read; no
 * hardware access and no globals, so host unit tests run these on tables
 * they build. Fields are read byte by byte (little-endian), never by casting
 * a packed struct over the table.
 *
 * Deviation: \_S5 is found the way most small kernels do, by scanning the
 * AML for the name and decoding the package's first two constants, not by
 * interpreting AML. A DSDT that computes \_S5 gets -ENOENT.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/acpi.h"

#define SDT_HDR_LEN 36
#define MADT_ENTRIES 44
#define MADT_PCAT_COMPAT (1u << 0)

/* MADT interrupt controller structure types (ACPI 6.5 table 5.21). */
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_ISO 2
#define MADT_LAPIC_ADDR 5
#define MADT_X2APIC 9
/* Local APIC flags (table 5.23): usable now, or can be brought online later. */
#define MADT_CPU_ENABLED (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)

/* FADT field offsets (ACPI 6.5 table 5.9). */
#define FADT_DSDT 40
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM1B_CNT 184
#define GAS_LEN 12
#define GAS_SPACE_IO 1

/* AML opcodes (ACPI 6.5 20.2). */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE 0x0a
#define AML_WORD 0x0b
#define AML_DWORD 0x0c
#define AML_PACKAGE 0x12
#define AML_ONES 0xff
#define AML_ROOT '\\'

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

bool acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

void acpi_info_defaults(struct acpi_info *info)
{
	info->lapic_addr = 0xfee00000;   /* SDM 11.4.1: the power-up default */
	info->ncpus = 0;
	info->cpus_dropped = 0;
	info->nioapics = 0;
	info->noverrides = 0;
	/* ACPI 6.5 5.2.12.5: without an override, ISA IRQ n is GSI n, edge, active high. */
	for (unsigned i = 0; i < 16; i++) {
		info->isa_gsi[i] = i;
		info->isa_flags[i] = 0;
	}
	info->has_8259 = true;           /* assume the worst: masking absent PICs is harmless */
	info->have_madt = false;
}

static void madt_add_cpu(struct acpi_info *info, uint32_t apic_id, uint32_t flags)
{
	if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
		return;                  /* a slot for a CPU that is not there */
	if (apic_id > 0xff || info->ncpus >= ACPI_MAX_CPUS) {
		info->cpus_dropped++;    /* xAPIC addresses only 8-bit ids */
		return;
	}
	for (unsigned i = 0; i < info->ncpus; i++)
		if (info->cpu_apic_id[i] == apic_id)
			return;          /* 5.2.12.12: firmware may list a CPU both ways */
	info->cpu_apic_id[info->ncpus++] = (uint8_t)apic_id;
}

/* One interrupt controller structure; e points at its type byte, n is its length. */
static void madt_entry(struct acpi_info *info, const uint8_t *e, uint8_t n)
{
	switch (e[0]) {
	case MADT_LAPIC:      /* 5.2.12.2: uid, APIC id, flags */
		if (n >= 8)
			madt_add_cpu(info, e[3], le32(e + 4));
		break;
	case MADT_X2APIC:     /* 5.2.12.12: reserved[2], x2APIC id, flags, uid */
		if (n >= 16)
			madt_add_cpu(info, le32(e + 4), le32(e + 8));
		break;
	case MADT_IOAPIC:     /* 5.2.12.3: id, reserved, address, GSI base */
		if (n >= 12 && info->nioapics < ACPI_MAX_IOAPICS)
			info->ioapic[info->nioapics++] = (struct acpi_ioapic){
				.id = e[2], .addr = le32(e + 4), .gsi_base = le32(e + 8) };
		break;
	case MADT_ISO:        /* 5.2.12.5: bus (0 = ISA), source IRQ, GSI, flags */
		if (n >= 10 && e[2] == 0 && e[3] < 16) {
			info->isa_gsi[e[3]] = le32(e + 4);
			info->isa_flags[e[3]] = le16(e + 8);
			info->noverrides++;
		}
		break;
	case MADT_LAPIC_ADDR: /* 5.2.12.8: reserved[2], 64-bit address */
		if (n >= 12)
			info->lapic_addr = le64(e + 4);
		break;
	default:              /* NMI sources, GIC, ...: not used */
		break;
	}
}

int acpi_madt_parse(const uint8_t *madt, size_t len, struct acpi_info *info)
{
	if (len < MADT_ENTRIES || memcmp(madt, "APIC", 4) || le32(madt + 4) > len)
		return -EINVAL;
	len = le32(madt + 4);
	info->lapic_addr = le32(madt + SDT_HDR_LEN);
	info->has_8259 = le32(madt + SDT_HDR_LEN + 4) & MADT_PCAT_COMPAT;
	info->have_madt = true;
	/* The address override (type 5) may come anywhere, so it is applied in the same pass. */
	for (size_t off = MADT_ENTRIES; off + 2 <= len;) {
		uint8_t n = madt[off + 1];
		if (n < 2 || off + n > len)
			return -EINVAL;  /* a zero length would loop forever */
		madt_entry(info, madt + off, n);
		off += n;
	}
	return 0;
}

/* A Generic Address Structure (5.2.3.2) naming an I/O port, else 0. */
static uint32_t gas_io_port(const uint8_t *gas)
{
	uint64_t addr = le64(gas + 4);
	if (gas[0] != GAS_SPACE_IO || addr > 0xffff)
		return 0;
	return (uint32_t)addr;
}

int acpi_fadt_parse(const uint8_t *fadt, size_t len, struct acpi_info *info)
{
	if (len < FADT_PM1B_CNT + 4 || memcmp(fadt, "FACP", 4))
		return -EINVAL;
	if (le32(fadt + 4) < len)
		len = le32(fadt + 4);
	info->dsdt = le32(fadt + FADT_DSDT);
	info->smi_cmd = le32(fadt + FADT_SMI_CMD);
	info->acpi_enable = fadt[FADT_ACPI_ENABLE];
	info->pm1a_cnt = le32(fadt + FADT_PM1A_CNT);
	info->pm1b_cnt = le32(fadt + FADT_PM1B_CNT);
	/* 5.2.9: the X_ fields, where present and non-zero, take precedence. */
	if (len >= FADT_X_DSDT + 8 && le64(fadt + FADT_X_DSDT))
		info->dsdt = le64(fadt + FADT_X_DSDT);
	if (len >= FADT_X_PM1A_CNT + GAS_LEN && gas_io_port(fadt + FADT_X_PM1A_CNT))
		info->pm1a_cnt = gas_io_port(fadt + FADT_X_PM1A_CNT);
	if (len >= FADT_X_PM1B_CNT + GAS_LEN && gas_io_port(fadt + FADT_X_PM1B_CNT))
		info->pm1b_cnt = gas_io_port(fadt + FADT_X_PM1B_CNT);
	return 0;
}

/* 20.2.3 ComputationalData / ConstObj: one integer constant at *p; false if anything else. */
static bool aml_const(const uint8_t *a, size_t len, size_t *p, uint32_t *v)
{
	size_t i = *p, need;
	if (i >= len)
		return false;
	switch (a[i]) {
	case AML_ZERO: *v = 0; need = 1; break;
	case AML_ONE: *v = 1; need = 1; break;
	case AML_ONES: *v = 0xffffffff; need = 1; break;
	case AML_BYTE: need = 2; break;
	case AML_WORD: need = 3; break;
	case AML_DWORD: need = 5; break;
	default: return false;
	}
	if (i + need > len)
		return false;
	if (a[i] == AML_BYTE)
		*v = a[i + 1];
	else if (a[i] == AML_WORD)
		*v = le16(a + i + 1);
	else if (a[i] == AML_DWORD)
		*v = le32(a + i + 1);
	*p = i + need;
	return true;
}

/* The package after "_S5_" at a + i; false unless it holds two leading constants. */
static bool s5_package(const uint8_t *a, size_t len, size_t i, uint32_t *typa, uint32_t *typb)
{
	if (i >= len || a[i] != AML_PACKAGE || i + 1 >= len)
		return false;
	/* 20.2.4 PkgLength: bits 7-6 of the lead byte count the bytes that follow it. */
	i += 2 + (a[i + 1] >> 6);
	if (i >= len || a[i] < 2)     /* NumElements */
		return false;
	i++;
	return aml_const(a, len, &i, typa) && aml_const(a, len, &i, typb);
}

int acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
	for (size_t i = 1; i + 4 <= len; i++) {
		if (memcmp(aml + i, "_S5_", 4))
			continue;
		/* NameOp NameString: "\_S5_" or "_S5_" right after the NameOp. */
		bool named = aml[i - 1] == AML_NAME || (i >= 2 && aml[i - 1] == AML_ROOT && aml[i - 2] == AML_NAME);
		uint32_t a, b;
		if (named && s5_package(aml, len, i + 4, &a, &b)) {
			*slp_typa = (uint8_t)(a & 7);   /* SLP_TYP is a 3-bit field (4.8.3.2.1) */
			*slp_typb = (uint8_t)(b & 7);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Devices named by a _HID string, with their first Memory32Fixed and
 * Extended Interrupt descriptors (6.4.3.4, 6.4.3.6). Not an AML
 * interpreter: it looks for the String (0x0d) holding hid and reads the
 * resource descriptors in the bytes that follow, up to the next device of
 * that _HID, which is how QEMU's microvm lays out each virtio-mmio
 * transport (a Name(_CRS, ResourceTemplate()) buffer right after _HID,
 * hw/i386/acpi-microvm.c). A device whose resources are computed by a
 * method is not found.
 */
#define AML_STRING 0x0d
#define RES_MEM32_FIXED 0x86       /* large item, length 9 */
#define RES_EXT_IRQ 0x89           /* large item: flags, count, then count 32-bit GSIs */
#define EXT_IRQ_EDGE (1u << 1)
#define EXT_IRQ_ACTIVE_LOW (1u << 2)

static bool hid_at(const uint8_t *a, size_t len, size_t i, const char *hid, size_t n)
{
	return i + n + 2 <= len && a[i] == AML_STRING && !memcmp(a + i + 1, hid, n) && a[i + 1 + n] == 0;
}

int acpi_aml_find_mmio(const uint8_t *aml, size_t len, const char *hid, struct acpi_mmio_dev *out, int max)
{
	size_t n = strlen(hid);
	int found = 0;
	for (size_t i = 0; i < len && found < max; i++) {
		if (!hid_at(aml, len, i, hid, n))
			continue;
		struct acpi_mmio_dev d = { 0 };
		bool mem = false, irq = false;
		size_t j = i + n + 2;
		for (; j + 3 <= len && !(mem && irq) && !hid_at(aml, len, j, hid, n); j++) {
			uint16_t rlen = le16(aml + j + 1);
			if (!mem && aml[j] == RES_MEM32_FIXED && rlen == 9 && j + 12 <= len) {
				d.base = le32(aml + j + 4);
				d.size = le32(aml + j + 8);
				mem = true;
			} else if (!irq && aml[j] == RES_EXT_IRQ && rlen >= 6 && j + 9 <= len && aml[j + 4] >= 1) {
				uint8_t fl = aml[j + 3];
				d.gsi = le32(aml + j + 5);
				d.level = !(fl & EXT_IRQ_EDGE);
				d.active_low = fl & EXT_IRQ_ACTIVE_LOW;
				irq = true;
			}
		}
		if (mem && irq && d.size)
			out[found++] = d;
		i = j - 1;
	}
	return found;
}
