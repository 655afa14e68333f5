/*
 * tools/zpack/lz4pack.c: an LZ4 block compressor (lz4_Block_format.md;
 * the decoder is zimage/unpack.c), deterministic.
 *
 * The parse is optimal for LZ4's byte costs: a forward shortest path over
 * the input, the longest match at each position found through hash chains
 * over the 64 KiB window, each shorter length of it tried up to
 * OPT_LEN_TRY (what lz4 -12 does). The block keeps the format's
 * end-of-block rules (the last 5 bytes literals, no match starting in the
 * last 12), so any LZ4 decoder reads it. Tens of milliseconds on a kernel.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/zpack/lz4pack.h"

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
	if (lit)
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

size_t lz4pack_bound(size_t n)
{
	return n + n / 255 + 16;
}

size_t lz4pack(const uint8_t *in, size_t n, uint8_t *out)
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
	size_t skip_to = 0;   /* inside a match of NICE_LEN or more: the DP takes it whole */
	for (size_t i = 0; i + MINMATCH <= n && i < last_start; i++) {
		uint32_t h = hash4(in + i);
		if (i < skip_to) {
			prev[i] = head[h];
			head[h] = (int32_t)i;
			continue;
		}
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
		if (best >= NICE_LEN)
			skip_to = i + best;
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

