/*
 * kernel/ksyms.c: address-to-symbol lookup over the compact table that
 * tools/gen-ksyms.sh emits (its header has the layout): a 32-bit anchor
 * address per block of KSYMS_BLOCK symbols and a 16-bit offset from it per
 * symbol, so a lookup is a binary search over the anchors and one within a
 * block; names byte-pair encoded, decoded into the caller's buffer from
 * the start of their block. Lock-free and read-only: safe in an interrupt
 * handler (the profiler's sample: addresses only) and in a panic.
 */
#include <stddef.h>
#include <stdint.h>

#include "kernel/ksyms.h"
#include "lib/fmt.h"

#define KSYMS_BLOCK 32   /* symbols per anchor, as in tools/gen-ksyms.sh */
#define KSYMS_DEPTH 16   /* deepest token nesting, as in tools/gen-ksyms.sh */

/* Weak: the first link pass has no table and sees zero symbols. */
extern const uint64_t ksyms_tab_n __attribute__((weak));
extern const uint32_t ksyms_tab_anchor[] __attribute__((weak));
extern const uint16_t ksyms_tab_off[] __attribute__((weak));
extern const uint16_t ksyms_tab_block[] __attribute__((weak));
extern const uint8_t ksyms_tab_tok[] __attribute__((weak));
extern const uint8_t ksyms_tab_names[] __attribute__((weak));

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

void ksyms_name(size_t i, char *buf, size_t size)
{
	if (size == 0)
		return;
	const uint8_t *p = ksyms_tab_names + ksyms_tab_block[i / KSYMS_BLOCK];
	for (size_t k = i % KSYMS_BLOCK; k; k--)   /* skip the block's earlier names */
		while (*p++)
			;
	size_t len = 0;
	/* Each token pops one byte and pushes two: depth + 1 bytes at most. */
	uint8_t stack[KSYMS_DEPTH + 2];
	for (; *p; p++) {
		unsigned sp = 0;
		stack[sp++] = *p;
		while (sp) {
			uint8_t c = stack[--sp];
			if (c & 0x80) {
				if (sp + 2 > sizeof(stack))
					break;          /* deeper than the generator makes: a bad table */
				stack[sp++] = ksyms_tab_tok[2 * (c & 0x7f) + 1];
				stack[sp++] = ksyms_tab_tok[2 * (c & 0x7f)];
			} else if (len + 1 < size) {
				buf[len++] = (char)c;
			}
		}
	}
	buf[len] = '\0';
}

void ksyms_format(uint64_t addr, char *buf, size_t size)
{
	long i = ksyms_index(addr);
	if (i < 0) {
		fmt_snprintf(buf, size, "?");
		return;
	}
	char name[KSYMS_NAME_MAX];
	ksyms_name((size_t)i, name, sizeof(name));
	fmt_snprintf(buf, size, "%s+%#lx", name, (unsigned long)(addr - ksyms_addr((size_t)i)));
}
