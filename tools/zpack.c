/*
 * tools/zpack.c IN OUT: compress the loadable bytes of a kernel (IN, from
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
 * The parse is optimal for LZ4's byte costs (a forward shortest path, the
 * longest match at each position found through hash chains over the
 * 64 KiB window, each shorter length of it tried up to OPT_LEN_TRY), which
 * is what lz4 -12 does; it takes a few milliseconds on a kernel.
 * The block is decoded again with zimage/unpack.c before it is written: a
 * compressor bug fails the build, not the boot.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zimage/unpack.h"

#define MINMATCH 4
#define WINDOW 65535
#define HASH_BITS 16
#define CHAIN_DEPTH 512
#define NICE_LEN 2048       /* a match this long ends the chain search */
#define OPT_LEN_TRY 36      /* shorter lengths tried per position; longer: the longest only */
#define LAST_LITERALS 5     /* lz4_Block_format.md "End of block restrictions" */
#define MFLIMIT 12

struct zp_node {
	uint32_t price;   /* bytes to encode the input up to here */
	uint32_t from;    /* where the step that reached here started */
	uint32_t off;     /* its match offset, 0 for a literal */
	uint32_t litrun;  /* literals since the last match on this path */
};

static uint32_t hash4(const uint8_t *p)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Extension bytes a length field of n (after its nibble) needs. */
static uint32_t ext_bytes(size_t n)
{
	return n < 15 ? 0 : (uint32_t)((n - 15) / 255 + 1);
}

static void put_len(uint8_t **op, size_t n)
{
	uint8_t *o = *op;
	for (n -= 15; n >= 255; n -= 255)
		*o++ = 255;
	*o++ = (uint8_t)n;
	*op = o;
}

/* Emit one sequence: lit literals from src, then a match (mlen 0: none, the last sequence). */
static uint8_t *emit(uint8_t *o, const uint8_t *lits, size_t lit, size_t off, size_t mlen)
{
	uint8_t *token = o++;
	size_t m = mlen ? mlen - MINMATCH : 0;
	*token = (uint8_t)((lit < 15 ? lit : 15) << 4 | (m < 15 ? m : 15));
	if (lit >= 15)
		put_len(&o, lit);
	memcpy(o, lits, lit);
	o += lit;
	if (mlen) {
		*o++ = (uint8_t)off;
		*o++ = (uint8_t)(off >> 8);
		if (m >= 15)
			put_len(&o, m);
	}
	return o;
}

/*
 * zp_compress: LZ4 block of (in, n) into out (room for zp_bound(n)
 * bytes); returns its length, or 0 when memory runs out.
 */
static size_t zp_bound(size_t n)
{
	return n + n / 255 + 16;
}

static size_t zp_compress(const uint8_t *in, size_t n, uint8_t *out)
{
	int32_t *head = malloc(sizeof(int32_t) << HASH_BITS);
	int32_t *prev = malloc(sizeof(int32_t) * (n + 1));
	uint32_t *mlen = calloc(n + 1, sizeof(uint32_t));
	uint32_t *moff = calloc(n + 1, sizeof(uint32_t));
	struct zp_node *node = malloc(sizeof(*node) * (n + 1));
	size_t olen = 0;
	if (!head || !prev || !mlen || !moff || !node)
		goto out_free;

	/* The longest match at each position a match may start (MFLIMIT before the end). */
	memset(head, 0xff, sizeof(int32_t) << HASH_BITS);
	size_t last_start = n > MFLIMIT ? n - MFLIMIT : 0;   /* matches start below this */
	size_t match_end = n > LAST_LITERALS ? n - LAST_LITERALS : 0;
	for (size_t i = 0; i + MINMATCH <= n && i < last_start; i++) {
		uint32_t h = hash4(in + i);
		size_t best = 0, boff = 0, maxl = match_end - i;
		int depth = CHAIN_DEPTH;
		for (int32_t c = head[h]; c >= 0 && i - (size_t)c <= WINDOW && depth-- > 0; c = prev[c]) {
			if (in[c + best] != in[i + best] || memcmp(in + c, in + i, MINMATCH))
				continue;
			size_t l = MINMATCH;
			while (l < maxl && in[c + l] == in[i + l])
				l++;
			if (l > best) {
				best = l;
				boff = i - (size_t)c;
				if (l >= NICE_LEN || l == maxl)
					break;
			}
		}
		prev[i] = head[h];
		head[h] = (int32_t)i;
		if (best >= MINMATCH) {
			mlen[i] = (uint32_t)best;
			moff[i] = (uint32_t)boff;
		}
	}

	/* Forward shortest path over byte costs. */
	for (size_t i = 0; i <= n; i++)
		node[i] = (struct zp_node){ UINT32_MAX, 0, 0, 0 };
	node[0].price = 0;
	for (size_t i = 0; i < n; i++) {
		struct zp_node *c = &node[i];
		/* A literal: one byte, plus one more each time its run crosses a length field step. */
		uint32_t lr = c->litrun + 1;
		uint32_t p = c->price + 1 + (ext_bytes(lr) - ext_bytes(lr - 1));
		if (p < node[i + 1].price)
			node[i + 1] = (struct zp_node){ p, (uint32_t)i, 0, lr };
		/* A match: token, offset, length bytes (the literals before it share the token). */
		for (uint32_t l = MINMATCH; l <= mlen[i]; l++) {
			if (l > OPT_LEN_TRY && l < mlen[i])
				l = mlen[i];
			uint32_t q = c->price + 3 + ext_bytes(l - MINMATCH);
			if (q < node[i + l].price)
				node[i + l] = (struct zp_node){ q, (uint32_t)i, moff[i], 0 };
		}
	}

	/* Walk back from the end, turning the steps around, then emit. */
	size_t pos = n, nsteps = 0;
	uint32_t *steps = (uint32_t *)prev;   /* reused: step start positions, from the end */
	while (pos > 0) {
		steps[nsteps++] = (uint32_t)pos;
		pos = node[pos].from;
	}
	uint8_t *o = out;
	size_t lit_start = 0, at = 0;
	while (nsteps--) {
		size_t to = steps[nsteps];
		if (node[to].off) {
			o = emit(o, in + lit_start, at - lit_start, node[to].off, to - at);
			lit_start = to;
		}
		at = to;
	}
	o = emit(o, in + lit_start, n - lit_start, 0, 0);
	olen = (size_t)(o - out);
out_free:
	free(head);
	free(prev);
	free(mlen);
	free(moff);
	free(node);
	return olen;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#ifndef ZPACK_NO_MAIN
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
	uint8_t *out = malloc(ZI_HDR_BYTES + zp_bound(n));
	uint8_t *check = malloc(n + 1);
	size_t c = out && check ? zp_compress(in, n, out + ZI_HDR_BYTES) : 0;
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
#endif
