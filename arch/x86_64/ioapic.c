/*
 * arch/x86_64/ioapic.c: the I/O APICs the MADT lists (82093AA datasheet,
 * ACPI 6.5 5.2.12.3), each owning the GSIs from its base up to its number
 * of redirection entries.
 *
 * Promises: after ioapic_init every pin is masked; ioapic_route programs
 * one fixed-delivery, physical-destination entry and unmasks it;
 * ioapic_route_nmi_all one that delivers an NMI to every CPU. Register
 * access is an index/data pair (IOREGSEL at +0x00, IOWIN at +0x10), so
 * every access holds ioapic_lock: two CPUs interleaving would corrupt both.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/apic_priv.h"
#include "arch/x86_64/arch_log.h"
#include "arch/x86_64/spinlock.h"

#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_REDTBL 0x10         /* entry n: low dword 0x10 + 2n, high 0x11 + 2n */

/* Redirection entry, low dword (82093AA 3.2.4). */
#define RTE_DELIVERY_NMI (4u << 8)
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)

#define IOAPIC_DEFAULT_ADDR 0xfec00000u

struct ioapic {
	volatile uint32_t *mmio;
	uint32_t gsi_base;
	unsigned pins;                     /* redirection entries */
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned nioapics;
static struct arch_spinlock ioapic_lock = ARCH_SPINLOCK_INIT;

static uint32_t ioapic_read(const struct ioapic *io, uint32_t reg)
{
	io->mmio[0] = reg;
	return io->mmio[4];
}

static void ioapic_write(const struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->mmio[0] = reg;
	io->mmio[4] = v;
}

static struct ioapic *ioapic_for(uint32_t gsi, unsigned *pin)
{
	for (unsigned i = 0; i < nioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return 0;
}

static void ioapic_add(uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	struct ioapic *io = &ioapics[nioapics];
	io->mmio = (volatile uint32_t *)(uintptr_t)addr;
	uint32_t ver = ioapic_read(io, IOAPIC_REG_VER);
	if (ver == 0xffffffffu) {
		arch_warn("ioapic", "id %u at %#x does not answer; ignored", id, addr);
		return;
	}
	io->gsi_base = gsi_base;
	io->pins = ((ver >> 16) & 0xff) + 1;   /* 3.2.2: maximum redirection entry, 0-based */
	for (unsigned pin = 0; pin < io->pins; pin++) {
		ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin + 1, 0);
		ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin, RTE_MASKED);
	}
	nioapics++;
	arch_log("ioapic", "id %u at %#x, version %#x, %u pins: GSI %u-%u, all masked", id, addr, ver & 0xff, io->pins,
	         gsi_base, gsi_base + io->pins - 1);
}

void ioapic_init(void)
{
	for (unsigned i = 0; i < acpi_info.nioapics; i++) {
		const struct acpi_ioapic *a = &acpi_info.ioapic[i];
		ioapic_add(a->id, a->addr, a->gsi_base);
	}
	if (!acpi_info.have_madt && !nioapics)
		ioapic_add(0, IOAPIC_DEFAULT_ADDR, 0);   /* no MADT: try the PC's fixed address */
	if (!nioapics)
		arch_warn("ioapic", "none found; device interrupts need MSI");
}

int ioapic_route(uint32_t gsi, uint8_t vector, unsigned flags, uint8_t dest)
{
	if (vector < 0x10)
		return -EINVAL;     /* 3.2.4: vectors 0x00-0x0f are illegal */
	unsigned pin;
	struct ioapic *io = ioapic_for(gsi, &pin);
	if (!io)
		return -ENODEV;
	uint32_t lo = vector;   /* fixed delivery, physical destination mode */
	if (flags & IOAPIC_LEVEL)
		lo |= RTE_LEVEL;
	if (flags & IOAPIC_ACTIVE_LOW)
		lo |= RTE_ACTIVE_LOW;
	uint64_t f = arch_spin_lock_irqsave(&ioapic_lock);
	/* Destination first, so the entry is never live with a stale target. */
	ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin + 1, (uint32_t)dest << 24);
	ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin, lo);
	arch_spin_unlock_irqrestore(&ioapic_lock, f);
	return 0;
}

int ioapic_route_nmi_all(uint32_t gsi)
{
	unsigned pin;
	struct ioapic *io = ioapic_for(gsi, &pin);
	if (!io)
		return -ENODEV;
	/* 3.2.4: NMI delivery ignores the vector and must be edge-triggered;
	 * physical destination 0xff is the xAPIC broadcast (SDM 10.6.2.1). */
	uint64_t f = arch_spin_lock_irqsave(&ioapic_lock);
	ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin + 1, 0xffu << 24);
	ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin, RTE_DELIVERY_NMI);
	arch_spin_unlock_irqrestore(&ioapic_lock, f);
	return 0;
}

void ioapic_mask(uint32_t gsi, bool masked)
{
	unsigned pin;
	struct ioapic *io = ioapic_for(gsi, &pin);
	if (!io)
		return;
	uint64_t f = arch_spin_lock_irqsave(&ioapic_lock);
	uint32_t lo = ioapic_read(io, IOAPIC_REG_REDTBL + 2 * pin);
	ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin, masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
	arch_spin_unlock_irqrestore(&ioapic_lock, f);
}

void ioapic_set_isa_gsi(unsigned irq, uint32_t gsi)
{
	if (irq < 16)
		acpi_info.isa_gsi[irq] = gsi;
}

uint32_t ioapic_isa_gsi(unsigned irq, unsigned *flags)
{
	*flags = 0;
	if (irq >= 16)
		return irq;
	/* ACPI 6.5 table 5.50: "conforms to the bus" means ISA's edge, active high. */
	uint16_t inti = acpi_info.isa_flags[irq];
	if ((inti & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_ACTIVE_LOW)
		*flags |= IOAPIC_ACTIVE_LOW;
	if ((inti & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_LEVEL)
		*flags |= IOAPIC_LEVEL;
	return acpi_info.isa_gsi[irq];
}
