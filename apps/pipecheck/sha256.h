/*
 * apps/pipecheck/sha256.h: SHA-256 (FIPS 180-4), so the guest can name
 * the bytes it read through the pipes with the digest sha256sum prints
 * on the host.
 */
#ifndef APPS_PIPECHECK_SHA256_H
#define APPS_PIPECHECK_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;              /* bytes hashed */
	uint8_t buf[64];
	size_t used;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
/* The digest as 64 lower-case hex digits and a NUL. */
void sha256_hex(struct sha256 *c, char out[65]);

#endif
