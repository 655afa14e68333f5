/*
 * siphash.c: SipHash-2-4, as specified in "SipHash: a fast short-input
 * PRF" (Aumasson, Bernstein, 2012): 2 compression rounds per 8-byte word,
 * 4 finalization rounds, little-endian words, the length in the top byte
 * of the last word. Checked against the paper's test vector in
 * tests/unit/net/tcp_pcb_test.c.
 */
#include "siphash.h"

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

static void sip_word(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

static uint64_t get_le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t siphash24(const struct siphash_key *key, const void *msg,
		   size_t len)
{
	const uint8_t *p = msg;
	struct sip_state s;
	size_t left = len;

	s.v0 = key->k0 ^ 0x736f6d6570736575ull;
	s.v1 = key->k1 ^ 0x646f72616e646f6dull;
	s.v2 = key->k0 ^ 0x6c7967656e657261ull;
	s.v3 = key->k1 ^ 0x7465646279746573ull;
	for (; left >= 8; left -= 8, p += 8)
		sip_word(&s, get_le64(p, 8));
	sip_word(&s, get_le64(p, left) | ((uint64_t)(len & 0xff) << 56));
	s.v2 ^= 0xff;
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
