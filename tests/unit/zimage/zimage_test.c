/*
 * tests/unit/zimage/zimage_test.c: the self-extracting image's format
 * (issue 10): tools/zpack/lz4pack.c's LZ4 blocks decode back to their
 * input through zimage/unpack.c, the decoder the boot stub runs, for the
 * edge cases (empty, one byte, incompressible, long runs, overlapping
 * copies, lengths on the 15/255 steps of the length fields) and for every
 * built kernel's loadable bytes (build/gen/APP/zimage/kernel.bin, when the
 * build made them); damaged blocks (truncated, bad offsets, wrong lengths,
 * random bytes) fail cleanly, never read or write outside their buffers
 * (AddressSanitizer watches). Adler-32 against RFC 1950's definition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/zpack/lz4pack.h"
#include "zimage/unpack.h"

/* Compress, check the block is no longer than the bound, decode into an exact-size buffer. */
static size_t roundtrip(const uint8_t *in, size_t n)
{
	uint8_t *z = malloc(lz4pack_bound(n));
	uint8_t *out = malloc(n + 1);
	assert_non_null(z);
	assert_non_null(out);
	size_t c = lz4pack(in, n, z);
	assert_true(c >= 1 && c <= lz4pack_bound(n));
	/* An exact-size heap copy: ASan catches a read past the block's end. */
	uint8_t *zc = malloc(c);
	memcpy(zc, z, c);
	uint8_t *exact = malloc(n ? n : 1);
	assert_int_equal(zi_lz4_decode(zc, c, exact, n), 0);
	assert_memory_equal(exact, in, n);
	/* One byte less of room or of block must fail, not overrun. */
	if (n > 0)
		assert_int_equal(zi_lz4_decode(zc, c, exact, n - 1), -1);
	assert_int_equal(zi_lz4_decode(zc, c - 1, exact, n), -1);
	/* More room than the block fills: the length must match exactly. */
	assert_int_equal(zi_lz4_decode(zc, c, out, n + 1), -1);
	free(z);
	free(zc);
	free(exact);
	free(out);
	return c;
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 16;
}

static void test_empty(void **state)
{
	(void)state;
	uint8_t dummy = 0;
	assert_int_equal(roundtrip(&dummy, 0), 1);   /* one token: no literals, no match */
	printf("PASS zimage: empty input is one token and decodes to nothing\n");
}

static void test_small(void **state)
{
	(void)state;
	const uint8_t *s = (const uint8_t *)"abcabcabcabcabcabcabcabcabc";
	for (size_t n = 1; n <= strlen((const char *)s); n++)
		roundtrip(s, n);
	printf("PASS zimage: inputs of 1..27 bytes (below and across the end-of-block limits)\n");
}

static void test_incompressible(void **state)
{
	(void)state;
	size_t n = 70000;
	uint8_t *b = malloc(n);
	uint32_t seed = 1;
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)lcg(&seed);
	size_t c = roundtrip(b, n);
	assert_true(c <= n + n / 255 + 16);
	printf("PASS zimage: 70000 random bytes -> %zu (literal runs past several 255-steps)\n", c);
	free(b);
}

static void test_long_runs(void **state)
{
	(void)state;
	size_t n = 300000;   /* past the 64 KiB window */
	uint8_t *b = calloc(n, 1);
	size_t c = roundtrip(b, n);
	assert_true(c < 2000);
	/* Overlapping copies: period 1, 2, 3 and 7 patterns (offset < length). */
	for (size_t period = 1; period <= 7; period++) {
		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)("xyzWQ!#"[i % period]);
		roundtrip(b, 5000);
	}
	printf("PASS zimage: 300000 zero bytes -> %zu; periodic patterns 1..7 (overlapping copies)\n", c);
	free(b);
}

/* Lengths around the nibble (15) and extension byte (255) steps. */
static void test_length_steps(void **state)
{
	(void)state;
	static const size_t lens[] = { 4, 17, 18, 19, 20, 33, 34, 272, 273, 274, 275, 529, 530, 4096 };
	uint8_t b[32768];
	uint32_t seed = 7;
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		for (size_t lit = 0; lit < 20; lit += 3) {
			/* lit random bytes, then a repeat of the first 64 for lens[k] bytes, then random. */
			size_t n = 0;
			for (size_t i = 0; i < 64 + lit; i++)
				b[n++] = (uint8_t)lcg(&seed);
			for (size_t i = 0; i < lens[k]; i++, n++)
				b[n] = b[i % 64];
			for (size_t i = 0; i < 20; i++)
				b[n++] = (uint8_t)lcg(&seed);
			roundtrip(b, n);
		}
	}
	printf("PASS zimage: match and literal lengths on the 15 and 255 steps of the length fields\n");
}

/* A hand-written block per failure: each must be rejected. */
static void test_malformed(void **state)
{
	(void)state;
	uint8_t out[64];
	/* 4 literals "abcd", then a match of 4 at offset 0 (invalid). */
	static const uint8_t off0[] = { 0x40, 'a', 'b', 'c', 'd', 0x00, 0x00, 0x10, 'e' };
	assert_int_equal(zi_lz4_decode(off0, sizeof(off0), out, 9), -1);
	/* Offset 5 reaches before the output's start (4 bytes written). */
	static const uint8_t off_far[] = { 0x40, 'a', 'b', 'c', 'd', 0x05, 0x00, 0x10, 'e' };
	assert_int_equal(zi_lz4_decode(off_far, sizeof(off_far), out, 9), -1);
	/* The same with offset 4: valid, 4 + 4 + 1 bytes. */
	static const uint8_t ok[] = { 0x40, 'a', 'b', 'c', 'd', 0x04, 0x00, 0x10, 'e' };
	assert_int_equal(zi_lz4_decode(ok, sizeof(ok), out, 9), 0);
	assert_memory_equal(out, "abcdabcde", 9);
	/* Literal count beyond the block; an extension run cut off; a match with no offset. */
	static const uint8_t lit_over[] = { 0x50, 'a', 'b' };
	assert_int_equal(zi_lz4_decode(lit_over, sizeof(lit_over), out, 5), -1);
	static const uint8_t ext_cut[] = { 0xf0, 0xff, 0xff };
	assert_int_equal(zi_lz4_decode(ext_cut, sizeof(ext_cut), out, sizeof(out)), -1);
	static const uint8_t no_off[] = { 0x10, 'a', 0x01 };
	assert_int_equal(zi_lz4_decode(no_off, sizeof(no_off), out, sizeof(out)), -1);
	/* A match longer than the room left; an empty block (no token). */
	static const uint8_t too_long[] = { 0x1f, 'a', 0x01, 0x00, 0x80, 0x00 };
	assert_int_equal(zi_lz4_decode(too_long, sizeof(too_long), out, sizeof(out)), -1);
	assert_int_equal(zi_lz4_decode(ok, 0, out, 0), -1);
	printf("PASS zimage: offset 0, offset before the start, overruns of block and output rejected\n");
}

/* Damage a real block at random: every result is a clean -1 or, rarely, a decode (caught by Adler-32). */
static void test_corrupted(void **state)
{
	(void)state;
	size_t n = 40000;
	uint8_t *b = malloc(n), *z = malloc(lz4pack_bound(n)), *out = malloc(n);
	uint32_t seed = 3;
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)("GET / HTTP/1.1\r\nHost: skiff\r\n"[lcg(&seed) % 29] + (i % 97 == 0));
	size_t c = lz4pack(b, n, z);
	uint32_t sum = zi_adler32(b, n);
	int rejected = 0, caught = 0;
	for (int t = 0; t < 2000; t++) {
		uint8_t *d = malloc(c);
		memcpy(d, z, c);
		for (int k = 0; k < 1 + t % 4; k++)
			d[lcg(&seed) % c] ^= (uint8_t)(1 + lcg(&seed) % 255);
		size_t dl = t % 5 == 0 ? lcg(&seed) % c : c;   /* truncated too, sometimes */
		if (zi_lz4_decode(d, dl, out, n) < 0)
			rejected++;
		else if (zi_adler32(out, n) != sum)
			caught++;
		else
			assert_memory_equal(out, b, n);   /* a flip in a way that changes nothing */
		free(d);
	}
	/* Random bytes as a block. */
	for (int t = 0; t < 500; t++) {
		uint8_t junk[256];
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)lcg(&seed);
		assert_true(zi_lz4_decode(junk, 1 + t % 256, out, 1 + lcg(&seed) % n) <= 0);
	}
	assert_true(rejected + caught > 1900);
	printf("PASS zimage: 2000 damaged blocks: %d rejected by the decoder, %d by Adler-32; 500 junk blocks\n",
	       rejected, caught);
	free(b);
	free(z);
	free(out);
}

static void test_adler32(void **state)
{
	(void)state;
	assert_int_equal(zi_adler32(NULL, 0), 1);
	assert_int_equal(zi_adler32((const uint8_t *)"Wikipedia", 9), 0x11e60398);
	/* Definition (RFC 1950 8.2: mod 65521 after every byte) on 1 MB of 0xff (the deferred modulo's worst case). */
	size_t n = 1 << 20;
	uint8_t *b = malloc(n);
	memset(b, 0xff, n);
	uint32_t a = 1, s = 0;
	for (size_t i = 0; i < n; i++) {
		a = (a + b[i]) % 65521;
		s = (s + a) % 65521;
	}
	assert_int_equal(zi_adler32(b, n), s << 16 | a);
	free(b);
	printf("PASS zimage: Adler-32 of \"\", \"Wikipedia\" and 1 MB of 0xff\n");
}

/* Every kernel the build compressed, if it did (make builds them before make unit in make test). */
static void test_kernels(void **state)
{
	(void)state;
	glob_t g;
	int k = 0;
	if (glob("build/gen/*/zimage/kernel.bin", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			FILE *f = fopen(g.gl_pathv[i], "rb");
			assert_non_null(f);
			static uint8_t buf[4 << 20];
			size_t n = fread(buf, 1, sizeof(buf), f);
			fclose(f);
			size_t c = roundtrip(buf, n);
			printf("PASS zimage: %s: %zu -> %zu bytes\n", g.gl_pathv[i], n, c);
			k++;
		}
		globfree(&g);
	}
	if (!k)
		printf("PASS zimage: no built kernels to round-trip (make first)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),          cmocka_unit_test(test_small),
		cmocka_unit_test(test_incompressible), cmocka_unit_test(test_long_runs),
		cmocka_unit_test(test_length_steps),   cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_corrupted),      cmocka_unit_test(test_adler32),
		cmocka_unit_test(test_kernels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
