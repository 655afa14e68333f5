/*
 * siphash.h: SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed 64-bit
 * pseudo-random function, for the values an off-path attacker must not
 * predict: TCP initial sequence numbers (RFC 6528) and ephemeral port
 * offsets (RFC 6056).
 */
#ifndef NET_SIPHASH_H
#define NET_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t k0, k1;
};

uint64_t siphash24(const struct siphash_key *key, const void *msg,
		   size_t len);

#endif /* NET_SIPHASH_H */
