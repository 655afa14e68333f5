/*
 * drivers/virtio-net/virtio_pci.h: the virtio 1.x PCI transport with
 * modern capabilities (virtio 1.2 4.1.4): finding the common, notify, ISR
 * and device configuration structures, device status, feature negotiation
 * and queue setup. The device-type driver (vnet.c) sits on top. The same
 * calls drive a virtio-mmio transport (virtio_mmio.h) when vp->mmio is set.
 *
 * Promises: every function returns 0 or a negative errno and logs one line
 * on failure; registers are accessed with the widths 4.1.3.1 requires.
 */
#ifndef DRIVERS_VIRTIO_NET_VIRTIO_PCI_H
#define DRIVERS_VIRTIO_NET_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci/pci.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_MODERN_BASE 0x1040   /* 4.1.2.1: 0x1040 + device id */
#define VIRTIO_PCI_DEVICE_TRANS_NET 0x1000     /* 4.1.2.1: transitional network device */

/* 2.1: device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* 6: reserved (device-independent) feature bits. */
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* 4.1.4.3: no MSI-X vector for this source. */
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* 4.1.4.5: ISR status bits (INTx only). */
#define VIRTIO_ISR_QUEUE 1
#define VIRTIO_ISR_CONFIG 2

struct virtio_pci {
	struct pci_dev *pci;
	volatile uint8_t *common;      /* struct virtio_pci_common_cfg (4.1.4.3) */
	volatile uint8_t *notify;      /* notification area base (4.1.4.4) */
	uint32_t notify_mult;          /* notify_off_multiplier */
	uint32_t notify_len;
	volatile uint8_t *isr;         /* ISR status byte (4.1.4.5) */
	volatile uint8_t *device;      /* device-specific configuration (4.1.4.6) */
	uint32_t device_len;
	volatile uint8_t *mmio;        /* set: the virtio-mmio transport (virtio_mmio.c), pci and the rest unused */
};

/* Where and how a queue is notified: the queue index as 16 bits on PCI (4.1.5.2), 32 on virtio-mmio (4.2.3.3). */
struct virtio_notify {
	volatile void *addr;
	bool wide;
};

/* Finds and maps the four capabilities; -ENODEV when one is missing, -ERANGE/-ENOMEM when it cannot be mapped. */
int virtio_pci_init(struct virtio_pci *vp, struct pci_dev *d);
/* 4.1.4.3.2: writes 0 and waits (bounded) for the device to read back 0; -ETIMEDOUT otherwise. */
int virtio_pci_reset(struct virtio_pci *vp);
uint8_t virtio_pci_status(const struct virtio_pci *vp);
/* ORs bits into device_status. */
void virtio_pci_add_status(struct virtio_pci *vp, uint8_t bits);
uint64_t virtio_pci_device_features(struct virtio_pci *vp);
void virtio_pci_set_driver_features(struct virtio_pci *vp, uint64_t f);
uint8_t virtio_pci_config_generation(const struct virtio_pci *vp);
/* 4.1.4.3: config_msix_vector; returns what the device read back. */
uint16_t virtio_pci_set_config_vector(struct virtio_pci *vp, uint16_t vector);

/* The queue's maximum size (0: no such queue). */
uint16_t virtio_pci_queue_max(struct virtio_pci *vp, uint16_t q);
/*
 * 4.1.5.1.3: programs queue q with size entries at the three physical
 * addresses and MSI-X vector msix (VIRTIO_MSI_NO_VECTOR for INTx), enables
 * it and returns its notification address in *notify. -EIO if the device
 * refuses the vector.
 */
int virtio_pci_queue_setup(struct virtio_pci *vp, uint16_t q, uint16_t size, uint64_t desc, uint64_t driver,
			   uint64_t device, uint16_t msix, struct virtio_notify *notify);
/* 4.1.5.2, 4.2.3.3: available-buffer notification (without VIRTIO_F_NOTIFICATION_DATA: the queue index). */
static inline void virtio_pci_notify(struct virtio_notify n, uint16_t q)
{
	if (n.wide)
		*(volatile uint32_t *)n.addr = q;
	else
		*(volatile uint16_t *)n.addr = q;
}
/* Reading the ISR status acknowledges INTx (4.1.4.5.1); virtio-mmio's is read and acknowledged. */
uint8_t virtio_pci_isr(struct virtio_pci *vp);

#endif
