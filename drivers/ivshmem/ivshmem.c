/*
 * drivers/ivshmem/ivshmem.c: the ivshmem-doorbell PCI device (ivshmem.h;
 * QEMU docs/specs/ivshmem-spec.rst, "The ivshmem PCI device's guest
 * interface").
 *
 * Probe: the device has vendor 1af4, device 1110; BAR0 is 256 bytes of
 * registers, BAR2 the shared memory (revision 1 devices have it valid at
 * once; revision 0 ones only once IVPosition is non-negative, which we
 * wait for, bounded). BAR2 is plain RAM on the host side, so when it lies
 * above the boot identity map it is mapped write-back, not uncached.
 *
 * Interrupts: MSI-X entry 0 (PCI 3.0 6.8.2) to one vector on CPU 0; the
 * other entries stay masked (the monitor only signals vector 0). Without
 * MSI-X the device raises INTx while Interrupt Status AND Interrupt Mask
 * is non-zero (rev 0); the handler reads Status, which clears it.
 */
#include <errno.h>
#include <stdint.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "drivers/ivshmem/ivshmem.h"
#include "drivers/pci/pci.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "sched/sched.h"

#define IDENTITY_LIMIT (1ull << 32)   /* boot.S identity-maps the first 4 GiB */
#define CANONICAL_LIMIT (1ull << 47)
#define IVPOSITION_WAIT_NS (2ull * 1000 * 1000 * 1000)

static struct ivshmem_info info;
static volatile uint32_t *regs;
static struct pci_dev *dev;
static void (*handler)(void *ctx);
static void *handler_ctx;

static uint32_t reg_read(unsigned off) { return regs[off / 4]; }
static void reg_write(unsigned off, uint32_t v) { regs[off / 4] = v; }

/* [pa, pa+len) at the same virtual address: identity below 4 GiB, else mapped with flags. */
static int map_identity(uint64_t pa, uint64_t len, uint64_t flags)
{
	if (pa + len <= IDENTITY_LIMIT)
		return 0;
	if (pa + len > CANONICAL_LIMIT || pa + len < pa)
		return -ERANGE;
	for (uint64_t va = pa & ~0xfffull; va < pa + len; va += 0x1000) {
		int err = vm_map_page(va, va, flags);
		if (err == -EEXIST && vm_translate(va) == va)
			continue;
		if (err)
			return err;
	}
	return 0;
}

static void ivshmem_irq_msix(void *ctx)
{
	(void)ctx;
	info.irqs++;
	handler(handler_ctx);
}

static void ivshmem_irq_intx(void *ctx)
{
	(void)ctx;
	/* Level-triggered and possibly shared: only a set status bit is ours. The read clears it. */
	if (!(reg_read(IVSHMEM_REG_INTR_STATUS) & 1))
		return;
	info.irqs++;
	handler(handler_ctx);
}

static int setup_msix(void)
{
	if (pci_msix_count(dev) < 1)
		return -ENODEV;
	int vec = irq_alloc_vector();
	if (vec < 0)
		return vec;
	irq_set_handler((unsigned)vec, ivshmem_irq_msix, NULL);
	if (pci_msix_set(dev, 0, (uint8_t)vec, (uint8_t)cpus[0].apic_id) || pci_msix_enable(dev, true)) {
		pci_msix_enable(dev, false);
		irq_set_handler((unsigned)vec, NULL, NULL);
		return -EIO;
	}
	info.msix = true;
	info.vector = (unsigned)vec;
	return 0;
}

static int setup_intx(void)
{
	if (!dev->irq_pin || dev->irq_line == 0 || dev->irq_line == 0xff)
		return -ENODEV;
	int vec = irq_alloc_vector();
	if (vec < 0)
		return vec;
	irq_set_handler((unsigned)vec, ivshmem_irq_intx, NULL);
	int err = ioapic_route(dev->irq_line, (uint8_t)vec, IOAPIC_LEVEL | IOAPIC_ACTIVE_LOW, (uint8_t)cpus[0].apic_id);
	if (err) {
		irq_set_handler((unsigned)vec, NULL, NULL);
		return err;
	}
	reg_write(IVSHMEM_REG_INTR_MASK, 1);
	info.vector = (unsigned)vec;
	return 0;
}

int ivshmem_init(void (*irq_fn)(void *ctx), void *ctx)
{
	dev = pci_find(IVSHMEM_VENDOR, IVSHMEM_DEVICE, 0);
	if (!dev)
		return -ENODEV;
	const struct pci_bar *b0 = &dev->bar[0], *b2 = &dev->bar[2];
	if (!b0->size || b0->io || b0->size < 256 || !b2->size || b2->io) {
		kwarn("ivshmem", "%02x:%02x.%x: BAR0/BAR2 missing or not memory", dev->bus, dev->dev, dev->fn);
		return -ENODEV;
	}
	pci_enable_bus_master(dev);
	int err = map_identity(b0->addr, 256, PTE_WRITE | PTE_PCD | PTE_PWT);
	if (!err)
		err = map_identity(b2->addr, b2->size, PTE_WRITE);
	if (err) {
		kwarn("ivshmem", "cannot map BAR0 0x%lx / BAR2 0x%lx (%d)", (unsigned long)b0->addr,
		      (unsigned long)b2->addr, err);
		return err;
	}
	regs = (volatile uint32_t *)(uintptr_t)b0->addr;
	/* Rev 0: BAR2 is valid only once IVPosition turned non-negative. */
	uint64_t deadline = time_ns() + IVPOSITION_WAIT_NS;
	while ((int32_t)reg_read(IVSHMEM_REG_IVPOSITION) < 0 && time_ns() < deadline)
		thread_sleep(1000 * 1000);
	info.ivposition = reg_read(IVSHMEM_REG_IVPOSITION);
	info.shm = (uint8_t *)(uintptr_t)b2->addr;
	info.shm_size = b2->size;
	handler = irq_fn;
	handler_ctx = ctx;
	if ((err = setup_msix()) && (err = setup_intx())) {
		kwarn("ivshmem", "no MSI-X and no INTx line: no interrupts (%d)", err);
		return err;
	}
	klog("ivshmem", "%02x:%02x.%x rev %u: %lu KiB shared at 0x%lx, peer id %u, %s vector 0x%x", dev->bus, dev->dev,
	     dev->fn, dev->revision, (unsigned long)(info.shm_size >> 10), (unsigned long)b2->addr, info.ivposition,
	     info.msix ? "MSI-X" : "INTx", info.vector);
	return 0;
}

void ivshmem_doorbell(uint16_t peer, uint16_t vector)
{
	reg_write(IVSHMEM_REG_DOORBELL, (uint32_t)peer << 16 | vector);
}

const struct ivshmem_info *ivshmem_info(void) { return &info; }
