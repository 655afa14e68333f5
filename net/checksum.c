/*
 * checksum.c: the Internet checksum (RFC 1071) and its incremental update
 * (RFC 1624).
 *
 * csum_partial() reads the buffer eight bytes per load, as 32-bit words
 * added into 64-bit accumulators (RFC 1071 2(C), parallel summation; 2(D),
 * the carries out of bit 15 are deferred and folded once at the end). The
 * words are taken in host byte order; on a little-endian host the folded
 * 16-bit sum is then byte-swapped (RFC 1071 2(B), byte order
 * independence). After csum_fold() the result equals what summing
 * big-endian 16-bit words one at a time gives, on either endianness, for
 * every buffer, length, alignment and incoming sum.
 *
 * Loads go through memcpy, so any alignment is safe and no object is read
 * through a type it does not have. Word boundaries are counted from the
 * start of the buffer, not from its address, so an odd start needs no
 * special case; x86 loads unaligned words at nearly full speed. No SIMD:
 * the kernel builds net/ with -mgeneral-regs-only.
 *
 * csum_update16() and csum_update32() patch a stored checksum when a
 * 16-bit word or a 32-bit address of the covered data changes, using
 * RFC 1624 3 eqn. 3, HC' = ~(~HC + ~m + m'), which (unlike RFC 1141's
 * eqn. 2) never turns a checksum that recomputation gives as 0x0000 into
 * 0xffff.
 */
#include <stdbool.h>
#include <string.h>

#include "checksum.h"

/*
 * -ffreestanding turns plain memcpy into a call; the builtin keeps a
 * fixed-size copy an ordinary (possibly unaligned) load.
 */
#if defined(__GNUC__)
#define CSUM_MEMCPY __builtin_memcpy
#else
#define CSUM_MEMCPY memcpy
#endif

/*
 * Each 64-bit accumulator takes 32-bit words; a chunk of this many bytes
 * cannot carry any of them (or their total) out of bit 63, so longer
 * buffers are summed a chunk at a time and folded in between.
 */
#define CSUM_CHUNK ((size_t)1 << 20)	/* far below the 2^34-byte limit */

static bool csum_host_is_le(void)
{
	const uint16_t one = 1;
	uint8_t first;

	CSUM_MEMCPY(&first, &one, 1);
	return first == 1;
}

static uint64_t csum_load64(const uint8_t *p)
{
	uint64_t v;

	CSUM_MEMCPY(&v, p, sizeof(v));
	return v;
}

static uint32_t csum_load32(const uint8_t *p)
{
	uint32_t v;

	CSUM_MEMCPY(&v, p, sizeof(v));
	return v;
}

static uint16_t csum_load16(const uint8_t *p)
{
	uint16_t v;

	CSUM_MEMCPY(&v, p, sizeof(v));
	return v;
}

/*
 * RFC 1071 1, 2(D): fold with end-around carry, 64 bits down to 16. Each step
 * keeps the value modulo 0xffff (2^16 = 1 there) and keeps zero apart from
 * nonzero (lo + hi is 0 only when both are), so +0 stays +0 and a nonzero
 * sum that is a multiple of 0xffff ends as 0xffff, as the byte loop's does.
 */
static uint32_t csum_fold64(uint64_t x)
{
	x = (x & 0xffffffffu) + (x >> 32);	/* <= 0x1fffffffe */
	x = (x & 0xffffffffu) + (x >> 32);	/* <= 0xffffffff */
	x = (x & 0xffffu) + (x >> 16);	/* <= 0x1fffe */
	x = (x & 0xffffu) + (x >> 16);	/* <= 0xffff */
	return (uint32_t)x;
}

/*
 * The sum of buf's bytes taken as 32-bit host-order words (any alignment),
 * unfolded: at most 4 * (len / 16 + 1) * 0xffffffff, so len up to
 * CSUM_CHUNK stays far below 2^64.
 */
static uint64_t csum_words(const uint8_t *p, size_t len)
{
	uint64_t a = 0, b = 0, c = 0, d = 0;	/* four chains for the adder ports */

	for (; len >= 16; p += 16, len -= 16) {
		uint64_t v = csum_load64(p);
		uint64_t w = csum_load64(p + 8);

		a += (uint32_t)v;
		b += v >> 32;
		c += (uint32_t)w;
		d += w >> 32;
	}
	if (len >= 8) {
		uint64_t v = csum_load64(p);

		a += (uint32_t)v;
		b += v >> 32;
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		c += csum_load32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		d += csum_load16(p);
		p += 2;
		len -= 2;
	}
	if (len) {
		/* RFC 1071 1 [2]: pad the odd byte with a zero on the right. */
		const uint8_t pad[2] = {p[0], 0};

		d += csum_load16(pad);
	}
	return a + b + c + d;
}

/* Swap the bytes of each 16-bit half: times 2^8, modulo 0xffff. */
static uint32_t csum_swab16x2(uint32_t x)
{
	return ((x & 0x00ff00ffu) << 8) | ((x >> 8) & 0x00ff00ffu);
}

/* RFC 1071 4.1: sum adjacent octets as 16-bit integers, pad an odd tail. */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc;

	if (len <= CSUM_CHUNK) {
		acc = csum_words(p, len);
	} else {
		for (acc = 0; len; ) {
			size_t n = len < CSUM_CHUNK ? len : CSUM_CHUNK;

			acc += csum_fold64(csum_words(p, n));
			p += n;
			len -= n;
		}
	}
	/*
	 * RFC 1071 2(B): on a little-endian host the words were summed
	 * byte-swapped, and the swapped sum is the sum of swapped words: bring
	 * the incoming sum into that order, fold, and swap the result back.
	 */
	if (!csum_host_is_le())
		return csum_fold64(acc + sum);
	return csum_swab16x2(csum_fold64(acc + csum_swab16x2(sum)));
}

/* RFC 1071 4.1: fold the 32-bit sum to 16 bits, then complement. */
uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t inet_csum(const void *buf, size_t len)
{
	return csum_fold(csum_partial(buf, len, 0));
}

/* RFC 768 "Fields": the pseudo header is src, dst, zero, protocol, length. */
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint32_t sum = 0;

	sum += src >> 16;
	sum += src & 0xffffu;
	sum += dst >> 16;
	sum += dst & 0xffffu;
	sum += proto;
	sum += len;
	return sum;
}

/*
 * RFC 1624 3, eqn. 3: HC' = ~(~HC + ~m + m'). ~m is -m in ones' complement,
 * so this is C + m' complemented: the checksum recomputation would give.
 * The three terms are never all zero (~m and ~HC are both zero only if
 * m = 0xffff and the old sum C + m was +0, which cannot be), so the sum
 * folds to 1..0xffff and HC' is never 0xffff: it equals recomputation
 * unless everything the checksum covers is now zero, where recomputation
 * gives 0xffff and this gives 0x0000 (never for an IP header, whose
 * version field is nonzero; callers covering data that can be all zero
 * must recompute).
 */
uint16_t csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
	uint64_t acc = (uint16_t)~csum;

	acc += (uint16_t)~old_word;
	acc += new_word;
	return (uint16_t)~csum_fold64(acc);
}

/* RFC 1624 3, eqn. 3 for the two 16-bit halves of an address at once. */
uint16_t csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
	uint64_t acc = (uint16_t)~csum;

	acc += (uint16_t)~(old_val >> 16);
	acc += (uint16_t)~old_val;
	acc += new_val >> 16;
	acc += new_val & 0xffffu;
	return (uint16_t)~csum_fold64(acc);
}
