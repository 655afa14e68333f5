/*
 * tests/unit/pci/pci_test.c: drivers/pci/pci.c against a fake configuration
 * space: enumeration (PCI 3.0 6.2.1, PCI-PCI Bridge 1.2), BAR sizing
 * (6.2.5.1), the capability walk (6.7) and MSI/MSI-X programming (6.8).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/pci/pci.h"
#include "fake_conf.h"
#include "kernel/log.h"

#define CLASS_HOST 0x06000000u
#define CLASS_ISA 0x06010000u
#define CLASS_P2P 0x06040000u
#define CLASS_NET 0x02000000u

static char log_lines[80][512];
static unsigned nlog, nwarn;

void klog(const char *tag, const char *fmt, ...)
{
	(void)tag;
	va_list ap;
	va_start(ap, fmt);
	if (nlog < 80)
		vsnprintf(log_lines[nlog++], sizeof(log_lines[0]), fmt, ap);
	va_end(ap);
}

void kwarn(const char *tag, const char *fmt, ...)
{
	(void)tag;
	(void)fmt;
	nwarn++;
}

static bool logged(const char *line)
{
	for (unsigned i = 0; i < nlog; i++)
		if (!strcmp(log_lines[i], line))
			return true;
	return false;
}

static void *msix_mem;

static int setup(void **state)
{
	(void)state;
	fake_conf_reset();
	nlog = nwarn = 0;
	msix_mem = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(msix_mem);
	/* Every sizing write must have happened with decoding off. */
	assert_int_equal(fake_sized_while_decoding, 0);
	return 0;
}

static struct fake_fn *host_bridge(void)
{
	return fake_fn_add(0, 0, 0, 0x8086, 0x1237, CLASS_HOST, 0);
}

static struct fake_fn *virtio_net(uint8_t bus, uint8_t dev)
{
	struct fake_fn *f = fake_fn_add(bus, dev, 0, 0x1af4, 0x1000, CLASS_NET, 0);
	fake_put32(f, 0x10, 0xc000 | 1);
	f->bar_size[0] = 32;
	fake_put32(f, 0x14, 0xfebd1000);
	f->bar_size[1] = 4096;
	fake_put16(f, 0x2c, 0x1af4);
	fake_put16(f, 0x2e, 0x0001);
	fake_put8(f, 0x3c, 11);
	fake_put8(f, 0x3d, 1);
	fake_put16(f, 0x04, 0x0007);
	return f;
}

/* 6.2: ids, class, subsystem and INTx are read; the boot log line keeps its documented shape. */
static void test_enum_qemu_bus_device_logged_in_one_line(void **state)
{
	(void)state;
	host_bridge();
	virtio_net(0, 3);
	pci_init();
	assert_int_equal(pci_count(), 2);
	struct pci_dev *d = pci_find(0x1af4, 0x1000, 0);
	assert_non_null(d);
	assert_int_equal(d->dev, 3);
	assert_int_equal(d->class, 0x02);
	assert_int_equal(d->subsys_vendor, 0x1af4);
	assert_int_equal(d->subsys_id, 0x0001);
	assert_int_equal(d->irq_line, 11);
	assert_int_equal(d->irq_pin, 1);
	assert_null(pci_find(0x1af4, 0x1000, 1));
	assert_ptr_equal(pci_find_class(0x02, 0x00, 0), d);
	assert_true(logged("00:03.0 1af4:1000 class 02.00.00 (network) irq 11 INTA  BAR0 io 0xc000/32 "
			   "BAR1 mem 0xfebd1000/4K"));
	assert_true(logged("00:00.0 8086:1237 class 06.00.00 (bridge)"));
}

/* 6.2.1: functions 1-7 are probed only when function 0's header type has bit 7 set. */
static void test_enum_multifunction_sparse_found_single_not_probed(void **state)
{
	(void)state;
	host_bridge();
	fake_fn_add(0, 1, 0, 0x8086, 0x7000, CLASS_ISA, 0x80);
	fake_fn_add(0, 1, 3, 0x8086, 0x7113, 0x06800003, 0);
	fake_fn_add(0, 2, 0, 0x10ec, 0x8029, CLASS_NET, 0);
	fake_fn_add(0, 2, 1, 0x10ec, 0x8029, CLASS_NET, 0);   /* would alias on a single-function device */
	pci_init();
	assert_int_equal(pci_count(), 4);
	assert_non_null(pci_find(0x8086, 0x7113, 0));
	assert_int_equal(pci_find(0x8086, 0x7113, 0)->fn, 3);
	assert_null(pci_find(0x10ec, 0x8029, 1));
}

/* PCI-PCI Bridge 1.2 3.2.5.3: the secondary bus is scanned once; a loop back to bus 0 or an unnumbered bridge is not followed. */
static void test_enum_bridge_secondary_scanned_loop_bounded(void **state)
{
	(void)state;
	host_bridge();
	struct fake_fn *br = fake_fn_add(0, 4, 0, 0x1b36, 0x0001, CLASS_P2P, 1);
	fake_put8(br, 0x19, 1);
	virtio_net(1, 0);
	struct fake_fn *loop = fake_fn_add(1, 1, 0, 0x1b36, 0x0001, CLASS_P2P, 1);
	fake_put8(loop, 0x19, 0);
	struct fake_fn *loop2 = fake_fn_add(1, 2, 0, 0x1b36, 0x0001, CLASS_P2P, 1);
	fake_put8(loop2, 0x19, 1);
	pci_init();
	assert_int_equal(pci_count(), 5);
	struct pci_dev *d = pci_find(0x1af4, 0x1000, 0);
	assert_non_null(d);
	assert_int_equal(d->bus, 1);
	assert_int_equal(pci_find(0x1b36, 0x0001, 0)->secondary_bus, 1);
	assert_true(logged("00:04.0 1b36:0001 class 06.04.00 (bridge) bridge to bus 01"));
	/* Rescanning starts afresh rather than appending. */
	pci_init();
	assert_int_equal(pci_count(), 5);
}

/* 6.2.5.1: 64-bit prefetchable BARs span two slots; unimplemented BARs read 0; all are restored. */
static void test_bar_64bit_pref_decoded_registers_restored(void **state)
{
	(void)state;
	host_bridge();
	struct fake_fn *f = fake_fn_add(0, 5, 0, 0x1af4, 0x1041, CLASS_NET, 0);
	fake_put16(f, 0x04, 0x0007);
	fake_put32(f, 0x18, 0x00000000 | 0xc);   /* BAR2: 64-bit, prefetchable */
	f->bar_size[2] = 16384;
	fake_put32(f, 0x1c, 0x8);                /* BAR3: bits 63:32 -> 0x8_0000_0000 */
	f->bar_is_hi[3] = true;
	f->bar_hi_mask[3] = 0xffffffffu;
	fake_put32(f, 0x24, 0x0000fe01);         /* BAR5: I/O, 256 ports, upper 16 bits hardwired 0 */
	f->bar_size[5] = 256;
	uint32_t before[6];
	for (int i = 0; i < 6; i++)
		before[i] = fake_get32(f, (uint8_t)(0x10 + 4 * i));
	pci_init();
	struct pci_dev *d = pci_find(0x1af4, 0x1041, 0);
	assert_non_null(d);
	assert_int_equal(d->bar[0].size, 0);
	assert_true(d->bar[2].is64);
	assert_true(d->bar[2].prefetch);
	assert_false(d->bar[2].io);
	assert_int_equal(d->bar[2].addr, 0x800000000ull);
	assert_int_equal(d->bar[2].size, 16384);
	assert_int_equal(d->bar[3].size, 0);
	assert_true(d->bar[5].io);
	assert_int_equal(d->bar[5].addr, 0xfe00);
	assert_int_equal(d->bar[5].size, 256);
	for (int i = 0; i < 6; i++)
		assert_int_equal(fake_get32(f, (uint8_t)(0x10 + 4 * i)), before[i]);
	assert_int_equal(fake_get16(f, 0x04), 0x0007);
	assert_true(logged("00:05.0 1af4:1041 class 02.00.00 (network)  BAR2 mem64 pref 0x800000000/16K BAR5 io 0xfe00/256"));
}

static void cap_list(struct fake_fn *f)
{
	fake_put16(f, 0x06, 0x0010);
	fake_put8(f, 0x34, 0x40);
	fake_put8(f, 0x40, PCI_CAP_VENDOR);
	fake_put8(f, 0x41, 0x50);
	fake_put8(f, 0x50, PCI_CAP_MSI);
	fake_put8(f, 0x51, 0x60);
	fake_put8(f, 0x60, PCI_CAP_MSIX);
	fake_put8(f, 0x61, 0x70);
	fake_put8(f, 0x70, PCI_CAP_VENDOR);
	fake_put8(f, 0x71, 0x00);
}

/* 6.7: the list is followed from 0x34; start continues after a found capability; the end is pointer 0. */
static void test_find_cap_chain_found_start_continues(void **state)
{
	(void)state;
	struct fake_fn *f = virtio_net(0, 3);
	cap_list(f);
	pci_init();
	struct pci_dev *d = pci_get(0);
	assert_int_equal(pci_find_cap(d, PCI_CAP_MSIX, 0), 0x60);
	assert_int_equal(pci_find_cap(d, PCI_CAP_VENDOR, 0), 0x40);
	assert_int_equal(pci_find_cap(d, PCI_CAP_VENDOR, 0x40), 0x70);
	assert_int_equal(pci_find_cap(d, PCI_CAP_VENDOR, 0x70), 0);
	assert_int_equal(pci_find_cap(d, 0x10, 0), 0);
}

/* A looping list or one without the status bit ends the walk, in a bounded number of reads. */
static void test_find_cap_loop_or_no_status_bit_zero(void **state)
{
	(void)state;
	struct fake_fn *f = virtio_net(0, 3);
	cap_list(f);
	fake_put8(f, 0x71, 0x40);                /* 0x70 -> 0x40: a loop */
	pci_init();
	struct pci_dev *d = pci_get(0);
	unsigned reads = fake_reads;
	assert_int_equal(pci_find_cap(d, 0x10, 0), 0);
	assert_true(fake_reads - reads < 200);
	fake_put16(f, 0x06, 0);
	assert_int_equal(pci_find_cap(d, PCI_CAP_MSIX, 0), 0);
}

/* 6.8.2: the entry gets the x86 address (11.11.1) and data, ends unmasked; enable clears the function mask. */
static void test_msix_entry_programmed_enable_clears_mask(void **state)
{
	(void)state;
	msix_mem = aligned_alloc(4096, 4096);
	assert_non_null(msix_mem);
	memset(msix_mem, 0, 4096);
	uint32_t *tbl = (uint32_t *)((uint8_t *)msix_mem + 0x800);
	for (int i = 0; i < 3; i++)
		tbl[4 * i + 3] = 1;                  /* entries reset masked */
	struct fake_fn *f = fake_fn_add(0, 3, 0, 0x1af4, 0x1000, CLASS_NET, 0);
	uint64_t a = (uint64_t)(uintptr_t)msix_mem;
	fake_put32(f, 0x14, (uint32_t)a | 0x4);  /* BAR1-2: 64-bit memory at the buffer */
	fake_put32(f, 0x18, (uint32_t)(a >> 32));
	f->bar_size[1] = 4096;
	f->bar_is_hi[2] = true;
	f->bar_hi_mask[2] = 0xffffffffu;
	cap_list(f);
	fake_put16(f, 0x62, 0x4000 | 2);         /* function masked, 3 entries */
	fake_put32(f, 0x64, 0x800 | 1);          /* table at BAR1 + 0x800 */
	pci_init();
	struct pci_dev *d = pci_get(0);
	assert_int_equal(d->bar[1].addr, a);
	assert_int_equal(pci_msix_count(d), 3);
	assert_int_equal(pci_msix_set(d, 2, 0x41, 3), 0);
	assert_int_equal(tbl[8], 0xfee03000u);
	assert_int_equal(tbl[9], 0);
	assert_int_equal(tbl[10], 0x41);
	assert_int_equal(tbl[11], 0);
	assert_int_equal(tbl[3], 1);             /* other entries untouched */
	assert_int_equal(pci_msix_set(d, 3, 0x41, 3), -EINVAL);
	assert_int_equal(pci_msix_mask(d, 2, true), 0);
	assert_int_equal(tbl[11], 1);
	assert_int_equal(pci_msix_enable(d, true), 0);
	assert_int_equal(fake_get16(f, 0x62), 0x8000 | 2);
	assert_true(fake_get16(f, 0x04) & PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(pci_msix_enable(d, false), 0);
	assert_int_equal(fake_get16(f, 0x62) & 0x8000, 0);
	assert_false(fake_get16(f, 0x04) & PCI_COMMAND_INTX_DISABLE);
}

/* 6.8.1: a 64-bit capable MSI puts the data at +0x0c, one message enabled. */
static void test_msi_64bit_programmed_one_vector(void **state)
{
	(void)state;
	struct fake_fn *f = virtio_net(0, 3);
	cap_list(f);
	fake_put16(f, 0x52, 0x0080 | 0x0006 | 0x0070);   /* 64-bit, MMC 3, MME garbage */
	pci_init();
	struct pci_dev *d = pci_get(0);
	assert_int_equal(pci_msi_enable(d, 0x42, 1), 0);
	assert_int_equal(fake_get32(f, 0x54), 0xfee01000u);
	assert_int_equal(fake_get32(f, 0x58), 0);
	assert_int_equal(fake_get16(f, 0x5c), 0x42);
	assert_int_equal(fake_get16(f, 0x52), 0x0080 | 0x0006 | 1);
	fake_put16(f, 0x06, 0);
	assert_int_equal(pci_msi_enable(d, 0x42, 1), -ENODEV);
	assert_int_equal(pci_msix_count(d), -ENODEV);
}

/* 6.2.2: bus master plus both decodes; other command bits are kept. */
static void test_enable_bus_master_sets_bits_keeps_others(void **state)
{
	(void)state;
	struct fake_fn *f = virtio_net(0, 3);
	fake_put16(f, 0x04, 0x0400);
	fake_put16(f, 0x06, 0x0010);
	pci_init();
	pci_enable_bus_master(pci_get(0));
	assert_int_equal(fake_get16(f, 0x04), 0x0407);
	assert_int_equal(fake_get16(f, 0x06), 0x0010);   /* 16-bit write left status alone */
	assert_int_equal(pci_cfg_read32(pci_get(0), 0x100), 0xffffffffu);
}

/* More functions than PCI_MAX_DEVICES: the first are kept, the rest warned about. */
static void test_enum_table_full_extra_dropped_with_warning(void **state)
{
	(void)state;
	for (uint8_t dev = 0; dev < 9; dev++)
		for (uint8_t fn = 0; fn < 8; fn++)
			fake_fn_add(0, dev, fn, 0x1234, (uint16_t)(dev * 8 + fn), CLASS_NET, fn ? 0 : 0x80);
	pci_init();
	assert_int_equal(pci_count(), PCI_MAX_DEVICES);
	assert_int_equal(nwarn, 72 - PCI_MAX_DEVICES);
	assert_null(pci_get(PCI_MAX_DEVICES));
	assert_null(pci_find(0x1234, 64, 0));
	assert_non_null(pci_find(0x1234, 63, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enum_qemu_bus_device_logged_in_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum_multifunction_sparse_found_single_not_probed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum_bridge_secondary_scanned_loop_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_64bit_pref_decoded_registers_restored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_cap_chain_found_start_continues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_cap_loop_or_no_status_bit_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_entry_programmed_enable_clears_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msi_64bit_programmed_one_vector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_bus_master_sets_bits_keeps_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum_table_full_extra_dropped_with_warning, setup, teardown),
	};
	return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
