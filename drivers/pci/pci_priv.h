/*
 * drivers/pci/pci_priv.h: raw configuration access by bus/device/function,
 * shared by pci.c (enumeration and the API) and pci_conf.c (mechanism #1
 * through ports 0xcf8/0xcfc). Host tests supply a fake pci_conf_* instead.
 */
#ifndef DRIVERS_PCI_PCI_PRIV_H
#define DRIVERS_PCI_PCI_PRIV_H

#include <stdint.h>

/* width is 1, 2 or 4 and off is aligned to it; absent functions read as all ones. */
uint32_t pci_conf_read(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width);
void pci_conf_write(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width, uint32_t v);

#endif
