/*
 * bench/csum/csum_bench.c (make bench-csum): host micro-benchmark of the
 * Internet checksum, net/checksum.c's csum_partial() ("after") against the
 * byte-at-a-time loop it replaced ("before", copied below).
 *
 * Promises: prints one table row per buffer size (64 B, 1500 B, 64 KiB,
 * plus 1500 B starting at an odd address) with ns per call and GB/s for
 * both and the speed-up before/after; exits 1 if the two ever disagree
 * after csum_fold(). Each figure is the best of 61 timed rounds of about
 * 2 ms, before and after alternating: short rounds mostly fit between the
 * preemptions of a shared machine, and the best of many finds quiet ones.
 *
 * Built with -O2 -mgeneral-regs-only, like the kernel (which builds net/
 * without SSE): both loops are measured as the kernel runs them, with no
 * vector code. All arithmetic here is integer for the same reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checksum.h"

#define ROUNDS 61
#define ROUND_NS 2000000ull	/* aim each round at about 2 ms */

/* The loop net/checksum.c had before (RFC 1071 4.1, one word per step). */
__attribute__((noinline))
static uint32_t csum_partial_before(const void *buf, size_t len, uint32_t sum)
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
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

typedef uint32_t (*csum_fn)(const void *, size_t, uint32_t);

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Calls fn iters times on buf; returns the elapsed ns. */
static uint64_t time_calls(csum_fn fn, const uint8_t *buf, size_t len,
			   uint64_t iters, uint32_t *sink)
{
	uint64_t t0 = now_ns(), i;
	uint32_t s = 0;

	for (i = 0; i < iters; i++) {
		s += fn(buf, len, (uint32_t)i);
		/* The buffer "may have changed": no call is hoisted or merged. */
		__asm__ volatile("" ::: "memory");
	}
	*sink += s;
	return now_ns() - t0;
}

/* Iterations that make one round of fn on buf take about ROUND_NS. */
static uint64_t calibrate(csum_fn fn, const uint8_t *buf, size_t len,
			  uint32_t *sink)
{
	uint64_t iters = 1;

	while (time_calls(fn, buf, len, iters, sink) < ROUND_NS / 8)
		iters *= 2;
	return iters * 8;
}

/*
 * Best ns per call of before and after, in hundredths of a ns. Rounds
 * alternate between the two so that a burst of load elsewhere on the
 * machine hits both alike.
 */
static void best_cns(const uint8_t *buf, size_t len, uint32_t *sink,
		     uint64_t *before, uint64_t *after)
{
	uint64_t ib = calibrate(csum_partial_before, buf, len, sink);
	uint64_t ia = calibrate(csum_partial, buf, len, sink);
	int r;

	*before = *after = UINT64_MAX;
	for (r = 0; r < ROUNDS; r++) {
		uint64_t b = time_calls(csum_partial_before, buf, len, ib, sink);
		uint64_t a = time_calls(csum_partial, buf, len, ia, sink);

		if (b * 100 / ib < *before)
			*before = b * 100 / ib;
		if (a * 100 / ia < *after)
			*after = a * 100 / ia;
	}
	if (!*before)
		*before = 1;
	if (!*after)
		*after = 1;
}

/* Hundredths printed as a decimal. */
static void put_fixed(char *out, size_t n, uint64_t hundredths)
{
	snprintf(out, n, "%llu.%02llu", (unsigned long long)(hundredths / 100),
		 (unsigned long long)(hundredths % 100));
}

static int row(const char *label, const uint8_t *buf, size_t len,
	       uint32_t *sink)
{
	uint64_t before, after;
	char bns[32], bgb[32], ans[32], agb[32], up[32];

	if (csum_fold(csum_partial(buf, len, 0x1234)) !=
	    csum_fold(csum_partial_before(buf, len, 0x1234))) {
		fprintf(stderr, "csum_bench: %s: before and after disagree\n",
			label);
		return 1;
	}
	best_cns(buf, len, sink, &before, &after);
	/* bytes per ns is GB/s; in hundredths: len * 100 * 100 / cns. */
	put_fixed(bns, sizeof(bns), before);
	put_fixed(bgb, sizeof(bgb), (uint64_t)len * 10000 / before);
	put_fixed(ans, sizeof(ans), after);
	put_fixed(agb, sizeof(agb), (uint64_t)len * 10000 / after);
	put_fixed(up, sizeof(up), before * 100 / after);
	printf("%-16s %12s %10s %12s %10s %8sx\n", label, bns, bgb, ans, agb, up);
	return 0;
}

int main(void)
{
	static uint8_t buf[65536 + 8] __attribute__((aligned(64)));
	uint32_t sink = 0, x = 2463534242u;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(buf); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	printf("%-16s %12s %10s %12s %10s %9s\n", "buffer", "before ns",
	       "GB/s", "after ns", "GB/s", "speed-up");
	bad |= row("64 B", buf, 64, &sink);
	bad |= row("1500 B", buf, 1500, &sink);
	bad |= row("64 KiB", buf, 65536, &sink);
	bad |= row("1500 B, odd addr", buf + 1, 1500, &sink);
	/* Keep the sums alive without printing them. */
	if (sink == 0x5a5a5a5a)
		printf("\n");
	return bad;
}
