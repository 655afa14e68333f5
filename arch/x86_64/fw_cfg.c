/*
 * arch/x86_64/fw_cfg.c: fw_cfg over I/O ports (QEMU docs/specs/fw_cfg.rst).
 * Selector 0x0000 reads the signature "QEMU"; selector 0x0019 the file
 * directory: a big-endian u32 count, then 64-byte entries {be32 size,
 * be16 select, u16 reserved, char name[56]}.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/fw_cfg.h"
#include "arch/x86_64/io.h"

#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019

static void fw_read(void *buf, size_t n)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < n; i++)
		p[i] = inb(FW_CFG_DATA);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

long fw_cfg_read_file(const char *name, char *buf, size_t size)
{
	char sig[4];
	outw(FW_CFG_SEL, FW_CFG_SIGNATURE);
	fw_read(sig, 4);
	if (memcmp(sig, "QEMU", 4))
		return -ENODEV;
	uint8_t cnt[4];
	outw(FW_CFG_SEL, FW_CFG_FILE_DIR);
	fw_read(cnt, 4);
	uint32_t n = be32(cnt);
	for (uint32_t i = 0; i < n && i < 4096; i++) {
		uint8_t e[64];
		fw_read(e, sizeof(e));
		if (strncmp((const char *)e + 8, name, 56))
			continue;
		uint32_t len = be32(e);
		uint16_t sel = (uint16_t)(e[4] << 8 | e[5]);
		outw(FW_CFG_SEL, sel);
		size_t take = len < size - 1 ? len : size - 1;
		fw_read(buf, take);
		buf[take] = 0;
		return (long)len;
	}
	return -ENOENT;
}
