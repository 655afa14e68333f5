/*
 * drivers/pci/pci_conf.c: PCI configuration mechanism #1 (PCI Local Bus 3.0
 * 3.2.2.3.2): write the enable bit, bus, device, function and dword offset
 * to CONFIG_ADDRESS (0xcf8), then access CONFIG_DATA (0xcfc + byte offset)
 * with the width asked for, so 8- and 16-bit writes never disturb the
 * neighbouring bytes (the status register's write-1-to-clear bits sit next
 * to the command register).
 *
 * Promises: the address/data pair is held under a lock, so concurrent
 * callers cannot interleave. Offsets past 255 (PCIe extended space, which
 * this mechanism cannot reach) read as all ones and ignore writes.
 */
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "drivers/pci/pci_priv.h"
#include "kernel/spinlock.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE (1u << 31)

static struct spinlock conf_lock = SPINLOCK_INIT("pci_conf");

static void conf_select(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 |
					 (uint32_t)(fn & 7) << 8 | (off & 0xfc));
}

uint32_t pci_conf_read(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width)
{
	if (off > 0xff)
		return 0xffffffffu;
	uint64_t f = spin_lock_irqsave(&conf_lock);
	conf_select(bus, dev, fn, off);
	uint16_t port = (uint16_t)(PCI_CONFIG_DATA + (off & 3));
	uint32_t v = width == 1 ? inb(port) : width == 2 ? inw(port) : inl(PCI_CONFIG_DATA);
	spin_unlock_irqrestore(&conf_lock, f);
	return v;
}

void pci_conf_write(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width, uint32_t v)
{
	if (off > 0xff)
		return;
	uint64_t f = spin_lock_irqsave(&conf_lock);
	conf_select(bus, dev, fn, off);
	uint16_t port = (uint16_t)(PCI_CONFIG_DATA + (off & 3));
	if (width == 1)
		outb(port, (uint8_t)v);
	else if (width == 2)
		outw(port, (uint16_t)v);
	else
		outl(PCI_CONFIG_DATA, v);
	spin_unlock_irqrestore(&conf_lock, f);
}
