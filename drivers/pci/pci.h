/*
 * drivers/pci/pci.h: PCI configuration space (PCI Local Bus 3.0 ch. 6)
 * through configuration mechanism #1 (ports 0xcf8/0xcfc), enumerated once at
 * boot into a table of devices drivers can look up.
 */
#ifndef DRIVERS_PCI_PCI_H
#define DRIVERS_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_DEVICES 64

struct pci_bar {
	uint64_t addr;             /* physical address (MMIO) or port (I/O) */
	uint64_t size;
	bool io;                   /* I/O space rather than memory */
	bool prefetch;
	bool is64;
};

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class, subclass, prog_if, revision;
	uint16_t subsys_vendor, subsys_id;
	uint8_t irq_line, irq_pin; /* legacy INTx: line as the firmware set it, pin 1=INTA */
	struct pci_bar bar[6];
};

void pci_init(void);           /* enumerate every bus and log each device */
unsigned pci_count(void);
struct pci_dev *pci_get(unsigned idx);
/* The idx-th device with this vendor:device (idx from 0); NULL when none. */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device, unsigned idx);
uint32_t pci_cfg_read32(const struct pci_dev *d, uint16_t off);
uint16_t pci_cfg_read16(const struct pci_dev *d, uint16_t off);
uint8_t pci_cfg_read8(const struct pci_dev *d, uint16_t off);
void pci_cfg_write32(const struct pci_dev *d, uint16_t off, uint32_t v);
void pci_cfg_write16(const struct pci_dev *d, uint16_t off, uint16_t v);
void pci_cfg_write8(const struct pci_dev *d, uint16_t off, uint8_t v);
void pci_enable_bus_master(const struct pci_dev *d);   /* and memory + I/O decoding */
/* Offset of capability id cap in the capability list, 0 when absent. start=0 finds the first. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t cap, uint8_t start);

#endif
