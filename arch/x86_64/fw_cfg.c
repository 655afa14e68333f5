/*
 * arch/x86_64/fw_cfg.c: fw_cfg over I/O ports (QEMU docs/specs/fw_cfg.rst).
 * Selector 0x0000 reads the signature "QEMU"; selector 0x0001 the feature
 * bitmap (little-endian u32: bit 1, the DMA interface); selector 0x0019
 * the file directory: a big-endian u32 count, then 64-byte entries
 * {be32 size, be16 select, u16 reserved, char name[56]}.
 *
 * Reads go through the DMA interface where the device offers it (QEMU
 * 2.9 and later): one FWCfgDmaAccess {be32 control, be32 length, be64
 * address} whose physical address is written big-endian to ports
 * 0x514 (high half) and 0x518 (low half, which starts the transfer); on
 * x86 the transfer is done when that write returns, and control reads 0
 * (or has bit 0 set on error). Byte by byte through port 0x511 instead
 * costs an exit to QEMU per byte: the directory alone is about 1.3 KB, a
 * millisecond or more of every boot under TCG. The port interface stays
 * for a device without DMA; a DMA transfer that reports an error fails the
 * read (-EIO). Buffers must be identity-mapped (all kernel memory is:
 * arch/x86_64/boot.S maps the first 4 GiB one to one).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/fw_cfg.h"
#include "arch/x86_64/io.h"

#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_DMA_HI 0x514
#define FW_CFG_DMA_LO 0x518
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_FEATURE_DMA (1u << 1)
#define FW_CFG_DMA_ERROR 0x01u
#define FW_CFG_DMA_READ 0x02u
#define DIR_CHUNK 16                 /* directory entries per DMA transfer */

struct fw_cfg_dma {
	uint32_t control;            /* big-endian, as all three */
	uint32_t length;
	uint64_t address;
};

static bool use_dma;

static void port_read(void *buf, size_t n)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < n; i++)
		p[i] = inb(FW_CFG_DATA);
}

/* Reads n bytes from the selected item (at its current offset); true when done. */
static bool dma_read(void *buf, size_t n)
{
	volatile struct fw_cfg_dma d = {
		.control = __builtin_bswap32(FW_CFG_DMA_READ),
		.length = __builtin_bswap32((uint32_t)n),
		.address = __builtin_bswap64((uint64_t)(uintptr_t)buf),
	};
	uint64_t a = (uint64_t)(uintptr_t)&d;
	barrier();   /* the descriptor is in memory before the device is told where */
	outl(FW_CFG_DMA_HI, __builtin_bswap32((uint32_t)(a >> 32)));
	outl(FW_CFG_DMA_LO, __builtin_bswap32((uint32_t)a));
	barrier();   /* and buf and control are read only after the transfer */
	return d.control == 0;
}

/* n bytes of the selected item; false when a DMA transfer failed. */
static bool fw_read(void *buf, size_t n)
{
	if (use_dma)
		return dma_read(buf, n);
	port_read(buf, n);
	return true;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

long fw_cfg_read_file(const char *name, char *buf, size_t size)
{
	char sig[4];
	outw(FW_CFG_SEL, FW_CFG_SIGNATURE);
	port_read(sig, 4);
	if (memcmp(sig, "QEMU", 4))
		return -ENODEV;
	uint8_t id[4];
	outw(FW_CFG_SEL, FW_CFG_ID);
	port_read(id, 4);
	use_dma = id[0] & FW_CFG_FEATURE_DMA;
	uint8_t cnt[4];
	outw(FW_CFG_SEL, FW_CFG_FILE_DIR);
	if (!fw_read(cnt, 4))
		return -EIO;
	uint32_t n = be32(cnt);
	if (n > 4096)
		n = 4096;
	static uint8_t dir[DIR_CHUNK][64];   /* static: off the boot stack */
	for (uint32_t i = 0; i < n; i += DIR_CHUNK) {
		uint32_t take = n - i < DIR_CHUNK ? n - i : DIR_CHUNK;
		if (!fw_read(dir, take * 64))
			return -EIO;
		for (uint32_t j = 0; j < take; j++) {
			const uint8_t *e = dir[j];
			if (strncmp((const char *)e + 8, name, 56))
				continue;
			uint32_t len = be32(e);
			uint16_t sel = (uint16_t)(e[4] << 8 | e[5]);
			outw(FW_CFG_SEL, sel);
			size_t got = len < size - 1 ? len : size - 1;
			if (!fw_read(buf, got))
				return -EIO;
			buf[got] = 0;
			return (long)len;
		}
	}
	return -ENOENT;
}
