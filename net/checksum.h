/*
 * checksum.h: the Internet checksum (RFC 1071) used by IPv4, ICMP and UDP.
 *
 * Promises: any length and any alignment; odd lengths are padded with a zero
 * byte as RFC 1071 2(1) says; partial sums can be chained across buffers
 * (only the last buffer may have odd length) and folded once at the end.
 */
#ifndef NET_CHECKSUM_H
#define NET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add the 16-bit big-endian words of buf to sum; returns the unfolded sum. */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);

/* Fold a partial sum to 16 bits and return its ones' complement. */
uint16_t csum_fold(uint32_t sum);

/* csum_fold(csum_partial(buf, len, 0)): 0 when a received header is valid. */
uint16_t inet_csum(const void *buf, size_t len);

/* RFC 768 / RFC 9293 3.1 pseudo-header sum for UDP and TCP (host order addrs). */
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

#endif /* NET_CHECKSUM_H */
