/*
 * drivers/pci/pci.h: PCI configuration space (PCI Local Bus 3.0 ch. 6)
 * through configuration mechanism #1 (ports 0xcf8/0xcfc), enumerated once at
 * boot into a table of devices drivers can look up, plus the capability
 * list and MSI/MSI-X programming (6.7, 6.8) drivers need for interrupts.
 */
#ifndef DRIVERS_PCI_PCI_H
#define DRIVERS_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_DEVICES 64

/* Configuration space registers (PCI 3.0 6.1, 6.2). */
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST (1u << 4)

/* Capability ids (PCI Code and ID Assignment 1.11 ch. 2). */
#define PCI_CAP_MSI 0x05
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_MSIX 0x11

struct pci_bar {
	uint64_t addr;             /* physical address (MMIO) or port (I/O) */
	uint64_t size;             /* 0: not implemented */
	bool io;                   /* I/O space rather than memory */
	bool prefetch;
	bool is64;                 /* also consumed the next BAR slot (left empty) */
};

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class, subclass, prog_if, revision;
	uint8_t header_type;       /* bits 0-6: 0 device, 1 PCI-PCI bridge, 2 CardBus */
	uint16_t subsys_vendor, subsys_id;
	uint8_t irq_line, irq_pin; /* legacy INTx: line as the firmware set it, pin 1=INTA */
	uint8_t secondary_bus;     /* bridges: the bus behind them */
	struct pci_bar bar[6];
};

void pci_init(void);           /* enumerate every bus and log each device; may be called again to rescan */
unsigned pci_count(void);
struct pci_dev *pci_get(unsigned idx);
/* The idx-th device with this vendor:device (idx from 0); NULL when none. */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device, unsigned idx);
/* The idx-th device of this class and subclass; NULL when none. */
struct pci_dev *pci_find_class(uint8_t class, uint8_t subclass, unsigned idx);
/* Offsets beyond 255 read as all ones and ignore writes (mechanism #1 reaches 256 bytes). */
uint32_t pci_cfg_read32(const struct pci_dev *d, uint16_t off);
uint16_t pci_cfg_read16(const struct pci_dev *d, uint16_t off);
uint8_t pci_cfg_read8(const struct pci_dev *d, uint16_t off);
void pci_cfg_write32(const struct pci_dev *d, uint16_t off, uint32_t v);
void pci_cfg_write16(const struct pci_dev *d, uint16_t off, uint16_t v);
void pci_cfg_write8(const struct pci_dev *d, uint16_t off, uint8_t v);
void pci_enable_bus_master(const struct pci_dev *d);   /* and memory + I/O decoding */
/* Offset of capability id cap in the capability list, 0 when absent. start=0 finds the first,
 * else the search continues after the capability at offset start. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t cap, uint8_t start);

/*
 * MSI-X (PCI 3.0 6.8.2). The table lives in a memory BAR, so the device's
 * memory decoding must be on (pci_enable_bus_master) and the BAR below 4 GiB
 * (identity-mapped); otherwise these return -ERANGE.
 */
int pci_msix_count(const struct pci_dev *d);   /* table entries, or -ENODEV without MSI-X */
/* Entry -> vector on the CPU with APIC id dest (fixed, edge, physical), left unmasked. */
int pci_msix_set(const struct pci_dev *d, unsigned entry, uint8_t vector, uint8_t dest);
int pci_msix_mask(const struct pci_dev *d, unsigned entry, bool masked);
/* On: MSI-X enabled, function mask cleared, INTx disabled. Off: back to INTx. */
int pci_msix_enable(const struct pci_dev *d, bool on);
/* MSI (6.8.1) with one vector: programs address/data and enables it, INTx disabled. -ENODEV without MSI. */
int pci_msi_enable(const struct pci_dev *d, uint8_t vector, uint8_t dest);

#endif
