/*
 * kernel/ksyms.c: binary search over the sorted symbol table that
 * tools/gen-ksyms.sh emits: ksyms_tab_n addresses (32 bits: the image is
 * identity-mapped below 4 GiB), as many 16-bit offsets into ksyms_tab_names,
 * then the NUL-separated names. Lock-free and read-only: safe in an
 * interrupt handler (the profiler's sample) and in a panic.
 */
#include <stddef.h>
#include <stdint.h>

#include "kernel/ksyms.h"
#include "lib/fmt.h"

/* Weak: the first link pass has no table and sees zero symbols. */
extern const uint64_t ksyms_tab_n __attribute__((weak));
extern const uint32_t ksyms_tab_addr[] __attribute__((weak));
extern const uint16_t ksyms_tab_name[] __attribute__((weak));
extern const char ksyms_tab_names[] __attribute__((weak));

size_t ksyms_count(void)
{
	return &ksyms_tab_n ? (size_t)ksyms_tab_n : 0;
}

long ksyms_index(uint64_t addr)
{
	size_t n = ksyms_count();
	if (n == 0 || addr < ksyms_tab_addr[0] || addr > UINT32_MAX)
		return -1;
	size_t lo = 0, hi = n;     /* find the last entry with addr <= target */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (ksyms_tab_addr[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return (long)lo;
}

const char *ksyms_name(size_t i)
{
	return ksyms_tab_names + ksyms_tab_name[i];
}

void ksyms_format(uint64_t addr, char *buf, size_t size)
{
	long i = ksyms_index(addr);
	if (i < 0) {
		fmt_snprintf(buf, size, "?");
		return;
	}
	fmt_snprintf(buf, size, "%s+%#lx", ksyms_name((size_t)i), (unsigned long)(addr - ksyms_tab_addr[i]));
}
