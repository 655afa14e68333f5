/*
 * kernel/ksyms.h: address-to-function lookup for backtraces and the
 * profiler. The table is generated from the first link of each image
 * (tools/gen-ksyms.sh, nm -n: text symbols only) and linked into the
 * second; the kernel reads it in .ksyms. It holds addresses only: the
 * kernel names a function "@address" (hex, no 0x) and tools/symbolize.sh
 * turns that into "name+0xoff" from build/APP.sym on the host. With no
 * table (first pass) lookups print "?" and ksyms_count() is 0.
 */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

/* Writes "@addr" (hex), or "?" when addr is below the first function, into buf. */
void ksyms_format(uint64_t addr, char *buf, size_t size);
/* Symbols in the table. */
size_t ksyms_count(void);
/* Index of the symbol holding addr (the last one at or below it), or -1 below the first. */
long ksyms_index(uint64_t addr);
/* Symbol i's address (i < ksyms_count()). */
uint64_t ksyms_addr(size_t i);
/* A buffer that holds what ksyms_format() writes. */
#define KSYMS_FMT_MAX 24

#endif
