/*
 * tests/unit/pci/fake_conf.h: a fake PCI configuration space behind
 * pci_conf_read/pci_conf_write. Functions are added with fake_fn_add; BARs
 * answer the all-ones sizing write with their size mask, like hardware.
 * The fake records violations a real device would punish: sizing a BAR
 * while its decoding is enabled, or leaving a BAR not restored.
 */
#ifndef TESTS_UNIT_PCI_FAKE_CONF_H
#define TESTS_UNIT_PCI_FAKE_CONF_H

#include <stdbool.h>
#include <stdint.h>

struct fake_fn {
	uint8_t bus, dev, fn;
	uint8_t cfg[256];
	uint32_t bar_size[6];      /* 0: not implemented; for a 64-bit BAR, set both slots (lo, hi of mask) */
	uint32_t bar_hi_mask[6];   /* upper-half slots of 64-bit BARs: the mask they read back */
	bool bar_is_hi[6];
};

void fake_conf_reset(void);
struct fake_fn *fake_fn_add(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t vendor, uint16_t device, uint32_t class_rev,
			    uint8_t header_type);
void fake_put8(struct fake_fn *f, uint8_t off, uint8_t v);
void fake_put16(struct fake_fn *f, uint8_t off, uint16_t v);
void fake_put32(struct fake_fn *f, uint8_t off, uint32_t v);
uint32_t fake_get32(const struct fake_fn *f, uint8_t off);
uint16_t fake_get16(const struct fake_fn *f, uint8_t off);

extern unsigned fake_sized_while_decoding;   /* all-ones BAR writes with I/O or memory decode on */
extern unsigned fake_reads;

#endif
