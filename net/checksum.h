/*
 * checksum.h: the Internet checksum (RFC 1071) used by IPv4, ICMP and UDP,
 * and its incremental update (RFC 1624).
 *
 * Promises: any length and any alignment; odd lengths are padded with a zero
 * byte as RFC 1071 1 says (its sum [2]); partial sums can be chained across buffers
 * (only the last buffer may have odd length) and folded once at the end.
 * A partial sum is a ones' complement value: only csum_fold() of it is
 * defined, and that is the same as summing the big-endian 16-bit words one
 * at a time would give, for every input.
 */
#ifndef NET_CHECKSUM_H
#define NET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Add the 16-bit big-endian words of buf to sum. Returns the sum folded to
 * at most 0xffff (0 only when sum and every byte are 0), so a caller may add
 * a few such sums in 32 bits before folding.
 */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);

/* Fold a partial sum to 16 bits and return its ones' complement. */
uint16_t csum_fold(uint32_t sum);

/* csum_fold(csum_partial(buf, len, 0)): 0 when a received header is valid. */
uint16_t inet_csum(const void *buf, size_t len);

/* RFC 768 / RFC 9293 3.1 pseudo-header sum for UDP and TCP (host order addrs). */
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

/*
 * RFC 1624 3 (eqn. 3): the checksum field csum after the 16-bit word at an
 * even offset of the covered data changed from old_word to new_word (all in
 * host order, as get_be16() reads them; a byte field is updated through the
 * word holding it). Equals recomputing the checksum, except when all the
 * covered data is now zero: recomputation gives 0xffff, this 0x0000.
 */
uint16_t csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);

/* As csum_update16() for a 32-bit field at an even offset (an address). */
uint16_t csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

#endif /* NET_CHECKSUM_H */
