/*
 * drivers/virtio-net/virtio_mmio.h: the virtio-mmio transport (virtio 1.2
 * 4.2, register layout version 2), as QEMU's microvm machine provides it,
 * behind the same calls as the PCI transport: a struct virtio_pci whose
 * mmio field is set is driven through these functions by virtio_pci.c, so
 * the device-type driver (vnet.c) does not care which transport it has.
 *
 * Discovery: the DSDT's LNRO0005 devices (arch/x86_64/acpi.c, microvm
 * with ACPI) and the kernel command line's virtio_mmio.device=SIZE@BASE:IRQ
 * words (Linux's syntax, which microvm appends without ACPI). Each is
 * probed (magic value, version, device id) before it is listed.
 *
 * Deviation: the legacy layout (version 1, QEMU's default unless
 * -global virtio-mmio.force-legacy=false) is refused with a warning
 * saying so; vnet.c wants VIRTIO_F_VERSION_1 anyway.
 */
#ifndef DRIVERS_VIRTIO_NET_VIRTIO_MMIO_H
#define DRIVERS_VIRTIO_NET_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_MMIO_MAX_DEVS 8
#define VIRTIO_ID_NET 1             /* 5: device types */

/* A transport found at boot, with a device behind it. */
struct virtio_mmio_dev {
	uint64_t base;              /* register block, identity-mapped */
	uint32_t size;
	uint32_t gsi;               /* its interrupt line on the I/O APIC */
	unsigned irq_flags;         /* IOAPIC_LEVEL, IOAPIC_ACTIVE_LOW (arch/x86_64/apic.h) */
	uint32_t device_id;         /* VIRTIO_ID_NET, ... */
	unsigned index;             /* order found: "mmio0", "mmio1" in logs */
};

/* Finds the transports (ACPI, then cmdline's virtio_mmio.device= words, duplicates dropped); logs each. */
void virtio_mmio_scan(const char *cmdline);
unsigned virtio_mmio_count(void);
const struct virtio_mmio_dev *virtio_mmio_get(unsigned i);

struct virtio_pci;
/* The transport's state for m: mmio and device set; 0 or -ENODEV. */
int virtio_mmio_init(struct virtio_pci *vp, const struct virtio_mmio_dev *m);
int virtio_mmio_reset(struct virtio_pci *vp);
uint8_t virtio_mmio_status(const struct virtio_pci *vp);
void virtio_mmio_set_status(struct virtio_pci *vp, uint8_t status);
uint64_t virtio_mmio_device_features(struct virtio_pci *vp);
void virtio_mmio_set_driver_features(struct virtio_pci *vp, uint64_t f);
uint8_t virtio_mmio_config_generation(const struct virtio_pci *vp);
uint16_t virtio_mmio_queue_max(struct virtio_pci *vp, uint16_t q);
/* 4.2.3.2: size, addresses, then QueueReady; *notify_reg is QueueNotify (written 32 bits wide). */
int virtio_mmio_queue_setup(struct virtio_pci *vp, uint16_t q, uint16_t size, uint64_t desc, uint64_t driver,
			    uint64_t device, volatile uint8_t **notify_reg);
/* 4.2.3.4: InterruptStatus, acknowledged at once (bits as the PCI ISR's: 1 queue, 2 configuration). */
uint8_t virtio_mmio_isr(struct virtio_pci *vp);

#endif
