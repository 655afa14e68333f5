/*
 * zimage/unpack.c: the LZ4 block decoder and Adler-32 of the
 * self-extracting image (see zimage/unpack.h).
 *
 * LZ4 block format (github.com/lz4/lz4, doc/lz4_Block_format.md): a block
 * is a run of sequences. Each sequence is a token byte (high nibble: the
 * literal count, low nibble: the match length minus 4, MINMATCH), then, if
 * the literal nibble is 15, bytes added to it until one is below 255; the
 * literals; a 2-byte little-endian offset back into the output (1..65535;
 * 0 is invalid); then, if the match nibble is 15, length bytes as for the
 * literals. The last sequence has literals only and ends the block. A
 * match may overlap its own output (offset < length: a repeated pattern),
 * so it is copied byte by byte, front to back.
 *
 * Deviation: the format's end-of-block rules (last 5 bytes literals, last
 * match 12 bytes before the end) are there for decoders that copy in
 * words past the end; this one copies bytes with exact bounds and does not
 * check them (tools/zpack/zpack.c still keeps them, so its output is a valid
 * LZ4 block for any decoder).
 *
 * Adler-32: RFC 1950 section 8.2 (ZLIB), sums modulo 65521; the modulo is
 * taken every 5552 bytes, the most that cannot overflow 32 bits (the same
 * bound zlib uses).
 */
#include "zimage/unpack.h"

/* read_len: add the extension bytes of a nibble of 15; -1 if src runs out. */
static int read_len(const uint8_t **sp, const uint8_t *end, size_t *len)
{
	const uint8_t *s = *sp;
	uint8_t b;
	do {
		if (s >= end)
			return -1;
		b = *s++;
		*len += b;
	} while (b == 255);
	*sp = s;
	return 0;
}

int zi_lz4_decode(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen)
{
	const uint8_t *s = src, *send = src + srclen;
	size_t o = 0;

	for (;;) {
		if (s >= send)
			return -1;   /* a block ends with a literals-only sequence */
		uint8_t token = *s++;
		size_t lit = token >> 4;
		if (lit == 15 && read_len(&s, send, &lit) < 0)
			return -1;
		if (lit > (size_t)(send - s) || lit > dstlen - o)
			return -1;
		for (size_t i = 0; i < lit; i++)
			dst[o + i] = s[i];
		s += lit;
		o += lit;
		if (s == send)
			return o == dstlen ? 0 : -1;

		if (send - s < 2)
			return -1;
		size_t off = (size_t)s[0] | (size_t)s[1] << 8;
		s += 2;
		size_t mlen = token & 15;
		if (mlen == 15 && read_len(&s, send, &mlen) < 0)
			return -1;
		mlen += 4;
		if (off == 0 || off > o || mlen > dstlen - o)
			return -1;
		for (size_t i = 0; i < mlen; i++)
			dst[o + i] = dst[o + i - off];
		o += mlen;
	}
}

uint32_t zi_adler32(const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;
	while (n) {
		size_t k = n < 5552 ? n : 5552;
		n -= k;
		while (k--) {
			a += *p++;
			b += a;
		}
		a %= 65521;
		b %= 65521;
	}
	return b << 16 | a;
}
