/*
 * drivers/virtio-net/virtio_pci.c: virtio 1.x over PCI with modern
 * capabilities (virtio 1.2 4.1; see virtio_pci.h).
 *
 * The structures live in memory BARs the capabilities name. A 64-bit BAR
 * may sit above 4 GiB (OVMF puts 64-bit BARs in its high aperture), beyond
 * the boot identity map: those pages are mapped here, identity, uncached.
 * Accesses use the field's width, and 64-bit fields as two 32-bit halves,
 * low first (4.1.3.1).
 *
 * Deviation: no legacy (I/O BAR, 4.1.5.1.5) fallback; a device without the
 * modern capabilities is refused with -ENODEV.
 */
#include <errno.h>
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/paging.h"
#include "drivers/virtio-net/virtio_mmio.h"
#include "drivers/virtio-net/virtio_pci.h"
#include "kernel/log.h"
#include "kernel/time.h"

/* 4.1.4: struct virtio_pci_cap, offsets in configuration space. */
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_NOTIFY_MULT 16   /* struct virtio_pci_notify_cap (4.1.4.4) */

/* 4.1.4: cfg_type values. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* 4.1.4.3: struct virtio_pci_common_cfg. */
#define CC_DFSELECT 0x00
#define CC_DF 0x04
#define CC_GFSELECT 0x08
#define CC_GF 0x0c
#define CC_MSIX 0x10
#define CC_NUMQ 0x12
#define CC_STATUS 0x14
#define CC_CFGGEN 0x15
#define CC_Q_SELECT 0x16
#define CC_Q_SIZE 0x18
#define CC_Q_MSIX 0x1a
#define CC_Q_ENABLE 0x1c
#define CC_Q_NOFF 0x1e
#define CC_Q_DESCLO 0x20
#define CC_Q_DESCHI 0x24
#define CC_Q_AVAILLO 0x28
#define CC_Q_AVAILHI 0x2c
#define CC_Q_USEDLO 0x30
#define CC_Q_USEDHI 0x34
#define CC_LEN 0x38

#define IDENTITY_LIMIT (1ull << 32)   /* boot.S identity-maps the first 4 GiB */
#define CANONICAL_LIMIT (1ull << 47)
#define RESET_TIMEOUT_NS (100 * NSEC_PER_MSEC)

static uint8_t r8(const volatile uint8_t *b, unsigned off) { return b[off]; }
static uint16_t r16(const volatile uint8_t *b, unsigned off) { return *(const volatile uint16_t *)(b + off); }
static uint32_t r32(const volatile uint8_t *b, unsigned off) { return *(const volatile uint32_t *)(b + off); }
static void w8(volatile uint8_t *b, unsigned off, uint8_t v) { b[off] = v; }
static void w16(volatile uint8_t *b, unsigned off, uint16_t v) { *(volatile uint16_t *)(b + off) = v; }
static void w32(volatile uint8_t *b, unsigned off, uint32_t v) { *(volatile uint32_t *)(b + off) = v; }

static void w64(volatile uint8_t *b, unsigned off, uint64_t v)
{
	w32(b, off, (uint32_t)v);
	w32(b, off + 4, (uint32_t)(v >> 32));
}

/* Makes [pa, pa+len) reachable at the same virtual address: identity below 4 GiB, else mapped uncached. */
static int map_mmio(uint64_t pa, uint64_t len)
{
	if (pa + len <= IDENTITY_LIMIT)
		return 0;
	if (pa + len > CANONICAL_LIMIT || pa + len < pa)
		return -ERANGE;
	for (uint64_t va = pa & ~0xfffull; va < pa + len; va += 0x1000) {
		int err = vm_map_page(va, va, PTE_WRITE | PTE_PCD | PTE_PWT);
		if (err == -EEXIST && vm_translate(va) == va)
			continue;
		if (err)
			return err;
	}
	return 0;
}

/* The structure a virtio_pci_cap at cap describes, mapped; *len its length. */
static int cap_map(const struct pci_dev *d, uint8_t cap, volatile uint8_t **out, uint32_t *len)
{
	uint8_t bar = pci_cfg_read8(d, cap + CAP_BAR);
	uint32_t off = pci_cfg_read32(d, cap + CAP_OFFSET);
	uint32_t n = pci_cfg_read32(d, cap + CAP_LENGTH);
	if (bar > 5 || !d->bar[bar].size || d->bar[bar].io) {
		kwarn("virtio", "%02x:%02x.%x: capability at 0x%x names BAR%u, not a memory BAR", d->bus, d->dev,
		      d->fn, cap, bar);
		return -ENODEV;
	}
	if ((uint64_t)off + n > d->bar[bar].size) {
		kwarn("virtio", "%02x:%02x.%x: capability at 0x%x overruns BAR%u", d->bus, d->dev, d->fn, cap, bar);
		return -ERANGE;
	}
	uint64_t pa = d->bar[bar].addr + off;
	int err = map_mmio(pa, n);
	if (err) {
		kwarn("virtio", "%02x:%02x.%x: cannot map BAR%u at 0x%lx (%d)", d->bus, d->dev, d->fn, bar,
		      (unsigned long)pa, err);
		return err;
	}
	*out = (volatile uint8_t *)(uintptr_t)pa;
	*len = n;
	return 0;
}

int virtio_pci_init(struct virtio_pci *vp, struct pci_dev *d)
{
	*vp = (struct virtio_pci){ .pci = d };
	uint8_t found[5] = { 0 };
	/* 4.1.4.1: use the first capability of each type the driver understands. */
	for (uint8_t cap = pci_find_cap(d, PCI_CAP_VENDOR, 0); cap; cap = pci_find_cap(d, PCI_CAP_VENDOR, cap)) {
		uint8_t type = pci_cfg_read8(d, cap + CAP_CFG_TYPE);
		if (type >= VIRTIO_PCI_CAP_COMMON_CFG && type <= VIRTIO_PCI_CAP_DEVICE_CFG && !found[type])
			found[type] = cap;
	}
	for (uint8_t t = VIRTIO_PCI_CAP_COMMON_CFG; t <= VIRTIO_PCI_CAP_DEVICE_CFG; t++) {
		if (!found[t]) {
			kwarn("virtio", "%02x:%02x.%x: no virtio 1.x capability of type %u (legacy-only device?)",
			      d->bus, d->dev, d->fn, t);
			return -ENODEV;
		}
	}
	uint32_t len;
	int err = cap_map(d, found[VIRTIO_PCI_CAP_COMMON_CFG], &vp->common, &len);
	if (err)
		return err;
	if (len < CC_LEN) {
		kwarn("virtio", "%02x:%02x.%x: common configuration is %u bytes, want %u", d->bus, d->dev, d->fn,
		      len, CC_LEN);
		return -ENODEV;
	}
	if ((err = cap_map(d, found[VIRTIO_PCI_CAP_NOTIFY_CFG], &vp->notify, &vp->notify_len)))
		return err;
	vp->notify_mult = pci_cfg_read32(d, found[VIRTIO_PCI_CAP_NOTIFY_CFG] + CAP_NOTIFY_MULT);
	if ((err = cap_map(d, found[VIRTIO_PCI_CAP_ISR_CFG], &vp->isr, &len)))
		return err;
	if ((err = cap_map(d, found[VIRTIO_PCI_CAP_DEVICE_CFG], &vp->device, &vp->device_len)))
		return err;
	return 0;
}

int virtio_pci_reset(struct virtio_pci *vp)
{
	if (vp->mmio)
		return virtio_mmio_reset(vp);
	w8(vp->common, CC_STATUS, 0);
	/* 4.1.4.3.2: the reset is done only once device_status reads back 0. */
	uint64_t deadline = time_ns() + RESET_TIMEOUT_NS;
	while (r8(vp->common, CC_STATUS) != 0) {
		if (time_ns() > deadline) {
			kwarn("virtio", "%02x:%02x.%x: device did not reset within 100 ms", vp->pci->bus, vp->pci->dev,
			      vp->pci->fn);
			return -ETIMEDOUT;
		}
		cpu_relax();
	}
	return 0;
}

uint8_t virtio_pci_status(const struct virtio_pci *vp)
{
	if (vp->mmio)
		return virtio_mmio_status(vp);
	return r8(vp->common, CC_STATUS);
}

void virtio_pci_add_status(struct virtio_pci *vp, uint8_t bits)
{
	if (vp->mmio) {
		virtio_mmio_set_status(vp, (uint8_t)(virtio_mmio_status(vp) | bits));
		return;
	}
	w8(vp->common, CC_STATUS, (uint8_t)(r8(vp->common, CC_STATUS) | bits));
}

uint64_t virtio_pci_device_features(struct virtio_pci *vp)
{
	if (vp->mmio)
		return virtio_mmio_device_features(vp);
	w32(vp->common, CC_DFSELECT, 0);
	uint64_t lo = r32(vp->common, CC_DF);
	w32(vp->common, CC_DFSELECT, 1);
	uint64_t hi = r32(vp->common, CC_DF);
	return hi << 32 | lo;
}

void virtio_pci_set_driver_features(struct virtio_pci *vp, uint64_t f)
{
	if (vp->mmio) {
		virtio_mmio_set_driver_features(vp, f);
		return;
	}
	w32(vp->common, CC_GFSELECT, 0);
	w32(vp->common, CC_GF, (uint32_t)f);
	w32(vp->common, CC_GFSELECT, 1);
	w32(vp->common, CC_GF, (uint32_t)(f >> 32));
}

uint8_t virtio_pci_config_generation(const struct virtio_pci *vp)
{
	if (vp->mmio)
		return virtio_mmio_config_generation(vp);
	return r8(vp->common, CC_CFGGEN);
}

uint16_t virtio_pci_set_config_vector(struct virtio_pci *vp, uint16_t vector)
{
	if (vp->mmio)
		return VIRTIO_MSI_NO_VECTOR;    /* virtio-mmio has one interrupt line */
	w16(vp->common, CC_MSIX, vector);
	return r16(vp->common, CC_MSIX);
}

uint16_t virtio_pci_queue_max(struct virtio_pci *vp, uint16_t q)
{
	if (vp->mmio)
		return virtio_mmio_queue_max(vp, q);
	if (q >= r16(vp->common, CC_NUMQ))
		return 0;
	w16(vp->common, CC_Q_SELECT, q);
	return r16(vp->common, CC_Q_SIZE);
}

int virtio_pci_queue_setup(struct virtio_pci *vp, uint16_t q, uint16_t size, uint64_t desc, uint64_t driver,
			   uint64_t device, uint16_t msix, struct virtio_notify *notify)
{
	if (vp->mmio) {
		volatile uint8_t *reg;
		int err = virtio_mmio_queue_setup(vp, q, size, desc, driver, device, &reg);
		*notify = (struct virtio_notify){ reg, true };
		return err;
	}
	const struct pci_dev *d = vp->pci;
	w16(vp->common, CC_Q_SELECT, q);
	w16(vp->common, CC_Q_SIZE, size);
	w64(vp->common, CC_Q_DESCLO, desc);
	w64(vp->common, CC_Q_AVAILLO, driver);
	w64(vp->common, CC_Q_USEDLO, device);
	w16(vp->common, CC_Q_MSIX, msix);
	/* 4.1.5.1.2.1: a vector the device cannot use reads back as NO_VECTOR. */
	if (r16(vp->common, CC_Q_MSIX) != msix) {
		kwarn("virtio", "%02x:%02x.%x: queue %u refused MSI-X vector %u", d->bus, d->dev, d->fn, q, msix);
		return -EIO;
	}
	uint32_t off = (uint32_t)r16(vp->common, CC_Q_NOFF) * vp->notify_mult;
	if (off + 2 > vp->notify_len) {
		kwarn("virtio", "%02x:%02x.%x: queue %u notify offset 0x%x outside the notify area", d->bus, d->dev,
		      d->fn, q, off);
		return -ERANGE;
	}
	*notify = (struct virtio_notify){ vp->notify + off, false };
	/* 4.1.4.3.2: queue_enable last, after the addresses and size are in. */
	w16(vp->common, CC_Q_ENABLE, 1);
	return 0;
}

uint8_t virtio_pci_isr(struct virtio_pci *vp)
{
	if (vp->mmio)
		return virtio_mmio_isr(vp);
	return *vp->isr;
}
