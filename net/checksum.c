/*
 * checksum.c: the Internet checksum, RFC 1071.
 *
 * Sums 16-bit big-endian words into a 32-bit accumulator and folds the
 * carries at the end (RFC 1071 2(B), deferred carries). Reading bytes
 * one at a time keeps it alignment- and endian-independent; a faster
 * word-at-a-time loop can replace it without changing callers.
 */
#include "checksum.h"

/* RFC 1071 4.1: sum adjacent octets as 16-bit integers, pad an odd tail. */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	while (len >= 2) {
		acc += (uint32_t)((p[0] << 8) | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)(p[0] << 8);
	/* Keep the result in 32 bits so callers can chain buffers. */
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
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
