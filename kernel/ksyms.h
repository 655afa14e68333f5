/*
 * kernel/ksyms.h: address-to-symbol lookup for backtraces and the
 * profiler. The table is generated from the first link of each image
 * (tools/gen-ksyms.sh, nm -n: text symbols only) and linked into the
 * second; the kernel reads it in .ksyms, its names compressed (so a name
 * is copied out, not pointed to). With no table (first pass)
 * lookups print "?" and ksyms_count() is 0.
 */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

/* Writes "name+0xoff" (or "?") into buf. */
void ksyms_format(uint64_t addr, char *buf, size_t size);
/* Symbols in the table. */
size_t ksyms_count(void);
/* Index of the symbol holding addr (the last one at or below it), or -1 below the first. */
long ksyms_index(uint64_t addr);
/* Symbol i's address (i < ksyms_count()). */
uint64_t ksyms_addr(size_t i);
/* Symbol i's name (i < ksyms_count()) into buf, truncated to size - 1 bytes. */
void ksyms_name(size_t i, char *buf, size_t size);

/* A buffer that holds any name the table has (gen-ksyms.sh rejects longer ones). */
#define KSYMS_NAME_MAX 64

#endif
