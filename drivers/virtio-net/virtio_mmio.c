/*
 * drivers/virtio-net/virtio_mmio.c: the virtio-mmio transport, register
 * layout version 2 (virtio 1.2 4.2.2), and the discovery of its devices
 * (see virtio_mmio.h). All registers are 32 bits wide and accessed so
 * (4.2.2.1: the device may ignore other widths, as QEMU does); the device
 * configuration space at 0x100 takes the field's width.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/io.h"
#include "drivers/virtio-net/virtio_mmio.h"
#include "drivers/virtio-net/virtio_pci.h"
#include "include/skiff.h"
#include "kernel/log.h"
#include "kernel/time.h"

SKIFF_OPTION(virtio_mmio_device, "virtio_mmio.device", "a virtio-mmio transport, SIZE@BASE:IRQ (QEMU's microvm writes these)");

/* 4.2.2: register offsets. */
#define MMIO_MAGIC 0x000
#define MMIO_VERSION 0x004
#define MMIO_DEVICE_ID 0x008
#define MMIO_DEV_FEATURES 0x010
#define MMIO_DEV_FEATURES_SEL 0x014
#define MMIO_DRV_FEATURES 0x020
#define MMIO_DRV_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_INT_STATUS 0x060
#define MMIO_INT_ACK 0x064
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC_LO 0x080
#define MMIO_QUEUE_DRIVER_LO 0x090
#define MMIO_QUEUE_DEVICE_LO 0x0a0
#define MMIO_CONFIG_GEN 0x0fc
#define MMIO_CONFIG 0x100

#define MMIO_MAGIC_VALUE 0x74726976u   /* "virt" */
#define MMIO_MIN_SIZE 0x200u
#define RESET_TIMEOUT_NS (100 * NSEC_PER_MSEC)

static struct virtio_mmio_dev devs[VIRTIO_MMIO_MAX_DEVS];
static unsigned ndevs;

static uint32_t r32(const volatile uint8_t *b, unsigned off) { return *(const volatile uint32_t *)(b + off); }
static void w32(volatile uint8_t *b, unsigned off, uint32_t v) { *(volatile uint32_t *)(b + off) = v; }

static void w64(volatile uint8_t *b, unsigned off, uint64_t v)
{
	w32(b, off, (uint32_t)v);            /* 4.2.2: ...Low, then ...High at off + 4 */
	w32(b, off + 4, (uint32_t)(v >> 32));
}

/* ---- discovery ---- */

/* Probes the transport at base and lists it when a modern device sits behind it. */
static void add_dev(uint64_t base, uint32_t size, uint32_t gsi, unsigned flags)
{
	for (unsigned i = 0; i < ndevs; i++)
		if (devs[i].base == base)
			return;    /* ACPI and the command line name the same one */
	if (ndevs == VIRTIO_MMIO_MAX_DEVS) {
		kwarn("virtio-mmio", "more than %u transports; %#lx ignored", VIRTIO_MMIO_MAX_DEVS, (unsigned long)base);
		return;
	}
	if (size < MMIO_MIN_SIZE || base + size > (1ull << 32) || (base & 3)) {
		kwarn("virtio-mmio", "transport %#lx (%u bytes) is not a register block below 4 GiB; ignored",
		      (unsigned long)base, size);
		return;
	}
	volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)base;
	uint32_t magic = r32(b, MMIO_MAGIC), version = r32(b, MMIO_VERSION), id = r32(b, MMIO_DEVICE_ID);
	if (magic != MMIO_MAGIC_VALUE) {
		kwarn("virtio-mmio", "%#lx: magic %#x, not virtio-mmio; ignored", (unsigned long)base, magic);
		return;
	}
	if (id == 0)
		return;    /* 4.2.2: an empty transport slot */
	if (version != 2) {
		kwarn("virtio-mmio", "%#lx: device %u uses layout version %u (legacy); want 2 (QEMU: -global "
		      "virtio-mmio.force-legacy=false)", (unsigned long)base, id, version);
		return;
	}
	devs[ndevs] = (struct virtio_mmio_dev){ base, size, gsi, flags, id, ndevs };
	klog("virtio-mmio", "mmio%u: device %u at %#lx, GSI %u", ndevs, id, (unsigned long)base, gsi);
	ndevs++;
}

/* Linux's virtio_mmio.device=SIZE@BASE:IRQ (SIZE with K/M, numbers in C syntax); false if malformed. */
static bool parse_word(const char *p, uint64_t *base, uint32_t *size, uint32_t *irq)
{
	char *end;
	unsigned long long v = strtoull(p, &end, 0);
	if (end == p)
		return false;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (*end != '@' || v > UINT32_MAX)
		return false;
	*size = (uint32_t)v;
	p = end + 1;
	*base = strtoull(p, &end, 0);
	if (end == p || *end != ':')
		return false;
	p = end + 1;
	v = strtoull(p, &end, 0);
	if (end == p || (*end && *end != ' ' && *end != ':') || v > 255)
		return false;
	*irq = (uint32_t)v;
	return true;
}

void virtio_mmio_scan(const char *cmdline)
{
	ndevs = 0;
	/* microvm's DSDT: level-triggered, active high (hw/i386/acpi-microvm.c). */
	for (unsigned i = 0; i < acpi_info.nvirtio_mmio; i++) {
		const struct acpi_mmio_dev *a = &acpi_info.virtio_mmio[i];
		add_dev(a->base, a->size, a->gsi, (a->level ? IOAPIC_LEVEL : 0) | (a->active_low ? IOAPIC_ACTIVE_LOW : 0));
	}
	static const char key[] = "virtio_mmio.device=";
	for (const char *p = cmdline; p && *p; p++) {
		if ((p != cmdline && p[-1] != ' ') || strncmp(p, key, sizeof(key) - 1))
			continue;    /* only at the start of a word */
		uint64_t base;
		uint32_t size, irq;
		if (!parse_word(p + sizeof(key) - 1, &base, &size, &irq)) {
			kwarn("virtio-mmio", "cannot read '%.40s' (want virtio_mmio.device=SIZE@BASE:IRQ)", p);
			continue;
		}
		/* Linux registers these as edge-triggered; QEMU drives the line level, so level catches every one. */
		add_dev(base, size, irq, IOAPIC_LEVEL);
	}
}

unsigned virtio_mmio_count(void)
{
	return ndevs;
}

const struct virtio_mmio_dev *virtio_mmio_get(unsigned i)
{
	return i < ndevs ? &devs[i] : NULL;
}

/* ---- the transport ---- */

int virtio_mmio_init(struct virtio_pci *vp, const struct virtio_mmio_dev *m)
{
	*vp = (struct virtio_pci){ 0 };
	vp->mmio = (volatile uint8_t *)(uintptr_t)m->base;
	vp->device = vp->mmio + MMIO_CONFIG;
	vp->device_len = m->size - MMIO_CONFIG;
	return r32(vp->mmio, MMIO_MAGIC) == MMIO_MAGIC_VALUE ? 0 : -ENODEV;
}

int virtio_mmio_reset(struct virtio_pci *vp)
{
	w32(vp->mmio, MMIO_STATUS, 0);
	/* 4.2.3.1.1 (as 4.1.4.3.2): the reset is done once Status reads back 0. */
	uint64_t deadline = time_ns() + RESET_TIMEOUT_NS;
	while (r32(vp->mmio, MMIO_STATUS) != 0) {
		if (time_ns() > deadline) {
			kwarn("virtio-mmio", "%#lx: device did not reset within 100 ms", (unsigned long)(uintptr_t)vp->mmio);
			return -ETIMEDOUT;
		}
		cpu_relax();
	}
	return 0;
}

uint8_t virtio_mmio_status(const struct virtio_pci *vp)
{
	return (uint8_t)r32(vp->mmio, MMIO_STATUS);
}

void virtio_mmio_set_status(struct virtio_pci *vp, uint8_t status)
{
	w32(vp->mmio, MMIO_STATUS, status);
}

uint64_t virtio_mmio_device_features(struct virtio_pci *vp)
{
	w32(vp->mmio, MMIO_DEV_FEATURES_SEL, 0);
	uint64_t lo = r32(vp->mmio, MMIO_DEV_FEATURES);
	w32(vp->mmio, MMIO_DEV_FEATURES_SEL, 1);
	uint64_t hi = r32(vp->mmio, MMIO_DEV_FEATURES);
	return hi << 32 | lo;
}

void virtio_mmio_set_driver_features(struct virtio_pci *vp, uint64_t f)
{
	w32(vp->mmio, MMIO_DRV_FEATURES_SEL, 0);
	w32(vp->mmio, MMIO_DRV_FEATURES, (uint32_t)f);
	w32(vp->mmio, MMIO_DRV_FEATURES_SEL, 1);
	w32(vp->mmio, MMIO_DRV_FEATURES, (uint32_t)(f >> 32));
}

uint8_t virtio_mmio_config_generation(const struct virtio_pci *vp)
{
	return (uint8_t)r32(vp->mmio, MMIO_CONFIG_GEN);
}

uint16_t virtio_mmio_queue_max(struct virtio_pci *vp, uint16_t q)
{
	w32(vp->mmio, MMIO_QUEUE_SEL, q);
	if (r32(vp->mmio, MMIO_QUEUE_READY))
		return 0;    /* 4.2.3.2: a queue already in use is not ours to set up */
	uint32_t max = r32(vp->mmio, MMIO_QUEUE_NUM_MAX);
	return max > 0xffff ? 0xffff : (uint16_t)max;
}

int virtio_mmio_queue_setup(struct virtio_pci *vp, uint16_t q, uint16_t size, uint64_t desc, uint64_t driver,
			    uint64_t device, volatile uint8_t **notify_reg)
{
	w32(vp->mmio, MMIO_QUEUE_SEL, q);
	w32(vp->mmio, MMIO_QUEUE_NUM, size);
	w64(vp->mmio, MMIO_QUEUE_DESC_LO, desc);
	w64(vp->mmio, MMIO_QUEUE_DRIVER_LO, driver);
	w64(vp->mmio, MMIO_QUEUE_DEVICE_LO, device);
	w32(vp->mmio, MMIO_QUEUE_READY, 1);      /* 4.2.3.2 step 8: last */
	*notify_reg = vp->mmio + MMIO_QUEUE_NOTIFY;
	return 0;
}

uint8_t virtio_mmio_isr(struct virtio_pci *vp)
{
	uint32_t st = r32(vp->mmio, MMIO_INT_STATUS);
	if (st)
		w32(vp->mmio, MMIO_INT_ACK, st);  /* 4.2.2: the bits written are cleared, the line drops */
	return (uint8_t)st;
}
