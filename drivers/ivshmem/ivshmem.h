/*
 * drivers/ivshmem/ivshmem.h: QEMU's ivshmem-doorbell device (PCI 1af4:1110,
 * QEMU docs/specs/ivshmem-spec.rst), the guest end of skiff's host pipes.
 *
 * BAR0 holds the registers (interrupt mask and status, IVPosition,
 * doorbell), BAR1 the MSI-X table, BAR2 the memory shared with the host
 * monitor (tools/pipemon), laid out as pipe/shm.h says. The driver maps
 * BAR2, takes the monitor's interrupts on MSI-X entry 0 (INTx with the
 * status register when the device has no MSI-X: a revision-0 device) and
 * rings the monitor's doorbell; kernel/pipe_stream.c builds the streams
 * on it.
 */
#ifndef DRIVERS_IVSHMEM_IVSHMEM_H
#define DRIVERS_IVSHMEM_IVSHMEM_H

#include <stdbool.h>
#include <stdint.h>

#define IVSHMEM_VENDOR 0x1af4
#define IVSHMEM_DEVICE 0x1110

/* BAR0 registers (spec "PCI device registers"), 32-bit each. */
#define IVSHMEM_REG_INTR_MASK 0x00
#define IVSHMEM_REG_INTR_STATUS 0x04   /* rev 0, INTx: bit 0 set by a peer, cleared by the read */
#define IVSHMEM_REG_IVPOSITION 0x08
#define IVSHMEM_REG_DOORBELL 0x0c      /* bits 16-31 peer ID, 0-15 vector */

struct ivshmem_info {
	uint8_t *shm;              /* BAR2, mapped */
	uint64_t shm_size;
	uint32_t ivposition;       /* our peer ID */
	bool msix;                 /* else INTx */
	unsigned vector;           /* the CPU vector our interrupt arrives on */
	uint64_t irqs;             /* interrupts taken */
};

/* Finds, maps and wires the first device: 0, -ENODEV when there is none, or the setup error. */
int ivshmem_init(void (*irq_fn)(void *ctx), void *ctx);
/* Asks the peer to run vector's handler (the spec's Doorbell register). */
void ivshmem_doorbell(uint16_t peer, uint16_t vector);
const struct ivshmem_info *ivshmem_info(void);

#endif
