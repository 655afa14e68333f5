/*
 * mm/memmap.h: from a firmware memory map (unsorted, possibly overlapping,
 * mixed types) to the sorted, disjoint, page-aligned ranges of RAM that are
 * safe to hand out. Pure computation, host-testable.
 */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include <stdint.h>

#include "kernel/bootinfo.h"

struct mem_range {
	uint64_t start, end;   /* [start, end), page-aligned */
};

/*
 * Fill out[] with the parts of the MEM_USABLE regions that no other region
 * of the map claims (any non-usable type wins an overlap), that no
 * excl[] range touches, and that lie inside [lo, hi). Returns the number of
 * ranges, or -ENOSPC when more than max would be needed.
 */
int memmap_usable(const struct mem_region *map, int nmap, const struct mem_region *excl, int nexcl,
		  uint64_t lo, uint64_t hi, struct mem_range *out, int max);

/* Sum of the bytes in r[0..n). */
uint64_t memmap_bytes(const struct mem_range *r, int n);

#endif
