/*
 * drivers/ne2000/ne2k_regs.h: the DP8390 register map as an NE2000 clone
 * (RTL8029, QEMU's ne2k_pci) exposes it in its 32-port I/O BAR.
 *
 * Names and bits follow the National DP8390D/NS32490D datasheet (July 1995),
 * 10.0 "Internal Registers": ports 0x00-0x0f are the 8390's register pages
 * selected by CR.PS1/PS0; 0x10 is the NE2000 data port through which the
 * remote DMA channel moves bytes to and from the card's buffer memory; a
 * read of 0x1f pulses the NE2000 reset.
 */
#ifndef DRIVERS_NE2000_NE2K_REGS_H
#define DRIVERS_NE2000_NE2K_REGS_H

/* All pages. */
#define NE2K_CR		0x00	/* command register */

/* Page 0, write. */
#define NE2K_PSTART	0x01	/* receive ring start page */
#define NE2K_PSTOP	0x02	/* receive ring stop page (one past the end) */
#define NE2K_BNRY	0x03	/* boundary: last ring page the host has read (R/W) */
#define NE2K_TPSR	0x04	/* transmit page start */
#define NE2K_TBCR0	0x05	/* transmit byte count, low */
#define NE2K_TBCR1	0x06	/* transmit byte count, high */
#define NE2K_ISR	0x07	/* interrupt status (R/W, write 1 to clear) */
#define NE2K_RSAR0	0x08	/* remote start address, low */
#define NE2K_RSAR1	0x09	/* remote start address, high */
#define NE2K_RBCR0	0x0a	/* remote byte count, low */
#define NE2K_RBCR1	0x0b	/* remote byte count, high */
#define NE2K_RCR	0x0c	/* receive configuration */
#define NE2K_TCR	0x0d	/* transmit configuration */
#define NE2K_DCR	0x0e	/* data configuration */
#define NE2K_IMR	0x0f	/* interrupt mask */

/* Page 0, read. */
#define NE2K_TSR	0x04	/* transmit status */
#define NE2K_CNTR0	0x0d	/* frame alignment error tally (clears on read) */
#define NE2K_CNTR1	0x0e	/* CRC error tally */
#define NE2K_CNTR2	0x0f	/* missed packet tally */

/* Page 1. */
#define NE2K_PAR0	0x01	/* physical address, 6 registers */
#define NE2K_CURR	0x07	/* current page: where the next frame will be written */
#define NE2K_MAR0	0x08	/* multicast hash filter, 8 registers */

/* NE2000 ASIC ports. */
#define NE2K_DATA	0x10	/* remote DMA data port (16-bit in word mode) */
#define NE2K_RESET	0x1f	/* read to reset the card */

/* CR bits (10.0, Command Register). */
#define NE2K_CR_STP	0x01	/* stop: software reset */
#define NE2K_CR_STA	0x02	/* start */
#define NE2K_CR_TXP	0x04	/* transmit packet; clears itself when done */
#define NE2K_CR_RREAD	0x08	/* remote DMA read */
#define NE2K_CR_RWRITE	0x10	/* remote DMA write */
#define NE2K_CR_NODMA	0x20	/* abort/complete remote DMA */
#define NE2K_CR_PAGE0	0x00
#define NE2K_CR_PAGE1	0x40

/* ISR / IMR bits (10.0, Interrupt Status Register). */
#define NE2K_ISR_PRX	0x01	/* packet received */
#define NE2K_ISR_PTX	0x02	/* packet transmitted */
#define NE2K_ISR_RXE	0x04	/* receive error */
#define NE2K_ISR_TXE	0x08	/* transmit error (16 collisions, FIFO underrun) */
#define NE2K_ISR_OVW	0x10	/* receive ring overwrite warning */
#define NE2K_ISR_CNT	0x20	/* a tally counter's MSB is set */
#define NE2K_ISR_RDC	0x40	/* remote DMA complete */
#define NE2K_ISR_RST	0x80	/* reset state (not an interrupt) */

/* DCR (10.0, Data Configuration Register). */
#define NE2K_DCR_WTS	0x01	/* word-wide remote DMA */
#define NE2K_DCR_LS	0x08	/* loopback select: 1 = normal operation */
#define NE2K_DCR_FT1	0x40	/* FIFO threshold 8 bytes (4 words) */

/* RCR (10.0, Receive Configuration Register). */
#define NE2K_RCR_AB	0x04	/* accept broadcast */
#define NE2K_RCR_AM	0x08	/* accept multicast through MAR */
#define NE2K_RCR_MON	0x20	/* monitor mode: check addresses, buffer nothing */

/* TCR (10.0, Transmit Configuration Register). */
#define NE2K_TCR_NORMAL	0x00
#define NE2K_TCR_LOOP1	0x02	/* internal loopback (mode 1) */

/* Receive status byte of the ring header (10.0, Receive Status Register). */
#define NE2K_RSR_PRX	0x01	/* received intact */

/* TSR bits. */
#define NE2K_TSR_PTX	0x01	/* transmitted without error */

#define NE2K_PAGE_SIZE	256	/* the ring's unit (6.0, "Receive Buffer Ring") */

#endif
