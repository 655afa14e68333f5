/*
 * kernel/ksyms.c: binary search over the sorted symbol table that
 * tools/gen-ksyms.sh emits: ksyms_count entries of {address, name offset},
 * then the NUL-separated names.
 */
#include <stddef.h>
#include <stdint.h>

#include "kernel/ksyms.h"
#include "lib/fmt.h"

struct ksym {
	uint64_t addr;
	uint32_t name;             /* offset into ksyms_names */
	uint32_t pad;
};

/* Weak: the first link pass has no table and sees zero symbols. */
extern const uint64_t ksyms_count __attribute__((weak));
extern const struct ksym ksyms_table[] __attribute__((weak));
extern const char ksyms_names[] __attribute__((weak));

void ksyms_format(uint64_t addr, char *buf, size_t size)
{
	size_t n = &ksyms_count ? ksyms_count : 0;
	if (n == 0 || addr < ksyms_table[0].addr) {
		fmt_snprintf(buf, size, "?");
		return;
	}
	size_t lo = 0, hi = n;     /* find the last entry with addr <= target */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (ksyms_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	fmt_snprintf(buf, size, "%s+%#lx", ksyms_names + ksyms_table[lo].name,
		     (unsigned long)(addr - ksyms_table[lo].addr));
}
