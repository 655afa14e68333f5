/*
 * tools/zpack/lz4pack.h: the LZ4 block compressor of tools/zpack (host).
 */
#ifndef ZPACK_LZ4PACK_H
#define ZPACK_LZ4PACK_H

#include <stddef.h>
#include <stdint.h>

/* Bytes out must have room for, for any input of n bytes. */
size_t lz4pack_bound(size_t n);

/* One LZ4 block of (in, n) into out; its length, or 0 when memory runs out (n > 0 gives >= 1). */
size_t lz4pack(const uint8_t *in, size_t n, uint8_t *out);

#endif
