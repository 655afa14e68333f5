/*
 * tools/zpack/zpack.c IN OUT: compress the loadable bytes of a kernel (IN, from
 * objcopy -O binary) for the self-extracting image (zimage/stub.S).
 * OUT is a 16-byte header (zimage/unpack.h: magic "SKZ1", the raw length,
 * the compressed length and the Adler-32 of the raw bytes, RFC 1950 8.2,
 * little-endian) and one LZ4 block (lz4_Block_format.md, see
 * zimage/unpack.c). Deterministic: the same input gives the same bytes.
 *
 * Why LZ4: its decoder is 40 lines of byte copies with no tables, easy to
 * bound-check and to run in a 32-bit stub before anything is set up; the
 * kernel compresses to well under issue 10's 150 KiB with it. DEFLATE
 * would save ~15 % more but needs Huffman tables and a decoder several
 * times the size and risk.
 *
 * The compressor is tools/zpack/lz4pack.c.
 * The block is decoded again with zimage/unpack.c before it is written: a
 * compressor bug fails the build, not the boot.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/zpack/lz4pack.h"
#include "zimage/unpack.h"

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	uint8_t *b = malloc(cap);
	while (b) {
		n += fread(b + n, 1, cap - n, f);
		if (n < cap)
			break;
		uint8_t *nb = realloc(b, cap *= 2);
		if (!nb)
			free(b);
		b = nb;
	}
	if (ferror(f)) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = n;
	return b;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: zpack IN OUT\n");
		return 2;
	}
	size_t n;
	uint8_t *in = read_all(argv[1], &n);
	if (!in) {
		fprintf(stderr, "zpack: cannot read %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	uint8_t *out = malloc(ZI_HDR_BYTES + lz4pack_bound(n));
	uint8_t *check = malloc(n + 1);
	size_t c = out && check ? lz4pack(in, n, out + ZI_HDR_BYTES) : 0;
	if (!c) {
		fprintf(stderr, "zpack: out of memory compressing %s\n", argv[1]);
		return 1;
	}
	if (zi_lz4_decode(out + ZI_HDR_BYTES, c, check, n) < 0 || memcmp(check, in, n)) {
		fprintf(stderr, "zpack: %s does not decode back to its input (compressor bug)\n", argv[1]);
		return 1;
	}
	put_le32(out, ZI_MAGIC);
	put_le32(out + 4, (uint32_t)n);
	put_le32(out + 8, (uint32_t)c);
	put_le32(out + 12, zi_adler32(in, n));
	FILE *f = fopen(argv[2], "wb");
	if (!f || fwrite(out, 1, ZI_HDR_BYTES + c, f) != ZI_HDR_BYTES + c || fclose(f)) {
		fprintf(stderr, "zpack: cannot write %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	free(in);
	free(out);
	free(check);
	return 0;
}
