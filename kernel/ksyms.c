/*
 * kernel/ksyms.c: address-to-function lookup over the compact table that
 * tools/gen-ksyms.sh emits (its header has the layout): a 32-bit anchor
 * address per block of KSYMS_BLOCK functions and a 16-bit offset from it
 * per function, so a lookup is a binary search over the anchors and one
 * within a block. The names are not in the image (issue 10's size budget:
 * they were 8 KiB of it); the kernel prints "@address" and the host puts
 * the name from build/APP.sym in its place (tools/symbolize.sh, run by
 * cloudit.sh on the serial output). Lock-free and read-only: safe in an
 * interrupt handler (the profiler's sample) and in a panic.
 */
#include <stddef.h>
#include <stdint.h>

#include "kernel/ksyms.h"
#include "lib/fmt.h"

#define KSYMS_BLOCK 32   /* symbols per anchor, as in tools/gen-ksyms.sh */

/* Weak: the first link pass has no table and sees zero symbols. */
extern const uint64_t ksyms_tab_n __attribute__((weak));
extern const uint32_t ksyms_tab_anchor[] __attribute__((weak));
extern const uint16_t ksyms_tab_off[] __attribute__((weak));

size_t ksyms_count(void)
{
	return &ksyms_tab_n ? (size_t)ksyms_tab_n : 0;
}

uint64_t ksyms_addr(size_t i)
{
	return (uint64_t)ksyms_tab_anchor[i / KSYMS_BLOCK] + ksyms_tab_off[i];
}

static uint64_t anchor_at(size_t block)
{
	return ksyms_tab_anchor[block];
}

/* In [lo, hi) with key(lo) <= want and key ascending: the last index whose key is <= want. */
static size_t last_at_or_below(size_t lo, size_t hi, uint64_t want, uint64_t (*key)(size_t))
{
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (key(mid) <= want)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

long ksyms_index(uint64_t addr)
{
	size_t n = ksyms_count();
	if (n == 0 || addr < ksyms_tab_anchor[0] || addr > UINT32_MAX)
		return -1;
	/* The last block whose anchor is <= addr, then its last symbol <= addr. */
	size_t block = last_at_or_below(0, (n + KSYMS_BLOCK - 1) / KSYMS_BLOCK, addr, anchor_at);
	size_t first = block * KSYMS_BLOCK;
	size_t end = first + KSYMS_BLOCK < n ? first + KSYMS_BLOCK : n;
	return (long)last_at_or_below(first, end, addr, ksyms_addr);
}

void ksyms_format(uint64_t addr, char *buf, size_t size)
{
	if (ksyms_index(addr) < 0) {
		fmt_snprintf(buf, size, "?");
		return;
	}
	fmt_snprintf(buf, size, "@%lx", (unsigned long)addr);
}
