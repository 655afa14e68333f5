/*
 * drivers/pci/pci.c: PCI enumeration and the configuration-space API
 * (PCI Local Bus 3.0 ch. 6; PCI-to-PCI Bridge 1.2 ch. 3).
 *
 * Enumeration starts at bus 0 (or, when 00:00.0 is multifunction, one bus
 * per host-bridge function), visits all 32 devices, functions 1-7 only of
 * multifunction devices (6.2.1 header type bit 7), and descends into the
 * secondary bus of every PCI-PCI bridge. Each bus is scanned at most once,
 * so a misprogrammed bridge loop cannot recurse forever.
 *
 * BARs (6.2.5.1) are sized the standard way: with memory and I/O decoding
 * off, write all ones, read back the mask, restore. Host bridges keep
 * decoding on (disabling it can cut the CPU off from memory on real chips).
 *
 * Promises: after pci_init, pci_get/pci_find see every function found (up
 * to PCI_MAX_DEVICES; more are logged and counted), with BARs as the
 * firmware assigned them; each is logged on one line.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/pci/pci.h"
#include "drivers/pci/pci_priv.h"
#include "kernel/log.h"
#include "lib/fmt.h"

#ifndef PCI_MMIO_LIMIT
#define PCI_MMIO_LIMIT (1ull << 32)   /* boot.S identity-maps the first 4 GiB */
#endif

#define PCI_VENDOR_ID 0x00
#define PCI_REVISION 0x08             /* revision, prog-if, subclass, class */
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_IRQ_LINE 0x3c
#define PCI_IRQ_PIN 0x3d
#define PCI_SECONDARY_BUS 0x19        /* type 1 header */
#define PCI_HDR_MULTIFUNCTION 0x80
#define PCI_HDR_BRIDGE 1
#define PCI_CLASS_BRIDGE 0x06
#define PCI_SUBCLASS_HOST 0x00
#define PCI_CAP_MAX 48                /* (256 - 64) / 4: more links than that is a loop */

/* MSI-X (6.8.2) and MSI (6.8.1) capability layout. */
#define MSIX_CTRL 2
#define MSIX_CTRL_ENABLE (1u << 15)
#define MSIX_CTRL_FUNC_MASK (1u << 14)
#define MSIX_TABLE 4
#define MSIX_ENTRY_CTRL_MASKED 1u
#define MSI_CTRL 2
#define MSI_CTRL_ENABLE (1u << 0)
#define MSI_CTRL_MME (7u << 4)
#define MSI_CTRL_64BIT (1u << 7)
#define MSI_ADDR_X86 0xfee00000u      /* SDM vol. 3A 11.11.1: dest APIC id in bits 19:12 */

static struct pci_dev devs[PCI_MAX_DEVICES];
static unsigned ndevs;
static unsigned ndropped;
static uint8_t bus_seen[256 / 8];

static uint32_t rd(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned w)
{
	return pci_conf_read(bus, dev, fn, off, w);
}

uint32_t pci_cfg_read32(const struct pci_dev *d, uint16_t off) { return rd(d->bus, d->dev, d->fn, off & ~3, 4); }
uint16_t pci_cfg_read16(const struct pci_dev *d, uint16_t off) { return (uint16_t)rd(d->bus, d->dev, d->fn, off & ~1, 2); }
uint8_t pci_cfg_read8(const struct pci_dev *d, uint16_t off) { return (uint8_t)rd(d->bus, d->dev, d->fn, off, 1); }
void pci_cfg_write32(const struct pci_dev *d, uint16_t off, uint32_t v) { pci_conf_write(d->bus, d->dev, d->fn, off & ~3, 4, v); }
void pci_cfg_write16(const struct pci_dev *d, uint16_t off, uint16_t v) { pci_conf_write(d->bus, d->dev, d->fn, off & ~1, 2, v); }
void pci_cfg_write8(const struct pci_dev *d, uint16_t off, uint8_t v) { pci_conf_write(d->bus, d->dev, d->fn, off, 1, v); }

/* Sizes one BAR at off with decoding already off; returns how many slots it used (2 for 64-bit). */
static unsigned bar_decode(const struct pci_dev *d, uint16_t off, bool last, struct pci_bar *b)
{
	uint32_t lo = pci_cfg_read32(d, off);
	pci_cfg_write32(d, off, 0xffffffffu);
	uint32_t mask = pci_cfg_read32(d, off);
	pci_cfg_write32(d, off, lo);
	*b = (struct pci_bar){ 0 };
	if (lo & 1) {            /* 6.2.5.1: bit 0 set = I/O space; the upper 16 bits may be hardwired 0 */
		uint32_t m = mask & ~3u;
		b->io = true;
		b->addr = lo & ~3u;
		b->size = m ? (uint16_t)(~m + 1) : 0;
		if (m && !b->size)
			b->size = 0x10000;
		return 1;
	}
	uint32_t m = mask & ~0xfu;
	b->prefetch = lo & 8;
	b->addr = lo & ~0xfu;
	b->is64 = ((lo >> 1) & 3) == 2 && !last;   /* type 10b: 64-bit, the next BAR holds bits 63:32 */
	if (!b->is64) {
		b->size = m ? (uint32_t)(~m + 1) : 0;   /* reads back 0: not implemented */
		return 1;
	}
	uint32_t hi = pci_cfg_read32(d, off + 4);
	pci_cfg_write32(d, off + 4, 0xffffffffu);
	uint32_t mhi = pci_cfg_read32(d, off + 4);
	pci_cfg_write32(d, off + 4, hi);
	b->addr |= (uint64_t)hi << 32;
	uint64_t m64 = (uint64_t)mhi << 32 | m;
	b->size = m64 ? ~m64 + 1 : 0;
	return b->is64 ? 2 : 1;
}

static void bars_decode(struct pci_dev *d)
{
	unsigned type = d->header_type & 0x7f;
	unsigned nbars = type == 0 ? 6 : type == PCI_HDR_BRIDGE ? 2 : 0;
	if (!nbars)
		return;
	bool host = d->class == PCI_CLASS_BRIDGE && d->subclass == PCI_SUBCLASS_HOST;
	uint16_t cmd = pci_cfg_read16(d, PCI_COMMAND);
	if (!host)
		pci_cfg_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < nbars;)
		i += bar_decode(d, (uint16_t)(PCI_BAR0 + 4 * i), i + 1 == nbars, &d->bar[i]);
	if (!host)
		pci_cfg_write16(d, PCI_COMMAND, cmd);
}

static const char *class_name(uint8_t c)
{
	static const char *const names[] = {
		"unclassified", "storage", "network", "display", "multimedia", "memory", "bridge",
		"communication", "system", "input", "docking", "processor", "serial bus", "wireless",
		"intelligent I/O", "satellite", "encryption", "signal processing", "accelerator",
		"instrumentation",
	};
	return c < sizeof(names) / sizeof(names[0]) ? names[c] : "other";
}

static void size_str(char *buf, size_t n, uint64_t size)
{
	static const char units[] = { 0, 'K', 'M', 'G', 'T' };
	unsigned u = 0;
	while (u + 1 < sizeof(units) && size >= 1024 && !(size & 1023)) {
		size >>= 10;
		u++;
	}
	if (u)
		fmt_snprintf(buf, n, "%lu%c", (unsigned long)size, units[u]);
	else
		fmt_snprintf(buf, n, "%lu", (unsigned long)size);
}

/* "00:03.0 1af4:1000 class 02.00.00 (network) irq 11 INTA  BAR0 io 0xc000/32 BAR1 mem 0xfebd1000/4K" */
void pci_format(const struct pci_dev *d, char *buf, size_t n);
void pci_format(const struct pci_dev *d, char *buf, size_t n)
{
	size_t len = (size_t)fmt_snprintf(buf, n, "%02x:%02x.%x %04x:%04x class %02x.%02x.%02x (%s)", d->bus, d->dev,
					   d->fn, d->vendor, d->device, d->class, d->subclass, d->prog_if,
					   class_name(d->class));
	if (d->irq_pin >= 1 && d->irq_pin <= 4 && len < n)
		len += (size_t)fmt_snprintf(buf + len, n - len, " irq %u INT%c", d->irq_line, 'A' + d->irq_pin - 1);
	if ((d->header_type & 0x7f) == PCI_HDR_BRIDGE && len < n)
		len += (size_t)fmt_snprintf(buf + len, n - len, " bridge to bus %02x", d->secondary_bus);
	const char *sep = " ";
	for (unsigned i = 0; i < 6 && len < n; i++) {
		const struct pci_bar *b = &d->bar[i];
		if (!b->size)
			continue;
		char sz[24];
		size_str(sz, sizeof(sz), b->size);
		len += (size_t)fmt_snprintf(buf + len, n - len, "%s BAR%u %s%s%s %#lx/%s", sep, i,
					     b->io ? "io" : "mem", b->is64 ? "64" : "", b->prefetch ? " pref" : "",
					     (unsigned long)b->addr, sz);
		sep = "";
	}
}

static void scan_bus(uint8_t bus, unsigned depth);

static void scan_fn(uint8_t bus, uint8_t dev, uint8_t fn, unsigned depth)
{
	struct pci_dev tmp = { .bus = bus, .dev = dev, .fn = fn };
	struct pci_dev *d = ndevs < PCI_MAX_DEVICES ? &devs[ndevs] : &tmp;
	*d = tmp;
	uint32_t id = pci_cfg_read32(d, PCI_VENDOR_ID);
	uint32_t cls = pci_cfg_read32(d, PCI_REVISION);
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	d->revision = (uint8_t)cls;
	d->prog_if = (uint8_t)(cls >> 8);
	d->subclass = (uint8_t)(cls >> 16);
	d->class = (uint8_t)(cls >> 24);
	d->header_type = pci_cfg_read8(d, PCI_HEADER_TYPE);
	d->irq_line = pci_cfg_read8(d, PCI_IRQ_LINE);
	d->irq_pin = pci_cfg_read8(d, PCI_IRQ_PIN);
	if ((d->header_type & 0x7f) == 0) {
		d->subsys_vendor = pci_cfg_read16(d, PCI_SUBSYS_VENDOR);
		d->subsys_id = pci_cfg_read16(d, PCI_SUBSYS_ID);
	} else if ((d->header_type & 0x7f) == PCI_HDR_BRIDGE) {
		d->secondary_bus = pci_cfg_read8(d, PCI_SECONDARY_BUS);
	}
	bars_decode(d);
	char line[400];
	pci_format(d, line, sizeof(line));
	if (d == &tmp) {
		ndropped++;
		kwarn("pci", "%s: table full (%u), not kept", line, PCI_MAX_DEVICES);
	} else {
		ndevs++;
		klog("pci", "%s", line);
	}
	/* PCI-PCI Bridge 1.2 3.2.5.3: secondary bus 0 means the firmware has not numbered it. */
	if ((d->header_type & 0x7f) == PCI_HDR_BRIDGE && d->secondary_bus)
		scan_bus(d->secondary_bus, depth + 1);
}

static void scan_dev(uint8_t bus, uint8_t dev, unsigned depth)
{
	if ((uint16_t)rd(bus, dev, 0, PCI_VENDOR_ID, 2) == 0xffff)
		return;
	scan_fn(bus, dev, 0, depth);
	if (!(rd(bus, dev, 0, PCI_HEADER_TYPE, 1) & PCI_HDR_MULTIFUNCTION))
		return;
	for (uint8_t fn = 1; fn < 8; fn++)
		if ((uint16_t)rd(bus, dev, fn, PCI_VENDOR_ID, 2) != 0xffff)
			scan_fn(bus, dev, fn, depth);
}

static void scan_bus(uint8_t bus, unsigned depth)
{
	if (bus_seen[bus / 8] & (1u << (bus % 8)) || depth > 32)
		return;
	bus_seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
	for (uint8_t dev = 0; dev < 32; dev++)
		scan_dev(bus, dev, depth);
}

void pci_init(void)
{
	ndevs = ndropped = 0;
	for (size_t i = 0; i < sizeof(bus_seen); i++)
		bus_seen[i] = 0;
	/* 6.2.1: a multifunction 00:00.0 means several host bridges, function n owning bus n. */
	bool host0 = (uint16_t)rd(0, 0, 0, PCI_VENDOR_ID, 2) != 0xffff;   /* absent reads all ones, "multifunction" too */
	if (!host0 || !(rd(0, 0, 0, PCI_HEADER_TYPE, 1) & PCI_HDR_MULTIFUNCTION)) {
		scan_bus(0, 0);
	} else {
		for (uint8_t fn = 0; fn < 8; fn++)
			if ((uint16_t)rd(0, 0, fn, PCI_VENDOR_ID, 2) != 0xffff)
				scan_bus(fn, 0);
	}
	if (!ndevs)
		kwarn("pci", "no devices found (no PCI host bridge answering at 0xcf8?)");
	else
		klog("pci", "%u functions%s", ndevs, ndropped ? " (table full: more not kept)" : "");
}

unsigned pci_count(void)
{
	return ndevs;
}

struct pci_dev *pci_get(unsigned idx)
{
	return idx < ndevs ? &devs[idx] : NULL;
}

struct pci_dev *pci_find(uint16_t vendor, uint16_t device, unsigned idx)
{
	for (unsigned i = 0; i < ndevs; i++)
		if (devs[i].vendor == vendor && devs[i].device == device && idx-- == 0)
			return &devs[i];
	return NULL;
}

struct pci_dev *pci_find_class(uint8_t class, uint8_t subclass, unsigned idx)
{
	for (unsigned i = 0; i < ndevs; i++)
		if (devs[i].class == class && devs[i].subclass == subclass && idx-- == 0)
			return &devs[i];
	return NULL;
}

void pci_enable_bus_master(const struct pci_dev *d)
{
	uint16_t cmd = pci_cfg_read16(d, PCI_COMMAND);
	pci_cfg_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t cap, uint8_t start)
{
	if (!(pci_cfg_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	uint8_t p = pci_cfg_read8(d, start ? (uint16_t)(start + 1) : PCI_CAP_PTR);
	/* 6.7: pointers are dword-aligned and past the 64-byte header; bounded against loops. */
	for (unsigned n = 0; n < PCI_CAP_MAX; n++) {
		p &= 0xfc;
		if (p < 0x40)
			return 0;
		if (pci_cfg_read8(d, p) == cap)
			return p;
		p = pci_cfg_read8(d, (uint16_t)(p + 1));
	}
	return 0;
}

static void intx_disable(const struct pci_dev *d, bool off)
{
	uint16_t cmd = pci_cfg_read16(d, PCI_COMMAND);
	cmd = off ? cmd | PCI_COMMAND_INTX_DISABLE : cmd & ~PCI_COMMAND_INTX_DISABLE;
	pci_cfg_write16(d, PCI_COMMAND, cmd);
}

int pci_msix_count(const struct pci_dev *d)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSIX, 0);
	if (!cap)
		return -ENODEV;
	return (pci_cfg_read16(d, cap + MSIX_CTRL) & 0x7ff) + 1;   /* table size is N-1 */
}

/* 6.8.2.6-9: the entry's four dwords (address lo/hi, data, vector control) in the BAR the table BIR names. */
static int msix_entry(const struct pci_dev *d, unsigned entry, volatile uint32_t **out)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSIX, 0);
	if (!cap)
		return -ENODEV;
	if (entry >= (unsigned)(pci_cfg_read16(d, cap + MSIX_CTRL) & 0x7ff) + 1)
		return -EINVAL;
	uint32_t t = pci_cfg_read32(d, cap + MSIX_TABLE);
	unsigned bir = t & 7;
	if (bir > 5 || d->bar[bir].io || !d->bar[bir].size)
		return -ENODEV;
	uint64_t a = d->bar[bir].addr + (t & ~7u) + 16ull * entry;
	if (a + 16 > PCI_MMIO_LIMIT)
		return -ERANGE;
	*out = (volatile uint32_t *)(uintptr_t)a;
	return 0;
}

int pci_msix_set(const struct pci_dev *d, unsigned entry, uint8_t vector, uint8_t dest)
{
	volatile uint32_t *e;
	int err = msix_entry(d, entry, &e);
	if (err)
		return err;
	/* 6.8.3.5: change address/data only while the entry is masked. */
	e[3] |= MSIX_ENTRY_CTRL_MASKED;
	e[0] = MSI_ADDR_X86 | (uint32_t)dest << 12;
	e[1] = 0;
	e[2] = vector;                  /* fixed delivery, edge */
	e[3] &= ~MSIX_ENTRY_CTRL_MASKED;
	return 0;
}

int pci_msix_mask(const struct pci_dev *d, unsigned entry, bool masked)
{
	volatile uint32_t *e;
	int err = msix_entry(d, entry, &e);
	if (err)
		return err;
	e[3] = masked ? e[3] | MSIX_ENTRY_CTRL_MASKED : e[3] & ~MSIX_ENTRY_CTRL_MASKED;
	return 0;
}

int pci_msix_enable(const struct pci_dev *d, bool on)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSIX, 0);
	if (!cap)
		return -ENODEV;
	uint16_t ctrl = pci_cfg_read16(d, cap + MSIX_CTRL);
	ctrl = on ? (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_FUNC_MASK : ctrl & ~MSIX_CTRL_ENABLE;
	pci_cfg_write16(d, cap + MSIX_CTRL, ctrl);
	intx_disable(d, on);
	return 0;
}

int pci_msi_enable(const struct pci_dev *d, uint8_t vector, uint8_t dest)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSI, 0);
	if (!cap)
		return -ENODEV;
	uint16_t ctrl = pci_cfg_read16(d, cap + MSI_CTRL);
	pci_cfg_write32(d, cap + 4, MSI_ADDR_X86 | (uint32_t)dest << 12);
	if (ctrl & MSI_CTRL_64BIT) {
		pci_cfg_write32(d, cap + 8, 0);
		pci_cfg_write16(d, cap + 12, vector);
	} else {
		pci_cfg_write16(d, cap + 8, vector);
	}
	/* Multiple Message Enable 0: one vector. */
	pci_cfg_write16(d, cap + MSI_CTRL, (uint16_t)((ctrl & ~MSI_CTRL_MME) | MSI_CTRL_ENABLE));
	intx_disable(d, true);
	return 0;
}
