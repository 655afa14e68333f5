/*
 * kernel/ksyms.h: address-to-symbol lookup for backtraces. The table is
 * generated from the first link of each image (nm -n) and linked into the
 * second; the kernel reads it in .ksyms. With no table (first pass) lookups
 * print the bare address.
 */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

/* Writes "name+0xoff" (or "?") into buf. */
void ksyms_format(uint64_t addr, char *buf, size_t size);

#endif
