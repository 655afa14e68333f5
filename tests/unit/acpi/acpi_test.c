/*
 * tests/unit/acpi/acpi_test.c: the ACPI decoders (arch/x86_64/acpi_parse.c)
 * on tables built here byte by byte, shaped like QEMU's and then broken.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/acpi.h"

struct tbl {
	uint8_t b[512];
	size_t len;
};

static void put8(struct tbl *t, uint8_t v) { t->b[t->len++] = v; }
static void put16(struct tbl *t, uint16_t v) { put8(t, (uint8_t)v); put8(t, (uint8_t)(v >> 8)); }
static void put32(struct tbl *t, uint32_t v) { put16(t, (uint16_t)v); put16(t, (uint16_t)(v >> 16)); }
static void put64(struct tbl *t, uint64_t v) { put32(t, (uint32_t)v); put32(t, (uint32_t)(v >> 32)); }

/* A 36-byte SDT header (ACPI 6.5 5.2.6); the length is patched by tbl_finish. */
static void sdt_header(struct tbl *t, const char *sig)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, sig, 4);
	t->len = 36;
}

static void tbl_finish(struct tbl *t)
{
	t->b[4] = (uint8_t)t->len;
	t->b[5] = (uint8_t)(t->len >> 8);
	t->b[9] = 0;
	uint8_t sum = 0;
	for (size_t i = 0; i < t->len; i++)
		sum = (uint8_t)(sum + t->b[i]);
	t->b[9] = (uint8_t)-sum;
}

static void madt_start(struct tbl *t, uint32_t lapic, uint32_t flags)
{
	sdt_header(t, "APIC");
	put32(t, lapic);
	put32(t, flags);
}

static void madt_lapic(struct tbl *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	put8(t, 0); put8(t, 8); put8(t, uid); put8(t, id); put32(t, flags);
}

static void madt_x2apic(struct tbl *t, uint32_t id, uint32_t flags)
{
	put8(t, 9); put8(t, 16); put16(t, 0); put32(t, id); put32(t, flags); put32(t, id);
}

static void madt_ioapic(struct tbl *t, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	put8(t, 1); put8(t, 12); put8(t, id); put8(t, 0); put32(t, addr); put32(t, gsi_base);
}

static void madt_iso(struct tbl *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	put8(t, 2); put8(t, 10); put8(t, 0); put8(t, irq); put32(t, gsi); put16(t, flags);
}

/* What QEMU's pc machine builds for -smp 4,maxcpus=5: the fifth slot is not enabled. */
static void madt_qemu(struct tbl *t)
{
	madt_start(t, 0xfee00000, 1);
	for (uint8_t i = 0; i < 4; i++)
		madt_lapic(t, i, i, 1);
	madt_lapic(t, 4, 4, 0);
	madt_ioapic(t, 0, 0xfec00000, 0);
	madt_iso(t, 0, 2, 0);
	madt_iso(t, 9, 9, 0xd);   /* level, active high: the PIIX4 SCI */
	tbl_finish(t);
}

static struct acpi_info info;

static int setup(void **state)
{
	(void)state;
	memset(&info, 0x5a, sizeof(info));
	acpi_info_defaults(&info);
	return 0;
}

/* 5.2.6: a table whose bytes sum to 0 is valid; flipping any byte breaks it. */
static void test_checksum_one_byte_changed_rejected(void **state)
{
	(void)state;
	struct tbl t;
	madt_qemu(&t);
	assert_true(acpi_checksum_ok(t.b, t.len));
	t.b[50] ^= 0x01;
	assert_false(acpi_checksum_ok(t.b, t.len));
}

/* 5.2.12.5: without overrides ISA IRQ n is GSI n, edge, active high (flags 0 = conforms). */
static void test_defaults_no_madt_identity_isa_map(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(info.isa_gsi[i], i);
		assert_int_equal(info.isa_flags[i], 0);
	}
	assert_int_equal(info.lapic_addr, 0xfee00000);
	assert_false(info.have_madt);
	assert_int_equal(info.ncpus, 0);
}

/* 5.2.12.2: only enabled or online-capable local APICs are processors. */
static void test_madt_qemu_four_cpus_disabled_slot_skipped(void **state)
{
	(void)state;
	struct tbl t;
	madt_qemu(&t);
	assert_int_equal(acpi_madt_parse(t.b, t.len, &info), 0);
	assert_true(info.have_madt);
	assert_true(info.has_8259);
	assert_int_equal(info.ncpus, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(info.cpu_apic_id[i], i);
	assert_int_equal(info.nioapics, 1);
	assert_int_equal(info.ioapic[0].addr, 0xfec00000);
	assert_int_equal(info.ioapic[0].gsi_base, 0);
	assert_int_equal(info.noverrides, 2);
	assert_int_equal(info.isa_gsi[0], 2);
	assert_int_equal(info.isa_gsi[9], 9);
	assert_int_equal(info.isa_flags[9] & ACPI_INTI_TRIGGER_MASK, ACPI_INTI_LEVEL);
	assert_int_equal(info.isa_gsi[1], 1);
}

/* 5.2.12.2 table 5.23: online-capable counts; PCAT_COMPAT clear means no 8259. */
static void test_madt_online_capable_counted_no_pcat(void **state)
{
	(void)state;
	struct tbl t;
	madt_start(&t, 0xfee00000, 0);
	madt_lapic(&t, 0, 0, 1);
	madt_lapic(&t, 1, 7, 2);
	tbl_finish(&t);
	assert_int_equal(acpi_madt_parse(t.b, t.len, &info), 0);
	assert_false(info.has_8259);
	assert_int_equal(info.ncpus, 2);
	assert_int_equal(info.cpu_apic_id[1], 7);
}

/* 5.2.12.12: a CPU listed as both local APIC and x2APIC counts once; ids > 255 are dropped and counted. */
static void test_madt_x2apic_duplicate_once_big_id_dropped(void **state)
{
	(void)state;
	struct tbl t;
	madt_start(&t, 0xfee00000, 1);
	madt_lapic(&t, 0, 0, 1);
	madt_x2apic(&t, 0, 1);
	madt_x2apic(&t, 3, 1);
	madt_x2apic(&t, 300, 1);
	madt_x2apic(&t, 5, 0);
	tbl_finish(&t);
	assert_int_equal(acpi_madt_parse(t.b, t.len, &info), 0);
	assert_int_equal(info.ncpus, 2);
	assert_int_equal(info.cpu_apic_id[1], 3);
	assert_int_equal(info.cpus_dropped, 1);
}

/* 5.2.12.8: the 64-bit address override replaces the header's 32-bit address, wherever it appears. */
static void test_madt_lapic_addr_override_applied(void **state)
{
	(void)state;
	struct tbl t;
	madt_start(&t, 0xfee00000, 1);
	put8(&t, 5); put8(&t, 12); put16(&t, 0); put64(&t, 0x1fee00000ull);
	madt_lapic(&t, 0, 0, 1);
	tbl_finish(&t);
	assert_int_equal(acpi_madt_parse(t.b, t.len, &info), 0);
	assert_int_equal(info.lapic_addr, 0x1fee00000ull);
	assert_int_equal(info.ncpus, 1);
}

/* Only bus 0 (ISA) overrides apply; IRQ numbers past 15 are ignored, not written out of bounds. */
static void test_madt_iso_bad_bus_or_irq_ignored(void **state)
{
	(void)state;
	struct tbl t;
	madt_start(&t, 0xfee00000, 1);
	put8(&t, 2); put8(&t, 10); put8(&t, 1); put8(&t, 4); put32(&t, 20); put16(&t, 0);
	madt_iso(&t, 16, 20, 0);
	tbl_finish(&t);
	assert_int_equal(acpi_madt_parse(t.b, t.len, &info), 0);
	assert_int_equal(info.noverrides, 0);
	assert_int_equal(info.isa_gsi[4], 4);
}

/* Malformed tables: an entry of length 0 or running past the end stops the walk with -EINVAL. */
static void test_madt_malformed_rejected(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		uint8_t type, len;
	} bad[] = { { "zero-length entry", 0, 0 }, { "length 1 entry", 0, 1 }, { "entry past the end", 1, 40 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tbl t;
		madt_start(&t, 0xfee00000, 1);
		madt_lapic(&t, 0, 0, 1);
		put8(&t, bad[i].type);
		put8(&t, bad[i].len);
		put16(&t, 0);
		tbl_finish(&t);
		print_message("case: %s\n", bad[i].what);
		assert_int_equal(acpi_madt_parse(t.b, t.len, &info), -EINVAL);
	}
	struct tbl t;
	madt_qemu(&t);
	assert_int_equal(acpi_madt_parse(t.b, 40, &info), -EINVAL);        /* shorter than the fixed part */
	assert_int_equal(acpi_madt_parse(t.b, t.len - 1, &info), -EINVAL); /* header length beyond the buffer */
	memcpy(t.b, "APIX", 4);
	assert_int_equal(acpi_madt_parse(t.b, t.len, &info), -EINVAL);
}

static void fadt_build(struct tbl *t, size_t len)
{
	sdt_header(t, "FACP");
	memset(t->b + 36, 0, len - 36);
	t->len = len;
	t->b[40] = 0x00; t->b[41] = 0x10; t->b[42] = 0xfe; t->b[43] = 0x0f;  /* DSDT 0x0ffe1000 */
	t->b[48] = 0xb2;                                                    /* SMI_CMD */
	t->b[52] = 0xf1;                                                    /* ACPI_ENABLE */
	t->b[64] = 0x04; t->b[65] = 0x06;                                   /* PM1a_CNT 0x604 */
	tbl_finish(t);
}

/* 5.2.9 ACPI 1.0-sized FADT: the 32-bit fields are all there is. */
static void test_fadt_v1_ports_and_dsdt_read(void **state)
{
	(void)state;
	struct tbl t;
	fadt_build(&t, 116);
	assert_int_equal(acpi_fadt_parse(t.b, t.len, &info), 0);
	assert_int_equal(info.dsdt, 0x0ffe1000);
	assert_int_equal(info.pm1a_cnt, 0x604);
	assert_int_equal(info.pm1b_cnt, 0);
	assert_int_equal(info.smi_cmd, 0xb2);
	assert_int_equal(info.acpi_enable, 0xf1);
}

/* 5.2.9: non-zero X_DSDT and an I/O-space X_PM1a_CNT_BLK take precedence; a memory-space GAS does not. */
static void test_fadt_x_fields_take_precedence(void **state)
{
	(void)state;
	struct tbl t;
	fadt_build(&t, 244);
	uint64_t xdsdt = 0x7f000000ull;
	memcpy(t.b + 140, &xdsdt, 8);
	t.b[172] = 1; t.b[173] = 16;              /* X_PM1a: system I/O, 16 bits */
	t.b[176] = 0x04; t.b[177] = 0xb0;         /* 0xb004 */
	t.b[184] = 0; t.b[185] = 16;              /* X_PM1b: system memory: not a port */
	t.b[188] = 0x00; t.b[189] = 0x20;
	tbl_finish(&t);
	assert_int_equal(acpi_fadt_parse(t.b, t.len, &info), 0);
	assert_int_equal(info.dsdt, 0x7f000000ull);
	assert_int_equal(info.pm1a_cnt, 0xb004);
	assert_int_equal(info.pm1b_cnt, 0);
}

static void test_fadt_short_or_wrong_signature_rejected(void **state)
{
	(void)state;
	struct tbl t;
	fadt_build(&t, 116);
	assert_int_equal(acpi_fadt_parse(t.b, 70, &info), -EINVAL);
	memcpy(t.b, "FACS", 4);
	assert_int_equal(acpi_fadt_parse(t.b, t.len, &info), -EINVAL);
}

static int s5(const uint8_t *aml, size_t len, uint8_t *a, uint8_t *b)
{
	*a = *b = 0xee;
	return acpi_aml_find_s5(aml, len, a, b);
}

/* 7.4.2: Name(\_S5, Package(4){0x05, 0x07, Zero, Zero}) with BytePrefix constants, after other AML. */
static void test_s5_byte_prefix_package_decoded(void **state)
{
	(void)state;
	static const uint8_t aml[] = { 0x10, 0x05, '_', 'S', 'B', '_', 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08,
				       0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00 };
	uint8_t a, b;
	assert_int_equal(s5(aml, sizeof(aml), &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 7);
}

/* 20.2.3 Zero/One opcodes and 20.2.4 a two-byte PkgLength (lead byte bits 7-6 = 1). */
static void test_s5_zero_one_two_byte_pkglength_decoded(void **state)
{
	(void)state;
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02, 0x01, 0x00 };
	uint8_t a, b;
	assert_int_equal(s5(aml, sizeof(aml), &a, &b), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 0);
}

/* "_S5_" that is not a Name() (a string, a method) or whose package is cut off is not \_S5. */
static void test_s5_not_a_name_or_truncated_not_found(void **state)
{
	(void)state;
	static const uint8_t in_string[] = { 0x0d, '_', 'S', '5', '_', 0x00, 0x12, 0x06, 0x02, 0x0a, 0x05, 0x00 };
	static const uint8_t method[] = { 0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xa4, 0x00 };
	static const uint8_t cut[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a };
	static const uint8_t one_elem[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
	uint8_t a, b;
	assert_int_equal(s5(in_string, sizeof(in_string), &a, &b), -ENOENT);
	assert_int_equal(s5(method, sizeof(method), &a, &b), -ENOENT);
	assert_int_equal(s5(cut, sizeof(cut), &a, &b), -ENOENT);
	assert_int_equal(s5(one_elem, sizeof(one_elem), &a, &b), -ENOENT);
	assert_int_equal(a, 0xee);   /* outputs untouched on failure */
}

/* One microvm-style virtio-mmio device: Device(VRnn) { Name(_HID, "LNRO0005")
 * Name(_UID, n) Name(_CRS, ResourceTemplate() { Memory32Fixed(ReadWrite,
 * base, 0x200) Interrupt(ResourceConsumer, Level, ActiveHigh, Exclusive)
 * { gsi } }) } as hw/i386/acpi-microvm.c emits it. */
static size_t mmio_dev_aml(uint8_t *a, uint32_t base, uint32_t gsi, uint8_t irq_flags)
{
	static const uint8_t head[] = {
		0x5b, 0x82, 0x3a, 'V', 'R', '0', '0',			/* DeviceOp PkgLength NameSeg */
		0x08, '_', 'H', 'I', 'D', 0x0d, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00,
		0x08, '_', 'U', 'I', 'D', 0x00,
		0x08, '_', 'C', 'R', 'S', 0x11, 0x1a, 0x0a, 0x17,	/* Name(_CRS, Buffer(0x17) */
	};
	size_t n = sizeof(head);
	memcpy(a, head, n);
	uint8_t mem[12] = { 0x86, 0x09, 0x00, 0x01 };
	for (int i = 0; i < 4; i++) {
		mem[4 + i] = (uint8_t)(base >> (8 * i));
		mem[8 + i] = (uint8_t)(0x200u >> (8 * i));
	}
	memcpy(a + n, mem, sizeof(mem));
	n += sizeof(mem);
	uint8_t irq[9] = { 0x89, 0x06, 0x00, irq_flags, 0x01 };
	for (int i = 0; i < 4; i++)
		irq[5 + i] = (uint8_t)(gsi >> (8 * i));
	memcpy(a + n, irq, sizeof(irq));
	n += sizeof(irq);
	a[n++] = 0x79;		/* EndTag */
	a[n++] = 0x00;
	return n;
}

/* ACPI 6.5 6.4.3.4, 6.4.3.6: each LNRO0005 device's fixed range and
 * interrupt, trigger and polarity decoded; other _HIDs ignored. */
static void test_mmio_devices_found_with_range_and_irq(void **state)
{
	uint8_t aml[512];
	struct acpi_mmio_dev d[4];
	size_t n = 0, third;
	(void)state;
	n += mmio_dev_aml(aml + n, 0xfeb02e00u, 47, 0x01);	/* consumer, level, active high */
	n += mmio_dev_aml(aml + n, 0xfeb02c00u, 46, 0x07);	/* edge, active low */
	third = n;
	n += mmio_dev_aml(aml + n, 0xfeb02a00u, 45, 0x01);
	memcpy(aml + third + 13, "LNRO0006", 8);		/* the third is another device type */
	assert_int_equal(acpi_aml_find_mmio(aml, n, "LNRO0005", d, 4), 2);
	assert_int_equal(d[0].base, 0xfeb02e00u);
	assert_int_equal(d[0].size, 0x200);
	assert_int_equal(d[0].gsi, 47);
	assert_true(d[0].level);
	assert_false(d[0].active_low);
	assert_int_equal(d[1].base, 0xfeb02c00u);
	assert_int_equal(d[1].gsi, 46);
	assert_false(d[1].level);
	assert_true(d[1].active_low);
	assert_int_equal(acpi_aml_find_mmio(aml, n, "LNRO0005", d, 1), 1);	/* max respected */
}

/* A device cut off before its interrupt descriptor is not reported. */
static void test_mmio_device_truncated_not_found(void **state)
{
	uint8_t aml[128];
	struct acpi_mmio_dev d[2];
	(void)state;
	size_t n = mmio_dev_aml(aml, 0xfeb00e00u, 12, 0x01);
	assert_int_equal(n, 60);
	assert_int_equal(acpi_aml_find_mmio(aml, n - 8, "LNRO0005", d, 2), 0);
	assert_int_equal(acpi_aml_find_mmio(aml, n, "LNRO0005", d, 2), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_checksum_one_byte_changed_rejected, setup),
		cmocka_unit_test_setup(test_defaults_no_madt_identity_isa_map, setup),
		cmocka_unit_test_setup(test_madt_qemu_four_cpus_disabled_slot_skipped, setup),
		cmocka_unit_test_setup(test_madt_online_capable_counted_no_pcat, setup),
		cmocka_unit_test_setup(test_madt_x2apic_duplicate_once_big_id_dropped, setup),
		cmocka_unit_test_setup(test_madt_lapic_addr_override_applied, setup),
		cmocka_unit_test_setup(test_madt_iso_bad_bus_or_irq_ignored, setup),
		cmocka_unit_test_setup(test_madt_malformed_rejected, setup),
		cmocka_unit_test_setup(test_fadt_v1_ports_and_dsdt_read, setup),
		cmocka_unit_test_setup(test_fadt_x_fields_take_precedence, setup),
		cmocka_unit_test_setup(test_fadt_short_or_wrong_signature_rejected, setup),
		cmocka_unit_test_setup(test_s5_byte_prefix_package_decoded, setup),
		cmocka_unit_test_setup(test_s5_zero_one_two_byte_pkglength_decoded, setup),
		cmocka_unit_test_setup(test_s5_not_a_name_or_truncated_not_found, setup),
		cmocka_unit_test_setup(test_mmio_devices_found_with_range_and_irq, setup),
		cmocka_unit_test_setup(test_mmio_device_truncated_not_found, setup),
	};
	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
