/*
 * tests/unit/pci/fake_conf.c: see fake_conf.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "drivers/pci/pci_priv.h"
#include "fake_conf.h"

#define MAX_FNS 96

static struct fake_fn fns[MAX_FNS];
static unsigned nfns;
unsigned fake_sized_while_decoding;
unsigned fake_reads;

void fake_conf_reset(void)
{
	memset(fns, 0, sizeof(fns));
	nfns = 0;
	fake_sized_while_decoding = 0;
	fake_reads = 0;
}

void fake_put8(struct fake_fn *f, uint8_t off, uint8_t v) { f->cfg[off] = v; }
void fake_put16(struct fake_fn *f, uint8_t off, uint16_t v) { fake_put8(f, off, (uint8_t)v); fake_put8(f, off + 1, (uint8_t)(v >> 8)); }
void fake_put32(struct fake_fn *f, uint8_t off, uint32_t v) { fake_put16(f, off, (uint16_t)v); fake_put16(f, off + 2, (uint16_t)(v >> 16)); }
uint16_t fake_get16(const struct fake_fn *f, uint8_t off) { return (uint16_t)(f->cfg[off] | f->cfg[off + 1] << 8); }
uint32_t fake_get32(const struct fake_fn *f, uint8_t off) { return fake_get16(f, off) | (uint32_t)fake_get16(f, off + 2) << 16; }

struct fake_fn *fake_fn_add(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t vendor, uint16_t device, uint32_t class_rev,
			    uint8_t header_type)
{
	struct fake_fn *f = &fns[nfns++];
	f->bus = bus;
	f->dev = dev;
	f->fn = fn;
	fake_put16(f, 0x00, vendor);
	fake_put16(f, 0x02, device);
	fake_put32(f, 0x08, class_rev);
	fake_put8(f, 0x0e, header_type);
	return f;
}

static struct fake_fn *lookup(uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (unsigned i = 0; i < nfns; i++)
		if (fns[i].bus == bus && fns[i].dev == dev && fns[i].fn == fn)
			return &fns[i];
	return NULL;
}

uint32_t pci_conf_read(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width)
{
	fake_reads++;
	struct fake_fn *f = lookup(bus, dev, fn);
	if (!f || off > 0xff)
		return 0xffffffffu >> (32 - 8 * width);
	uint32_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

/* A BAR keeps only the bits its size lets software set, plus its read-only type bits. */
static void bar_write(struct fake_fn *f, unsigned i, uint32_t v)
{
	uint8_t off = (uint8_t)(0x10 + 4 * i);
	uint32_t old = fake_get32(f, off);
	if (v == 0xffffffffu && (fake_get16(f, 0x04) & 3))
		fake_sized_while_decoding++;
	if (f->bar_is_hi[i]) {
		fake_put32(f, off, v & f->bar_hi_mask[i]);
		return;
	}
	if (!f->bar_size[i])
		return;                /* not implemented: hardwired 0 */
	uint32_t ro = old & ((old & 1) ? 0x3u : 0xfu);
	uint32_t mask = ~(f->bar_size[i] - 1) & ((old & 1) ? 0xfffcu : ~0xfu);   /* I/O: bits 31:16 hardwired 0 */
	fake_put32(f, off, (v & mask) | ro);
}

void pci_conf_write(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width, uint32_t v)
{
	struct fake_fn *f = lookup(bus, dev, fn);
	if (!f || off > 0xff)
		return;
	unsigned type = f->cfg[0x0e] & 0x7f;
	unsigned nbars = type == 0 ? 6 : type == 1 ? 2 : 0;
	if (width == 4 && off >= 0x10 && off < 0x10 + 4 * nbars) {
		bar_write(f, (off - 0x10) / 4, v);
		return;
	}
	for (unsigned i = 0; i < width; i++)
		f->cfg[off + i] = (uint8_t)(v >> (8 * i));
}
