/*
 * zimage/unpack.h: what the self-extracting image's stub needs to undo the
 * build's compression (tools/zpack/zpack.c): an LZ4 block decoder and Adler-32.
 * Freestanding C (stdint/stddef only): the same file runs in the 32-bit
 * stub (zimage/stub.S) and in the host tools and tests, so the decoder the
 * unit test checks is the one every boot goes through.
 */
#ifndef ZIMAGE_UNPACK_H
#define ZIMAGE_UNPACK_H

#include <stddef.h>
#include <stdint.h>

/* The header tools/zpack/zpack.c puts before the compressed bytes (little-endian u32s). */
#define ZI_MAGIC 0x315a4b53u   /* "SKZ1" */
#define ZI_HDR_BYTES 16        /* magic, raw_len, packed_len, adler32 */

/*
 * zi_lz4_decode: decode one LZ4 block (src, srclen) into dst, which must
 * receive exactly dstlen bytes. Every read and write is bounds-checked, so
 * a corrupted block returns an error, never runs off either buffer.
 * Returns 0, or -1 on a malformed block or a length other than dstlen.
 */
int zi_lz4_decode(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen);

/* Adler-32 of (p, n) (RFC 1950 8.2), starting from 1. */
uint32_t zi_adler32(const uint8_t *p, size_t n);

#endif
