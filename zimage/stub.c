/*
 * zimage/stub.c: the stub's one C function (32-bit, run by zimage/stub.S
 * before anything is set up): decode the kernel from zi_blob to its link
 * address and check it. Returns NULL when the kernel may be entered, or
 * the line to print on COM1 before halting.
 */
#include "zimage/unpack.h"

extern const uint8_t zi_blob[];   /* zimage/stub.S: header + LZ4 block */
extern uint8_t zi_kernel_load[];  /* the kernel's first loadable byte (1 MiB); stub.ld */
extern uint8_t zi_kernel_end[];   /* past its .bss: the stub and the block start above */

const char *zi_unpack(void);

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const char *zi_unpack(void)
{
	if (get_le32(zi_blob) != ZI_MAGIC)
		return "skiff zimage: no compressed kernel in this image; halted\r\n";
	uint32_t raw = get_le32(zi_blob + 4), packed = get_le32(zi_blob + 8), sum = get_le32(zi_blob + 12);
	/* A damaged length must not let the decoder write over this stub and its block. */
	if (raw > (uint32_t)(zi_kernel_end - zi_kernel_load))
		return "skiff zimage: the kernel's length in the header exceeds its range; halted\r\n";
	if (zi_lz4_decode(zi_blob + ZI_HDR_BYTES, packed, zi_kernel_load, raw) < 0)
		return "skiff zimage: the compressed kernel is corrupt (LZ4 block does not decode); halted\r\n";
	if (zi_adler32(zi_kernel_load, raw) != sum)
		return "skiff zimage: the kernel fails its checksum (Adler-32) after decompression; halted\r\n";
	return 0;
}
