/*
 * mm/memmap.c: usable RAM from the boot memory map (see memmap.h).
 *
 * The map comes from the E820 table (ACPI 6.5 15.1), the EFI memory map
 * (UEFI 2.10 7.2, already folded into enum mem_type by kernel/bootinfo.c)
 * or PVH's copy of E820. Firmware maps may be unsorted and may overlap; ACPI
 * 15.1 leaves overlaps undefined, so we take the safe reading: a byte is
 * usable only if some region says MEM_USABLE and no region says otherwise.
 * Partial pages at region edges are dropped, never rounded outward.
 */
#include <errno.h>

#include "mm/memmap.h"

#define PAGE_MASK 4095ull

/* Insert [s, e) into the sorted disjoint list r[0..*n), merging touching neighbours. */
static int range_add(struct mem_range *r, int *n, int max, uint64_t s, uint64_t e)
{
	if (e <= s)
		return 0;
	int i = 0;
	while (i < *n && r[i].end < s)
		i++;
	/* r[i..j) all touch or overlap [s, e): fold them into one. */
	int j = i;
	while (j < *n && r[j].start <= e) {
		if (r[j].start < s)
			s = r[j].start;
		if (r[j].end > e)
			e = r[j].end;
		j++;
	}
	if (j == i) {
		if (*n == max)
			return -ENOSPC;
		for (int k = *n; k > i; k--)
			r[k] = r[k - 1];
		(*n)++;
	} else if (j > i + 1) {
		for (int k = j; k < *n; k++)
			r[k - (j - i - 1)] = r[k];
		*n -= j - i - 1;
	}
	r[i] = (struct mem_range){ s, e };
	return 0;
}

/* Remove [s, e) from the sorted disjoint list; may split one range in two. */
static int range_cut(struct mem_range *r, int *n, int max, uint64_t s, uint64_t e)
{
	if (e <= s)
		return 0;
	for (int i = 0; i < *n; i++) {
		if (r[i].end <= s || r[i].start >= e)
			continue;
		if (r[i].start < s && r[i].end > e) {
			if (*n == max)
				return -ENOSPC;
			for (int k = *n; k > i + 1; k--)
				r[k] = r[k - 1];
			(*n)++;
			r[i + 1] = (struct mem_range){ e, r[i].end };
			r[i].end = s;
			return 0;
		}
		if (r[i].start < s) {
			r[i].end = s;
		} else if (r[i].end > e) {
			r[i].start = e;
		} else {
			for (int k = i + 1; k < *n; k++)
				r[k - 1] = r[k];
			(*n)--;
			i--;
		}
	}
	return 0;
}

static uint64_t region_end(const struct mem_region *m)
{
	/* A length running past 2^64 is clamped, not wrapped. */
	return m->base + m->len < m->base ? UINT64_MAX : m->base + m->len;
}

static uint64_t page_up(uint64_t x)
{
	return x > UINT64_MAX - PAGE_MASK ? UINT64_MAX & ~PAGE_MASK : (x + PAGE_MASK) & ~PAGE_MASK;
}

int memmap_usable(const struct mem_region *map, int nmap, const struct mem_region *excl, int nexcl,
		  uint64_t lo, uint64_t hi, struct mem_range *out, int max)
{
	int n = 0, err = 0;
	for (int i = 0; i < nmap && !err; i++) {
		if (map[i].type != MEM_USABLE)
			continue;
		uint64_t s = (map[i].base + PAGE_MASK) & ~PAGE_MASK;
		uint64_t e = region_end(&map[i]) & ~PAGE_MASK;
		if (s < map[i].base)   /* rounding up wrapped */
			continue;
		if (s < lo)
			s = lo;
		if (e > hi)
			e = hi;
		err = range_add(out, &n, max, s, e);
	}
	/* Cuts widen to whole pages: a page shared with anything else is not ours. */
	for (int i = 0; i < nmap && !err; i++)
		if (map[i].type != MEM_USABLE)
			err = range_cut(out, &n, max, map[i].base & ~PAGE_MASK,
					page_up(region_end(&map[i])));
	for (int i = 0; i < nexcl && !err; i++)
		err = range_cut(out, &n, max, excl[i].base & ~PAGE_MASK,
				page_up(region_end(&excl[i])));
	return err ? err : n;
}

uint64_t memmap_bytes(const struct mem_range *r, int n)
{
	uint64_t t = 0;
	for (int i = 0; i < n; i++)
		t += r[i].end - r[i].start;
	return t;
}
